// Browser test of the data-protection officer's console pages: Debian's
// chromium, headless, through playwright-core, axe-core checking WCAG 2.2 AA
// on each page. intake-svc, triage-svc, allocation-svc, notify-svc and
// web-svc run as real processes (harness.mjs); a police referral is
// submitted; an officer signs in with a TOTP computed here, finds it by
// reference, meets the form's own error, restricts it in every service and
// lifts the restriction, holds it and lifts the hold, and opens the
// erasure warning. The subject access export is prepared, reviewed,
// released and downloaded once the services export; while they answer
// UNIMPLEMENTED the page says it was not prepared. Screenshots
// 60- to 68-data-rights-*.png in $FRONTDOOR_BROWSER_ARTEFACTS.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Suite, checkAccessible, example } from './harness.mjs'

const SERVICES = ['intake-svc', 'triage-svc', 'allocation-svc', 'notify-svc']

const suite = new Suite({}, { allocation: true })
before(() => suite.start())
after(() => suite.stop())

// How many of the state table's rows say `text`.
async function rowsSaying (page, text) {
  let n = 0
  for (const service of SERVICES) {
    if ((await page.locator(`#state-${service}`).textContent()).includes(text)) n++
  }
  return n
}

test('an officer finds a referral, restricts and lifts, holds and lifts', async () => {
  const reference = await suite.submitAs('staffs-police', example('adult-victim.json'))
  const { page, problems } = await suite.newPage()
  await suite.signIn(page, 'dee@example.org', 'data_protection_officer', 'Dee Officer')

  // The home page offers the data-rights pages and nothing else.
  await page.goto(`${suite.webUrl}/console`)
  await page.click('a[href="/console/data-rights"]')
  assert.equal(await page.locator('h1').textContent(), 'Find a person')
  await checkAccessible(page, '60-data-rights-find')

  // The form's own errors first, then by reference.
  await page.check('#by')
  await page.fill('#reference', 'FD-1')
  await page.click('#find')
  assert.match(await page.title(), /^Error: /)
  assert.match(await page.locator('.govuk-error-summary').textContent(), /Enter a reference as intake gives it/)
  await checkAccessible(page, '61-data-rights-find-errors')
  await page.check('#by')
  await page.fill('#reference', reference)
  await page.click('#find')
  assert.equal(await page.locator('h1').textContent(), `Referral ${reference}`)
  await checkAccessible(page, '62-data-rights-found')
  await page.click('#open-referral')
  assert.equal(new URL(page.url()).pathname, `/console/data-rights/${reference}`)
  for (const service of SERVICES) {
    assert.doesNotMatch(await page.locator(`#state-${service}`).textContent(), /Did not answer/)
  }
  await checkAccessible(page, '63-data-rights-referral')

  // Restrict without a reason: the error pattern; then with one.
  await page.click('#restrict')
  assert.match(await page.title(), /^Error: /)
  assert.match(await page.locator('.govuk-error-summary').textContent(), /Select why processing is restricted/)
  await page.check('#restriction-reason-objection')
  await page.click('#restrict')
  assert.match(await page.locator('#outcome').textContent(), /Restriction of processing/)
  assert.equal(await rowsSaying(page, 'Restricted since'), 4)
  await checkAccessible(page, '64-data-rights-restricted')
  await page.click('#lift-restriction')
  assert.equal(await rowsSaying(page, 'Restricted since'), 0)

  await page.check('#hold-reason') // litigation, the first
  await page.click('#hold')
  assert.equal(await rowsSaying(page, 'On hold since'), 4)
  await checkAccessible(page, '65-data-rights-held')
  await page.click('#lift-hold')
  assert.equal(await rowsSaying(page, 'On hold since'), 0)

  // Erasure: the warning (no erasure here).
  await page.click('#erase-link')
  assert.match(await page.locator('#erase-warning').textContent(), /cannot be undone/)
  await checkAccessible(page, '66-data-rights-erase')

  // Subject access: prepared once the services export.
  await page.goto(`${suite.webUrl}/console/data-rights/${reference}`)
  await page.check('#export-party')
  await page.click('#prepare-export')
  const heading = await page.locator('h1').textContent()
  if (heading === 'The export was not prepared') {
    assert.match(await page.locator('#not-exported').textContent(), /Cannot do this yet/)
    // That page answers 503 (not every service could export), which the
    // browser notes.
    const note = problems.findIndex((p) => /status of 503/.test(p))
    assert.notEqual(note, -1)
    problems.splice(note, 1)
    await checkAccessible(page, '67-data-rights-not-prepared')
  } else {
    assert.equal(heading, 'Review the export')
    await checkAccessible(page, '68-data-rights-export')
    for (const radio of await page.locator('input[value="withhold"]').all()) await radio.check()
    if (await page.locator('#save-review').count() === 1) await page.click('#save-review')
    await page.click('#release')
    const download = page.waitForEvent('download')
    await page.click('#download-json')
    const file = await download
    assert.match(file.suggestedFilename(), /^frontdoor-sar-[0-9a-f]{20}\.json$/)
  }
  assert.deepEqual(problems, [])
})
