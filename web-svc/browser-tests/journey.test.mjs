// A day at the front door, in the console, end to end: every service runs
// as a real process (harness.mjs) and three people work in headless
// chromium, each signed in with their own account and authenticator code.
//
//   - A call handler keys a self-referral phoned in by a woman who was
//     referred to MARAC by the police earlier: the repeat makes her the
//     highest risk in the triage queue.
//   - A practitioner finds her at the top of the queue, reads the referral
//     for an assessment, completes the DASH with her and sees the decision;
//     the IDVA service is full, so she waits for a place.
//   - The practitioner records first contact with the woman already
//     allocated, then a child's assessment and the carer's consent, which
//     moves the child's placement from awaiting consent to allocated.
//   - A team leader releases the IDVA place, and the head of the waiting
//     list (the woman who phoned) is allocated it.
//
// axe-core checks WCAG 2.2 AA on every page; the screenshots,
// journey-*.jpg in $FRONTDOOR_BROWSER_ARTEFACTS, are the pictures of the
// practitioners' guide (docs/console/, tools/console-screenshots).
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Suite, SOURCE, checkAccessible as checkEachPage, example } from './harness.mjs'

// How long a referral may take to pass from one service to the next.
const SETTLE_MS = 30000
// The pause between two looks at a page that waits on a hand-over.
const POLL_MS = 200
// The IDVA programme for high-risk adult victims.
const IDVA_PROGRAMME = 'adult-acute-support'

// The repository's allocation settings with one IDVA who has room for one
// case: the second high-risk victim waits.
function oneIdvaPlace () {
  const settings = JSON.parse(readFileSync(join(SOURCE, 'config', 'allocation-settings.json')))
  settings.practitioners = settings.practitioners
    .filter((p) => !p.programmes.includes(IDVA_PROGRAMME))
    .concat([{ id: 'idva-north-1', programmes: [IDVA_PROGRAMME], caseload: 1 }])
  return settings
}

// axe-core, and the screenshot as a picture for the practitioners' guide
// (tools/console-screenshots).
function checkAccessible (page, name) {
  return checkEachPage(page, name, { jpeg: true })
}

const suite = new Suite({}, { allocation: true, allocationSettings: oneIdvaPlace() })
before(() => suite.start())
after(() => suite.stop())

// The woman who phones: referred by the police earlier with a DASH of 14
// "yes" answers (high risk, MARAC).
const SAM = { givenNames: 'Sam', familyName: 'Jones' }
const SAM_DOB = { year: 1990, month: 2, day: 1 }

function policeReferral (name, dob, yes) {
  const referral = example('adult-victim.json')
  referral.subject.name = name
  referral.subject.dateOfBirth = dob
  delete referral.subject.specialistNeeds
  if (yes === null) {
    delete referral.riskAssessment
  } else {
    referral.riskAssessment = {
      formVersion: 'safelives-dash-24',
      answers: Array.from({ length: 24 }, (_, i) => ({
        question: i + 1,
        answer: i < yes ? 'ANSWER_YES' : 'ANSWER_NO'
      }))
    }
  }
  return referral
}

// A ten-year-old referred by social care, with the child's agreement but
// not yet a parent's or carer's.
function childWithoutCarerConsent () {
  const referral = example('child-victim.json')
  referral.subject.dateOfBirth = { year: 2016, month: 3, day: 14 }
  referral.consent = { subject: 'CONSENT_GIVEN' }
  return referral
}

async function click (page, selector) {
  await Promise.all([page.waitForNavigation(), page.click(selector)])
}

// Opens `path` until it answers 200 (a hand-over between services is
// still under way while it answers 404).
async function openWhenThere (page, path) {
  const deadline = Date.now() + SETTLE_MS
  for (;;) {
    const res = await page.goto(`${suite.webUrl}${path}`)
    if (res.status() === 200) return
    assert.equal(res.status(), 404, await res.text())
    assert.ok(Date.now() < deadline, `${path} was not there in time`)
    await page.waitForTimeout(POLL_MS) // a bounded poll of the hand-over
  }
}

// The placement's page once its state is `state`.
async function placementIn (page, reference, state) {
  const deadline = Date.now() + SETTLE_MS
  for (;;) {
    await openWhenThere(page, `/console/placements/${reference}`)
    const shown = await page.locator('#state').textContent()
    if (shown === state) return
    assert.ok(Date.now() < deadline, `${reference} is "${shown}", not "${state}"`)
    await page.waitForTimeout(POLL_MS)
  }
}

// The triage queue once it lists `reference`.
async function queueWith (page, reference) {
  const deadline = Date.now() + SETTLE_MS
  for (;;) {
    await page.goto(`${suite.webUrl}/console/queue`)
    if ((await page.locator(`#queue a[href="/console/referrals/${reference}"]`).count()) > 0) return
    assert.ok(Date.now() < deadline, `${reference} never reached the queue`)
    await page.waitForTimeout(POLL_MS)
  }
}

// Opens a referral in full for `purpose` ("assessment").
async function readReferral (page, reference, purpose) {
  await page.goto(`${suite.webUrl}/console/referrals/${reference}`)
  await page.check(`#purpose-${purpose}`)
  await click(page, '#continue')
  assert.equal(await page.locator('#reference').textContent(), reference)
}

test('a referral phoned in, triaged, allocated or waiting, contacted, and a place released', async () => {
  // Earlier: the police referred Sam (high risk, MARAC), who holds the one
  // IDVA place, and someone else without a DASH, who waits for triage.
  const earlier = await suite.submitAs('staffs-police', policeReferral(SAM, SAM_DOB, 14))
  const caller = await suite.newPage()
  const callHandler = caller.page
  await suite.signIn(callHandler, 'alex@example.org', 'call_handler', 'Alex Example')
  const practitionerWindow = await suite.newPage()
  const practitioner = practitionerWindow.page
  await suite.signIn(practitioner, 'pat@example.org', 'practitioner', 'Pat Practitioner')
  await placementIn(practitioner, earlier, 'Allocated')
  const waitingLonger = await suite.submitAs('staffs-police',
    policeReferral({ givenNames: 'Lee', familyName: 'Brown' }, { year: 1985, month: 7, day: 9 }, null))
  await queueWith(practitioner, waitingLonger)

  // The call handler keys Sam's call.
  await callHandler.goto(`${suite.webUrl}/console`)
  await checkAccessible(callHandler, 'journey-01-call-handler-home')
  await click(callHandler, 'a[href="/console/new-referral"]')
  await callHandler.check('#channel') // phone
  await callHandler.check('#referred-by') // the person themselves
  await callHandler.check('#referral-form') // adult victim
  await click(callHandler, '#continue')
  await callHandler.fill('#given-names', SAM.givenNames)
  await callHandler.fill('#family-name', SAM.familyName)
  await callHandler.fill('#dob-day', String(SAM_DOB.day))
  await callHandler.fill('#dob-month', String(SAM_DOB.month))
  await callHandler.fill('#dob-year', String(SAM_DOB.year))
  await callHandler.fill('#address-postcode', 'ST4 7AB')
  await callHandler.fill('#phone', '07700 900982')
  await callHandler.check('#safe-to-call-no')
  await callHandler.check('#safe-to-leave-message-no')
  await callHandler.fill('#safe-times', 'Only she calls us; weekday mornings')
  await callHandler.fill('#concerns', 'He has started again since the police came.')
  await callHandler.check('#children-no')
  await callHandler.check('#consent')
  await checkAccessible(callHandler, 'journey-02-keying')
  await click(callHandler, '#send-referral')
  const phoned = (await callHandler.locator('#reference').textContent()).trim()
  assert.match(phoned, /^FD-[0-9A-Z]{12}$/)
  await checkAccessible(callHandler, 'journey-03-keyed')
  // A call handler may not assess, override or release.
  assert.equal((await callHandler.goto(`${suite.webUrl}/console/referrals/${phoned}/assessment`)).status(), 403)
  assert.equal((await callHandler.goto(`${suite.webUrl}/console/placements/${earlier}/release`)).status(), 403)

  // The practitioner: Sam is at the top of the queue, above the referral
  // that has waited longer, because of the repeat MARAC referral.
  await queueWith(practitioner, phoned)
  const rows = await practitioner.locator('#queue a[href^="/console/referrals/"]').evaluateAll(
    (links) => links.map((a) => a.getAttribute('href')))
  assert.equal(rows[0], `/console/referrals/${phoned}`)
  assert.ok(rows.includes(`/console/referrals/${waitingLonger}`))
  await checkAccessible(practitioner, 'journey-04-queue')

  await practitioner.click(`#queue a[href="/console/referrals/${phoned}"]`)
  await checkAccessible(practitioner, 'journey-05-purpose')
  await readReferral(practitioner, phoned, 'assessment')
  assert.match(await practitioner.locator('#subject-name').textContent(), /Sam Jones/)
  await checkAccessible(practitioner, 'journey-06-referral')

  await click(practitioner, '#assessment-link')
  for (let q = 1; q <= 24; q++) {
    await practitioner.check(q <= 14 ? `#dash-${q}` : `#dash-${q}-no`)
  }
  await checkAccessible(practitioner, 'journey-07-dash')
  await click(practitioner, '#continue')
  assert.equal(new URL(practitioner.url()).pathname, `/console/referrals/${phoned}/decision`)
  assert.equal(await practitioner.locator('#risk-level').textContent(), 'High')
  assert.match(await practitioner.locator('#marac-flags').textContent(), /Repeat referral to MARAC/)
  assert.match(await practitioner.locator('#recipients').textContent(), /MARAC/)
  assert.equal(await practitioner.locator('#override').count(), 0)
  await checkAccessible(practitioner, 'journey-08-decision')

  // The one IDVA place is taken: Sam waits, at the head of the list.
  await placementIn(practitioner, phoned, 'Waiting')
  await checkAccessible(practitioner, 'journey-09-waiting')
  await practitioner.goto(`${suite.webUrl}/console/waiting-lists/${IDVA_PROGRAMME}`)
  assert.match(await practitioner.locator(`#waiting-${IDVA_PROGRAMME}`).textContent(), new RegExp(phoned))
  await checkAccessible(practitioner, 'journey-10-waiting-list')

  // First contact with the woman who holds the place.
  await placementIn(practitioner, earlier, 'Allocated')
  await practitioner.check('#method') // phone, now
  await click(practitioner, '#record-first-contact')
  assert.equal(new URL(practitioner.url()).pathname, `/console/placements/${earlier}`)
  assert.match(await practitioner.locator('#recorded').textContent(), /First contact recorded/)
  assert.match(await practitioner.locator('#first-contact').textContent(), /Met/)
  await checkAccessible(practitioner, 'journey-11-first-contact')

  // A child: the children's assessment, then a carer's consent.
  const child = await suite.submitAs('staffs-police', childWithoutCarerConsent())
  await queueWith(practitioner, child)
  await readReferral(practitioner, child, 'assessment')
  await click(practitioner, '#assessment-link')
  // Every indicator for a child of ten is answered: she has seen violence
  // at home; nothing else.
  for (const no of await practitioner.locator('input[type="radio"][name^="indicator-"][value="no"]').all()) {
    await no.check()
  }
  await practitioner.check('input[name="indicator-witnessed-violence"][value="yes"]')
  await practitioner.check('input[name="special-needs"][value="no"]')
  await checkAccessible(practitioner, 'journey-12-child-assessment')
  await click(practitioner, '#continue')
  assert.equal(new URL(practitioner.url()).pathname, `/console/referrals/${child}/decision`)
  await placementIn(practitioner, child, 'Awaiting consent')
  await checkAccessible(practitioner, 'journey-13-awaiting-consent')
  await practitioner.check('input[name="who"][value="parent-or-carer"]')
  await practitioner.check('input[name="consent"][value="given"]')
  await practitioner.fill('#how', 'By phone with her mother')
  await click(practitioner, '#record-consent')
  assert.equal(new URL(practitioner.url()).pathname, `/console/placements/${child}`)
  assert.match(await practitioner.locator('#recorded').textContent(), /[Cc]onsent/)
  assert.equal(await practitioner.locator('#state').textContent(), 'Allocated')
  await checkAccessible(practitioner, 'journey-14-consent-recorded')
  // A practitioner may not release a place.
  assert.equal((await practitioner.goto(`${suite.webUrl}/console/placements/${earlier}/release`)).status(), 403)

  // The team leader releases the IDVA place; Sam is allocated it.
  const leaderWindow = await suite.newPage()
  const leader = leaderWindow.page
  await suite.signIn(leader, 'kim@example.org', 'team_leader', 'Kim Leader')
  await leader.goto(`${suite.webUrl}/console/placements/${earlier}`)
  await click(leader, '#release')
  assert.equal(new URL(leader.url()).pathname, `/console/placements/${earlier}/release`)
  await leader.fill('#reason', 'Case closed: safety plan in place')
  await checkAccessible(leader, 'journey-15-release')
  await click(leader, '#release-place')
  assert.equal(new URL(leader.url()).pathname, `/console/placements/${earlier}/released`)
  assert.equal(await leader.locator(`a[href="/console/placements/${phoned}"]`).count(), 1)
  await checkAccessible(leader, 'journey-16-released')
  await placementIn(leader, phoned, 'Allocated')
  await checkAccessible(leader, 'journey-17-allocated')
  await placementIn(leader, earlier, 'Released')

  assert.deepEqual(caller.problems, [])
  assert.deepEqual(practitionerWindow.problems, [])
  assert.deepEqual(leaderWindow.problems, [])
})
