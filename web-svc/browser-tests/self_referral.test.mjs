// Browser tests of web-svc: Debian's chromium, headless, driven by
// playwright-core, with axe-core checking WCAG 2.2 AA. The test starts
// intake-svc and web-svc itself (real processes on free ports, a throwaway
// directory), as a person would use them. Screenshots are kept in
// $FRONTDOOR_BROWSER_ARTEFACTS.
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Suite, checkAccessible, ARTEFACTS, NEUTRAL } from './harness.mjs'

const suite = new Suite()
before(() => suite.start())
after(() => suite.stop())

async function fillComplete (page) {
  await page.fill('#given-names', 'Sam')
  await page.fill('#family-name', 'Jones')
  await page.fill('#dob-day', '1')
  await page.fill('#dob-month', '2')
  await page.fill('#dob-year', '1990')
  await page.fill('#address-postcode', 'ST4 7AB')
  await page.fill('#phone', '07700 900982')
  await page.check('#safe-to-call')
  await page.check('#safe-to-leave-message-no')
  await page.fill('#concerns', 'My partner hurts me.')
  await page.check('#children-no')
}

test('a person sees errors, fixes them and gets a reference; intake has it at the adult victims front door', async () => {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/`)
  await checkAccessible(page, '01-start')
  await page.click('text=Start now')
  assert.equal(await page.title(), 'Get support')
  await checkAccessible(page, '02-form')

  await page.click('button:has-text("Send")')
  assert.match(await page.title(), /^Error: /)
  const summary = page.locator('.govuk-error-summary')
  assert.ok(await summary.isVisible())
  assert.ok(await page.locator('.govuk-error-summary a[href="#safe-to-call"]').count() === 1)
  await checkAccessible(page, '03-form-errors')
  // The summary's link takes the person to the field.
  await page.click('.govuk-error-summary a[href="#safe-to-call"]')
  assert.equal(await page.evaluate(() => document.activeElement.id), 'safe-to-call')

  const before = await suite.referralsReceived('adult_victim')
  await fillComplete(page)
  await page.click('button:has-text("Send")')
  const reference = await page.locator('#reference').textContent()
  assert.match(reference, /^FD-[A-Z0-9]+$/)
  await checkAccessible(page, '04-receipt')
  assert.equal(await suite.referralsReceived('adult_victim'), before + 1)
  assert.deepEqual(problems, [])
})

test('intake field errors appear beside the fields with the GOV.UK pattern', async () => {
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/self-referral`)
  await fillComplete(page)
  await page.fill('#address-postcode', 'NOT A CODE')
  await page.fill('#given-names', '')
  await page.click('button:has-text("Send")')
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('#address-postcode-error').textContent(),
    'Error: Enter a real postcode, like ST4 7AB')
  assert.equal(await page.locator('.govuk-form-group--error #given-names').count(), 1)
  await checkAccessible(page, '05-intake-errors')
  await page.fill('#given-names', 'Sam')
  await page.fill('#address-postcode', 'ST4 7AB')
  await page.click('button:has-text("Send")')
  assert.match(await page.locator('#reference').textContent(), /^FD-/)
})

test('the quick exit leaves, and the back button does not return to the form', async () => {
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/`)
  await page.click('text=Start now')
  await page.fill('#concerns', 'something private')
  // Until web.js has run the link is a plain link, which adds to history.
  await page.waitForSelector('.govuk-exit-this-page__indicator', { state: 'attached' })
  await page.click('.govuk-exit-this-page__button')
  await page.waitForURL(NEUTRAL)
  await page.goBack()
  assert.ok(!page.url().includes('/self-referral'), page.url())
  await page.screenshot({ path: join(ARTEFACTS, '06-after-quick-exit-back.png') })
})

test('pressing Shift three times also leaves', async () => {
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/self-referral`)
  await page.waitForSelector('.govuk-exit-this-page__indicator', { state: 'attached' })
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift')
  await page.waitForURL(NEUTRAL)
})

test('the form can be completed with the keyboard alone', async () => {
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/self-referral`)
  const typed = {
    'given-names': 'Ali',
    'family-name': 'Khan',
    'dob-day': '3',
    'dob-month': '4',
    'dob-year': '1985',
    'address-postcode': 'ST4 7AB',
    email: 'ali@example.com',
    concerns: 'I am frightened at home.'
  }
  // Radio groups: Space picks "Yes"; Right arrow moves to and picks "No".
  const radios = { 'safe-to-call': 'Space', 'safe-to-leave-message': 'ArrowRight', children: 'ArrowRight' }
  const maxTabs = 80
  for (let i = 0; i < maxTabs; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => ({
      id: document.activeElement.id,
      name: document.activeElement.name,
      tag: document.activeElement.tagName,
      text: document.activeElement.textContent
    }))
    if (typed[focused.id]) await page.keyboard.type(typed[focused.id])
    if (radios[focused.name]) await page.keyboard.press(radios[focused.name])
    // Past "Add another child" to the Send button.
    if (focused.tag === 'BUTTON' && focused.text.trim() === 'Send') {
      await page.keyboard.press('Enter')
      break
    }
  }
  const reference = await page.locator('#reference').textContent()
  assert.match(reference, /^FD-/)
})

test('every page sends the headers that keep nothing in the browser', async () => {
  const { page } = await suite.newPage()
  const res = await page.goto(`${suite.webUrl}/self-referral`)
  const h = res.headers()
  assert.equal(h['cache-control'], 'no-store')
  assert.match(h['content-security-policy'], /script-src 'self'/)
  const cookies = await page.context().cookies()
  assert.equal(cookies.length, 1)
  assert.equal(cookies[0].expires, -1) // a session cookie
  assert.equal(cookies[0].httpOnly, true)
  assert.equal(cookies[0].secure, true)
  assert.equal(cookies[0].sameSite, 'Strict')
})
