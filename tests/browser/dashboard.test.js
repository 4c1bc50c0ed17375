// dashboard.test.js -- the dashboard in a real browser (Debian's chromium,
// headless, driven by playwright-core; no browser is ever downloaded).
// Run by tests/e2e/dashboard.sh against a collector holding a simulated
// Code Red-like outbreak on 139/tcp (scripts/demo.sh's loading steps), and
// one holding the same ending 2006-08-05 (history, read today):
//   node dashboard.test.js URL ARTIFACT_DIR HOSTILE_NAME [URL_2006]
// Checks: the overview shows 139/tcp among the top ports, a surge alert and
// refreshes itself in place; /port/139's chart has one point per bucket with
// the API's values and the surge shaded; a source page is reached by a link
// and left by one; hostile names and paths render as text; no console
// errors, page errors or CSP violations; phone width and keyboard use;
// surge tables wrap instead of scrolling; the /ip chart is bars with 24-hour
// UTC dates and whole-number ticks. On the 2006 collector: the overview
// shows 2006-08-04, says it is the latest day with data and has figures;
// ?date= goes back and forth; the port chart spans the data; the day view
// shades the surge; the sparklines make 139/tcp stand out; the surge shows
// its growth and its new sources first. A screenshot of each page goes to
// ARTIFACT_DIR. Who is scanning: each source's OS, country and AS on the
// port and source pages, the surge's new sources by OS, country and AS, and
// "unavailable" where the collector has no database.
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const [URL, ART, HOSTILE, OLD] = process.argv.slice(2);
let failures = 0;
function check(cond, what) {
  if (cond) console.log('ok - ' + what);
  else { failures++; console.log('not ok - ' + what); }
}
function epoch(t) { return Date.parse(t) / 1000; }

// The collector of 2006, read today.
async function history(page, OLD, loaded, shot, clean, shaded) {
  const chartReady = () => page.waitForFunction(() => window.wwDash.charts.chart, null, { timeout: 20000 });
  await page.goto(OLD + '/');
  await loaded();
  check((await page.locator('#day').textContent()) === '2006-08-04', '2006: the overview shows 2006-08-04');
  check(/the latest day with data/.test(await page.locator('nav.day').textContent()), '2006: and says it is the latest day with data');
  const top = page.locator('table[data-key="ports"] tbody tr');
  check(await top.count() >= 3 && (await top.first().locator('td').first().textContent()) === '139/tcp',
    '2006: top ports of that day, 139/tcp first');
  check(Number(await top.first().locator('td').nth(1).textContent()) > 1000, '2006: with figures');
  check(['yellow', 'orange', 'red'].includes(await page.locator('[data-field="level"]').textContent()),
    '2006: infocon raised as of that day');
  const act = page.locator('table[aria-label="Active surges"] tbody tr', { hasText: '139/tcp' });
  check(await act.count() === 1, '2006: the 139/tcp surge is active as of that day');
  const called = Number(await act.locator('td[data-label="Sources when called"]').textContent());
  const soFar = Number(await act.locator('td[data-label="Sources so far"]').textContent());
  check(soFar > 10 * called, '2006: the surge shows its growth: ' + called + ' when called, ' + soFar + ' so far');
  // sparklines: 139/tcp climbs far above every other port, on one scale
  await page.waitForFunction(() => document.querySelectorAll('.spark[data-peak]').length >= 3, null, { timeout: 20000 });
  const peaks = await page.evaluate(() => Array.from(document.querySelectorAll('table[data-key="ports"] tbody tr')).map((tr) =>
    [tr.cells[0].textContent, Number(tr.querySelector('.spark').dataset.peak)]));
  const p139 = peaks.find((p) => p[0] === '139/tcp')[1];
  check(peaks.every((p) => p[0] === '139/tcp' || p139 > 5 * p[1]), '2006: the sparkline of 139/tcp stands out: ' + JSON.stringify(peaks));
  check(/times the median/.test(await page.locator('#spark-scale').textContent()), '2006: the page says what the sparkline scale is');
  check(/Targets are distinct destination addresses/.test(await page.locator('main').textContent()), '2006: the page says what targets are');
  await shot('2006-overview');
  await clean('2006 overview');
  // the day before, and back
  await Promise.all([page.waitForURL(/\?date=2006-08-03$/), page.locator('nav.day a[rel="prev"]').click()]);
  await loaded();
  check((await page.locator('#day').textContent()) === '2006-08-03' &&
    /2006-08-03/.test(await page.locator('h2', { hasText: 'Top ports' }).textContent()), '2006: ?date= goes to the day before');
  check(await page.locator('table[aria-label="Active surges"] tbody tr', { hasText: '139/tcp' }).count() === 0,
    '2006: no surge was active the day before');
  await Promise.all([page.waitForURL(/\?date=2006-08-04$/), page.locator('nav.day a[rel="next"]').click()]);
  await loaded();
  check((await page.locator('#day').textContent()) === '2006-08-04', '2006: and next comes back');
  await clean('2006 navigation');

  // the port page: the chart spans the data, the surge shaded, its new sources first
  await page.goto(OLD + '/port/139');
  await loaded();
  await chartReady();
  const c = await page.evaluate(() => { const c = window.wwDash.charts.chart; return { n: c.u.data[0].length, d: document.getElementById('chart').dataset }; });
  check(c.d.from === '2006-08-03' && c.d.to === '2006-08-04' && c.n === 48, '2006: the chart spans the data, 48 hours (' + c.d.from + '..' + c.d.to + ', ' + c.n + ')');
  let px = await shaded();
  check(px[0] > px[1] + 15 && px[0] > px[2] + 15, '2006: the surge is shaded (pixel ' + px + ')');
  check(await page.locator('table[aria-label="Surge growth"] tbody tr').count() >= 2, '2006: the surge hour by hour');
  const heads = await page.locator('main h2').allTextContents();
  const iNew = heads.indexOf('New sources in the surge'), iHeavy = heads.findIndex((h) => /^Heaviest sources/.test(h));
  check(iNew >= 0 && iHeavy > iNew, '2006: the surge\'s new sources come before the heaviest: ' + heads);
  const alert = (await (await page.context().request.get(OLD + '/api/v1/alerts?port=139')).json()).alerts[0];
  const firsts = await page.locator('table[aria-label="New sources"] tbody td[data-label="First seen (UTC)"]').allTextContents();
  check(firsts.length > 0 && firsts.every((f) => f >= alert.start.slice(0, 10) + ' ' + alert.start.slice(11, 16)),
    '2006: new sources first seen in the surge: ' + firsts.slice(0, 3));
  await shot('2006-port-139');
  await clean('2006 port page');
  // the day view: one day, hourly, shaded
  await page.goto(OLD + '/port/139?date=2006-08-04&days=1');
  await loaded();
  await chartReady();
  const n = await page.evaluate(() => window.wwDash.charts.chart.u.data[0].length);
  px = await shaded();
  check(n === 24 && px[0] > px[1] + 15 && px[0] > px[2] + 15, '2006: the day view (24 hours: ' + n + ') shades the surge (pixel ' + px + ')');
  const xs = await page.evaluate(() => window.wwDash.charts.chart.u.axes[0]._values);
  check(xs.every((v) => !/am|pm/i.test(v)) && xs.some((v) => /\d\d:\d\d/.test(v)), '2006: hours in 24-hour UTC: ' + xs.join(' ').replace(/\n/g, ' '));
  await shot('2006-port-139-day');
  await clean('2006 day view');
}

(async () => {
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // CSP violations as the page sees them (an init script comes over CDP, not inline)
  await context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
    });
  });
  const page = await context.newPage();
  let problems = [];
  page.on('console', (m) => {
    if (/willReadFrequently/.test(m.text())) return; // this test's own pixel reads
    if (m.type() === 'error' || m.type() === 'warning') problems.push('console ' + m.type() + ': ' + m.text());
  });
  page.on('pageerror', (e) => problems.push('page error: ' + e.message));
  page.on('dialog', async (d) => { problems.push('dialog opened: ' + d.message()); await d.dismiss(); });
  page.on('response', (r) => { if (r.status() >= 400) problems.push('HTTP ' + r.status() + ' ' + r.url()); });
  async function clean(what) { // no errors, no CSP violations since the last call
    const csp = await page.evaluate(() => window.__csp || []);
    const all = problems.concat(csp.map((c) => 'CSP violation: ' + c));
    check(all.length === 0, what + ': no console errors, page errors or CSP violations' +
      (all.length ? ' (' + all.join('; ') + ')' : ''));
    problems = [];
  }
  async function loaded() {
    await page.waitForFunction(() => window.wwDash && window.wwDash.refreshes >= 1, null, { timeout: 20000 });
  }
  async function shot(name) {
    await page.screenshot({ path: path.join(ART, name + '.png'), fullPage: true });
  }
  const api = async (u) => (await context.request.get(URL + u)).json();

  // ---- overview ----
  const res = await page.goto(URL + '/');
  check(res.status() === 200, 'overview answers 200');
  const csp = res.headers()['content-security-policy'] || '';
  check(/script-src 'self'/.test(csp) && !/unsafe-inline/.test(csp), 'overview has a strict CSP: ' + csp);
  check(res.headers()['x-content-type-options'] === 'nosniff', 'nosniff header');
  await loaded();
  const top = page.locator('table[data-key="ports"] tbody tr');
  check(await top.count() >= 3, 'top ports table has rows');
  check((await top.first().locator('td').first().textContent()) === '139/tcp',
    '139/tcp is the top port by sources');
  check(await top.first().locator('.spark canvas').count() === 1, '139/tcp has a sparkline');
  const recent = page.locator('table[aria-label="Recent alerts"] tbody tr', { hasText: '139/tcp' });
  check(await recent.count() >= 1, 'a surge alert on 139/tcp among the recent alerts');
  check(/port 139\/tcp: \d+ sources new/.test(await recent.first().textContent()),
    'the alert carries its explanation');
  const level = await page.locator('[data-field="level"]').textContent();
  check(['yellow', 'orange', 'red'].includes(level), 'infocon is raised: ' + level);
  check(/of 4 sensors? reporting|of 5 sensors? reporting/.test(await page.locator('main').textContent()),
    'sensors reporting shown');
  await shot('overview');
  // refreshes itself in place: a marker on the window survives, the count goes up
  const n0 = await page.evaluate(() => { window.__same = 1; return window.wwDash.refreshes; });
  await page.waitForFunction((n) => window.wwDash.refreshes > n, n0, { timeout: 15000 });
  check(await page.evaluate(() => window.__same === 1 && /^Updated /.test(document.getElementById('status').textContent)),
    'the overview refreshed itself in place');
  check((await top.first().locator('td').first().textContent()) === '139/tcp', 'still 139/tcp after a refresh');
  await clean('overview');

  // keyboard: Tab from the top reaches the 139/tcp link, Enter follows it
  await page.goto(URL + '/');
  await loaded();
  let reached = false;
  for (let i = 0; i < 40 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement && /\/port\/139$/.test(document.activeElement.href || ''));
  }
  check(reached, 'keyboard: Tab reaches the 139/tcp link');
  if (reached) await Promise.all([page.waitForURL(/\/port\/139$/), page.keyboard.press('Enter')]);
  check(page.url() === URL + '/port/139', 'keyboard: Enter opens /port/139');

  // ---- port page ----
  await page.goto(URL + '/');
  await loaded();
  await Promise.all([page.waitForURL(/\/port\/139$/), top.first().locator('a').click()]);
  check(page.url() === URL + '/port/139', 'the top port links to /port/139');
  await loaded();
  await page.waitForFunction(() => window.wwDash.charts.chart, null, { timeout: 20000 });
  check(/netbios-ssn/.test(await page.locator('main').textContent()), 'service name from /etc/services');
  const chart = await page.locator('#chart').evaluate((d) => {
    const c = window.wwDash.charts.chart;
    return { from: d.dataset.from, to: d.dataset.to, data: c.u.data, marks: c.marks, step: c.step };
  });
  const hist = await api('/api/v1/porthistory/139?from=' + chart.from + '&to=' + chart.to + '&by=hour');
  const xs = chart.data[0];
  const first = epoch(chart.from + 'T00:00:00Z');
  let steps = true;
  for (let i = 1; i < xs.length; i++) steps = steps && xs[i] - xs[i - 1] === 3600;
  check(chart.step === 3600 && xs[0] === first && steps, 'one point per hour from ' + chart.from + ', no gaps');
  const nowHour = Math.floor(Date.now() / 1000 / 3600) * 3600;
  check(xs.length === (xs[xs.length - 1] - first) / 3600 + 1 && Math.abs(xs[xs.length - 1] - nowHour) <= 3600,
    'hourly points run to the current hour: ' + xs.length);
  const byTime = new Map(hist.hours.map((h) => [epoch(h.time), h]));
  let same = hist.hours.length > 0;
  xs.forEach((t, i) => {
    const h = byTime.get(t);
    for (const [k, s] of [['records', 1], ['sources', 2], ['targets', 3]])
      same = same && chart.data[s][i] === (h ? h[k] : 0);
  });
  check(same, 'chart values equal the API\'s hourly buckets (' + hist.hours.length + ' with data), zeros between');
  const alerts = (await api('/api/v1/alerts?limit=10000')).alerts.filter((a) => a.port === 139);
  check(alerts.length >= 1 && chart.marks.some((m) => m[0] === epoch(alerts[0].start)),
    'the surge alert is marked on the chart at its start');
  // the shading is really drawn: a pixel near the top of the marked span is red-tinted
  const shaded = () => page.evaluate(() => { // the middle of the first mark's slots
    const c = window.wwDash.charts.chart, u = c.u, m = c.marks[0];
    const x = Math.round(u.valToPos((m[0] + m[1] - c.step) / 2, 'x', true));
    return Array.from(u.ctx.getImageData(x, Math.round(u.bbox.top + 2), 1, 1).data);
  });
  const px = await shaded();
  check(px[0] > px[1] + 15 && px[0] > px[2] + 15, 'the surge is shaded on the chart (pixel ' + px + ')');
  check(await page.locator('table[aria-label="Surge alerts"] tbody tr', { hasText: '139/tcp' }).count() >= 1,
    'the port page lists its surge alerts');
  await shot('port-139');
  await clean('port page');

  await page.goto(URL + '/port/139?days=90&by=day');
  await loaded();
  await page.waitForFunction(() => window.wwDash.charts.chart, null, { timeout: 20000 });
  const daily = await page.evaluate(() => window.wwDash.charts.chart.u.data[0]);
  let dsteps = daily.length === 90;
  for (let i = 1; i < daily.length; i++) dsteps = dsteps && daily[i] - daily[i - 1] === 86400;
  check(dsteps, '90 days by day: 90 points, one per day (' + daily.length + ')');
  await clean('port page by day');

  // ---- who is scanning (issue 17): OS, country and AS beside each source;
  // the surge's new sources by OS, country and AS; "unavailable" where the
  // collector has no database (its API's enrichment says which) ----
  // put_who() in dash.c, who() in dash.js
  const who = (kind, r, en) => kind === 'os' && typeof r.os === 'string'
    ? r.os + (r.os_match && r.os_match !== 'exact' ? ' (' + r.os_match + ')' : '')
    : kind === 'asn' && typeof r.asn === 'number' ? 'AS' + r.asn + (typeof r.as_org === 'string' ? ' ' + r.as_org : '')
      : typeof r[kind] === 'string' ? r[kind] : en && en[kind] === false ? 'unavailable' : '-';
  // on base's /port/139 (tag names the collector in the checks)
  async function whoOn(base, tag) {
    const bapi = async (u) => (await context.request.get(base + u)).json();
    await page.goto(base + '/port/139');
    await loaded();
    const top = await bapi(await page.locator('table[aria-label="Top sources"]').getAttribute('data-api'));
    const rows = page.locator('table[aria-label="Top sources"] tbody tr');
    const heads = await page.locator('table[aria-label="Top sources"] thead th').allTextContents();
    check(['OS', 'Country', 'AS'].every((h) => heads.includes(h)), tag + 'sources tables have OS, Country and AS columns: ' + heads);
    let same = top.sources.length > 0 && await rows.count() === top.sources.length;
    for (let i = 0; same && i < top.sources.length; i++)
      for (const [kind, label] of [['os', 'OS'], ['country', 'Country'], ['asn', 'AS']])
        same = same && (await rows.nth(i).locator('td[data-label="' + label + '"]').textContent()) === who(kind, top.sources[i], top.enrichment);
    check(same, tag + 'each source\'s OS, country and AS as the API says (' + JSON.stringify(top.enrichment) + ')');
    if (top.enrichment.country === false)
      check(await rows.first().locator('td[data-label="Country"] .unavailable').count() === 1, tag + 'no --geoip: the country says "unavailable"');
    else
      check(top.sources.some((r) => /^[A-Z][A-Z]$/.test(r.country)) && top.sources.some((r) => typeof r.asn === 'number'),
        tag + 'with --geoip and --asn: sources have countries and ASes (' + top.sources.map((r) => r.country).join(',') + ')');
    const al = (await bapi(await page.locator('table[aria-label="Surge alerts"]').getAttribute('data-api'))).alerts[0];
    check(await page.locator('h3', { hasText: 'Who the new sources are' }).count() === 1, tag + 'the port page has the surge\'s breakdown');
    const en = top.enrichment;
    for (const [what, mix, db, key] of [['OS', al.os_mix, en.os, 'os'], ['country', al.countries, en.country, 'country'],
      ['AS', al.asns, en.asn, 'asn']]) {
      const t = page.locator('table[aria-label="New sources by ' + what + '"] tbody');
      if (mix) {
        const first = await t.locator('tr').first().locator('td').first().textContent();
        check(first === String(mix.rows.length ? mix.rows[0][key] : 'none'), tag + 'the surge\'s sources by ' + what + ': ' + first);
      } else {
        const none = await t.textContent();
        check(db === false ? /^unavailable: the collector has no/.test(none) : none === 'none',
          tag + 'the surge\'s sources by ' + what + ' without ' + (db === false ? 'a database' : 'a sample') + ': ' + none);
      }
    }
    await shot(tag ? '2006-port-who' : 'port-who');
    await clean(tag + 'who is scanning');
  }
  await whoOn(URL, '');
  await page.goto(URL + '/port/139');
  await loaded();

  // ---- source page, and back ----
  const src = page.locator('table[aria-label="Top sources"] tbody tr a').first();
  const addr = await src.textContent();
  await Promise.all([page.waitForURL(/\/ip\//), src.click()]);
  check(decodeURIComponent(page.url()) === URL + '/ip/' + addr, 'a top source links to its page: ' + addr);
  await loaded();
  check((await page.locator('h1 .addr').textContent()) === addr, 'the source page names the address');
  const ip = await api('/api/v1/ip/' + addr);
  check((await page.locator('[data-field="first_seen"]').textContent()) === ip.first_seen.slice(0, 10) + ' ' + ip.first_seen.slice(11, 16),
    'first seen shown in UTC');
  for (const kind of ['os', 'country', 'asn'])
    check((await page.locator('[data-field="' + kind + '"]').textContent()) === who(kind, ip, ip.enrichment),
      'the source page shows its ' + kind + ' as the API says: ' + who(kind, ip, ip.enrichment));
  await page.waitForFunction(() => window.wwDash.charts.chart, null, { timeout: 20000 });
  check(await page.locator('#chart canvas').count() === 1, 'the source has a timeline chart');
  await shot('source');
  const back = page.locator('table[aria-label="Ports"] a', { hasText: '139/tcp' });
  check(await back.count() === 1, 'the source page links back to 139/tcp');
  await Promise.all([page.waitForURL(/\/port\/139$/), back.click()]);
  check(page.url() === URL + '/port/139', 'and that link leads back to /port/139');
  await page.goBack();
  check(decodeURIComponent(page.url()) === URL + '/ip/' + addr, 'history back returns to the source');
  await clean('source page');

  // surge tables wrap: no sideways scrolling, the explanation whole
  const wraps = () => page.evaluate(() => Array.from(document.querySelectorAll('table.cards')).map((t) => {
    const box = t.closest('.scroll'), ex = t.querySelector('td.k-text');
    return box.scrollWidth <= box.clientWidth + 1 && (!ex || ex.scrollWidth <= ex.clientWidth + 1);
  }));
  await page.goto(URL + '/port/139');
  await loaded();
  let w = await wraps();
  check(w.length >= 1 && w.every(Boolean), 'port page: surge tables wrap, no sideways scrolling (' + w + ')');
  await page.goto(URL + '/alerts');
  await loaded();
  w = await wraps();
  check(w.length === 1 && w.every(Boolean), 'alerts page: the surge table wraps (' + w + ')');

  // the /ip chart: a bar per day, dates in UTC on x, whole numbers on y
  await page.goto(URL + '/ip/' + encodeURIComponent(addr));
  await loaded();
  await page.waitForFunction(() => window.wwDash.charts.chart, null, { timeout: 20000 });
  const ipc = await page.evaluate(() => {
    const u = window.wwDash.charts.chart.u, d = u.data;
    const i = d[1].findIndex((v) => v > 0);
    const x = Math.round(u.valToPos(d[0][i], 'x', true));
    const y = Math.round(u.valToPos(d[1][i] / 2, 'y', true));
    // between two days, just above the axis: a gap between bars (a line's area would be filled)
    const xg = Math.round(u.valToPos(d[0][i] + 43200, 'x', true)), yg = Math.round(u.valToPos(0, 'y', true)) - 2;
    return { px: Array.from(u.ctx.getImageData(x, y, 1, 1).data), gap: Array.from(u.ctx.getImageData(xg, yg, 1, 1).data),
      xs: u.axes[0]._values, ys: u.axes[1]._values };
  });
  check(ipc.px[2] > ipc.px[0] + 40 && ipc.gap[3] < 40, '/ip: records per day are bars (pixel inside one: ' + ipc.px +
    ', between two: ' + ipc.gap + ')');
  check(ipc.xs.length > 0 && ipc.xs.every((v) => /^\d\d-\d\d$/.test(v)), '/ip: x ticks are UTC dates, no 12-hour times: ' + ipc.xs);
  check(ipc.ys.length > 0 && ipc.ys.every((v) => /^\d+$/.test(v)), '/ip: y ticks are whole numbers: ' + ipc.ys);
  await shot('source-bars');
  await clean('source chart');

  // ---- sensors, alerts ----
  await page.goto(URL + '/sensors');
  await loaded();
  const names = await page.locator('table[data-key="sensors"] tbody tr td:first-child').allTextContents();
  check(names.includes(HOSTILE), 'the hostile sensor name is shown as text: ' + JSON.stringify(names));
  check(await page.locator('table[data-key="sensors"] script').count() === 0, 'and made no element');
  const row = page.locator('table[data-key="sensors"] tbody tr', { hasText: HOSTILE });
  check(/never/.test(await row.textContent()), 'a sensor that never submitted is flagged');
  check(await page.locator('.state-reporting').count() === 4, 'four sensors reporting');
  await shot('sensors');
  await clean('sensors page');

  await page.goto(URL + '/alerts');
  await loaded();
  check(await page.locator('table[data-key="alerts"] tbody tr', { hasText: '139/tcp' }).count() >= 1,
    'the alerts page lists the 139/tcp surge');
  await shot('alerts');
  await clean('alerts page');

  // ---- a hostile address: 400, shown as text ----
  const bad = await page.goto(URL + '/ip/' + encodeURIComponent(HOSTILE));
  check(bad.status() === 400, 'a hostile address gets 400');
  check((await page.locator('main code').textContent()) === HOSTILE, 'and is shown as text');
  check(await page.locator('main script').count() === 0, 'and made no element');
  await shot('ip-hostile');
  problems = problems.filter((p) => !/status of 400|HTTP 400/.test(p)); // the page itself is the 400
  await clean('hostile address page');
  const nf = await page.goto(URL + '/no/such/page');
  check(nf.status() === 404 && /no page at/i.test(await page.locator('main').textContent()), 'unknown paths get a 404 page');
  problems = [];

  // ---- phone width ----
  await page.setViewportSize({ width: 390, height: 844 });
  for (const p of ['/', '/port/139', '/sensors']) {
    await page.goto(URL + p);
    await loaded();
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    check(fits, 'phone width: ' + p + ' needs no sideways scrolling of the page');
  }
  await page.goto(URL + '/');
  await loaded();
  check(await page.locator('table.cards td.k-text').first().evaluate((td) => getComputedStyle(td).display === 'block'),
    'phone width: surge tables become one block per alert');
  await page.screenshot({ path: path.join(ART, 'overview-phone.png'), fullPage: true });
  await clean('phone width');
  await page.setViewportSize({ width: 1280, height: 900 });

  if (OLD) await history(page, OLD, loaded, shot, clean, shaded);
  if (OLD) await whoOn(OLD, '2006: ');

  await browser.close();
  console.log(failures ? failures + ' checks failed' : 'all checks passed');
  process.exit(failures ? 1 : 0);
})().catch((e) => { console.log('not ok - ' + (e && e.stack || e)); process.exit(1); });
