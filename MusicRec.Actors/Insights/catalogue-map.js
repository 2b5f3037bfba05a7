// The catalogue map: one dot per track at its coordinates on the index's first two principal components, coloured by
// genre, the track on hover, optional marks for one listener. Plain canvas, no framework; shared by the dashboard and
// report.html (inlined there). Text goes in through textContent only.
'use strict';
(() => {
  const PALETTE = ['#4263eb', '#f76707', '#2f9e44', '#e03131', '#7048e8', '#1098ad', '#d6336c', '#f59f00',
    '#74b816', '#ae3ec9', '#0b7285', '#a61e4d', '#5c940d', '#364fc7', '#c92a2a'];
  const OTHER = '#adb5bd';
  const CELL = 16;

  function colour(genre) { return genre < PALETTE.length ? PALETTE[genre] : OTHER; }

  // data: { genres, track_ids, x, y, genre }; options: { legend: element, describe: (row) => Promise<{title, detail}> }
  function CatalogueMap(canvas, tooltip, data, options) {
    const n = data.track_ids.length;
    const rowOf = new Map();
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < n; i++) {
      rowOf.set(data.track_ids[i], i);
      minX = Math.min(minX, data.x[i]); maxX = Math.max(maxX, data.x[i]);
      minY = Math.min(minY, data.y[i]); maxY = Math.max(maxY, data.y[i]);
    }
    if (!(maxX > minX)) { minX -= 1; maxX += 1; }
    if (!(maxY > minY)) { minY -= 1; maxY += 1; }
    const sx = new Float32Array(n), sy = new Float32Array(n);
    const marks = { heard: [], recommended: [] };
    let grid = new Map(), width = 0, height = 0, cols = 1, hovered = -1;
    const ctx = canvas.getContext('2d');
    const css = (name, fallback) => getComputedStyle(canvas).getPropertyValue(name).trim() || fallback;

    function layout() {
      const rect = canvas.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      width = Math.max(1, rect.width); height = Math.max(1, rect.height);
      canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const pad = 16;
      const kx = (width - 2 * pad) / (maxX - minX), ky = (height - 2 * pad) / (maxY - minY);
      cols = Math.ceil(width / CELL) + 1;
      grid = new Map();
      for (let i = 0; i < n; i++) {
        sx[i] = pad + (data.x[i] - minX) * kx;
        sy[i] = height - pad - (data.y[i] - minY) * ky; // the second component points up
        const cell = Math.floor(sy[i] / CELL) * cols + Math.floor(sx[i] / CELL);
        let bucket = grid.get(cell);
        if (!bucket) grid.set(cell, bucket = []);
        bucket.push(i);
      }
    }

    function radius() { return n > 30000 ? 1.1 : n > 5000 ? 1.6 : n > 500 ? 2.6 : 4; }

    function draw() {
      ctx.clearRect(0, 0, width, height);
      const r = radius();
      let drawn = 0;
      // One path per genre: few fill calls even for 100,000 dots.
      const order = [...data.genres.keys()].reverse(); // the biggest genre last, on top
      for (const g of order) {
        ctx.fillStyle = colour(g);
        ctx.globalAlpha = n > 5000 ? 0.75 : 0.9;
        ctx.beginPath();
        for (let i = 0; i < n; i++) {
          if (data.genre[i] !== g) continue;
          ctx.moveTo(sx[i] + r, sy[i]);
          ctx.arc(sx[i], sy[i], r, 0, Math.PI * 2);
          drawn++;
        }
        ctx.fill();
      }
      ctx.globalAlpha = 1;
      canvas.dataset.points = String(drawn);
      ctx.lineWidth = 2;
      ctx.strokeStyle = css('--text', '#1d2330');
      for (const i of marks.heard) { ctx.beginPath(); ctx.arc(sx[i], sy[i], r + 4, 0, Math.PI * 2); ctx.stroke(); }
      ctx.strokeStyle = css('--like', '#c2255c');
      for (const i of marks.recommended) {
        const d = r + 7;
        ctx.beginPath();
        ctx.moveTo(sx[i], sy[i] - d); ctx.lineTo(sx[i] + d, sy[i]); ctx.lineTo(sx[i], sy[i] + d); ctx.lineTo(sx[i] - d, sy[i]);
        ctx.closePath(); ctx.stroke();
      }
      if (hovered >= 0) {
        ctx.strokeStyle = css('--text', '#1d2330'); ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.arc(sx[hovered], sy[hovered], r + 2.5, 0, Math.PI * 2); ctx.stroke();
      }
    }

    function nearest(px, py) {
      let best = -1, bestD = 12 * 12;
      const cx = Math.floor(px / CELL), cy = Math.floor(py / CELL);
      for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
        for (const i of grid.get((cy + dy) * cols + cx + dx) || []) {
          const d = (sx[i] - px) ** 2 + (sy[i] - py) ** 2;
          if (d < bestD) { bestD = d; best = i; }
        }
      }
      return best;
    }

    let asked = 0;
    canvas.addEventListener('mousemove', (event) => {
      const rect = canvas.getBoundingClientRect();
      const px = event.clientX - rect.left, py = event.clientY - rect.top;
      const i = nearest(px, py);
      if (i === hovered) return;
      hovered = i;
      draw();
      if (i < 0) { tooltip.hidden = true; return; }
      const ticket = ++asked;
      const genre = data.genres[data.genre[i]];
      show(px, py, `track ${data.track_ids[i]}`, genre);
      Promise.resolve(options.describe ? options.describe(i) : null).then((info) => {
        if (ticket === asked && info) show(px, py, info.title, info.detail || genre);
      }).catch(() => {});
    });
    canvas.addEventListener('mouseleave', () => { hovered = -1; tooltip.hidden = true; draw(); });

    function show(px, py, title, detail) {
      const strong = document.createElement('strong');
      strong.textContent = title;
      const line = document.createElement('span');
      line.textContent = detail;
      tooltip.replaceChildren(strong, line);
      tooltip.hidden = false;
      const left = Math.min(px + 14, width - tooltip.offsetWidth - 4);
      tooltip.style.left = `${Math.max(0, left)}px`;
      tooltip.style.top = `${py + 14 > height - 40 ? py - 44 : py + 14}px`;
    }

    if (options.legend) {
      const counts = new Array(data.genres.length).fill(0);
      for (let i = 0; i < n; i++) counts[data.genre[i]]++;
      const items = data.genres.slice(0, PALETTE.length).map((name, g) => legendItem(colour(g), name, counts[g]));
      if (data.genres.length > PALETTE.length) {
        const rest = counts.slice(PALETTE.length).reduce((a, b) => a + b, 0);
        items.push(legendItem(OTHER, `${data.genres.length - PALETTE.length} other genres`, rest));
      }
      options.legend.replaceChildren(...items);
    }

    function legendItem(fill, name, count) {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = fill;
      li.append(swatch, document.createTextNode(`${name} (${count})`));
      return li;
    }

    layout(); draw();
    if (window.ResizeObserver) new ResizeObserver(() => { layout(); draw(); }).observe(canvas);

    return {
      count: n,
      // Marks one listener's tracks; returns how many of each are on the map.
      setMarks(heard, recommended) {
        marks.heard = heard.map((id) => rowOf.get(id)).filter((i) => i !== undefined);
        marks.recommended = recommended.map((id) => rowOf.get(id)).filter((i) => i !== undefined);
        draw();
        return { heard: marks.heard.length, recommended: marks.recommended.length };
      },
    };
  }

  window.CatalogueMap = CatalogueMap;
})();
