// Browser tests of the professionals' referral forms: each form filled in
// and sent in chromium, errors shown and fixed, the reference received and
// the referral counted by intake at its front door; a DASH of 14 "yes"
// answers; "Add another child" without JavaScript; a form completed with
// the keyboard alone; axe-core (WCAG 2.2 AA) on every page; screenshots
// kept. The MARAC alert a web DASH raises is checked against an API
// referral's in marac_alert.test.mjs (and, in C++, by
// NotifyFlowTest.AWebReferralWith14YesAnswersRaisesTheSameMaracAlert).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { Suite, checkAccessible, ARTEFACTS } from './harness.mjs'

const suite = new Suite({
  professionalEmailDomains: ['nhs.net', 'staffordshire.police.uk', 'stoke.gov.uk']
})
// Bounds every keyboard walk through a form.
const MAX_TABS = 200

before(async () => { await suite.start() })
after(async () => { await suite.stop() })

async function fillReferrer (page, email = 'pat.smith@gp.nhs.net') {
  await page.fill('#referrer-name', 'Pat Smith')
  await page.fill('#referrer-organisation', 'Oakfield Surgery')
  await page.fill('#referrer-role', 'Practice nurse')
  await page.fill('#referrer-email', email)
}

async function fillPerson (page, { year = '1990' } = {}) {
  await page.fill('#given-names', 'Sam')
  await page.fill('#family-name', 'Jones')
  await page.fill('#dob-day', '1')
  await page.fill('#dob-month', '2')
  await page.fill('#dob-year', year)
  await page.fill('#address-postcode', 'ST4 7AB')
  await page.fill('#phone', '07700 900982')
  await page.check('#safe-to-call')
  await page.check('#safe-to-leave-message-no')
  await page.fill('#concerns', 'Things are getting worse at home.')
  await page.check('#children-no')
}

async function send (page) {
  await page.click('button:has-text("Send referral")')
}

test('the start page leads to the list of forms', async () => {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/`)
  await page.click('text=make a referral as a professional')
  assert.equal(await page.title(), 'Get support')
  await checkAccessible(page, 'pro-01-list')
  for (const slug of ['adult-victim', 'behaviour-change', 'child']) {
    assert.equal(await page.locator(`a[href="/professional/${slug}"]`).count(), 1, slug)
  }
  assert.deepEqual(problems, [])
})

test('adult victim: errors shown and fixed, a DASH of 14 yes, a reference; intake has it at the adult victims front door', async () => {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/professional/adult-victim`)
  await checkAccessible(page, 'pro-02-adult-victim')

  await send(page)
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('.govuk-error-summary a[href="#referrer-email"]').count(), 1)
  await checkAccessible(page, 'pro-03-adult-victim-errors')
  await page.click('.govuk-error-summary a[href="#referrer-email"]')
  assert.equal(await page.evaluate(() => document.activeElement.id), 'referrer-email')

  // A look-alike of an accepted domain is refused on its field.
  await fillReferrer(page, 'pat.smith@nhs.net.evil.example')
  await fillPerson(page)
  await page.check('#consent')
  for (let q = 1; q <= 24; q++) await page.check(q <= 14 ? `#dash-${q}` : `#dash-${q}-no`)
  await page.fill('#dash-2-comment', 'Says she is afraid to go home')
  await send(page)
  assert.match(await page.locator('#referrer-email-error').textContent(),
    /Enter a work email address ending in nhs.net/)
  assert.equal(await page.locator('.govuk-error-summary li').count(), 1)
  // What was typed is kept, the DASH answers too.
  assert.equal(await page.inputValue('#dash-2-comment'), 'Says she is afraid to go home')
  assert.ok(await page.isChecked('#dash-14'))
  await checkAccessible(page, 'pro-04-adult-victim-email-error')

  const before = await suite.referralsReceived('adult_victim')
  await page.fill('#referrer-email', 'pat.smith@gp.nhs.net')
  await send(page)
  const reference = await page.locator('#reference').textContent()
  assert.match(reference, /^FD-[A-Z0-9]+$/)
  assert.match(await page.locator('h1').textContent(), /Referral sent/)
  await checkAccessible(page, 'pro-05-adult-victim-receipt')
  assert.equal(await suite.referralsReceived('adult_victim'), before + 1)
  assert.deepEqual(problems, [])
})

test('behaviour change: intake\'s own errors on the fields, then a reference at the behaviour change front door', async () => {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/professional/behaviour-change`)
  await checkAccessible(page, 'pro-06-behaviour-change')
  await fillReferrer(page, 'officer@staffordshire.police.uk')
  await fillPerson(page)
  // Without the partner, consent or probation answers intake refuses it.
  await page.check('#consent-refused')
  await send(page)
  assert.match(await page.title(), /^Error: /)
  for (const field of ['other-given-names', 'known-to-probation', 'previous-programme', 'consent']) {
    assert.equal(await page.locator(`.govuk-error-summary a[href="#${field}"]`).count(), 1, field)
  }
  await checkAccessible(page, 'pro-07-behaviour-change-errors')

  await page.fill('#other-given-names', 'Kim')
  await page.fill('#other-family-name', 'Jones')
  await page.check('#other-relationship-ex-partner')
  await page.check('#known-to-probation')
  await page.check('#previous-programme-no')
  await page.check('#consent')
  const before = await suite.referralsReceived('adult_behaviour_change')
  await send(page)
  assert.match(await page.locator('#reference').textContent(), /^FD-/)
  await checkAccessible(page, 'pro-08-behaviour-change-receipt')
  assert.equal(await suite.referralsReceived('adult_behaviour_change'), before + 1)
  assert.deepEqual(problems, [])
})

async function childForm (page) {
  await fillReferrer(page, 'dsl@stoke.gov.uk')
  await fillPerson(page, { year: '2012' })
  await page.check('#children')
  await page.fill('#child-1-given-names', 'Alex')
  await page.fill('#child-1-family-name', 'Jones')
  await page.fill('#child-1-dob-day', '5')
  await page.fill('#child-1-dob-month', '6')
  await page.fill('#child-1-dob-year', '2016')
  assert.equal(await page.locator('#child-2').count(), 0)
  await page.click('button:has-text("Add another child")')
  // The server answers with the same form and one more block, typed
  // answers kept, nothing sent.
  assert.equal(await page.locator('#child-2').count(), 1)
  assert.equal(await page.inputValue('#child-1-given-names'), 'Alex')
  await page.fill('#child-2-given-names', 'Bo')
  await page.fill('#child-2-family-name', 'Jones')
  await page.fill('#child-2-dob-day', '7')
  await page.fill('#child-2-dob-month', '8')
  await page.fill('#child-2-dob-year', '2018')
  await page.check('#consent')
  await page.check('#parent-consent')
}

test('a child through the neutral front door, with another child added; intake has it at the children\'s front door', async () => {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/professional/child`)
  await checkAccessible(page, 'pro-09-child')
  await childForm(page)
  await checkAccessible(page, 'pro-10-child-two-children')
  const before = await suite.referralsReceived('children')
  await send(page)
  assert.match(await page.locator('#reference').textContent(), /^FD-/)
  await checkAccessible(page, 'pro-11-child-receipt')
  assert.equal(await suite.referralsReceived('children'), before + 1)
  assert.deepEqual(problems, [])
})

test('"Add another child" and sending work with JavaScript off', async () => {
  const { page } = await suite.newPage({ javaScriptEnabled: false })
  await page.goto(`${suite.webUrl}/professional/child`)
  await childForm(page)
  const before = await suite.referralsReceived('children')
  await send(page)
  assert.match(await page.locator('#reference').textContent(), /^FD-/)
  assert.equal(await suite.referralsReceived('children'), before + 1)
  await page.screenshot({ path: join(ARTEFACTS, 'pro-12-child-receipt-no-javascript.png'), fullPage: true })
})

test('a professional form can be completed with the keyboard alone', async () => {
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/professional/behaviour-change`)
  const typed = {
    'referrer-name': 'Pat Smith',
    'referrer-organisation': 'Probation Service',
    'referrer-role': 'Probation officer',
    'referrer-email': 'pat@staffordshire.police.uk',
    'given-names': 'Ali',
    'family-name': 'Khan',
    'dob-day': '3',
    'dob-month': '4',
    'dob-year': '1985',
    'address-postcode': 'ST4 7AB',
    email: 'ali@example.com',
    'other-given-names': 'Jo',
    'other-family-name': 'Khan',
    concerns: 'He wants to change how he behaves at home.'
  }
  // Radio groups: Space picks the first option; Right arrow moves to and
  // picks the second.
  const radios = {
    'safe-to-call': 'Space',
    'safe-to-leave-message': 'ArrowRight',
    'other-relationship': 'ArrowRight',
    'known-to-probation': 'ArrowRight',
    'previous-programme': 'ArrowRight',
    children: 'ArrowRight',
    consent: 'Space'
  }
  let sent = false
  for (let i = 0; i < MAX_TABS && !sent; i++) {
    await page.keyboard.press('Tab')
    const focused = await page.evaluate(() => ({
      id: document.activeElement.id,
      name: document.activeElement.name,
      tag: document.activeElement.tagName,
      text: document.activeElement.textContent
    }))
    if (typed[focused.id]) await page.keyboard.type(typed[focused.id])
    if (radios[focused.name]) await page.keyboard.press(radios[focused.name])
    if (focused.tag === 'BUTTON' && focused.text.includes('Send referral')) {
      await page.keyboard.press('Enter')
      sent = true
    }
  }
  assert.ok(sent, 'the Send referral button was reached')
  assert.match(await page.locator('#reference').textContent(), /^FD-/)
})
