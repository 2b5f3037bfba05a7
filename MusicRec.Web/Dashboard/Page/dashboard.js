// MusicRec operator dashboard: cluster, live charts (uPlot), catalogue overview and map. Plain DOM, no framework;
// every text from the server goes in through textContent.
'use strict';
(() => {
  const HOUR_MS = 3600 * 1000;
  const RATE_WINDOW_MS = 60 * 1000;
  const OVERVIEW_EVERY_MS = 5000;
  const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
  const $ = (id) => document.getElementById(id);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const state = { samples: [], lastT: 0, interval: 2000, charts: {}, map: null, sources: [] };

  class AuthError extends Error {}

  async function api(path) {
    const response = await fetch(path, { headers: { Accept: 'application/json' }, cache: 'no-store' });
    if (response.status === 401) throw new AuthError('the API key session has ended');
    if (!response.ok) {
      let text = `HTTP ${response.status}`;
      try { const p = await response.json(); text = [p.title, p.detail].filter(Boolean).join(': ') || text; } catch { /* not JSON */ }
      throw new Error(text);
    }
    return response.json();
  }

  function notice(text) {
    const n = $('notice');
    n.textContent = text || '';
    n.hidden = !text;
  }

  function failed(e) {
    if (e instanceof AuthError) notice('This dashboard needs the API key: open /dashboard?key=KEY once (the session cookie has expired or the key changed).');
    else notice(`Could not reach the node: ${e.message}`);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // --- cluster and catalogue ----------------------------------------------------------------------
  function renderOverview(o) {
    $('node-address').textContent = o.node;
    const pill = $('node-status');
    pill.textContent = o.node_status;
    pill.dataset.status = o.node_status;
    $('node-bus').textContent = o.bus;
    state.interval = o.sample_interval_ms || state.interval;

    const perNode = new Map(o.nodes.map((n) => [n.address, n]));
    const rows = o.members.map((m) => {
      const tr = el('tr', m.is_self ? 'self' : '');
      tr.dataset.address = m.address;
      const status = el('span', 'pill', m.reachable ? m.status : 'unreachable');
      status.dataset.status = m.reachable ? m.status : 'unreachable';
      const shards = perNode.get(m.address);
      const statusCell = el('td');
      statusCell.append(status);
      tr.append(el('td', '', m.address), statusCell,
        el('td', 'num', shards?.shards ?? '–'), el('td', 'num', shards?.entities ?? '–'));
      return tr;
    });
    $('members').tBodies[0].replaceChildren(...rows);
    const up = o.members.filter((m) => m.status === 'Up' && m.reachable).length;
    const entities = o.nodes.reduce((sum, n) => sum + (n.entities || 0), 0);
    $('cluster-summary').textContent = `${o.members.length} member${o.members.length === 1 ? '' : 's'}, ${up} up · ` +
      `${entities} user entit${entities === 1 ? 'y' : 'ies'} · leader ${o.leader || 'none'}`;

    const c = o.catalogue;
    $('catalogue-summary').textContent = `${c.tracks} tracks in the index, ${c.genres.length} genres`;
    bars($('genres'), c.genres);
    bars($('sources'), c.feature_sources);
  }

  function bars(list, counts) {
    const max = Math.max(1, ...counts.map((c) => c.count));
    list.replaceChildren(...counts.map((c) => {
      const li = el('li');
      li.dataset.name = c.name;
      const bar = el('span', 'bar');
      bar.style.width = `${(100 * c.count / max).toFixed(1)}%`;
      const track = el('span');
      track.append(bar);
      li.append(el('span', 'name', c.name), track, el('span', 'count', String(c.count)));
      li.title = `${c.name}: ${c.count}`;
      return li;
    }));
  }

  // --- charts -------------------------------------------------------------------------------------
  function chart(id, series, yLabel, yRange) {
    const box = $(id).querySelector('.plot');
    const axis = { stroke: css('--muted'), grid: { stroke: css('--grid'), width: 1 }, ticks: { stroke: css('--grid'), width: 1 } };
    const opts = {
      width: Math.max(280, box.clientWidth), height: 200,
      scales: { x: { time: true }, y: yRange ? { range: yRange } : { range: (u, min, max) => [0, Math.max(1, max * 1.15)] } },
      axes: [axis, { ...axis, label: yLabel, size: 56 }],
      series: [{}, ...series.map((s) => ({ label: s.label, stroke: css(s.colour), width: 2, dash: s.dash, points: { show: false },
        value: (u, v) => (v == null ? '–' : s.format(v)) }))],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
    };
    const plot = new uPlot(opts, [[], ...series.map(() => [])], box);
    state.charts[id] = { plot, box, series };
  }

  const perSecond = (v) => `${v.toFixed(v < 10 ? 2 : 0)}/s`;
  const percent = (v) => `${(v * 100).toFixed(0)}%`;

  function feedbackSeries() {
    const list = [{ label: 'like rate', colour: '--like', format: percent }, { label: 'skip rate', colour: '--skip', format: percent }];
    if (state.sources.length > 1) {
      for (const s of state.sources) {
        list.push({ label: `like · ${s}`, colour: '--like', dash: [4, 4], format: percent, source: s, kind: 'likes' });
        list.push({ label: `skip · ${s}`, colour: '--skip', dash: [4, 4], format: percent, source: s, kind: 'skips' });
      }
    }
    return list;
  }

  function makeCharts() {
    chart('chart-throughput', [{ label: 'events/s', colour: '--events', format: perSecond },
      { label: 'batches/s', colour: '--batches', format: perSecond }], 'per second');
    chart('chart-lag', [{ label: 'lag', colour: '--lag', format: (v) => `${Math.round(v)} messages` }], 'messages');
    chart('chart-invalid', [{ label: 'invalid/s', colour: '--invalid', format: perSecond }], 'per second');
    chart('chart-feedback', feedbackSeries(), 'share', [0, 1]);
  }

  function sum(feedback, kind, source) {
    if (source) return feedback[source]?.[kind] ?? 0;
    return Object.values(feedback).reduce((a, f) => a + f[kind], 0);
  }

  // Rates from the counters' differences; a counter that went down (node restarted) gives a gap.
  function derive() {
    const s = state.samples;
    const x = [], events = [], batches = [], lag = [], invalid = [];
    const feedback = state.charts['chart-feedback'].series.map(() => []);
    let w = 0;
    for (let i = 1; i < s.length; i++) {
      const a = s[i - 1], b = s[i], dt = (b.t - a.t) / 1000;
      x.push(b.t / 1000);
      const rate = (k) => (dt > 0 && b[k] >= a[k] ? (b[k] - a[k]) / dt : null);
      events.push(rate('events')); batches.push(rate('batches')); invalid.push(rate('invalid'));
      lag.push(b.lag >= 0 ? b.lag : null);
      while (s[w].t < b.t - RATE_WINDOW_MS) w++;
      const from = s[Math.min(w, i - 1)];
      state.charts['chart-feedback'].series.forEach((series, k) => {
        const kind = series.kind || (k === 0 ? 'likes' : 'skips');
        const total = sum(b.feedback, 'total', series.source) - sum(from.feedback, 'total', series.source);
        const part = sum(b.feedback, kind, series.source) - sum(from.feedback, kind, series.source);
        feedback[k].push(total > 0 && part >= 0 ? part / total : null);
      });
    }
    return { x, events, batches, lag, invalid, feedback };
  }

  function renderCharts() {
    const sources = [...new Set(state.samples.flatMap((s) => Object.keys(s.feedback)))].sort();
    if (sources.join() !== state.sources.join()) {
      state.sources = sources;
      const old = state.charts['chart-feedback'];
      if (old) { old.plot.destroy(); chart('chart-feedback', feedbackSeries(), 'share', [0, 1]); }
    }
    const d = derive();
    const set = (id, columns) => {
      const c = state.charts[id];
      c.plot.setData([d.x, ...columns]);
      const fig = $(id);
      fig.dataset.samples = String(d.x.length);
      const first = columns[0].filter((v) => v != null);
      fig.dataset.last = first.length ? String(first[first.length - 1]) : '';
      fig.dataset.max = first.length ? String(Math.max(...first)) : '';
    };
    set('chart-throughput', [d.events, d.batches]);
    set('chart-lag', [d.lag]);
    set('chart-invalid', [d.invalid]);
    set('chart-feedback', d.feedback);
  }

  async function pollSeries() {
    try {
      const series = await api(`/api/admin/dashboard/series?after=${state.lastT}`);
      state.interval = series.interval_ms || state.interval;
      if (series.samples.length) {
        // A restarted node starts its counters over: begin again rather than chart a drop.
        if (state.samples.length && series.samples[0].events < state.samples[state.samples.length - 1].events) state.samples = [];
        state.samples.push(...series.samples);
        state.lastT = state.samples[state.samples.length - 1].t;
        const cut = state.lastT - HOUR_MS;
        while (state.samples.length && state.samples[0].t < cut) state.samples.shift();
        renderCharts();
      }
      $('updated').textContent = `updated ${new Date().toLocaleTimeString()}`;
      notice('');
    } catch (e) { failed(e); }
    setTimeout(pollSeries, state.interval);
  }

  async function pollOverview() {
    try { renderOverview(await api('/api/admin/dashboard/overview')); } catch (e) { failed(e); }
    setTimeout(pollOverview, OVERVIEW_EVERY_MS);
  }

  function resizeCharts() {
    for (const c of Object.values(state.charts)) c.plot.setSize({ width: Math.max(280, c.box.clientWidth), height: 200 });
  }

  // --- map ----------------------------------------------------------------------------------------
  const trackCache = new Map();
  function describe(data) {
    return (row) => {
      const id = data.track_ids[row];
      if (!trackCache.has(id)) trackCache.set(id, api(`/api/admin/dashboard/tracks/${id}`).catch(() => null));
      return trackCache.get(id).then((t) => t && {
        title: t.title || `track ${id}`,
        detail: [t.artist, t.genre, `#${id}`].filter(Boolean).join(' · '),
      });
    };
  }

  async function loadMap() {
    try {
      const data = await api('/api/admin/dashboard/map');
      $('map-summary').textContent = `${data.count} tracks on the index's first two principal components ` +
        `(${(100 * data.first_share).toFixed(0)}% and ${(100 * data.second_share).toFixed(0)}% of its variance)`;
      state.map = window.CatalogueMap($('map'), $('tooltip'), data, { legend: $('legend'), describe: describe(data) });
      const user = new URLSearchParams(window.location.search).get('user');
      if (user) { $('user-input').value = user; await markUser(user); }
    } catch (e) { failed(e); }
  }

  async function markUser(userId) {
    const legend = $('user-legend');
    if (!USER_ID.test(userId)) { notice('A user id is letters, digits, _ and -, at most 64.'); return; }
    try {
      const u = await api(`/api/admin/dashboard/users/${encodeURIComponent(userId)}`);
      const recommended = [...new Set([...u.recommended, ...u.pending])];
      const shown = state.map.setMarks([...new Set(u.history)], recommended);
      $('user-heard').textContent = `${userId}'s recent tracks (${shown.heard})`;
      $('user-recommended').textContent = `recommended to ${userId} (${shown.recommended})`;
      legend.hidden = false;
      legend.dataset.heard = String(shown.heard);
      legend.dataset.recommended = String(shown.recommended);
      const url = new URL(window.location.href);
      url.searchParams.set('user', userId);
      window.history.replaceState(null, '', url);
    } catch (e) { failed(e); }
  }

  function start() {
    makeCharts();
    window.addEventListener('resize', resizeCharts);
    $('user-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const user = $('user-input').value.trim();
      if (user && state.map) markUser(user);
    });
    pollOverview();
    pollSeries();
    loadMap();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
