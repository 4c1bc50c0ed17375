/* dash.js -- the dashboard's client side: refresh in place, and charts.
 *
 * The server renders every table (lib/serve/dash.c). This script re-fetches the
 * API URL each one names every 10 s and rebuilds it from the same column
 * description (data-api, data-key, data-cols; data-field for single
 * values; data-key may be a path, "alerts.0.growth"), and draws the
 * charts with uPlot: the port chart (one point per bucket, gaps filled
 * with zeros, surge alerts shaded), a source's timeline (a bar per day),
 * and the sparklines of the overview (each port against its own median
 * hour, one log scale for all). Axes are in 24-hour UTC. Data only ever reaches the
 * page through textContent and attribute setters, never innerHTML; there is
 * no inline script or style anywhere (the CSP forbids both). Times are UTC.
 * State for tests: window.wwDash.charts[id] = {u, marks, step}. */
'use strict';
(function () {
  const REFRESH_MS = 10000;
  const SILENT_S = Number(document.body.dataset.silent) || 3600;
  const LEVELS = ['green', 'yellow', 'orange', 'red'];
  const charts = {};
  const sparks = new Map(); // table -> [uPlot]
  window.wwDash = { charts: charts, refreshes: 0, errors: [] };

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // "2026-11-27T13:00:00Z" -> "2026-11-27 13:00" (put_time() in dash.c)
  function time(v) {
    if (typeof v === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(v))
      return v.slice(0, 10) + ' ' + v.slice(11, 16);
    return v === undefined || v === null ? '' : String(v);
  }
  function num(v, dec) {
    if (typeof v !== 'number') return v === undefined || v === null ? '' : String(v);
    return dec ? v.toFixed(1) : String(Math.round(v));
  }
  function epoch(t) { return Date.parse(t) / 1000; }
  // data at a key path: "alerts" or "alerts.0.growth" (at() in dash.c)
  function at(data, path) {
    for (const k of path.split('.')) data = data === undefined || data === null ? undefined : data[k];
    return data;
  }
  // lateness() in dash.c
  function lateness(row) {
    if (row.stale === true) return 'stale';
    if (row.holding === true) return 'holding';
    return typeof row.stale === 'boolean' || typeof row.holding === 'boolean' ? 'in time' : '';
  }
  // put_duration() in dash.c
  function duration(s) {
    if (typeof s !== 'number') return '';
    if (s >= 86400 && s % 86400 === 0) return s / 86400 + ' d';
    if (s >= 3600 && s % 3600 === 0) return s / 3600 + ' h';
    if (s >= 60 && s % 60 === 0) return s / 60 + ' min';
    return s + ' s';
  }
  function sensorState(row) {
    if (row.revoked === true) return 'revoked';
    const t = typeof row.last_seen === 'string' ? epoch(row.last_seen) : NaN;
    if (!isFinite(t)) return 'never';
    return Date.now() / 1000 - t > SILENT_S ? 'silent' : 'reporting';
  }

  // who a source is: its OS, country, AS; "unavailable" when the collector
  // has no database for it (the answer's enrichment), "-" when unknown
  // (put_who() in dash.c)
  function who(kind, row, enrich) {
    const v = row[kind];
    if (kind === 'os' && typeof v === 'string')
      return v + (row.os_match && row.os_match !== 'exact' ? ' (' + row.os_match + ')' : '');
    if (kind === 'asn' && typeof v === 'number')
      return 'AS' + v + (typeof row.as_org === 'string' ? ' ' + row.as_org : '');
    if (typeof v === 'string') return v;
    return enrich && enrich[kind] === false ? 'unavailable' : '-';
  }
  function isWho(kind) { return kind === 'os' || kind === 'country' || kind === 'asn'; }

  function format(kind, v) {
    if (kind === 'pct') return typeof v === 'number' ? (100 * v).toFixed(1) + '%' : '';
    if (kind === 'num') return num(v, false);
    if (kind === 'duration') return duration(v);
    if (kind === 'dec') return num(v, true);
    if (kind === 'time') return time(v);
    if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
    if (typeof v === 'number') return num(v, !Number.isInteger(v));
    return v === undefined || v === null ? '' : String(v);
  }

  // one table cell, as cell() in dash.c
  function cell(kind, key, row, label, enrich) {
    const td = el('td', 'k-' + kind), v = row[key];
    td.dataset.label = label;
    if (isWho(kind)) {
      const w = who(kind, row, enrich);
      if (w === 'unavailable') td.appendChild(el('span', 'unavailable', w));
      else td.textContent = w;
    } else if (kind === 'port') {
      const a = el('a', null, v + (row.proto ? '/' + row.proto : ''));
      a.href = '/port/' + encodeURIComponent(v);
      td.appendChild(a);
    } else if (kind === 'ip') {
      const a = el('a', null, v);
      a.href = '/ip/' + encodeURIComponent(v);
      td.appendChild(a);
    } else if (kind === 'state') {
      const s = sensorState(row);
      td.appendChild(el('span', 'state-' + s, s));
    } else if (kind === 'lateness') {
      const l = lateness(row);
      if (l) td.appendChild(el('span', 'late-' + l.replace(' ', '-'), l));
    } else if (kind === 'kind') { // a surge's kind, and its side when a source port (dash.c)
      td.textContent = (typeof v === 'string' ? v : '') + (row.side === 'source' ? ', UDP source port' : '');
    } else if (kind === 'spark') {
      const s = el('span', 'spark');
      s.dataset.port = String(v);
      td.appendChild(s);
    } else {
      td.textContent = format(kind, v);
    }
    return td;
  }

  function fillTable(t, data) {
    const cols = t.dataset.cols.split(',').map(function (c) { return c.split(':'); });
    const labels = Array.from(t.tHead.rows[0].cells).map(function (th) { return th.textContent; });
    const found = data ? at(data, t.dataset.key) : undefined;
    let rows = Array.isArray(found) ? found : [];
    if (t.dataset.port !== undefined)
      rows = rows.filter(function (r) { return String(r.port) === t.dataset.port; });
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      cols.forEach(function (c, i) {
        tr.appendChild(cell(c[1], c[0], r, labels[i] || '', data ? data.enrichment : undefined));
      });
      tbody.appendChild(tr);
    }
    if (!rows.length) {
      const td = el('td', 'none', t.dataset.empty || 'none');
      td.colSpan = cols.length;
      tbody.appendChild(el('tr')).appendChild(td);
    }
    for (const u of sparks.get(t) || []) u.destroy();
    sparks.delete(t);
    t.replaceChild(tbody, t.tBodies[0]);
  }

  function fillFields(root, data) {
    for (const e of root.querySelectorAll('[data-field]')) {
      const v = data[e.dataset.field], fmt = e.dataset.fmt;
      if (fmt === 'level') {
        const l = LEVELS.indexOf(v) >= 0 ? v : 'unknown';
        e.textContent = l;
        root.className = 'infocon level-' + l;
      } else if (fmt === 'reporting') {
        const live = (v || []).filter(function (s) { return s.revoked !== true; });
        const on = live.filter(function (s) { return sensorState(s) === 'reporting'; });
        e.textContent = on.length + ' of ' + live.length;
      } else if (fmt === 'stale') {
        const live = (v || []).filter(function (s) { return s.revoked !== true; });
        e.textContent = live.filter(function (s) { return s.stale === true; }).length + ' stale';
      } else if (isWho(fmt)) {
        e.textContent = who(fmt, data, data.enrichment);
      } else {
        e.textContent = format(fmt, v);
      }
    }
  }

  // ---- charts ----

  function getter(cache) {
    return function (url) {
      if (!cache.has(url))
        cache.set(url, fetch(url, { headers: { Accept: 'application/json' } }).then(function (r) {
          if (!r.ok) throw new Error(url + ': HTTP ' + r.status);
          return r.json();
        }));
      return cache.get(url);
    };
  }

  // t0..t1 (seconds, inclusive) every step, values from rows keyed by time
  function buckets(t0, t1, step, rows, timeOf, keys) {
    const m = new Map();
    for (const r of rows || []) m.set(timeOf(r), r);
    const out = [[]].concat(keys.map(function () { return []; }));
    for (let t = t0; t <= t1; t += step) {
      const r = m.get(t);
      out[0].push(t);
      keys.forEach(function (k, i) { out[i + 1].push(r && typeof r[k] === 'number' ? r[k] : 0); });
    }
    return out;
  }

  const COLORS = ['#1565c0', '#c62828', '#2e7d32'];
  function utc(ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); }

  // x ticks in 24-hour UTC: the date where the day changes, else HH:MM
  function xTicks(u, splits, ax, space, incr) {
    let prev = null;
    return splits.map(function (t) {
      const iso = new Date(t * 1000).toISOString(), day = iso.slice(0, 10), hm = iso.slice(11, 16);
      const s = incr >= 86400 ? day.slice(5) : day !== prev ? day.slice(5) + '\n' + hm : hm;
      prev = day;
      return s;
    });
  }

  function draw(id, div, data, marks, step, labels, extra) {
    const old = charts[id];
    if (old && old.u.root.isConnected) {
      old.marks = marks;
      old.u.setData(data);
      return;
    }
    const rec = { u: null, marks: marks, step: step };
    const opts = {
      width: Math.max(280, div.clientWidth || 0), height: 300, tzDate: utc,
      series: [{ label: 'time (UTC)', value: '{YYYY}-{MM}-{DD} {HH}:{mm}' }].concat(labels.map(function (l, i) {
        return { label: l, stroke: COLORS[i], width: 1.5, points: { show: data[0].length < 120 } };
      })),
      axes: [{ values: xTicks }, { size: 60 }],
      // half a bucket either side, so the first and the last have their slot
      scales: { x: { range: function (u, lo, hi) { return [lo - step / 2, hi + step / 2]; } } },
      hooks: {
        drawClear: [function (u) {
          const ctx = u.ctx, bb = u.bbox;
          ctx.save();
          ctx.fillStyle = 'rgba(198, 40, 40, 0.18)';
          // a mark [start, end) of buckets; a point stands at its bucket's start,
          // in the middle of its slot: shade the slots
          const lo = u.scales.x.min, hi = u.scales.x.max, half = rec.step / 2;
          for (const m of rec.marks) {
            const a = m[0] - half, b = m[1] - half;
            if (b <= lo || a >= hi) continue; // not in view: nothing at the edges
            let x0 = u.valToPos(Math.max(a, lo), 'x', true);
            let x1 = u.valToPos(Math.min(b, hi), 'x', true);
            x1 = Math.min(bb.left + bb.width, Math.max(x1, x0 + 6));
            x0 = Math.max(bb.left, Math.min(x0, x1 - 6));
            ctx.fillRect(x0, bb.top, x1 - x0, bb.height);
          }
          ctx.restore();
        }],
      },
    };
    if (extra) extra(opts);
    if (old) old.u.destroy();
    while (div.firstChild) div.removeChild(div.firstChild);
    rec.u = new uPlot(opts, data, div);
    charts[id] = rec;
  }

  async function portChart(div, get) {
    const port = div.dataset.port, by = div.dataset.by, step = by === 'hour' ? 3600 : 86400;
    const h = await get('/api/v1/porthistory/' + encodeURIComponent(port) + '?from=' +
      encodeURIComponent(div.dataset.from) + '&to=' + encodeURIComponent(div.dataset.to) +
      (by === 'hour' ? '&by=hour' : ''));
    // the page's own table of the port's surges (dash.c port_page), growth and all
    const al = await get('/api/v1/alerts?limit=20&port=' + encodeURIComponent(port) + '&end=' +
      encodeURIComponent(div.dataset.to) + '&growth=1');
    const t0 = epoch(div.dataset.from + 'T00:00:00Z');
    const now = Math.floor(Date.now() / 1000 / step) * step;
    const t1 = Math.min(epoch(div.dataset.to + 'T00:00:00Z') + 86400 - step, now);
    const data = buckets(t0, t1, step, by === 'hour' ? h.hours : h.days, function (r) {
      return by === 'hour' ? epoch(r.time) : epoch(r.date + 'T00:00:00Z');
    }, ['records', 'sources', 'targets']);
    const marks = (al.alerts || []).filter(function (a) { return String(a.port) === port; })
      .map(function (a) {
        // from its first surging bucket to the end of its last (by day: whole days)
        // (and the hour in progress, while the surge may go on)
        const g = a.growth && a.growth.length ? epoch(a.growth[a.growth.length - 1].time) + 3600 : 0;
        const s = Math.floor(epoch(a.start) / step) * step;
        const e = Math.ceil(Math.max(a.end ? epoch(a.end) : epoch(a.alert) + 1, g) / step) * step;
        return [s, Math.max(e, s + step)];
      });
    draw(div.id, div, data, marks, step, ['records', 'sources', 'targets']);
  }

  async function ipChart(div, get) {
    const d = await get(div.dataset.src);
    const days = d.days || [];
    const ts = days.map(function (r) { return epoch(r.date + 'T00:00:00Z'); });
    const first = Math.floor(epoch(d.first_seen) / 86400) * 86400;
    const last = Math.floor(epoch(d.last_seen) / 86400) * 86400;
    // a day of context on either side (a single point alone has no scale)
    const t0 = Math.min.apply(null, ts.concat(isFinite(first) ? [first] : [])) - 86400;
    const t1 = Math.max.apply(null, ts.concat(isFinite(last) ? [last] : [])) + 86400;
    if (!isFinite(t0) || !isFinite(t1)) return;
    const data = buckets(t0, t1, 86400, days, function (r) {
      return epoch(r.date + 'T00:00:00Z');
    }, ['records']);
    draw(div.id, div, data, [], 86400, ['records per day'], function (o) {
      const bars = uPlot.paths.bars({ size: [0.7, 48] });
      o.series[1].paths = bars;
      o.series[1].fill = 'rgba(21, 101, 192, 0.75)';
      o.series[1].points = { show: false };
      o.series[1].value = function (u, v) { return v === null ? '--' : String(v); };
      // whole days on x, whole records on y
      o.axes[0].incrs = [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400];
      o.axes[1].incrs = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6];
      o.axes[1].values = function (u, splits) { return splits.map(function (v) { return String(v); }); };
      o.scales.y = { range: function (u, lo, hi) { return [0, Math.max(1, Math.ceil(hi * 1.1))]; } };
    });
  }

  // The sparklines of a table: sources per hour over the range its
  // .sparks wrapper names, each divided by its own median hour, on one log
  // scale shared by all rows, so the port under attack is the one that climbs.
  const FLOOR = 0.25; // multiples of the median below this sit at the bottom
  async function sparkTable(table, get) {
    const spans = Array.from(table.querySelectorAll('.spark'));
    const box = table.closest('[data-spark-from]');
    if (!spans.length || !box) return;
    const from = box.dataset.sparkFrom, to = box.dataset.sparkTo;
    const t0 = epoch(from + 'T00:00:00Z');
    const t1 = Math.min(epoch(to + 'T00:00:00Z') + 86400 - 3600, Math.floor(Date.now() / 3600000) * 3600);
    const rows = await Promise.all(spans.map(function (span) {
      return get('/api/v1/porthistory/' + encodeURIComponent(span.dataset.port) + '?by=hour&from=' +
        encodeURIComponent(from) + '&to=' + encodeURIComponent(to)).then(function (h) {
        const d = buckets(t0, t1, 3600, h.hours, function (r) { return epoch(r.time); }, ['sources']);
        const sorted = d[1].slice().sort(function (x, y) { return x - y; });
        const median = Math.max(1, sorted.length ? sorted[Math.floor(sorted.length / 2)] : 1);
        const ys = d[1].map(function (v) { return Math.log10(Math.max(v / median, FLOOR)); });
        return { span: span, x: d[0], v: d[1], y: ys, median: median };
      });
    }));
    let top = Math.log10(4);
    for (const r of rows) for (const y of r.y) top = Math.max(top, y);
    for (const r of rows) {
      if (!r.span.isConnected) continue;
      const u = new uPlot({
        width: 120, height: 28, legend: { show: false }, cursor: { show: false },
        axes: [{ show: false }, { show: false }],
        scales: { x: { time: false }, y: { range: function () { return [Math.log10(FLOOR), top * 1.04]; } } },
        series: [{}, { stroke: COLORS[1], width: 1.5, points: { show: false } },
          { stroke: '#9aa0a6', width: 1, points: { show: false } }],
      }, [r.x, r.y, r.x.map(function () { return 0; })], r.span);
      const peak = Math.max.apply(null, r.v.concat([0]));
      r.span.setAttribute('role', 'img');
      r.span.setAttribute('aria-label', 'sources per hour, ' + from + ' to ' + to + ': median ' +
        r.median + ', peak ' + peak + ' (' + Math.round(peak / r.median) + ' times the median)');
      r.span.dataset.peak = String(peak / r.median);
      if (!sparks.has(table)) sparks.set(table, []);
      sparks.get(table).push(u);
    }
    const scale = document.getElementById('spark-scale');
    if (scale) scale.textContent = 'the top is ' + Math.round(Math.pow(10, top)).toLocaleString('en-US') +
      ' times the median, the bottom ' + FLOOR + ' times';
  }

  // ---- refresh ----

  let timer = null;
  async function refresh() {
    clearTimeout(timer);
    const get = getter(new Map()), jobs = [];
    for (const e of document.querySelectorAll('[data-api]')) {
      jobs.push(get(e.dataset.api).then(function (d) {
        if (e.tagName === 'TABLE') {
          fillTable(e, d);
          if (typeof uPlot !== 'undefined') return sparkTable(e, get);
        } else {
          fillFields(e, d);
        }
      }));
    }
    if (typeof uPlot !== 'undefined') {
      for (const c of document.querySelectorAll('[data-chart]'))
        jobs.push(c.dataset.chart === 'port' ? portChart(c, get) : ipChart(c, get));
    }
    const res = await Promise.allSettled(jobs);
    const bad = res.filter(function (r) { return r.status === 'rejected'; });
    const st = document.getElementById('status');
    window.wwDash.errors = bad.map(function (r) { return String(r.reason); });
    if (st) {
      st.textContent = bad.length ? 'Update failed (' + bad.length + ' queries); retrying'
        : 'Updated ' + time(new Date().toISOString()) + ' UTC';
      st.className = bad.length ? 'stale' : '';
    }
    window.wwDash.refreshes++;
    timer = setTimeout(refresh, REFRESH_MS);
  }

  let resizing = null;
  window.addEventListener('resize', function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      for (const id in charts) {
        const div = document.getElementById(id);
        if (div) charts[id].u.setSize({ width: Math.max(280, div.clientWidth), height: 300 });
      }
    }, 150);
  });
  refresh();
})();
