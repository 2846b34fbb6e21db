// Browser tests of the console's triage pages: intake-svc, triage-svc,
// notify-svc and web-svc as real processes (harness.mjs), a referral
// submitted by the police with frontdoorctl, a practitioner signed in with
// a real TOTP in headless chromium working it from the queue to the
// decision; axe-core checks WCAG 2.2 AA on every page, screenshots
// console-triage-*.png in $FRONTDOOR_BROWSER_ARTEFACTS.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Suite, checkAccessible, example } from './harness.mjs'

// How long a referral may take to reach triage's queue.
const QUEUE_DEADLINE_MS = 30000

const suite = new Suite({}, { triageAndNotify: true })
before(() => suite.start())
after(() => suite.stop())

// The queue page once it lists `reference` (intake's relay hands it over).
async function queueWith (page, reference) {
  const deadline = Date.now() + QUEUE_DEADLINE_MS
  for (;;) {
    await page.goto(`${suite.webUrl}/console/queue`)
    if ((await page.locator(`#queue a[href="/console/referrals/${reference}"]`).count()) > 0) return
    assert.ok(Date.now() < deadline, `${reference} never reached the queue`)
    await page.waitForTimeout(200) // a bounded poll of the hand-over
  }
}

test('a practitioner works a referral from the queue to the decision', async () => {
  const reference = await suite.submitAs('staffs-police', example('adult-victim.json'))
  const { page, problems } = await suite.newPage()
  await suite.signIn(page, 'pat@example.org', 'practitioner')
  await page.click('a[href="/console/queue"]')
  await queueWith(page, reference)
  assert.equal(await page.locator('h1').count(), 1)
  await checkAccessible(page, 'console-triage-1-queue')

  await page.click(`#queue a[href="/console/referrals/${reference}"]`)
  await checkAccessible(page, 'console-triage-2-purpose')
  await page.click('#continue')
  assert.equal(await page.locator('.govuk-error-summary').count(), 1)
  await checkAccessible(page, 'console-triage-3-purpose-error')
  await page.check('#purpose-assessment')
  await page.click('#continue')
  assert.equal(await page.locator('#reference').textContent(), reference)
  assert.match(await page.locator('#subject-name').textContent(), /Aisha Rahman/)
  await checkAccessible(page, 'console-triage-4-referral')

  await page.click('#assessment-link')
  assert.equal(new URL(page.url()).pathname, `/console/referrals/${reference}/assessment`)
  await checkAccessible(page, 'console-triage-5-dash')
  await page.click('#continue')
  assert.equal(await page.locator('.govuk-error-summary').count(), 1)
  await checkAccessible(page, 'console-triage-6-dash-errors')
  for (let q = 1; q <= 24; q++) {
    await page.check(q <= 14 ? `#dash-${q}` : `#dash-${q}-no`)
  }
  await page.click('#continue')
  assert.equal(new URL(page.url()).pathname, `/console/referrals/${reference}/decision`)
  assert.equal(await page.locator('.govuk-notification-banner--success').count(), 1)
  assert.equal(await page.locator('#risk-level').textContent(), 'High')
  assert.equal(await page.locator('#override').count(), 0)
  await checkAccessible(page, 'console-triage-7-decision')
  assert.deepEqual(problems, [])
})

test("the children's assessment shows the indicators for the child's age", async () => {
  const reference = await suite.submitAs('staffs-police', example('child-victim.json'))
  const { page, problems } = await suite.newPage()
  await suite.signIn(page, 'kit@example.org', 'team_leader')
  await queueWith(page, reference)
  await page.goto(`${suite.webUrl}/console/referrals/${reference}/assessment`)
  assert.equal(await page.locator('#indicator-witnessed-violence').count(), 1)
  assert.equal(await page.locator('#special-needs').count(), 1)
  await checkAccessible(page, 'console-triage-8-child-assessment')
  assert.deepEqual(problems, [])
})
