// Browser tests of the console's sign-in: Debian's chromium, headless,
// driven by playwright-core, axe-core checking WCAG 2.2 AA on each page.
// harness.mjs starts intake-svc and web-svc (real processes on free
// ports, a throwaway directory), creates accounts with the operator
// command frontdoor-web-accounts and computes TOTP codes (RFC 6238).
// Screenshots are kept in $FRONTDOOR_BROWSER_ARTEFACTS.
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { Suite, checkAccessible, base32Decode, freshCode, STAFF_PASSWORD as PASSWORD } from './harness.mjs'

// Presses of Tab allowed to reach a page's button.
const MAX_TABS = 40

// Sign-in calls no service but intake (which the suite always starts).
const suite = new Suite()
before(() => suite.start())
after(() => suite.stop())

// Tabs through the page from the top, typing `typed[id]` into each field it
// reaches, and presses Enter on the button whose id is `button`.
async function keyboardOnly (page, typed, button) {
  await page.locator('body').focus()
  for (let i = 0; i < MAX_TABS; i++) {
    await page.keyboard.press('Tab')
    const id = await page.evaluate(() => document.activeElement.id)
    if (typed[id] !== undefined) await page.keyboard.type(typed[id])
    if (id === button) {
      await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')])
      return
    }
  }
  assert.fail(`#${button} not reached with ${MAX_TABS} presses of Tab`)
}

test('a practitioner enrols, signs out and signs in again with the keyboard alone', async () => {
  const code = suite.createAccount('sam@example.org', 'practitioner', 'Sam Okafor')
  const { page, problems } = await suite.newPage()
  await page.goto(`${suite.webUrl}/console`)
  assert.equal(new URL(page.url()).pathname, '/console/sign-in')
  await checkAccessible(page, '20-console-sign-in')

  await page.goto(`${suite.webUrl}/console/enrol`)
  await checkAccessible(page, '21-console-enrol')
  await keyboardOnly(page, {
    username: 'sam@example.org',
    'enrolment-code': code,
    'new-password': PASSWORD,
    'confirm-password': PASSWORD
  }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console/enrol/authenticator')
  assert.equal(await page.locator('svg[role="img"]').count(), 1)
  await checkAccessible(page, '22-console-authenticator')
  const secret = base32Decode(await page.locator('#totp-secret').textContent())
  assert.equal(secret.length, 20)
  // The earliest good code, so that sign-in below can use a later one: no
  // code is accepted twice.
  const enrolled = freshCode(secret)
  await keyboardOnly(page, { code: enrolled.code }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console')
  assert.match(await page.locator('#signed-in-as').textContent(), /Sam Okafor, Practitioner/)
  assert.equal(await page.locator('#role').textContent(), 'Practitioner')
  await checkAccessible(page, '23-console-home')

  await keyboardOnly(page, {}, 'sign-out')
  assert.equal(new URL(page.url()).pathname, '/console/signed-out')
  await checkAccessible(page, '24-console-signed-out')

  await page.goto(`${suite.webUrl}/console/sign-in`)
  await keyboardOnly(page, { username: 'sam@example.org', password: 'not my password' }, 'continue')
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('.govuk-error-summary a[href="#username"]').count(), 1)
  await checkAccessible(page, '25-console-sign-in-error')
  await page.goto(`${suite.webUrl}/console/sign-in`)
  await keyboardOnly(page, { username: 'sam@example.org', password: PASSWORD }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console/sign-in/code')
  await checkAccessible(page, '26-console-code')
  await keyboardOnly(page, { code: freshCode(secret, enrolled.step).code }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console')
  assert.deepEqual(problems, [])
})

test('a commissioner sees reports and is refused the queue; signing out everywhere ends the other browser', async () => {
  const code = suite.createAccount('cam@example.org', 'commissioner', 'Cam Price')
  const first = await suite.newPage()
  const page = first.page
  await page.goto(`${suite.webUrl}/console/enrol`)
  await page.fill('#username', 'cam@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await page.click('#continue')
  const secret = base32Decode(await page.locator('#totp-secret').textContent())
  const enrolled = freshCode(secret)
  await page.fill('#code', enrolled.code)
  await page.click('#continue')
  assert.equal(await page.locator('#role').textContent(), 'Commissioner')
  const queue = await page.goto(`${suite.webUrl}/console/queue`)
  assert.equal(queue.status(), 403)
  await checkAccessible(page, '27-console-forbidden')
  // Let in to the reports, which ask the services (not all running here:
  // the problem page); web.browser.reports shows them.
  assert.equal((await page.request.get(`${suite.webUrl}/console/reports`)).status(), 503)

  // The same person in another browser.
  const second = (await suite.newPage()).page
  await second.goto(`${suite.webUrl}/console/sign-in`)
  await second.fill('#username', 'cam@example.org')
  await second.fill('#password', PASSWORD)
  await second.click('#continue')
  await second.fill('#code', freshCode(secret, enrolled.step).code)
  await second.click('#continue')
  assert.equal(new URL(second.url()).pathname, '/console')

  await page.goto(`${suite.webUrl}/console`)
  await page.click('#sign-out-everywhere')
  assert.equal(new URL(page.url()).pathname, '/console/signed-out-everywhere')
  await checkAccessible(page, '28-console-signed-out-everywhere')
  await second.goto(`${suite.webUrl}/console`)
  assert.equal(new URL(second.url()).pathname, '/console/sign-in')
  const cookies = await second.context().cookies()
  const session = cookies.find((c) => c.name === '__Host-frontdoor-session')
  assert.equal(session, undefined)
  assert.deepEqual(first.problems, [])
})

test('the session cookie is a Secure, HttpOnly, SameSite=Strict session cookie', async () => {
  const code = suite.createAccount('lou@example.org', 'call_handler', 'Lou Fry')
  const { page } = await suite.newPage()
  await page.goto(`${suite.webUrl}/console/enrol`)
  await page.fill('#username', 'lou@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await page.click('#continue')
  const res = await page.goto(`${suite.webUrl}/console/enrol/authenticator`)
  assert.equal(res.headers()['cache-control'], 'no-store')
  const cookies = await page.context().cookies()
  const session = cookies.find((c) => c.name === '__Host-frontdoor-session')
  assert.ok(session)
  assert.equal(session.expires, -1)
  assert.equal(session.httpOnly, true)
  assert.equal(session.secure, true)
  assert.equal(session.sameSite, 'Strict')
  assert.equal(session.path, '/')
})
