// Browser test of the commissioners' reports: Debian's chromium, headless,
// through playwright-core, axe-core checking WCAG 2.2 AA. intake-svc,
// triage-svc, allocation-svc, notify-svc and web-svc run as real processes
// (harness.mjs) over a tenth of the demo year (tools/demo, financial year
// DEMO_YEAR); then eleven referrals from Stoke-on-Trent (six from the
// police, five from the hospital, each with a DASH so it is triaged and
// placed at once) make this quarter's figures. A commissioner opens the
// report, sees its charts and tables, downloads the CSV and the
// spreadsheet, and each holds the figures the services' Report methods give
// (frontdoorctl report, as the operations agency); a practitioner cannot
// open it. Screenshots 80- to 82-report*.png, and report-demo-*.jpg of the
// demo year's last quarter for the README (tools/report-pictures), in
// $FRONTDOOR_BROWSER_ARTEFACTS.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Suite, checkAccessible, example, SOURCE, ARTEFACTS } from './harness.mjs'

// How long triage and allocation may take to place the referrals.
const SETTLE_MS = 60000
const POLL_MS = 500
const POLICE = 6
const HEALTH = 5
// The demo year: April 2025 to March 2026, at FRONTDOOR_DEMO_SCALE of a
// full year (default a tenth; tools/report-pictures loads it all).
const DEMO_YEAR = 2025
const DEMO_SCALE = Number(process.env.FRONTDOOR_DEMO_SCALE ?? '0.1')

const suite = new Suite({}, { allocation: true, demoYear: { year: DEMO_YEAR, scale: DEMO_SCALE } })
before(() => suite.start())
after(() => suite.stop())

// This financial quarter's name, as the suite's calendar (Europe/London)
// has it today: Q1 is April to June.
function thisQuarter () {
  const [year, month] = new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Europe/London', year: 'numeric', month: '2-digit'
  }).format(new Date()).split('-').map(Number)
  const fy = month >= 4 ? year : year - 1
  const q = month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4
  return `${fy}-Q${q}`
}

function withDash (referral, yes) {
  referral.riskAssessment = {
    formVersion: 'safelives-dash-24',
    answers: Array.from({ length: 24 }, (_, i) => ({
      question: i + 1,
      answer: i < yes ? 'ANSWER_YES' : 'ANSWER_NO'
    }))
  }
  return referral
}

// The figures the services give, combined and suppressed, as frontdoorctl
// writes them.
async function apiReport (format) {
  return suite.frontdoorctl('frontdoor-operations', [
    `--target=${suite.intakeTarget}`, `--triage-target=${suite.triageTarget}`,
    `--allocation-target=${suite.allocationTarget}`, 'report',
    `--quarter=${thisQuarter()}`, `--format=${format}`,
    `--districts=${join(SOURCE, 'config', 'districts.json')}`,
    `--catalogue=${join(SOURCE, 'config', 'catalogue.json')}`])
}

function tableOf (report, id) {
  const table = report.tables.find((t) => t.id === id)
  assert.ok(table, `no table ${id}`)
  return table
}

// A row's entries by its label.
function rowOf (table, label) {
  const row = table.rows.find((r) => r.label === label)
  assert.ok(row, `no row ${label} in ${table.id}`)
  return row.entries
}

// The cells of the workbook's sheet `index` (1 is "About"), as text by
// reference ("B3"), read with python3's zipfile: shared strings resolved.
function sheetCells (file, index) {
  const script = `
import json, re, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
shared = []
if 'xl/sharedStrings.xml' in z.namelist():
    shared = [re.sub(r'<[^>]+>', '', s) for s in re.findall(r'<si>(.*?)</si>', z.read('xl/sharedStrings.xml').decode())]
xml = z.read('xl/worksheets/sheet%s.xml' % sys.argv[2]).decode()
cells = {}
for ref, attrs, body in re.findall(r'<c r="([A-Z]+[0-9]+)"([^>]*)>(.*?)</c>', xml):
    v = re.search(r'<v>(.*?)</v>', body)
    if v is None:
        continue
    cells[ref] = shared[int(v.group(1))] if 't="s"' in attrs else v.group(1)
print(json.dumps(cells))
`
  return JSON.parse(execFileSync('python3', ['-c', script, file, String(index)]).toString())
}

test('a commissioner reads, charts and downloads the quarter; a practitioner cannot', async () => {
  const references = []
  for (let i = 0; i < POLICE; i++) {
    const r = example('adult-victim.json')
    r.subject.name.givenNames = `Police${String.fromCharCode(65 + i)}`
    references.push(await suite.submitAs('staffs-police', withDash(r, 5)))
  }
  for (let i = 0; i < HEALTH; i++) {
    const r = example('adult-victim.json')
    r.subject.name.givenNames = `Health${String.fromCharCode(65 + i)}`
    references.push(await suite.submitAs('uhnm-health', withDash(r, 5)))
  }
  // Until allocation has placed all eleven (allocated, or waiting behind
  // the demo year's lists).
  const deadline = Date.now() + SETTLE_MS
  for (const reference of references) {
    for (;;) {
      try {
        await suite.frontdoorctl('frontdoor-helpline',
          [`--target=${suite.allocationTarget}`, 'placement', reference])
        break
      } catch (e) {
        assert.ok(Date.now() < deadline, `${reference} not placed in time: ${e.message}`)
        await new Promise((resolve) => setTimeout(resolve, POLL_MS))
      }
    }
  }
  const api = JSON.parse(await apiReport('json'))
  const bySource = tableOf(api, 'referrals_by_source')
  const stoke = rowOf(bySource, 'Stoke-on-Trent')
  assert.equal(stoke[bySource.header.indexOf('Police') - 1], POLICE)
  assert.equal(stoke[bySource.header.indexOf('Health') - 1], HEALTH)
  assert.equal(stoke[stoke.length - 1], POLICE + HEALTH)

  const { page, problems } = await suite.newPage({ acceptDownloads: true })
  await suite.signIn(page, 'cara@example.org', 'commissioner', 'Cara Commissioner')
  await page.click('a[href="/console/reports"]')
  assert.equal(new URL(page.url()).pathname, '/console/reports')
  await page.selectOption('#period', thisQuarter())
  await page.click('#show-report')
  assert.match(await page.locator('#about').textContent(), new RegExp(`${thisQuarter()}: All services`))
  // The charts, drawn on the server: referrals by district, the waits,
  // and the trend over four quarters.
  for (const id of ['referrals_by_district', 'waiting_victims', 'waiting_perpetrators', 'trend']) {
    assert.equal(await page.locator(`#svg-${id}`).count(), 1, id)
  }
  const stokeBar = page.locator('#svg-referrals_by_district g[data-label="Stoke-on-Trent"]')
  assert.equal(await stokeBar.getAttribute('data-value'), String(POLICE + HEALTH))
  assert.equal(await stokeBar.locator('rect').count(), 1)
  const trend = page.locator(`#svg-trend g[data-label="${thisQuarter()}"]`)
  assert.equal(await trend.getAttribute('data-value'), String(POLICE + HEALTH))
  // The table as the API gives it.
  const row = page.locator('#table-referrals_by_source tbody tr', { hasText: 'Stoke-on-Trent' })
  const cells = await row.locator('td').allTextContents()
  assert.deepEqual(cells, stoke.map(String))
  await checkAccessible(page, '80-report')

  // The CSV is the API's, byte for byte.
  const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-csv')])
  assert.equal(csvDownload.suggestedFilename(), `frontdoor-report-${thisQuarter()}-all.csv`)
  const csv = readFileSync(await csvDownload.path(), 'utf8')
  assert.equal(csv, await apiReport('csv'))
  assert.match(csv, new RegExp(`\r\nStoke-on-Trent,${POLICE},${HEALTH},0,0,0,0,0,0,${POLICE + HEALTH}\r\n`))

  // The spreadsheet: sheet 2 is referrals by source, its numbers numbers.
  const [xlsxDownload] = await Promise.all([page.waitForEvent('download'), page.click('#download-xlsx')])
  assert.equal(xlsxDownload.suggestedFilename(), `frontdoor-report-${thisQuarter()}-all.xlsx`)
  const sheet = sheetCells(await xlsxDownload.path(), 2)
  assert.equal(sheet.A1, 'Referrals received, by source')
  const stokeRow = Object.keys(sheet).find((ref) => sheet[ref] === 'Stoke-on-Trent').slice(1)
  assert.equal(Number(sheet[`B${stokeRow}`]), POLICE)
  assert.equal(Number(sheet[`C${stokeRow}`]), HEALTH)
  assert.equal(Number(sheet[`J${stokeRow}`]), POLICE + HEALTH)

  // The demo year's last quarter (January to March): every chart drawn
  // from its figures, pictured for the README.
  await page.selectOption('#period', `${DEMO_YEAR}-Q4`)
  await page.click('#show-report')
  assert.match(await page.locator('#about').textContent(), new RegExp(`${DEMO_YEAR}-Q4: All services`))
  assert.ok(await page.locator('#svg-referrals_by_district rect').count() >= 5)
  assert.equal(await page.locator('#svg-trend g').count(), 4)
  assert.equal(await page.locator('#svg-trend rect').count(), 4)
  assert.ok(await page.locator('#svg-waiting_victims rect').count() >= 1)
  await checkAccessible(page, 'report-demo-1-summary', { jpeg: true })
  await page.evaluate(() => document.getElementById('chart-referrals_by_district').scrollIntoView())
  await page.screenshot({ path: join(ARTEFACTS, 'report-demo-2-districts.jpg'), type: 'jpeg', quality: 70 })
  await page.evaluate(() => document.getElementById('chart-trend').scrollIntoView())
  await page.screenshot({ path: join(ARTEFACTS, 'report-demo-3-trend.jpg'), type: 'jpeg', quality: 70 })

  // A mistyped period: the GOV.UK error pattern, no figures.
  await page.selectOption('#period', 'dates')
  await page.click('#show-report')
  assert.match(await page.title(), /^Error: /)
  assert.match(await page.locator('.govuk-error-summary').textContent(), /Enter the first day/)
  assert.equal(await page.locator('#downloads').count(), 0)
  await checkAccessible(page, '81-report-errors')
  assert.deepEqual(problems, [])

  // A practitioner sees neither the link nor the page nor the downloads.
  const other = await suite.newPage()
  await suite.signIn(other.page, 'pat@example.org', 'practitioner', 'Pat Practitioner')
  assert.equal(await other.page.locator('a[href="/console/reports"]').count(), 0)
  const refused = await other.page.goto(`${suite.webUrl}/console/reports`)
  assert.equal(refused.status(), 403)
  assert.equal(await other.page.locator('h1').textContent(), 'You cannot see this page')
  await checkAccessible(other.page, '82-report-refused')
  const download = await other.page.request.get(
    `${suite.webUrl}/console/reports/download?period=${thisQuarter()}&service=all&format=csv`)
  assert.equal(download.status(), 403)
})
