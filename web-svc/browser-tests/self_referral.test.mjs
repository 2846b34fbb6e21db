// Browser tests of web-svc: Debian's chromium, headless, driven by
// playwright-core, with axe-core checking WCAG 2.2 AA. The test starts
// intake-svc and web-svc itself (real processes on free ports, a throwaway
// directory), as a person would use them. Screenshots are kept in
// $FRONTDOOR_BROWSER_ARTEFACTS.
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'

const BUILD = process.env.FRONTDOOR_BUILD_DIR
const SOURCE = process.env.FRONTDOOR_SOURCE_DIR
const ARTEFACTS = process.env.FRONTDOOR_BROWSER_ARTEFACTS ?? join(BUILD, 'browser-artefacts')
const CHROMIUM = process.env.FRONTDOOR_CHROMIUM ?? '/usr/bin/chromium'
const PKI = join(BUILD, 'testdata', 'pki')
// The quick exit's neutral site, answered by the test (no traffic leaves
// the machine).
const NEUTRAL = 'https://neutral.example/weather'
const START_TIMEOUT_MS = 30000
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']

let dir
const children = []
let browser
let webUrl
let intakeMetricsPort

// Starts build/NAME/NAME with `config`; resolves with its server.started log
// line once it has logged it.
function startService (name, config) {
  const file = join(dir, `${name}.json`)
  writeFileSync(file, JSON.stringify(config, null, 2))
  const child = spawn(join(BUILD, name, name), [`--config=${file}`],
    { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), START_TIMEOUT_MS)
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
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited ${code}: ${buffered}`)) })
  })
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'frontdoor-browser-'))
  mkdirSync(ARTEFACTS, { recursive: true })
  writeFileSync(join(dir, 'keys.json'),
    execFileSync(join(BUILD, 'common', 'crypto', 'frontdoor-keygen')))
  const intake = await startService('intake-svc', {
    server: {
      apiAddress: '127.0.0.1:0', healthAddress: '127.0.0.1:0', metricsAddress: '127.0.0.1:0',
      tls: { caFile: `${PKI}/ca.pem`, certFile: `${PKI}/intake-svc.pem`, keyFile: `${PKI}/intake-svc.key` },
      shutdownGraceSeconds: 5
    },
    store: { sqlitePath: join(dir, 'intake.db') },
    agencyRegistryFile: join(SOURCE, 'config', 'agencies.json'),
    districtsFile: join(SOURCE, 'config', 'districts.json'),
    keyRingFile: join(dir, 'keys.json')
  })
  intakeMetricsPort = intake.metrics_port
  const web = await startService('web-svc', {
    httpsAddress: '127.0.0.1:0',
    publicTls: { certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
    healthAddress: '127.0.0.1:0',
    metricsAddress: '127.0.0.1:0',
    serviceTls: { caFile: `${PKI}/ca.pem`, certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
    intake: { target: `localhost:${intake.api_port}` },
    store: { sqlitePath: join(dir, 'web.db') },
    keyRingFile: join(dir, 'keys.json'),
    shutdownGraceSeconds: 5,
    assetsDir: join(BUILD, 'web-svc', 'assets'),
    quickExitUrl: NEUTRAL
  })
  webUrl = `https://localhost:${web.https_port}`
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
})

after(async () => {
  if (browser) await browser.close()
  for (const child of children) child.kill('SIGTERM')
  await Promise.all(children.map((c) => c.exitCode !== null ? null
    : new Promise((resolve) => c.on('exit', resolve))))
  if (dir) rmSync(dir, { recursive: true, force: true })
})

// A fresh browser window (the development certificate is the suite's own
// CA's), the neutral site answered locally, nothing else reachable.
async function newPage () {
  const context = await browser.newContext({ ignoreHTTPSErrors: true })
  await context.route('https://neutral.example/**', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>Weather</title><h1>Weather</h1>' }))
  const page = await context.newPage()
  const problems = []
  // Script errors and refusals by the Content-Security-Policy; not the
  // browser's note that a form with errors answered 422.
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().includes('status of 422')) problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  return { page, problems }
}

async function checkAccessible (page, name) {
  await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true })
  const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze()
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [], name)
}

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

async function referralsReceived () {
  const res = await fetch(`http://127.0.0.1:${intakeMetricsPort}/metrics`)
  const text = await res.text()
  return text.split('\n').filter((l) =>
    l.startsWith('frontdoor_intake_referrals_received_total{') &&
    l.includes('channel="web_form"') && l.includes('front_door="adult_victim"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
}

test('a person sees errors, fixes them and gets a reference; intake has it at the adult victims front door', async () => {
  const { page, problems } = await newPage()
  await page.goto(`${webUrl}/`)
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

  const before = await referralsReceived()
  await fillComplete(page)
  await page.click('button:has-text("Send")')
  const reference = await page.locator('#reference').textContent()
  assert.match(reference, /^FD-[A-Z0-9]+$/)
  await checkAccessible(page, '04-receipt')
  assert.equal(await referralsReceived(), before + 1)
  assert.deepEqual(problems, [])
})

test('intake field errors appear beside the fields with the GOV.UK pattern', async () => {
  const { page } = await newPage()
  await page.goto(`${webUrl}/self-referral`)
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
  const { page } = await newPage()
  await page.goto(`${webUrl}/`)
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
  const { page } = await newPage()
  await page.goto(`${webUrl}/self-referral`)
  await page.waitForSelector('.govuk-exit-this-page__indicator', { state: 'attached' })
  for (let i = 0; i < 3; i++) await page.keyboard.press('Shift')
  await page.waitForURL(NEUTRAL)
})

test('the form can be completed with the keyboard alone', async () => {
  const { page } = await newPage()
  await page.goto(`${webUrl}/self-referral`)
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
  const { page } = await newPage()
  const res = await page.goto(`${webUrl}/self-referral`)
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
