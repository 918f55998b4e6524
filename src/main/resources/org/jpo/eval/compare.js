// Glue: draws each chart spec of compare.html's #data block with uPlot. CompareCharts.java computes everything; this
// only maps specs to uPlot options: "band" (a line per recipe, its 95% interval filled between lo and hi) and "dots"
// (every seed's value over its recipe, the mean a ring). body[data-charts] counts the charts drawn, body[data-error]
// holds the first error (CompareReportTest reads both from headless chromium).
(function () {
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const fmt = v => v == null ? '—' : (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3)) ? v.toExponential(2) : String(+v.toPrecision(4));
  const colorOf = s => s.color < 0 ? '#222222' : palette[s.color % palette.length];

  function fail(e) {
    if (document.body.dataset.error) return;
    document.body.dataset.error = String(e && e.message || e);
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = 'compare.js: ' + document.body.dataset.error;
    document.body.prepend(p);
  }
  window.addEventListener('error', e => fail(e.error || e.message));

  // A recipe's legend entry shows its mean and interval at the cursor; its band edges keep no legend entry of their own.
  function band(c) {
    const series = [{ label: c.xLabel, value: (u, v) => fmt(v) }], data = [c.x], bands = [], edges = [];
    for (const s of c.series) {
      const color = colorOf(s);
      const value = (u, v, si, i) => v == null || i == null || !s.lo || s.lo[i] == null ? fmt(v) : fmt(v) + ' [' + fmt(s.lo[i]) + ', ' + fmt(s.hi[i]) + ']';
      series.push({ label: s.label, stroke: color, width: 2, spanGaps: true, points: { show: true, size: 6 }, value });
      data.push(s.y);
      if (!s.lo) continue;
      const edge = label => ({ label, stroke: color + '66', width: 1, dash: [4, 3], spanGaps: true, points: { show: false } });
      series.push(edge(s.label + ' 95% hi'), edge(s.label + ' 95% lo'));
      data.push(s.hi, s.lo);
      edges.push(series.length - 2, series.length - 1);
      bands.push({ series: [series.length - 2, series.length - 1], fill: color + '26' });
    }
    return {
      opts: { bands, series, scales: { x: { time: false, range: (u, lo, hi) => [lo - 0.25, hi + 0.25] } },
              axes: [{ label: c.xLabel, incrs: [1, 2, 5, 10, 20, 50, 100] }, { size: 60 }] },
      data,
      after: u => edges.forEach(i => { u.root.querySelectorAll('.u-legend .u-series')[i].style.display = 'none'; }),
    };
  }

  function dots(c) {
    const name = v => v == null ? '—' : c.ticks[Math.round(v)] ?? '';
    const series = [{ label: c.xLabel, value: (u, v) => name(v) }], data = [c.x];
    for (const s of c.series) {
      const color = colorOf(s), mean = s.color < 0;
      series.push({ label: s.label, stroke: color, paths: () => null, value: (u, v) => fmt(v),
        points: { show: true, space: 0, size: mean ? 14 : 7, width: mean ? 2 : 1, stroke: color, fill: mean ? 'transparent' : color + 'aa' } });
      data.push(s.y);
    }
    return {
      opts: { series, scales: { x: { time: false, range: () => [-0.5, c.ticks.length - 0.5] } },
              axes: [{ label: c.xLabel, splits: () => c.ticks.map((_, i) => i), values: (u, splits) => splits.map(name) }, { size: 60 }] },
      data,
    };
  }

  function draw(c) {
    const el = document.getElementById(c.id);
    const spec = c.kind === 'band' ? band(c) : dots(c);
    const u = new uPlot(Object.assign({ title: c.title, width: el.clientWidth || 540, height: 260 }, spec.opts), spec.data, el);
    if (spec.after) spec.after(u);
  }

  try {
    const data = JSON.parse(document.getElementById('data').textContent);
    let drawn = 0;
    for (const c of data.charts) { draw(c); drawn++; }
    document.body.dataset.charts = String(drawn);
  } catch (e) {
    fail(e);
  }
})();
