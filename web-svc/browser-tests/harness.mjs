// What web-svc's browser tests share: intake-svc and web-svc (and, when a
// Suite asks, triage-svc and notify-svc behind intake) started as real
// processes on free ports in a throwaway directory, Debian's chromium
// through playwright-core, axe-core for WCAG 2.2 AA, screenshots kept in
// $FRONTDOOR_BROWSER_ARTEFACTS, intake's counters read from its metrics
// page, and the built frontdoorctl to submit as a partner and to read a
// recipient's stream; staff accounts made with the operator command
// frontdoor-web-accounts and enrolled with a TOTP code computed here
// (RFC 6238 with node's HMAC).
//
// Environment: FRONTDOOR_BUILD_DIR (the build tree), FRONTDOOR_SOURCE_DIR.
import assert from 'node:assert/strict'
import { spawn, execFile, execFileSync } from 'node:child_process'
import { createHmac } from 'node:crypto'
import { mkdtempSync, writeFileSync, mkdirSync, rmSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import AxeBuilder from '@axe-core/playwright'

export const BUILD = process.env.FRONTDOOR_BUILD_DIR
export const SOURCE = process.env.FRONTDOOR_SOURCE_DIR
export const ARTEFACTS = process.env.FRONTDOOR_BROWSER_ARTEFACTS ?? join(BUILD, 'browser-artefacts')
const CHROMIUM = process.env.FRONTDOOR_CHROMIUM ?? '/usr/bin/chromium'
const PKI = join(BUILD, 'testdata', 'pki')
// The quick exit's neutral site, answered by the test (no traffic leaves
// the machine).
export const NEUTRAL = 'https://neutral.example/weather'
const START_TIMEOUT_MS = 30000
// How long loading a demo year may take.
const DEMO_TIMEOUT_MS = 600000
// The most of its log kept (a whole year logs about 100 MB).
const DEMO_LOG_BYTES = 512 * 1024 * 1024
const FRONTDOORCTL = join(BUILD, 'tools', 'frontdoorctl', 'frontdoorctl')
// frontdoorctl's per-call deadline (submit), and how long past its own
// deadline a frontdoorctl run may take before it is killed.
const CALL_DEADLINE_SECONDS = 10
const CTL_GRACE_MS = 5000
const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
// Every test account's password.
export const STAFF_PASSWORD = 'plum orchard lantern'
export const TOTP_STEP_MS = 30000
// Screenshots kept as pictures in the repository: readable, and small.
const JPEG_QUALITY = 70

// The "server" block of a gRPC service's configuration: free loopback
// ports, its certificate from the test PKI.
function serverBlock (name) {
  return {
    apiAddress: '127.0.0.1:0', healthAddress: '127.0.0.1:0', metricsAddress: '127.0.0.1:0',
    tls: { caFile: `${PKI}/ca.pem`, certFile: `${PKI}/${name}.pem`, keyFile: `${PKI}/${name}.key` },
    shutdownGraceSeconds: 5
  }
}

// The running suite: start() once before the tests, stop() once after.
// `webSettings` are added to web-svc's configuration. With
// { triageAndNotify: true } notify-svc and triage-svc start first (the
// repository's notify and triage rules; without allocation-svc, triage's
// decisions for allocation wait in its outbox) and intake relays to them;
// { allocation: true } also starts allocation-svc (the repository's
// catalogue, and `allocationSettings` or the repository's settings) before
// them, for triage and the console.
// { demoYear: { year, scale } } (with allocation) first loads a synthetic
// financial year of referrals into the services' fresh databases with
// frontdoor-demo-year (tools/demo), from the configurations they then start
// with.
export class Suite {
  constructor (webSettings = {}, { triageAndNotify = false, allocation = false, allocationSettings = null, demoYear = null } = {}) {
    this.webSettings = webSettings
    this.triageAndNotify = triageAndNotify || allocation
    this.allocation = allocation
    this.allocationSettings = allocationSettings
    this.demoYear = demoYear
    this.children = []
  }

  // Writes `name`.json, the configuration it starts with.
  writeConfig (name, config) {
    const file = join(this.dir, `${name}.json`)
    writeFileSync(file, JSON.stringify(config, null, 2))
    return file
  }

  // The demo year into the databases the configurations name (their
  // downstream targets are the generator's own: it starts the services in
  // its process and points them at each other).
  loadDemoYear (configs) {
    for (const [name, config] of Object.entries(configs)) this.writeConfig(name, config)
    // The services' log lines are kept back; on failure, the last of them.
    try {
      execFileSync(join(BUILD, 'tools', 'demo', 'frontdoor-demo-year'), [
        `--var=${this.dir}`, `--year=${this.demoYear.year}`, `--scale=${this.demoYear.scale}`],
      { stdio: ['ignore', 'ignore', 'pipe'], timeout: DEMO_TIMEOUT_MS, maxBuffer: DEMO_LOG_BYTES })
    } catch (e) {
      const log = (e.stderr ?? '').toString().split('\n').slice(-20).join('\n')
      throw new Error(`frontdoor-demo-year failed: ${e.message}\n${log}`)
    }
  }

  // Starts build/NAME/NAME with `config`; resolves with its server.started
  // log line once it has logged it.
  startService (name, config) {
    const file = this.writeConfig(name, config)
    const child = spawn(join(BUILD, name, name), [`--config=${file}`],
      { stdio: ['ignore', 'pipe', 'pipe'] })
    this.children.push(child)
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

  async start () {
    this.dir = mkdtempSync(join(tmpdir(), 'frontdoor-browser-'))
    mkdirSync(ARTEFACTS, { recursive: true })
    writeFileSync(join(this.dir, 'keys.json'),
      execFileSync(join(BUILD, 'common', 'crypto', 'frontdoor-keygen')))
    const shared = {
      agencyRegistryFile: join(SOURCE, 'config', 'agencies.json'),
      keyRingFile: join(this.dir, 'keys.json')
    }
    const relays = {}
    let settingsFile = join(SOURCE, 'config', 'allocation-settings.json')
    if (this.allocationSettings) {
      settingsFile = join(this.dir, 'allocation-settings.json')
      writeFileSync(settingsFile, JSON.stringify(this.allocationSettings, null, 2))
    }
    const configs = {
      'allocation-svc': () => ({
        server: serverBlock('allocation-svc'),
        store: { sqlitePath: join(this.dir, 'allocation.db') },
        catalogueFile: join(SOURCE, 'config', 'catalogue.json'),
        settingsFile,
        districtsFile: join(SOURCE, 'config', 'districts.json'),
        ...shared
      }),
      'notify-svc': () => ({
        server: serverBlock('notify-svc'),
        store: { sqlitePath: join(this.dir, 'notify.db') },
        rulesFile: join(SOURCE, 'config', 'notify-rules.json'),
        ...shared
      }),
      // Each service's configuration, relaying to the downstreams in `to`.
      'triage-svc': (to) => ({
        server: serverBlock('triage-svc'),
        store: { sqlitePath: join(this.dir, 'triage.db') },
        rulesFile: join(SOURCE, 'config', 'triage-rules.json'),
        notify: to.notify,
        ...(to.allocation ? { allocation: to.allocation } : {}),
        ...shared
      }),
      'intake-svc': (to) => ({
        server: serverBlock('intake-svc'),
        store: { sqlitePath: join(this.dir, 'intake.db') },
        districtsFile: join(SOURCE, 'config', 'districts.json'),
        ...shared,
        triage: to.triage,
        notify: to.notify
      })
    }
    if (this.demoYear) {
      // Targets nowhere: the generator points the services at each other.
      const nowhere = { target: 'localhost:1' }
      const to = { allocation: nowhere, triage: nowhere, notify: nowhere }
      this.loadDemoYear(Object.fromEntries(Object.entries(configs).map(([n, c]) => [n, c(to)])))
    }
    if (this.allocation) {
      const allocation = await this.startService('allocation-svc', configs['allocation-svc'](relays))
      relays.allocation = { target: `localhost:${allocation.api_port}` }
      this.allocationTarget = relays.allocation.target
    }
    if (this.triageAndNotify) {
      // Downstream first, so each relay finds the next service at once.
      const notify = await this.startService('notify-svc', configs['notify-svc'](relays))
      this.notifyTarget = `localhost:${notify.api_port}`
      relays.notify = { target: this.notifyTarget }
      const triage = await this.startService('triage-svc', configs['triage-svc'](relays))
      relays.triage = { target: `localhost:${triage.api_port}` }
      this.triageTarget = relays.triage.target
    }
    const intake = await this.startService('intake-svc', configs['intake-svc'](relays))
    this.intakeTarget = `localhost:${intake.api_port}`
    this.intakeMetricsPort = intake.metrics_port
    const web = await this.startService('web-svc', {
      httpsAddress: '127.0.0.1:0',
      publicTls: { certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
      healthAddress: '127.0.0.1:0',
      metricsAddress: '127.0.0.1:0',
      serviceTls: { caFile: `${PKI}/ca.pem`, certFile: `${PKI}/web-svc.pem`, keyFile: `${PKI}/web-svc.key` },
      intake: { target: this.intakeTarget },
      // The console's calls; port 1 (nothing) when the suite has no such
      // service.
      triage: relays.triage ?? { target: 'localhost:1' },
      allocation: relays.allocation ?? { target: 'localhost:1' },
      notify: relays.notify ?? { target: 'localhost:1' },
      store: { sqlitePath: join(this.dir, 'web.db') },
      keyRingFile: join(this.dir, 'keys.json'),
      shutdownGraceSeconds: 5,
      assetsDir: join(BUILD, 'web-svc', 'assets'),
      quickExitUrl: NEUTRAL,
      // The names reports show.
      districtsFile: join(SOURCE, 'config', 'districts.json'),
      catalogueFile: join(SOURCE, 'config', 'catalogue.json'),
      ...this.webSettings
    })
    this.webUrl = `https://localhost:${web.https_port}`
    this.browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] })
  }

  async stop () {
    if (this.browser) await this.browser.close()
    for (const child of this.children) child.kill('SIGTERM')
    await Promise.all(this.children.map((c) => c.exitCode !== null ? null
      : new Promise((resolve) => c.on('exit', resolve))))
    if (this.dir) rmSync(this.dir, { recursive: true, force: true })
  }

  // A fresh browser window (the development certificate is the suite's own
  // CA's), the neutral site answered locally, nothing else reachable.
  // `options` go to the browser context (javaScriptEnabled: false...).
  async newPage (options = {}) {
    const context = await this.browser.newContext({ ignoreHTTPSErrors: true, ...options })
    await context.route('https://neutral.example/**', (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!DOCTYPE html><title>Weather</title><h1>Weather</h1>' }))
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

  // A staff account made with frontdoor-web-accounts create, as an
  // operator runs it: resolves with the one-time enrolment code.
  createAccount (username, role, displayName = username) {
    const out = execFileSync(join(BUILD, 'web-svc', 'frontdoor-web-accounts'), [
      'create', '--sqlite', join(this.dir, 'web.db'), '--keys', join(this.dir, 'keys.json'),
      '--username', username, '--display-name', displayName, '--role', role,
      '--url', this.webUrl, '--operator', 'op-browser-test'])
    const created = JSON.parse(out.toString())
    assert.equal(created.enrol_at, `${this.webUrl}/console/enrol`)
    return created.enrolment_code
  }

  // A new account with `role`, enrolled in `page` (password, then the
  // authenticator's first code), which is then signed in at the console's
  // home page; resolves with the authenticator's secret.
  async signIn (page, username, role, displayName = username) {
    const code = this.createAccount(username, role, displayName)
    await page.goto(`${this.webUrl}/console/enrol`)
    await page.fill('#username', username)
    await page.fill('#enrolment-code', code)
    await page.fill('#new-password', STAFF_PASSWORD)
    await page.fill('#confirm-password', STAFF_PASSWORD)
    await Promise.all([page.waitForNavigation(), page.click('#continue')])
    const secret = base32Decode(await page.locator('#totp-secret').textContent())
    // The earliest good code (freshCode), so that a sign-in or
    // confirmation straight after can use a later one: no code is
    // accepted twice.
    await page.fill('#code', freshCode(secret).code)
    await Promise.all([page.waitForNavigation(), page.click('#continue')])
    assert.equal(new URL(page.url()).pathname, '/console')
    return secret
  }

  // intake's count of web-form referrals received at `frontDoor`
  // ("adult_victim", "adult_behaviour_change", "children").
  async referralsReceived (frontDoor) {
    const res = await fetch(`http://127.0.0.1:${this.intakeMetricsPort}/metrics`)
    const text = await res.text()
    return text.split('\n').filter((l) =>
      l.startsWith('frontdoor_intake_referrals_received_total{') &&
      l.includes('channel="web_form"') && l.includes(`front_door="${frontDoor}"`))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)
  }

  // Runs the built frontdoorctl with `args` as the test PKI's `identity`;
  // resolves with its standard output, rejects (with both outputs) when it
  // fails or outlives `deadlineSeconds`.
  frontdoorctl (identity, args, deadlineSeconds = CALL_DEADLINE_SECONDS) {
    return new Promise((resolve, reject) => {
      execFile(FRONTDOORCTL, [`--as=${identity}`, `--deadline=${deadlineSeconds}s`, ...args], {
        env: { ...process.env, FRONTDOOR_PKI_DIR: PKI },
        timeout: deadlineSeconds * 1000 + CTL_GRACE_MS
      }, (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`frontdoorctl ${args.join(' ')} as ${identity}: ` +
            `${error.killed ? 'killed' : `exit ${error.code}`}\nstdout: ${stdout}\nstderr: ${stderr}`))
        } else {
          resolve(stdout)
        }
      })
    })
  }

  // Submits `referral` (frontdoor.common.v1.Referral in the protobuf JSON
  // mapping) to intake-svc as `agency` with `frontdoorctl submit`;
  // resolves with the receipt's reference.
  async submitAs (agency, referral) {
    this.submitted = (this.submitted ?? 0) + 1
    const file = join(this.dir, `referral-${this.submitted}.json`)
    writeFileSync(file, JSON.stringify(referral, null, 2))
    const out = await this.frontdoorctl(agency, [`--target=${this.intakeTarget}`, 'submit', file])
    return JSON.parse(out).receipt.reference
  }

  // The first `count` deliveries on `agency`'s notify-svc stream (from its
  // start: the tests acknowledge nothing), read with `frontdoorctl watch`
  // within `deadlineSeconds`.
  async watch (agency, count, deadlineSeconds) {
    const out = await this.frontdoorctl(agency,
      [`--target=${this.notifyTarget}`, 'watch', `--count=${count}`], deadlineSeconds)
    return out.trim().split('\n').map((line) => JSON.parse(line))
  }
}

// A full-page screenshot kept as `name`.png (or, with { jpeg: true }, the
// window's view as a smaller `name`.jpg, for pictures kept in the
// repository), then axe-core on the whole page: no WCAG 2.2 AA violation.
export async function checkAccessible (page, name, { jpeg = false } = {}) {
  await page.screenshot(jpeg
    ? { path: join(ARTEFACTS, `${name}.jpg`), type: 'jpeg', quality: JPEG_QUALITY }
    : { path: join(ARTEFACTS, `${name}.png`), fullPage: true })
  const results = await new AxeBuilder({ page }).withTags(WCAG_22_AA).analyze()
  assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(', ')})`), [], name)
}

// An authenticator's secret from its base32 text (RFC 4648).
export function base32Decode (text) {
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
// An authenticator code the server will still accept when it arrives,
// and its step: the server takes a code of its own step or one either
// side, and no step twice for an account, so the code is of the earliest
// step after `after` (the step this account last used) that stays good for
// CODE_MARGIN_MS more: the step before now while it lasts (leaving now's
// for a sign-in straight after), else now's.
const CODE_MARGIN_MS = 10000
export function freshCode (secret, after = -Infinity) {
  const now = Date.now()
  const step = Math.floor(now / TOTP_STEP_MS)
  for (const s of [step - 1, step, step + 1]) {
    if (s > after && (s + 2) * TOTP_STEP_MS - now >= CODE_MARGIN_MS) {
      return { code: totp(secret, s * TOTP_STEP_MS), step: s }
    }
  }
  throw new Error(`no code after step ${after} is good for ${CODE_MARGIN_MS} ms`)
}

export function totp (secret, ms) {
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / TOTP_STEP_MS)))
  const h = createHmac('sha1', secret).update(counter).digest()
  const o = h[h.length - 1] & 0xf
  return ((h.readUInt32BE(o) & 0x7fffffff) % 1000000).toString().padStart(6, '0')
}

// A referral from tools/examples/ (the protobuf JSON mapping), as an object.
export function example (name) {
  return JSON.parse(readFileSync(join(SOURCE, 'tools', 'examples', name)))
}
