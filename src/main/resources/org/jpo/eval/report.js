// Glue: draws each chart spec of the #data block with uPlot. Charts.java computes everything; this only maps
// specs to uPlot options. body[data-charts] counts the charts drawn, body[data-error] holds the first error
// (ReportTest reads both from headless chromium).
(function () {
  const palette = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  const fmt = v => v == null ? '—' : (Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3)) ? v.toExponential(2) : String(+v.toPrecision(4));

  function fail(e) {
    if (document.body.dataset.error) return;
    document.body.dataset.error = String(e && e.message || e);
    const p = document.createElement('p');
    p.className = 'error';
    p.textContent = 'report.js: ' + document.body.dataset.error;
    document.body.prepend(p);
  }
  window.addEventListener('error', e => fail(e.error || e.message));

  // Stacked bars: draw the running totals, the tallest first, so each phase paints over the ones above it.
  function cumulative(ys) {
    const out = [];
    ys.forEach((y, i) => out.push(y.map((v, j) => (v || 0) + (i > 0 ? out[i - 1][j] : 0))));
    return out;
  }

  function seriesOf(c, i) {
    const color = palette[i % palette.length], raw = c.series[i].y;
    const s = { label: c.series[i].label, stroke: color, width: 2, spanGaps: true, value: (u, v) => fmt(v) };
    if (c.kind === 'line') s.points = { show: c.x.length <= 30, size: 6 };
    if (c.kind === 'step') Object.assign(s, { paths: uPlot.paths.stepped({ align: 1 }), fill: color + '33', points: { show: false } });
    if (c.kind === 'stacked') Object.assign(s, { paths: uPlot.paths.bars({ size: [0.6, 80] }), fill: color, width: 1,
      points: { show: false }, value: (u, v, si, j) => fmt(j == null ? null : raw[j]) });
    return s;
  }

  function draw(c) {
    const el = document.getElementById(c.id);
    const ys = c.series.map(s => s.y);
    const stacked = c.kind === 'stacked';
    const plotted = stacked ? cumulative(ys) : ys;
    const order = ys.map((_, i) => stacked ? ys.length - 1 - i : i);
    const rounds = c.xLabel === 'round';
    const pad = stacked ? 0.5 : 0.25;
    const opts = {
      title: c.title, width: el.clientWidth || 540, height: 240,
      scales: {
        x: { time: false, range: rounds ? (u, lo, hi) => [lo - pad, hi + pad] : undefined },
        y: { range: c.kind === 'line' ? undefined : (u, lo, hi) => [0, hi > 0 ? hi * 1.1 : 1] },
      },
      axes: [{ label: c.xLabel, incrs: rounds ? [1, 2, 5, 10, 20, 50, 100] : undefined }, { size: 60 }],
      series: [{ label: c.xLabel, value: (u, v) => fmt(v) }].concat(order.map(i => seriesOf(c, i))),
    };
    new uPlot(opts, [c.x].concat(order.map(i => plotted[i])), el);
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
