// A call handler keys a phoned-in self-referral in the console: Debian's
// chromium through playwright-core, axe-core checking WCAG 2.2 AA on each
// page (screenshots 40- to 44-keying-*.png). intake-svc and web-svc run as
// real processes (harness.mjs), which also makes and signs in the account.
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Suite, checkAccessible } from './harness.mjs'

const suite = new Suite()
before(() => suite.start())
after(() => suite.stop())

async function submit (page, button) {
  await Promise.all([page.waitForNavigation(), page.click(`#${button}`)])
}

test('a call handler keys a phoned-in self-referral', async () => {
  const { page, problems } = await suite.newPage()
  await suite.signIn(page, 'alex@example.org', 'call_handler', 'Alex Example')

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
