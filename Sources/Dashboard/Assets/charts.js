// Vigil dashboard charts: SVG built with DOM calls (no innerHTML, no library). Every text that
// reaches a chart goes through textContent, so log-derived strings stay text.
"use strict";

const Charts = (() => {
  const NS = "http://www.w3.org/2000/svg";

  function el(tag, attrs, parent) {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (parent) parent.appendChild(node);
    return node;
  }

  function title(node, text) {
    const t = el("title", {}, node);
    t.textContent = text;
    return node;
  }

  // Splits [{t, v}] into runs of consecutive points (v not null) so gaps are not bridged.
  function runs(points) {
    const out = [];
    let run = [];
    for (const p of points) {
      if (p.v === null || p.v === undefined || Number.isNaN(p.v)) {
        if (run.length) out.push(run);
        run = [];
      } else run.push(p);
    }
    if (run.length) out.push(run);
    return out;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const exp = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= v) return m * exp;
    return 10 * exp;
  }

  function timeLabel(ms, spanMs) {
    const d = new Date(ms);
    if (spanMs > 2 * 86400e3) return d.toLocaleDateString([], { weekday: "short", day: "numeric" });
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // A chart of one series over [t0, t1] (ms):
  //   series: [{t, v}] (v null = no data), band: [{t, lo, hi}] (the baseline band),
  //   baseline: [{t, v}], markers: [{t, label}], format: v -> text, label: accessible name.
  // Sparkline mode (opts.spark) draws no axes.
  function line(opts) {
    const spark = !!opts.spark;
    const w = Math.max(60, Math.round(opts.width || 600));
    const h = Math.round(opts.height || (spark ? 28 : 180));
    const pad = spark ? { l: 1, r: 1, t: 2, b: 2 } : { l: 52, r: 10, t: 10, b: 22 };
    const svg = el("svg", {
      width: w, height: h, viewBox: `0 0 ${w} ${h}`, class: "chart" + (spark ? " spark" : "") + (opts.kind ? " " + opts.kind : ""),
      role: "img", "aria-label": opts.label || "chart",
    });
    title(svg, opts.label || "chart");
    const t0 = opts.t0, t1 = Math.max(opts.t1, opts.t0 + 1);
    const values = [];
    for (const p of opts.series || []) if (p.v != null) values.push(p.v);
    for (const b of opts.band || []) if (b.hi != null) values.push(b.hi);
    const yMax = opts.yMax != null ? opts.yMax : niceMax(Math.max(0, ...values) * (spark ? 1.05 : 1.1));
    const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * (w - pad.l - pad.r);
    const y = (v) => h - pad.b - (Math.min(v, yMax) / yMax) * (h - pad.t - pad.b);
    const fmt = opts.format || ((v) => String(v));

    if (!spark) {
      for (const f of [0, 0.5, 1]) {
        const yy = y(yMax * f);
        el("line", { x1: pad.l, x2: w - pad.r, y1: yy, y2: yy, class: "grid" }, svg);
        const label = el("text", { x: pad.l - 6, y: yy + 4, class: "axis", "text-anchor": "end" }, svg);
        label.textContent = fmt(yMax * f);
      }
      const ticks = Math.max(2, Math.min(6, Math.floor((w - pad.l) / 110)));
      for (let i = 0; i <= ticks; i++) {
        const t = t0 + ((t1 - t0) * i) / ticks;
        const label = el("text", { x: x(t), y: h - 6, class: "axis", "text-anchor": i === 0 ? "start" : i === ticks ? "end" : "middle" }, svg);
        label.textContent = timeLabel(t, t1 - t0);
      }
    }

    // The baseline band: from the baseline up to where the rules alert.
    const band = (opts.band || []).filter((b) => b.lo != null && b.hi != null);
    for (const run of runs(band.map((b) => ({ t: b.t, v: b.hi, lo: b.lo })))) {
      const top = run.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
      const bottom = run.slice().reverse().map((p) => `${x(p.t).toFixed(1)},${y(p.lo).toFixed(1)}`);
      if (run.length === 1) {
        const p = run[0];
        el("rect", { x: x(p.t) - 2, y: y(p.v), width: 4, height: Math.max(1, y(p.lo) - y(p.v)), class: "band" }, svg);
      } else {
        el("polygon", { points: top.concat(bottom).join(" "), class: "band" }, svg);
      }
    }
    for (const run of runs(opts.baseline || [])) {
      if (run.length < 2) continue;
      el("polyline", { points: run.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" "), class: "baseline" }, svg);
    }

    for (const m of opts.markers || []) {
      if (m.t < t0 || m.t > t1) continue;
      const xx = x(m.t);
      const g = el("g", { class: "marker" }, svg);
      el("line", { x1: xx, x2: xx, y1: pad.t, y2: h - pad.b, class: "marker-line" }, g);
      el("polygon", { points: `${xx - 5},${h - pad.b} ${xx + 5},${h - pad.b} ${xx},${h - pad.b - 8}`, class: "marker-head" }, g);
      title(g, m.label);
    }

    const xy = (p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`;
    for (const run of runs(opts.series || [])) {
      // A step still being counted (partial) is drawn dashed: its value is still growing.
      const whole = run[run.length - 1].partial ? run.slice(0, -1) : run;
      if (whole.length === 1) el("circle", { cx: x(whole[0].t), cy: y(whole[0].v), r: spark ? 1.5 : 2.5, class: "dot" }, svg);
      else if (whole.length > 1) el("polyline", { points: whole.map(xy).join(" "), class: "series" }, svg);
      if (whole.length < run.length) {
        const last = run[run.length - 1];
        if (whole.length) el("polyline", { points: [xy(whole[whole.length - 1]), xy(last)].join(" "), class: "series partial" }, svg);
        el("circle", { cx: x(last.t), cy: y(last.v), r: spark ? 1.5 : 2.5, class: "dot partial" }, svg);
      }
    }
    if (!spark) {
      // Invisible hover targets with the value as a tooltip.
      const step = (w - pad.l - pad.r) / Math.max(1, (opts.series || []).length);
      for (const p of opts.series || []) {
        if (p.v == null) continue;
        const dot = el("circle", { cx: x(p.t), cy: y(p.v), r: Math.max(3, Math.min(8, step / 2)), class: "hover" }, svg);
        title(dot, `${new Date(p.t).toLocaleString()}: ${fmt(p.v)}${p.partial ? " (so far: minute in progress)" : ""}`);
      }
    }
    return svg;
  }

  return { line };
})();
