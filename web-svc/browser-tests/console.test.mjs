// Browser tests of the console's sign-in: Debian's chromium, headless,
// driven by playwright-core, axe-core checking WCAG 2.2 AA on each page.
// The test starts web-svc itself (a real process on free ports, a
// throwaway directory), creates accounts with the operator command
// frontdoor-web-accounts, and computes TOTP codes itself (RFC 6238 with
// node's HMAC). Screenshots are kept in $FRONTDOOR_BROWSER_ARTEFACTS.
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'

const BUILD = process.env.FRONTDOOR_BUILD_DIR
const ARTEFACTS = process.env.FRONTDOOR_BROWSER_ARTEFACTS ?? join(BUILD, 'browser-artefacts')
const CHROMIUM = process.env.FRONTDOOR_CHROMIUM ?? '/usr/bin/chromium'
const PKI = join(BUILD, 'testdata', 'pki')
const START_TIMEOUT_MS = 30000
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const PASSWORD = 'plum orchard lantern'
const TOTP_STEP_MS = 30000
// Presses of Tab allowed to reach a page's button.
const MAX_TABS = 40

let dir
let web
let browser
let webUrl

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'frontdoor-console-'))
  mkdirSync(ARTEFACTS, { recursive: true })
  writeFileSync(join(dir, 'keys.json'),
    execFileSync(join(BUILD, 'common', 'crypto', 'frontdoor-keygen')))
  const config = {
    httpsAddress: '127.0.0.1:0',
    publicTls: { certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
    healthAddress: '127.0.0.1:0',
    metricsAddress: '127.0.0.1:0',
    serviceTls: { caFile: `${PKI}/ca.pem`, certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
    // Sign-in calls no service: port 1, where nothing answers.
    intake: { target: 'localhost:1' },
    triage: { target: 'localhost:1' },
    allocation: { target: 'localhost:1' },
    store: { sqlitePath: join(dir, 'web.db') },
    keyRingFile: join(dir, 'keys.json'),
    shutdownGraceSeconds: 5,
    assetsDir: join(BUILD, 'web-svc', 'assets')
  }
  const file = join(dir, 'web-svc.json')
  writeFileSync(file, JSON.stringify(config, null, 2))
  web = spawn(join(BUILD, 'web-svc', 'web-svc'), [`--config=${file}`],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  const started = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('web-svc did not start')), START_TIMEOUT_MS)
    let buffered = ''
    const onData = (chunk) => {
      buffered += chunk.toString()
      for (const line of buffered.split('\n')) {
        if (line.includes('"event":"server.started"')) {
          clearTimeout(timer)
          resolve(JSON.parse(line))
        }
      }
    }
    web.stdout.on('data', onData)
    web.stderr.on('data', onData)
    web.on('exit', (code) => { clearTimeout(timer); reject(new Error(`web-svc exited ${code}: ${buffered}`)) })
  })
  webUrl = `https://localhost:${started.https_port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})

after(async () => {
  if (browser) await browser.close()
  if (web && web.exitCode === null) {
    web.kill('SIGTERM')
    await new Promise((resolve) => web.on('exit', resolve))
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// frontdoor-web-accounts create, as an operator runs it: the one-time code.
function createAccount (username, displayName, role) {
  const out = execFileSync(join(BUILD, 'web-svc', 'frontdoor-web-accounts'), [
    'create', '--sqlite', join(dir, 'web.db'), '--keys', join(dir, 'keys.json'),
    '--username', username, '--display-name', displayName, '--role', role,
    '--url', webUrl, '--operator', 'op-browser-test'])
  const created = JSON.parse(out.toString())
  assert.equal(created.enrol_at, `${webUrl}/console/enrol`)
  return created.enrolment_code
}

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

async function newPage () {
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  const page = await context.newPage()
  const problems = []
  // Script errors and refusals by the Content-Security-Policy; not the
  // browser's note that a page answered 422 (errors shown) or 403.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of (422|403)/.test(m.text())) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  return { page, problems }
}

async function checkAccessible (page, name) {
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true })
  const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze()
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [], name)
}

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
  const code = createAccount('sam@example.org', 'Sam Okafor', 'practitioner')
  const { page, problems } = await newPage()
  await page.goto(`${webUrl}/console`)
  assert.equal(new URL(page.url()).pathname, '/console/sign-in')
  await checkAccessible(page, '20-console-sign-in')

  await page.goto(`${webUrl}/console/enrol`)
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
  // The previous step's code (inside the window), so that sign-in below
  // can use the current one: no code is accepted twice.
  await keyboardOnly(page, { code: totp(secret, Date.now() - TOTP_STEP_MS) }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console')
  assert.match(await page.locator('#signed-in-as').textContent(), /Sam Okafor, Practitioner/)
  assert.equal(await page.locator('#role').textContent(), 'Practitioner')
  await checkAccessible(page, '23-console-home')

  await keyboardOnly(page, {}, 'sign-out')
  assert.equal(new URL(page.url()).pathname, '/console/signed-out')
  await checkAccessible(page, '24-console-signed-out')

  await page.goto(`${webUrl}/console/sign-in`)
  await keyboardOnly(page, { username: 'sam@example.org', password: 'not my password' }, 'continue')
  assert.match(await page.title(), /^Error: /)
  assert.equal(await page.locator('.govuk-error-summary a[href="#username"]').count(), 1)
  await checkAccessible(page, '25-console-sign-in-error')
  await page.goto(`${webUrl}/console/sign-in`)
  await keyboardOnly(page, { username: 'sam@example.org', password: PASSWORD }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console/sign-in/code')
  await checkAccessible(page, '26-console-code')
  await keyboardOnly(page, { code: totp(secret, Date.now()) }, 'continue')
  assert.equal(new URL(page.url()).pathname, '/console')
  assert.deepEqual(problems, [])
})

test('a commissioner sees reports and is refused the queue; signing out everywhere ends the other browser', async () => {
  const code = createAccount('cam@example.org', 'Cam Price', 'commissioner')
  const first = await newPage()
  const page = first.page
  await page.goto(`${webUrl}/console/enrol`)
  await page.fill('#username', 'cam@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await page.click('#continue')
  const secret = base32Decode(await page.locator('#totp-secret').textContent())
  await page.fill('#code', totp(secret, Date.now() - TOTP_STEP_MS))
  await page.click('#continue')
  assert.equal(await page.locator('#role').textContent(), 'Commissioner')
  const queue = await page.goto(`${webUrl}/console/queue`)
  assert.equal(queue.status(), 403)
  await checkAccessible(page, '27-console-forbidden')
  assert.equal((await page.goto(`${webUrl}/console/reports`)).status(), 200)

  // The same person in another browser.
  const second = (await newPage()).page
  await second.goto(`${webUrl}/console/sign-in`)
  await second.fill('#username', 'cam@example.org')
  await second.fill('#password', PASSWORD)
  await second.click('#continue')
  await second.fill('#code', totp(secret, Date.now()))
  await second.click('#continue')
  assert.equal(new URL(second.url()).pathname, '/console')

  await page.goto(`${webUrl}/console`)
  await page.click('#sign-out-everywhere')
  assert.equal(new URL(page.url()).pathname, '/console/signed-out-everywhere')
  await checkAccessible(page, '28-console-signed-out-everywhere')
  await second.goto(`${webUrl}/console`)
  assert.equal(new URL(second.url()).pathname, '/console/sign-in')
  const cookies = await second.context().cookies()
  const session = cookies.find((c) => c.name === '__Host-frontdoor-session')
  assert.equal(session, undefined)
  assert.deepEqual(first.problems, [])
})

test('the session cookie is a Secure, HttpOnly, SameSite=Strict session cookie', async () => {
  const code = createAccount('lou@example.org', 'Lou Fry', 'call_handler')
  const { page } = await newPage()
  await page.goto(`${webUrl}/console/enrol`)
  await page.fill('#username', 'lou@example.org')
  await page.fill('#enrolment-code', code)
  await page.fill('#new-password', PASSWORD)
  await page.fill('#confirm-password', PASSWORD)
  await page.click('#continue')
  const res = await page.goto(`${webUrl}/console/enrol/authenticator`)
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
