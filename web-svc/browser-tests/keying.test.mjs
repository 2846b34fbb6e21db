// A call handler keys a phoned-in self-referral in the console: Debian's
// chromium through playwright-core, axe-core checking WCAG 2.2 AA on each
// page (screenshots 40- to 45-keying-*.png). intake-svc and web-svc run as
// real processes (harness.mjs); the account is made with the operator
// command frontdoor-web-accounts and signed in with a TOTP code computed
// here (RFC 6238 with node's HMAC).
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { join } from 'node:path'
import { BUILD, Suite, checkAccessible } from './harness.mjs'

const PASSWORD = 'plum orchard lantern'
const TOTP_STEP_MS = 30000

const suite = new Suite()
before(() => suite.start())
after(() => suite.stop())

// frontdoor-web-accounts create, as an operator runs it: the one-time code.
function createAccount (username, role) {
  const out = execFileSync(join(BUILD, 'web-svc', 'frontdoor-web-accounts'), [
    'create', '--sqlite', join(suite.dir, 'web.db'), '--keys', join(suite.dir, 'keys.json'),
    '--username', username, '--display-name', 'Alex Example', '--role', role,
    '--url', suite.webUrl, '--operator', 'op-browser-test'])
  return JSON.parse(out.toString()).enrolment_code
}

function base32Decode (text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const out = []
  for (const c of text.replace(/[\s=]/g, '')) {
    value = (value << 5) | alphabet.indexOf(c)
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

// RFC 6238: HMAC-SHA-1, 30-second steps, 6 digits, at `ms`.
function totp (secret, ms) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / TOTP_STEP_MS)))
  const h = createHmac('sha1', secret).update(counter).digest()
  const o = h[h.length - 1] & 0xf
  return ((h.readUInt32BE(o) & 0x7fffffff) % 1000000).toString().padStart(6, '0')
}

async function submit (page, button) {
  await Promise.all([page.waitForNavigation(), page.click(`#${button}`)])
}

test('a call handler keys a phoned-in self-referral', async () => {
  const code = createAccount('alex@example.org', 'call_handler')
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/console/enrol`)
  await page.fill('#username', 'alex@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await submit(page, 'continue')
  const secret = base32Decode(await page.locator('#totp-secret').textContent())
  await page.fill('#code', totp(secret, Date.now()))
  await submit(page, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console')

  await Promise.all([page.waitForNavigation(), page.click('a[href="/console/new-referral"]')])
  await checkAccessible(page, '40-keying-start')
  await submit(page, 'continue')
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('.govuk-error-summary a[href="#channel"]').count(), 1)
  await checkAccessible(page, '41-keying-start-errors')

  await page.check('#channel') // phone
  await page.check('#referred-by') // the person themselves
  await page.check('#referral-form') // adult victim
  await submit(page, 'continue')
  assert.equal(await page.locator('h1').count(), 1)
  assert.equal(await page.locator('#chosen-channel').textContent(), 'Phone')
  assert.equal(await page.locator('#referrer-name').count(), 0)
  await checkAccessible(page, '42-keying-form')

  await submit(page, 'send-referral')
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('.govuk-error-summary a[href="#safe-to-call"]').count(), 1)
  await checkAccessible(page, '43-keying-form-errors')

  // Only what the caller can give safely: a number never to be called
  // back or left a message on, and when they can be reached.
  await page.fill('#given-names', 'Sam')
  await page.fill('#family-name', 'Jones')
  await page.fill('#dob-day', '1')
  await page.fill('#dob-month', '2')
  await page.fill('#dob-year', '1990')
  await page.fill('#address-postcode', 'ST4 7AB')
  await page.fill('#phone', '07700 900982')
  await page.check('#safe-to-call-no')
  await page.check('#safe-to-leave-message-no')
  await page.fill('#safe-times', 'Only she calls us; weekday mornings')
  await page.fill('#concerns', 'Her partner hurts her.')
  await page.check('#children-no')
  await page.check('#consent')
  await submit(page, 'send-referral')
  assert.match(new URL(page.url()).pathname, /^\/console\/new-referral\/received\/FD-[0-9A-Z]{12}$/)
  assert.match(await page.locator('#reference').textContent(), /^FD-[0-9A-Z]{12}$/)
  assert.equal(await page.locator('.govuk-notification-banner--success').count(), 1)
  await checkAccessible(page, '44-keying-received')
  assert.deepEqual(problems, [])
})
