/* dash.js -- the dashboard's client side: refresh in place, and charts.
 *
 * The server renders every table (lib/serve/dash.c). This script re-fetches the
 * API URL each one names every 10 s and rebuilds it from the same column
 * description (data-api, data-key, data-cols; data-field for single
 * values), and draws the charts with uPlot: the port chart (one point per
 * bucket, gaps filled with zeros, surge alerts shaded), a source's
 * timeline, and the sparklines of the overview. Data only ever reaches the
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
  function sensorState(row) {
    if (row.revoked === true) return 'revoked';
    const t = typeof row.last_seen === 'string' ? epoch(row.last_seen) : NaN;
    if (!isFinite(t)) return 'never';
    return Date.now() / 1000 - t > SILENT_S ? 'silent' : 'reporting';
  }

  function format(kind, v) {
    if (kind === 'num') return num(v, false);
    if (kind === 'dec') return num(v, true);
    if (kind === 'time') return time(v);
    if (Array.isArray(v)) return v.length ? v.join(', ') : 'none';
    if (typeof v === 'number') return num(v, !Number.isInteger(v));
    return v === undefined || v === null ? '' : String(v);
  }

  // one table cell, as cell() in dash.c
  function cell(kind, key, row) {
    const td = el('td', 'k-' + kind), v = row[key];
    if (kind === 'port') {
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
    let rows = data && Array.isArray(data[t.dataset.key]) ? data[t.dataset.key] : [];
    if (t.dataset.port !== undefined)
      rows = rows.filter(function (r) { return String(r.port) === t.dataset.port; });
    const tbody = el('tbody');
    for (const r of rows) {
      const tr = el('tr');
      for (const c of cols) tr.appendChild(cell(c[1], c[0], r));
      tbody.appendChild(tr);
    }
    if (!rows.length) {
      const td = el('td', 'none', 'none');
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

  function draw(id, div, data, marks, step, labels) {
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
      axes: [{}, { size: 60 }],
      hooks: {
        drawClear: [function (u) {
          const ctx = u.ctx, bb = u.bbox;
          ctx.save();
          ctx.fillStyle = 'rgba(198, 40, 40, 0.18)';
          for (const m of rec.marks) {
            let x0 = u.valToPos(m[0], 'x', true), x1 = u.valToPos(m[1], 'x', true);
            x0 = Math.max(bb.left, x0);
            x1 = Math.min(bb.left + bb.width, Math.max(x1, x0 + 3));
            if (x1 > x0) ctx.fillRect(x0, bb.top, x1 - x0, bb.height);
          }
          ctx.restore();
        }],
      },
    };
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
    const al = await get('/api/v1/alerts?limit=10000');
    const t0 = epoch(div.dataset.from + 'T00:00:00Z');
    const now = Math.floor(Date.now() / 1000 / step) * step;
    const t1 = Math.min(epoch(div.dataset.to + 'T00:00:00Z') + 86400 - step, now);
    const data = buckets(t0, t1, step, by === 'hour' ? h.hours : h.days, function (r) {
      return by === 'hour' ? epoch(r.time) : epoch(r.date + 'T00:00:00Z');
    }, ['records', 'sources', 'targets']);
    const marks = (al.alerts || []).filter(function (a) { return String(a.port) === port; })
      .map(function (a) {
        const s = epoch(a.start);
        const e = a.end ? epoch(a.end) : epoch(a.alert) + step;
        return [Math.floor(s / step) * step, Math.max(e, s + step)];
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
    draw(div.id, div, data, [], 86400, ['records per day']);
  }

  async function sparkChart(span, get, table) {
    const h = await get('/api/v1/porthistory/' + encodeURIComponent(span.dataset.port));
    const data = buckets(epoch(h.from + 'T00:00:00Z'), epoch(h.to + 'T00:00:00Z'), 86400, h.days,
      function (r) { return epoch(r.date + 'T00:00:00Z'); }, ['sources']);
    if (!span.isConnected) return;
    const u = new uPlot({
      width: 120, height: 28, legend: { show: false }, cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      scales: { x: { time: false }, y: { range: function (u, lo, hi) { hi = Math.max(1, hi); return [-0.06 * hi, 1.1 * hi]; } } },
      series: [{}, { stroke: COLORS[1], width: 1.5, points: { show: false } }],
    }, data, span);
    span.setAttribute('role', 'img');
    span.setAttribute('aria-label', 'sources per day, last 30 days: ' + data[1].join(' '));
    if (!sparks.has(table)) sparks.set(table, []);
    sparks.get(table).push(u);
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
          if (typeof uPlot !== 'undefined')
            return Promise.all(Array.from(e.querySelectorAll('.spark')).map(function (s) {
              return sparkChart(s, get, e);
            }));
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
