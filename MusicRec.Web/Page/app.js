// MusicRec page: one listener's live recommendations. Plain DOM, no framework.
// Every text from the catalogue or the server goes in through textContent / createTextNode, never as markup.
'use strict';
(() => {
  const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const MAX_BATCHES = 20;
  const ACTION_LABELS = { listen: 'Listen', like: 'Like', skip: 'Skip' };
  const ACTION_DONE = { listen: 'Listening to', like: 'Liked', skip: 'Skipped' };

  const $ = (id) => document.getElementById(id);
  const state = { user: null, source: null, batches: [], seen: new Set(), popularNow: new Set(), tracks: new Map(), generation: 0 };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (name === 'text') node.textContent = value;
      else if (name === 'className') node.className = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    return node;
  }

  function setConnection(stateName, text) {
    const c = $('connection');
    c.dataset.state = stateName;
    c.textContent = text;
  }

  let noticeTimer = 0;
  function notice(text, kind) {
    const n = $('notice');
    n.textContent = text;
    n.dataset.kind = kind || 'info';
    n.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { n.hidden = true; }, 6000);
  }

  async function problemText(response) {
    try {
      const p = await response.json();
      return [p.title, p.detail].filter(Boolean).join(': ') || `HTTP ${response.status}`;
    } catch {
      return `HTTP ${response.status}`;
    }
  }

  // --- tracks and their MFCC picture ---------------------------------------------------------------
  function trackInfo(trackId) {
    if (!state.tracks.has(trackId)) {
      state.tracks.set(trackId, fetch(`/api/tracks/${encodeURIComponent(trackId)}`)
        .then((r) => (r.ok ? r.json() : null))
        .catch(() => null));
    }
    return state.tracks.get(trackId);
  }

  function mfccChart(values) {
    const width = 200, height = 64, mid = height / 2, n = values.length || 1;
    const step = width / n, bar = Math.max(1, step - 2);
    const scale = Math.max(1, ...values.map((v) => Math.abs(v)));
    const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'mfcc', role: 'img',
      'aria-label': `MFCC means, ${values.length} coefficients`, preserveAspectRatio: 'none', 'data-bars': values.length });
    chart.append(svg('line', { x1: 0, x2: width, y1: mid, y2: mid, class: 'axis' }));
    values.forEach((v, i) => {
      const h = Math.max(0.5, (Math.abs(v) / scale) * (mid - 2));
      const rect = svg('rect', { x: (i * step + 1).toFixed(2), y: (v >= 0 ? mid - h : mid).toFixed(2),
        width: bar.toFixed(2), height: h.toFixed(2), class: v >= 0 ? 'pos' : 'neg' });
      const title = svg('title');
      title.textContent = `MFCC ${i + 1}: ${v.toFixed(2)}`;
      rect.append(title);
      chart.append(rect);
    });
    return chart;
  }

  async function fillChart(holder, trackId, generation) {
    const info = await trackInfo(trackId);
    if (generation !== state.generation || !holder.isConnected) return;
    holder.replaceChildren(info && Array.isArray(info.mfcc) && info.mfcc.length
      ? mfccChart(info.mfcc.map(Number))
      : el('span', { className: 'muted', text: 'no audio features' }));
  }

  // --- activity ----------------------------------------------------------------------------------------
  async function send(action, track, button) {
    const card = button.closest('.track');
    card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      const response = await fetch('/api/activity', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user_id: state.user, track_id: track.track_id, action }),
      });
      if (response.status === 202) {
        button.classList.add('sent');
        card.dataset.sent = action;
        notice(`${ACTION_DONE[action]} “${track.title}”. The next suggestions follow from it…`, 'ok');
      } else {
        notice(`Not sent — ${await problemText(response)}`, 'error');
      }
    } catch {
      notice('Not sent — the server cannot be reached.', 'error');
    } finally {
      card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
    }
  }

  // --- rendering -------------------------------------------------------------------------------------
  function formatTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString();
  }

  function trackCard(track, generation) {
    const score = Number(track.score);
    const chart = el('div', { className: 'chart', 'data-chart-for': track.track_id },
      el('span', { className: 'muted', text: 'loading features…' }));
    const actions = el('div', { className: 'actions' });
    for (const action of ['listen', 'like', 'skip']) {
      const button = el('button', { type: 'button', className: `act act-${action}`, 'data-action': action,
        'data-track-id': track.track_id, text: ACTION_LABELS[action] });
      button.addEventListener('click', () => send(action, track, button));
      actions.append(button);
    }
    const card = el('article', { className: 'track fresh', 'data-track-id': track.track_id },
      el('h3', { className: 'title', text: track.title || `Track ${track.track_id}` }),
      el('p', { className: 'artist', text: track.artist || 'Unknown artist' }),
      el('p', { className: 'tags' },
        el('span', { className: 'genre', text: track.genre || 'no genre' }),
        ...(Number.isFinite(score) ? [el('span', { className: 'score', title: 'similarity score', text: `score ${score.toFixed(2)}` })] : [])),
      el('p', { className: 'because', text: track.because || '' }),
      chart,
      actions);
    fillChart(chart, track.track_id, generation);
    return card;
  }

  function historyItem(batch) {
    const list = el('ol', { className: 'history-tracks' });
    for (const t of batch.tracks || []) {
      list.append(el('li', { 'data-track-id': t.track_id },
        el('span', { className: 'h-title', text: t.title || `Track ${t.track_id}` }),
        el('span', { className: 'h-artist', text: t.artist ? ` — ${t.artist}` : '' })));
    }
    return el('li', { className: 'history-item', 'data-batch-id': batch.batch_id },
      el('p', { className: 'history-meta muted', text: `${formatTime(batch.generated_at)} · ${batch.batch_id}` }),
      list);
  }

  function render() {
    const [current, ...earlier] = state.batches;
    const section = $('current');
    section.dataset.batchId = current ? current.batch_id : '';
    // The cold-start batch (no batch of the listener's own yet) says what it is.
    const popular = Boolean(current && state.popularNow.has(current.batch_id));
    section.dataset.kind = popular ? 'popular-now' : (current ? 'own' : '');
    $('current-meta').textContent = !current ? ''
      : popular ? `Popular now — pick one and your own suggestions follow · ${formatTime(current.generated_at)}`
      : `${formatTime(current.generated_at)} · batch ${current.batch_id}`;
    $('empty').hidden = Boolean(current);
    if (!current && state.user) {
      $('empty').textContent = `No recommendations for ${state.user} yet: they appear here as soon as ${state.user} listens to something.`;
    }
    const generation = state.generation;
    $('tracks').replaceChildren(...(current ? current.tracks.map((t) => trackCard(t, generation)) : []));
    if (!current && state.user) showStarters(generation);
    $('history-list').replaceChildren(...earlier.map(historyItem));
    $('history-empty').hidden = earlier.length > 0;
  }

  // A listener without recommendations starts from a few catalogue tracks (one per genre).
  let starters = null;
  async function showStarters(generation) {
    starters = starters || fetch('/api/tracks?limit=6').then((r) => (r.ok ? r.json() : { tracks: [] })).catch(() => ({ tracks: [] }));
    const { tracks } = await starters;
    if (generation !== state.generation || state.batches.length || !tracks || !tracks.length) return;
    $('empty').textContent = `No recommendations for ${state.user} yet. Start with one of these; suggestions follow from what you pick.`;
    $('tracks').replaceChildren(...tracks.map((t) => {
      state.tracks.set(t.track_id, Promise.resolve(t));
      const card = trackCard({ track_id: t.track_id, title: t.title, artist: t.artist, genre: t.genre, score: NaN, because: '' }, generation);
      card.dataset.starter = 'true';
      return card;
    }));
  }

  function addBatches(batches) {
    let changed = false;
    for (const b of batches) {
      if (!b || !b.batch_id || state.seen.has(b.batch_id) || !Array.isArray(b.tracks)) continue;
      state.seen.add(b.batch_id);
      state.batches.push(b);
      changed = true;
    }
    if (!changed) return; // the server lists newest first; keep its order
    state.batches.length = Math.min(state.batches.length, MAX_BATCHES);
    render();
  }

  function addLiveBatch(batch) {
    if (!batch || state.seen.has(batch.batch_id)) return;
    state.seen.add(batch.batch_id);
    state.batches.unshift(batch); // live batches are newer than anything shown
    state.batches.length = Math.min(state.batches.length, MAX_BATCHES);
    render();
  }

  // --- user and stream ---------------------------------------------------------------------------------
  async function openUser(userId) {
    if (!USER_ID.test(userId)) {
      notice('A listener id is 1 to 64 letters, digits, _ or -.', 'error');
      return;
    }
    if (state.source) state.source.close();
    state.user = userId;
    state.batches = [];
    state.seen = new Set();
    state.popularNow = new Set();
    state.generation += 1;
    const generation = state.generation;
    $('user-input').value = userId;
    document.title = `MusicRec — ${userId}`;
    const url = new URL(window.location.href);
    url.searchParams.set('user', userId);
    window.history.replaceState(null, '', url);
    render();
    setConnection('connecting', `Connecting for ${userId}…`);

    try {
      const response = await fetch(`/api/users/${encodeURIComponent(userId)}/recommendations`);
      if (generation !== state.generation) return;
      if (response.ok) {
        const body = await response.json();
        if (body.popular_now) for (const b of body.batches || []) state.popularNow.add(b.batch_id);
        addBatches(body.batches || []);
      }
      else notice(await problemText(response), 'error');
    } catch {
      notice('The server cannot be reached.', 'error');
    }
    if (generation !== state.generation) return;

    const source = new EventSource(`/api/stream/${encodeURIComponent(userId)}`);
    state.source = source;
    let reconnecting = false;
    source.addEventListener('open', () => {
      setConnection('live', `Live for ${userId}`);
      // After a lost connection the stream resumes with the newest batch only: fetch what was missed.
      if (reconnecting) resync(userId, generation);
      reconnecting = false;
    });
    source.addEventListener('error', () => {
      reconnecting = true;
      setConnection(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting',
        source.readyState === EventSource.CLOSED ? 'Disconnected' : 'Reconnecting…');
    });
    source.addEventListener('batch', (event) => {
      if (generation !== state.generation) return;
      try { addLiveBatch(JSON.parse(event.data)); } catch (e) { console.warn('ignored a malformed batch event', e); }
    });
  }

  async function resync(userId, generation) {
    try {
      const response = await fetch(`/api/users/${encodeURIComponent(userId)}/recommendations`);
      if (!response.ok || generation !== state.generation) return;
      const server = (await response.json()).batches || [];
      if (generation !== state.generation) return;
      const ids = new Set(server.map((b) => b.batch_id));
      state.batches = [...server, ...state.batches.filter((b) => !ids.has(b.batch_id))].slice(0, MAX_BATCHES);
      for (const id of ids) state.seen.add(id);
      render();
    } catch (e) { console.warn('could not fetch missed batches; new ones still arrive live', e); }
  }

  async function loadKnownUsers() {
    try {
      const response = await fetch('/api/users');
      if (!response.ok) return;
      const { users } = await response.json();
      $('known-users').replaceChildren(...(users || []).map((u) => el('option', { value: u })));
    } catch (e) { console.warn('the list of known users is unavailable', e); }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('user-form').addEventListener('submit', (event) => {
      event.preventDefault();
      openUser($('user-input').value.trim());
    });
    $('user-input').addEventListener('focus', loadKnownUsers);
    loadKnownUsers();
    const initial = new URLSearchParams(window.location.search).get('user');
    if (initial) openUser(initial);
  });
})();
