// Browser test of the console's placements and waiting lists: Debian's
// chromium, headless, through playwright-core, axe-core checking WCAG 2.2 AA
// on each page. intake-svc, triage-svc, allocation-svc, notify-svc and
// web-svc run as real processes (harness.mjs); a police referral with a
// DASH is triaged and allocated on its own; a practitioner signs in with a
// TOTP computed here, records first contact, meets allocation's refusal on
// the consent form, and reads the waiting lists. Screenshots
// 40- to 43-placement*.png in $FRONTDOOR_BROWSER_ARTEFACTS.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { BUILD, Suite, checkAccessible } from './harness.mjs'

const SOURCE = process.env.FRONTDOOR_SOURCE_DIR

const PASSWORD = 'plum orchard lantern'
const TOTP_STEP_MS = 30000
// How long allocation may take to hear of a triaged referral.
const SETTLE_MS = 30000
const POLL_MS = 200

const suite = new Suite({}, { allocation: true })
before(() => suite.start())
after(() => suite.stop())

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

// A practitioner's account made with the operator command, enrolled in a
// new browser window, which is then signed in.
async function signedInPractitioner () {
  const out = execFileSync(join(BUILD, 'web-svc', 'frontdoor-web-accounts'), [
    'create', '--sqlite', join(suite.dir, 'web.db'), '--keys', join(suite.dir, 'keys.json'),
    '--username', 'pat@example.org', '--display-name', 'Pat Practitioner',
    '--role', 'practitioner', '--url', suite.webUrl, '--operator', 'op-browser-test'])
  const code = JSON.parse(out.toString()).enrolment_code
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/console/enrol`)
  await page.fill('#username', 'pat@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await page.click('#continue')
  const secret = base32Decode(await page.locator('#totp-secret').textContent())
  await page.fill('#code', totp(secret, Date.now()))
  await page.click('#continue')
  assert.equal(new URL(page.url()).pathname, '/console')
  return { page, problems }
}

// The example adult victim with a DASH of `yes` "yes" answers: triaged at
// once, then allocated.
function adultWithDash (yes) {
  const referral = JSON.parse(readFileSync(join(SOURCE, 'tools', 'examples', 'adult-victim.json')))
  referral.riskAssessment = {
    formVersion: 'safelives-dash-24',
    answers: Array.from({ length: 24 }, (_, i) => ({
      question: i + 1,
      answer: i < yes ? 'ANSWER_YES' : 'ANSWER_NO'
    }))
  }
  return referral
}

// Opens the placement's page until allocation has it.
async function openPlacement (page, reference) {
  const deadline = Date.now() + SETTLE_MS
  for (;;) {
    const res = await page.goto(`${suite.webUrl}/console/placements/${reference}`)
    if (res.status() === 200) return
    assert.equal(res.status(), 404, await res.text())
    assert.ok(Date.now() < deadline, `${reference} was not allocated in time`)
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
  }
}

test('a practitioner records first contact on a placement and reads the waiting lists', async () => {
  const reference = await suite.submitAs('staffs-police', adultWithDash(5))
  const { page, problems } = await signedInPractitioner()
  await openPlacement(page, reference)
  assert.equal(await page.locator('#state').textContent(), 'Allocated')
  assert.equal(await page.locator('h1').count(), 1)
  await checkAccessible(page, '40-placement')

  // First contact, now by default: method, then the button.
  await page.check('#method')
  await page.click('#record-first-contact')
  assert.equal(new URL(page.url()).pathname, `/console/placements/${reference}`)
  assert.match(await page.locator('#recorded').textContent(), /First contact recorded/)
  assert.match(await page.locator('#first-contact').textContent(), /Met/)
  await checkAccessible(page, '41-placement-first-contact-recorded')

  // The consent form sent with nothing chosen: allocation names the fields.
  await page.fill('#how', 'by phone')
  await page.click('#record-consent')
  assert.match(await page.locator('.govuk-error-summary').textContent(), /Select whose consent it is/)
  assert.match(await page.title(), /^Error: /)
  await checkAccessible(page, '42-placement-errors')

  await page.goto(`${suite.webUrl}/console/waiting-lists`)
  assert.equal(await page.locator('h1').textContent(), 'Waiting lists')
  await checkAccessible(page, '43-waiting-lists')
  assert.deepEqual(problems, [])
})
