// Browser test of issue 13's MARAC promise: a professional's web referral
// with 14 "yes" DASH answers, filled in and sent in chromium, raises the same
// MARAC alert on the police harm reduction hub's stream as an API referral
// with the same answers sent by the police with frontdoorctl. The suite runs
// intake-svc, triage-svc and notify-svc as real processes behind web-svc;
// the hub's stream is read with `frontdoorctl watch` as staffs-police-hub.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Suite, checkAccessible } from './harness.mjs'

const suite = new Suite({ professionalEmailDomains: ['staffordshire.police.uk'] },
  { triageAndNotify: true })
const DASH_QUESTIONS = 24
// The visible-high-risk threshold: the first YES_ANSWERS questions "yes",
// the others "no", on both referrals.
const YES_ANSWERS = 14
// Both referrals' alerts must be on the hub's stream within this.
const HUB_DEADLINE_SECONDS = 30

before(async () => { await suite.start() })
after(async () => { await suite.stop() })

// What the two referrals share; only the person differs, so that neither
// is the other's MARAC repeat.
const REFERRER = {
  name: 'Pat Smith',
  organisation: 'Staffordshire Police',
  role: 'Domestic abuse officer',
  email: 'pat.smith@staffordshire.police.uk'
}
const POSTCODE = 'ST4 7AB'
const PHONE = '07700 900982'
const CONCERNS = 'Her partner hurts her.'
const yes = (q) => q <= YES_ANSWERS

// The adult victims' professional form in chromium, for `givenNames` Jones
// born on `day` February 1990; resolves with the receipt's reference.
async function sendWebReferral (givenNames, day) {
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/professional/adult-victim`)
  await page.fill('#referrer-name', REFERRER.name)
  await page.fill('#referrer-organisation', REFERRER.organisation)
  await page.fill('#referrer-role', REFERRER.role)
  await page.fill('#referrer-email', REFERRER.email)
  await page.fill('#given-names', givenNames)
  await page.fill('#family-name', 'Jones')
  await page.fill('#dob-day', String(day))
  await page.fill('#dob-month', '2')
  await page.fill('#dob-year', '1990')
  await page.fill('#address-postcode', POSTCODE)
  await page.fill('#phone', PHONE)
  await page.check('#safe-to-call')
  await page.check('#safe-to-leave-message-no')
  await page.fill('#concerns', CONCERNS)
  await page.check('#children-no')
  await page.check('#consent')
  for (let q = 1; q <= DASH_QUESTIONS; q++) await page.check(yes(q) ? `#dash-${q}` : `#dash-${q}-no`)
  await page.click('button:has-text("Send referral")')
  const reference = await page.locator('#reference').textContent()
  assert.match(reference, /^FD-[A-Z0-9]+$/)
  await checkAccessible(page, 'marac-01-web-receipt')
  assert.deepEqual(problems, [])
  return reference
}

// The same answers as a partner's referral (frontdoor.common.v1.Referral,
// protobuf JSON mapping), for `givenNames` Jones born on `day` February 1990.
function apiReferral (givenNames, day) {
  const answers = []
  for (let q = 1; q <= DASH_QUESTIONS; q++) {
    answers.push({ question: q, answer: yes(q) ? 'ANSWER_YES' : 'ANSWER_NO' })
  }
  return {
    requestedService: 'REQUESTED_SERVICE_VICTIM_SUPPORT',
    channel: 'CHANNEL_PARTNER_API',
    referrer: REFERRER,
    subject: {
      name: { givenNames, familyName: 'Jones' },
      dateOfBirth: { year: 1990, month: 2, day },
      contact: { phone: PHONE, safeToCall: true, safeToLeaveMessage: false },
      address: { postcode: POSTCODE }
    },
    concerns: CONCERNS,
    consent: { subject: 'CONSENT_GIVEN' },
    riskAssessment: { formVersion: 'safelives-dash-24', answers }
  }
}

// An alert without who referred whom.
function withoutWho (alert) {
  const { reference, referringAgency, subjectName, subjectDateOfBirth, ...rest } = alert
  return rest
}

test('a web referral with 14 "yes" DASH answers raises the same MARAC alert on the hub\'s stream as an API referral', async () => {
  const webRef = await sendWebReferral('Alex', 3)
  const apiRef = await suite.submitAs('staffs-police', apiReferral('Sam', 4))
  assert.match(apiRef, /^FD-[A-Z0-9]+$/)

  // The hub receives MARAC alerts only: exactly these two, in either order.
  const deliveries = await suite.watch('staffs-police-hub', 2, HUB_DEADLINE_SECONDS)
  const alerts = new Map(deliveries.map((d) => [d.notification.maracAlert?.reference, d.notification.maracAlert]))
  assert.deepEqual([...alerts.keys()].sort(), [webRef, apiRef].sort(), JSON.stringify(deliveries))
  const fromWeb = alerts.get(webRef)
  const fromApi = alerts.get(apiRef)

  assert.equal(fromWeb.riskLevel, 'RISK_LEVEL_HIGH')
  assert.equal(fromWeb.flags.visibleHighRisk, true)
  assert.equal(fromWeb.dashScore, YES_ANSWERS)
  assert.equal(fromWeb.referringAgency, 'frontdoor-web')
  assert.equal(fromApi.referringAgency, 'staffs-police')
  assert.deepEqual(fromWeb.subjectName, { givenNames: 'Alex', familyName: 'Jones' })
  assert.deepEqual(fromApi.subjectName, { givenNames: 'Sam', familyName: 'Jones' })
  // Apart from who referred whom, the same alert: risk level, flags, DASH
  // score, district, children in the household.
  assert.deepEqual(withoutWho(fromWeb), withoutWho(fromApi))
})
