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
import { Suite, checkAccessible, example } from './harness.mjs'

// How long allocation may take to hear of a triaged referral.
const SETTLE_MS = 30000
const POLL_MS = 200

const suite = new Suite({}, { allocation: true })
before(() => suite.start())
after(() => suite.stop())

// A practitioner's account, enrolled in a new browser window, which is
// then signed in.
async function signedInPractitioner () {
  const { page, problems } = await suite.newPage()
  await suite.signIn(page, 'pat@example.org', 'practitioner', 'Pat Practitioner')
  return { page, problems }
}

// The example adult victim with a DASH of `yes` "yes" answers: triaged at
// once, then allocated.
function adultWithDash (yes) {
  const referral = example('adult-victim.json')
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
