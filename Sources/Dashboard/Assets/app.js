// Vigil dashboard. Plain JavaScript, no dependencies, nothing from another origin.
//
// Safety rule: log-derived strings (service names, messages, templates, analyses) are attacker
// controlled. They reach the page only as text nodes (h() below, textContent); no data is ever
// assigned to innerHTML, and links are built with encodeURIComponent.
"use strict";

(() => {
  const TOKEN_KEY = "vigil.token";
  const THEME_KEY = "vigil.theme";
  const SORT_KEY = "vigil.sort";
  const SPARK_ROWS = 100;      // services that get sparklines (the first after sorting and filtering)
  const HISTORY_BATCH = 40;    // services per /services/history request

  const state = {
    tickSeconds: 10,
    windowSeconds: 300,
    timer: null,
    view: null,
    expanded: new Set(),       // <details> (alerts, incidents) the user opened …
    collapsed: new Set(),      // … or closed, kept across refreshes
    range: "1h",
    sort: localStorage.getItem(SORT_KEY) || "errors",
    filter: "",
    receiverSamples: [],       // [{at, received:{...}}] for rates
    incidentsAPI: null,        // true / false once known (issue 12's /incidents endpoints)
    nextDelayMs: 0,            // a sooner next refresh, once
  };

  // ---- DOM helpers -------------------------------------------------------------------------

  // h("tag.class", {attr: value, onclick: fn}, child, …): children are nodes or text (never HTML).
  function h(spec, attrs, ...children) {
    const [tag, ...classes] = spec.split(".");
    const node = document.createElement(tag || "div");
    if (classes.length) node.className = classes.join(" ");
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith("on") && typeof v === "function") node.addEventListener(k.slice(2), v);
      else if (k === "text") node.textContent = String(v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  const $ = (id) => document.getElementById(id);
  const view = () => $("view");

  // Replaces node's children; keyboard focus on a link or summary inside survives the refresh
  // (found again by its href or key), so live updates never throw a keyboard user out.
  function replace(node, ...children) {
    const active = document.activeElement;
    let identity = null;
    if (active && active !== document.body && node.contains(active)) {
      const holder = active.closest("[data-key]");
      identity = active.getAttribute("href") ? ["href", active.getAttribute("href")]
        : active.tagName === "SUMMARY" && holder ? ["key", holder.dataset.key] : null;
    }
    node.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
    if (identity) {
      const again = identity[0] === "href"
        ? [...node.querySelectorAll("a[href]")].find((a) => a.getAttribute("href") === identity[1])
        : [...node.querySelectorAll("[data-key]")].find((d) => d.dataset.key === identity[1])?.querySelector("summary");
      if (again) again.focus({ preventScroll: true });
    }
  }

  // ---- formatting ---------------------------------------------------------------------------

  const pct = (v) => (v == null || Number.isNaN(v) ? "–" : (v * 100 >= 10 || v === 0 ? (v * 100).toFixed(0) : (v * 100).toFixed(1)) + " %");
  function num(v) {
    if (v == null || Number.isNaN(v)) return "–";
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(1) + " G";
    if (a >= 1e6) return (v / 1e6).toFixed(1) + " M";
    if (a >= 1e4) return (v / 1e3).toFixed(1) + " k";
    if (a >= 100 || Number.isInteger(v)) return String(Math.round(v));
    return v.toFixed(1);
  }
  const perMin = (v) => num(v) + "/min";
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
  function ago(iso) {
    if (!iso) return "";
    const s = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (s < 90) return `${s} s ago`;
    if (s < 5400) return `${Math.round(s / 60)} min ago`;
    if (s < 172800) return `${Math.round(s / 3600)} h ago`;
    return `${Math.round(s / 86400)} d ago`;
  }
  const SEVERITY_NAMES = ["emergency", "alert", "critical", "error", "warning", "notice", "info", "debug"];

  // ---- API ----------------------------------------------------------------------------------

  class Unauthorized extends Error {}
  class NotFound extends Error {}

  async function api(path) {
    const headers = { Accept: "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(path, { headers, cache: "no-store", credentials: "same-origin" });
    if (response.status === 401) throw new Unauthorized("unauthorized");
    if (response.status === 404) throw new NotFound(path);
    if (!response.ok) {
      let reason = response.statusText;
      try { reason = (await response.json()).error || reason; } catch (_) { /* not JSON */ }
      throw new Error(`${path}: ${response.status} ${reason}`);
    }
    return response.json();
  }

  function setStatus(text, kind) {
    const s = $("status");
    s.textContent = text;
    s.className = "status" + (kind ? " " + kind : "");
  }

  // ---- login --------------------------------------------------------------------------------

  function showLogin(message) {
    clearTimeout(state.timer);
    $("login").hidden = false;
    $("app").hidden = true;
    $("nav").hidden = true;
    $("logout").hidden = true;
    replace(view());
    $("login-error").textContent = message || "";
    $("token").value = "";
    setStatus("");
    $("token").focus();
  }

  function showApp() {
    $("login").hidden = true;
    $("app").hidden = false;
    $("nav").hidden = false;
    $("logout").hidden = !sessionStorage.getItem(TOKEN_KEY);
  }

  $("login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = $("token").value.trim();
    if (!token) return;
    sessionStorage.setItem(TOKEN_KEY, token);
    try {
      await api("/services");
      $("token").value = "";
      showApp();
      route();
    } catch (error) {
      sessionStorage.removeItem(TOKEN_KEY);
      showLogin(error instanceof Unauthorized ? "That token was refused." : String(error.message || error));
    }
  });

  $("logout").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    showLogin("Signed out.");
  });

  // ---- theme --------------------------------------------------------------------------------

  function applyTheme(theme) {
    if (theme === "dark" || theme === "light") document.documentElement.dataset.theme = theme;
    else delete document.documentElement.dataset.theme;
  }
  function toggleTheme() {
    const current = document.documentElement.dataset.theme ||
      (matchMedia("(prefers-color-scheme: light)").matches ? "light" : "dark");
    const next = current === "dark" ? "light" : "dark";
    localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
  }
  applyTheme(localStorage.getItem(THEME_KEY));
  $("theme").addEventListener("click", toggleTheme);

  // ---- series helpers -----------------------------------------------------------------------

  // History points → per-slot arrays over [t0, t1) for charts: volume per minute, error rate,
  // baseline and band. `running(t)` says whether Vigil was up at slot t (the overall scope has a
  // point): a service without a point then had no traffic (0), otherwise the slot is a gap.
  function slots(points, step, t0, t1, running) {
    const byAt = new Map(points.map((p) => [Date.parse(p.at), p]));
    const perMinute = 60 / step;
    const out = { volume: [], rate: [], volBase: [], volBand: [], rateBase: [], rateBand: [] };
    for (let t = t0; t < t1; t += step * 1000) {
      const p = byAt.get(t);
      const mid = t + (step * 1000) / 2;
      if (p) {
        out.volume.push({ t: mid, v: p.volume * perMinute, partial: p.partial });
        out.rate.push({ t: mid, v: p.volume > 0 ? p.error_rate : null, partial: p.partial });
        if (p.baseline) {
          out.volBase.push({ t: mid, v: p.baseline.volume * perMinute });
          out.volBand.push({ t: mid, lo: p.baseline.volume * perMinute, hi: p.baseline.volume_alert_above * perMinute });
          out.rateBase.push({ t: mid, v: p.baseline.error_rate });
          out.rateBand.push({ t: mid, lo: p.baseline.error_rate, hi: p.baseline.error_rate_alert_above });
        } else {
          out.volBase.push({ t: mid, v: null });
          out.volBand.push({ t: mid, lo: null, hi: null });
          out.rateBase.push({ t: mid, v: null });
          out.rateBand.push({ t: mid, lo: null, hi: null });
        }
      } else {
        out.volume.push({ t: mid, v: running && running(t) ? 0 : null });
        out.rate.push({ t: mid, v: null });
        out.volBase.push({ t: mid, v: null });
        out.volBand.push({ t: mid, lo: null, hi: null });
        out.rateBase.push({ t: mid, v: null });
        out.rateBand.push({ t: mid, lo: null, hi: null });
      }
    }
    return out;
  }

  function runningFrom(overallPoints, step) {
    const at = new Set(overallPoints.map((p) => Math.floor(Date.parse(p.at) / (step * 1000))));
    return (t) => at.has(Math.floor(t / (step * 1000)));
  }

  // Alerts that are still "on": unresolved (issue 12's resolved_at) and recent.
  function activeAlerts(alerts) {
    const byService = new Map();
    const now = Date.now();
    for (const a of alerts) {
      const age = now - Date.parse(a.detected_at);
      const resolvedKnown = Object.prototype.hasOwnProperty.call(a, "resolved_at");
      const active = resolvedKnown ? a.resolved_at == null && age < 3600e3 : age < Math.max(900e3, 2 * state.windowSeconds * 1000);
      if (!active) continue;
      for (const s of a.affected_services || []) if (!byService.has(s)) byService.set(s, a);
    }
    return byService;
  }

  const serviceHref = (name) => "#/service/" + encodeURIComponent(name);

  function severityBadge(sev) {
    return h("span.badge.sev-" + String(sev).replace(/[^a-z]/g, ""), { text: sev });
  }

  // ---- overview -----------------------------------------------------------------------------

  const SORTS = {
    errors: { label: "error rate", key: (s) => -s.error_rate },
    volume: { label: "volume", key: (s) => -s.volume },
    change: { label: "change against baseline", key: (s) => -changeScore(s) },
    name: { label: "name", key: () => 0 },
  };

  function changeScore(s) {
    if (!s.baseline) return 0;
    const vol = s.baseline.volume > 0 ? Math.abs(s.volume / s.baseline.volume - 1) : s.volume > 0 ? 1 : 0;
    const err = s.error_rate > s.baseline.error_rate
      ? (s.baseline.error_rate > 0 ? s.error_rate / s.baseline.error_rate - 1 : s.error_rate * 100) : 0;
    return Math.max(vol, err);
  }

  function changeText(s) {
    if (!s.baseline) return "learning";
    const parts = [];
    if (s.baseline.volume > 0) {
      const c = s.volume / s.baseline.volume - 1;
      parts.push(`volume ${c >= 0 ? "+" : "−"}${Math.abs(c * 100).toFixed(0)} %`);
    }
    if (s.error_rate > 0 || s.baseline.error_rate > 0) {
      parts.push(s.baseline.error_rate > 0 ? `errors ×${(s.error_rate / s.baseline.error_rate).toFixed(1)}` : `errors ${pct(s.error_rate)}`);
    }
    return parts.join(" · ") || "steady";
  }

  function overviewView() {
    const filter = h("input", {
      id: "filter", type: "search", placeholder: "Filter services ( / )", "aria-label": "Filter services by name",
      value: state.filter, autocomplete: "off",
      oninput: (e) => { state.filter = e.target.value; renderOverview(); },
    });
    const sort = h("select", {
      id: "sort", "aria-label": "Sort services by",
      onchange: (e) => { state.sort = e.target.value; localStorage.setItem(SORT_KEY, state.sort); renderOverview(); },
    }, Object.entries(SORTS).map(([k, v]) => h("option", { value: k, selected: k === state.sort }, "Sort by " + v.label)));
    replace(view(),
      h("section.overall", {}, h("h1", {}, "Services"), h("div.overall-charts", { id: "overall-charts" })),
      h("div.controls", {}, filter, sort, h("span.count", { id: "count" })),
      h("div.table-wrap", {}, h("table.services", { id: "services" },
        h("thead", {}, h("tr", {},
          h("th", { scope: "col" }, "Status"), h("th", { scope: "col" }, "Service"),
          h("th.spark-col", { scope: "col" }, "Volume, 1 h"), h("th.spark-col", { scope: "col" }, "Error rate, 1 h"),
          h("th.num", { scope: "col" }, "Now"), h("th.num", { scope: "col" }, "Errors now"),
          h("th.num", { scope: "col" }, "Baseline"), h("th", { scope: "col" }, "Against baseline"))),
        h("tbody", { id: "services-body" }))));
    return { refresh: refreshOverview };
  }

  const overview = { services: [], sparks: {}, overall: [], active: new Map() };

  async function refreshOverview() {
    const now = Date.now();
    const since = Math.floor(now / 1000) - 3600;
    const [services, alerts, overall] = await Promise.all([
      api("/services"),
      api(`/alerts/recent?limit=200&since=${since}`),
      api(`/history?since=${since}&step=60`),
    ]);
    state.windowSeconds = services.window_seconds || state.windowSeconds;
    if (services.tick_seconds) state.tickSeconds = services.tick_seconds;
    overview.services = services.services;
    overview.active = activeAlerts(alerts.alerts);
    overview.overall = overall.points;
    const shown = visibleServices().slice(0, SPARK_ROWS).map((s) => s.service);
    const sparks = {};
    for (let i = 0; i < shown.length; i += HISTORY_BATCH) {
      const query = shown.slice(i, i + HISTORY_BATCH).map((n) => "service=" + encodeURIComponent(n)).join("&");
      const batch = await api(`/services/history?${query}&since=${since}&step=60`);
      Object.assign(sparks, batch.services);
    }
    overview.sparks = sparks;
    renderOverview();
  }

  function visibleServices() {
    const f = state.filter.trim().toLowerCase();
    const list = overview.services.filter((s) => !f || s.service.toLowerCase().includes(f));
    const key = SORTS[state.sort] ? SORTS[state.sort].key : SORTS.errors.key;
    return list.sort((a, b) => key(a) - key(b) || a.service.localeCompare(b.service));
  }

  function renderOverview() {
    const body = $("services-body");
    if (!body) return;
    const nowS = Math.floor(Date.now() / 60000) * 60000;
    const t0 = nowS - 59 * 60000, t1 = nowS + 60000;
    const running = runningFrom(overview.overall, 60);
    const perMinute = 60 / state.windowSeconds;
    const list = visibleServices();
    $("count").textContent = `${list.length} of ${overview.services.length} services`;
    const rows = list.map((s, index) => {
      const alert = overview.active.get(s.service);
      const points = overview.sparks[s.service];
      let volSpark = h("span.muted", {}, "…"), rateSpark = h("span.muted", {}, "…");
      if (points && index < SPARK_ROWS) {
        const sl = slots(points, 60, t0, t1, running);
        volSpark = Charts.line({ spark: true, width: 140, height: 30, t0, t1, series: sl.volume, band: sl.volBand, baseline: sl.volBase,
          kind: "volume", label: `${s.service}: messages per minute, last hour`, format: perMin });
        rateSpark = Charts.line({ spark: true, width: 140, height: 30, t0, t1, series: sl.rate, band: sl.rateBand, baseline: sl.rateBase,
          kind: "errors", label: `${s.service}: error rate, last hour`, format: pct, yMax: Math.max(0.05, ...sl.rate.map((p) => p.v || 0), ...sl.rateBand.map((b) => b.hi || 0)) });
      }
      return h("tr" + (alert ? ".alerting" : ""), { "data-service": s.service },
        h("td", {}, alert
          ? h("a.badge.alert", { href: "#/incidents", title: alert.description }, "alerting")
          : h("span.badge.ok", {}, "ok")),
        h("td.name", {}, h("a", { href: serviceHref(s.service) }, s.service),
          h("div.sub", {}, alert ? alert.category.replace("_", " ") : "last seen " + ago(s.last_seen))),
        h("td.spark-col", {}, volSpark),
        h("td.spark-col", {}, rateSpark),
        h("td.num", {}, perMin(s.volume * perMinute)),
        h("td.num", {}, pct(s.error_rate)),
        h("td.num", {}, s.baseline ? `${perMin(s.baseline.volume * perMinute)}, ${pct(s.baseline.error_rate)}` : "learning"),
        h("td", {}, changeText(s)));
    });
    replace(body, rows.length ? rows : [h("tr", {}, h("td.empty", { colspan: 8 },
      overview.services.length ? "No service matches the filter." : "No service has sent anything yet."))]);
    renderOverallCharts(t0, t1);
  }

  function renderOverallCharts(t0, t1) {
    const box = $("overall-charts");
    if (!box) return;
    const sl = slots(overview.overall, 60, t0, t1, null);
    const width = Math.max(240, Math.min(560, (box.clientWidth || 600) / 2 - 16));
    replace(box,
      h("figure", {}, h("figcaption", {}, "All services: messages per minute, last hour"),
        Charts.line({ width, height: 120, t0, t1, series: sl.volume, band: sl.volBand, baseline: sl.volBase, kind: "volume",
          label: "All services: messages per minute", format: num })),
      h("figure", {}, h("figcaption", {}, "All services: error rate, last hour"),
        Charts.line({ width, height: 120, t0, t1, series: sl.rate, band: sl.rateBand, baseline: sl.rateBase, kind: "errors",
          label: "All services: error rate", format: pct, yMax: Math.max(0.05, ...sl.rate.map((p) => p.v || 0)) })));
  }

  // ---- service page -------------------------------------------------------------------------

  const RANGES = { "1h": [3600, 60], "6h": [21600, 300], "24h": [86400, 300], "7d": [604800, 3600] };

  function serviceView(name) {
    const buttons = Object.keys(RANGES).map((r) => h("button.range", {
      type: "button", "aria-pressed": String(r === state.range), "data-range": r,
      onclick: () => { state.range = r; for (const b of document.querySelectorAll("button.range")) b.setAttribute("aria-pressed", String(b.dataset.range === r)); refreshNow(); },
    }, r));
    replace(view(),
      h("nav.crumbs", {}, h("a", { href: "#/" }, "← Services")),
      h("h1", {}, h("span", { id: "service-name" }, name), " ", h("span", { id: "service-status" })),
      h("div.current", { id: "service-current" }),
      h("div.controls", { role: "group", "aria-label": "Time range" }, buttons),
      h("div.charts", {},
        h("figure", {}, h("figcaption", { id: "vol-caption" }, "Messages per minute"), h("div", { id: "vol-chart" })),
        h("figure", {}, h("figcaption", { id: "rate-caption" }, "Error rate"), h("div", { id: "rate-chart" }))),
      h("p.legend", {}, h("span.key.k-series"), " measured ", h("span.key.k-base"), " baseline ", h("span.key.k-band"),
        " baseline up to the alert threshold ", h("span.key.k-marker"), " alert"),
      h("section", {}, h("h2", {}, "Top templates in the window"), h("div", { id: "templates" })),
      h("section", {}, h("h2", {}, "Latest samples"), h("div", { id: "samples" })),
      h("section", {}, h("h2", {}, "Alerts"), h("div", { id: "service-alerts" })));
    return { refresh: () => refreshService(name) };
  }

  async function refreshService(name) {
    const [span, step] = RANGES[state.range];
    const nowS = Math.floor(Date.now() / 1000);
    const since = nowS - span;
    const enc = encodeURIComponent(name);
    const [history, overall, alerts, templates, services] = await Promise.all([
      api(`/services/${enc}/history?since=${since}&step=${step}`),
      api(`/history?since=${since}&step=${step}`),
      api(`/alerts/recent?limit=100&service=${enc}&since=${since}`),
      api(`/services/${enc}/templates`),
      api("/services"),
    ]);
    state.windowSeconds = services.window_seconds || state.windowSeconds;
    if (services.tick_seconds) state.tickSeconds = services.tick_seconds;
    const current = services.services.find((s) => s.service === name);
    const active = activeAlerts(alerts.alerts).get(name);
    replace($("service-status"), active ? h("a.badge.alert", { href: "#/incidents" }, "alerting") : h("span.badge.ok", {}, "ok"));
    const perMinute = 60 / state.windowSeconds;
    replace($("service-current"), current
      ? [h("span", {}, h("b", {}, perMin(current.volume * perMinute)), " now"),
         h("span", {}, h("b", {}, pct(current.error_rate)), " errors"),
         h("span", {}, "baseline ", h("b", {}, current.baseline ? `${perMin(current.baseline.volume * perMinute)}, ${pct(current.baseline.error_rate)}` : "learning")),
         h("span", {}, "last seen ", h("b", {}, ago(current.last_seen)))]
      : [h("span.muted", {}, "Not heard from since Vigil started (history only).")]);

    const stepMs = step * 1000;
    const t1 = Math.floor(Date.now() / stepMs) * stepMs + stepMs;
    const t0 = t1 - Math.ceil(span / step) * stepMs;
    const sl = slots(history.points, step, t0, t1, runningFrom(overall.points, step));
    const markers = alerts.alerts.map((a) => ({ t: Date.parse(a.detected_at), label: `${a.anomaly_id}: ${a.description}` }));
    const width = Math.max(280, ($("vol-chart").clientWidth || 700));
    $("vol-caption").textContent = `Messages per minute, last ${state.range}` + (step > 60 ? ` (${step / 60}-minute steps)` : "");
    $("rate-caption").textContent = `Error rate, last ${state.range}`;
    replace($("vol-chart"), Charts.line({ width, height: 200, t0, t1, series: sl.volume, band: sl.volBand, baseline: sl.volBase, markers,
      kind: "volume", label: `${name}: messages per minute`, format: num }));
    replace($("rate-chart"), Charts.line({ width, height: 200, t0, t1, series: sl.rate, band: sl.rateBand, baseline: sl.rateBase, markers,
      kind: "errors", label: `${name}: error rate`, format: pct,
      yMax: Math.max(0.05, ...sl.rate.map((p) => p.v || 0), ...sl.rateBand.map((b) => b.hi || 0)) * 1.05 }));

    const list = templates.templates;
    replace($("templates"), list.length
      ? h("div.table-wrap", {}, h("table.templates", {},
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Template"), h("th.num", { scope: "col" }, "Count"),
            h("th", { scope: "col" }, "Severity"), h("th", { scope: "col" }, "First seen"))),
          h("tbody", {}, list.map((t) => h("tr", {},
            h("td", {}, t.new ? h("span.badge.new", {}, "new") : null, " ", h("code", {}, t.template)),
            h("td.num", {}, num(t.count)), h("td", {}, SEVERITY_NAMES[t.severity] || String(t.severity)),
            h("td", {}, ago(t.first_seen)))))))
      : h("p.muted", {}, "No templates in the window (detection.mine_templates decides which messages are mined: warnings and errors by default)."));
    replace($("samples"), list.length
      ? h("ul.samples", {}, list.map((t) => h("li", {}, h("span.sev", {}, SEVERITY_NAMES[t.severity] || ""), " ", h("code", {}, t.example))))
      : h("p.muted", {}, "No samples in the window."));
    replace($("service-alerts"), alerts.alerts.length
      ? h("ul.alert-list", {}, alerts.alerts.map((a) => h("li", {}, severityBadge(a.severity), " ",
          h("a", { href: "#/alert/" + encodeURIComponent(a.anomaly_id) }, a.anomaly_id), " ", a.description, " ",
          h("span.muted", {}, ago(a.detected_at)))))
      : h("p.muted", {}, `No alert in the last ${state.range}.`));
  }

  // ---- incidents and alerts -----------------------------------------------------------------

  function incidentsView(kind, id) {
    replace(view(), h("h1", { id: "incidents-title" }, kind ? (kind === "incident" ? "Incident" : "Alert") : "Incidents and alerts"),
      kind ? h("nav.crumbs", {}, h("a", { href: "#/incidents" }, "← All incidents")) : null,
      h("p.muted", { id: "incidents-mode" }), h("div", { id: "incidents" }));
    return { refresh: () => refreshIncidents(kind, id) };
  }

  async function refreshIncidents(kind, id) {
    const box = $("incidents");
    if (kind === "alert") {
      const alert = await api("/alerts/" + encodeURIComponent(id)).catch((e) => { if (e instanceof NotFound) return null; throw e; });
      replace(box, alert ? alertCard(alert, true) : h("p.muted", {}, "No such alert."));
      return;
    }
    if (kind === "incident") {
      const incident = await api("/incidents/" + encodeURIComponent(id)).catch((e) => { if (e instanceof NotFound) return null; throw e; });
      replace(box, incident ? incidentCard(incident, true) : h("p.muted", {}, "No such incident."));
      return;
    }
    let incidents = null;
    if (state.incidentsAPI !== false) {
      try {
        incidents = (await api("/incidents/recent?limit=50")).incidents;
        state.incidentsAPI = true;
      } catch (e) {
        if (!(e instanceof NotFound)) throw e;
        state.incidentsAPI = false;
      }
    }
    if (incidents) {
      $("incidents-mode").textContent = `${incidents.length} recent incidents, newest first.`;
      replace(box, incidents.length ? incidents.map((i, k) => incidentCard(i, k === 0)) : h("p.muted", {}, "No incident yet."));
    } else {
      const alerts = (await api("/alerts/recent?limit=50")).alerts;
      $("incidents-mode").textContent = `${alerts.length} recent alerts, newest first (this Vigil groups no incidents).`;
      replace(box, alerts.length ? alerts.map((a, k) => alertCard(a, k === 0)) : h("p.muted", {}, "No alert yet."));
    }
  }

  // A <details> that stays as the user left it across refreshes (open by default when `open`).
  function details(key, open, summary, ...body) {
    const isOpen = state.collapsed.has(key) ? false : open || state.expanded.has(key);
    const node = h("details", { "data-key": key, open: isOpen }, h("summary", {}, summary), ...body);
    node.addEventListener("toggle", () => {
      if (node.open) { state.expanded.add(key); state.collapsed.delete(key); } else { state.collapsed.add(key); state.expanded.delete(key); }
    });
    return node;
  }

  function incidentCard(i, open) {
    const status = i.status === "open" ? h("span.badge.alert", {}, "open") : h("span.badge.ok", {}, "resolved");
    return h("article.card.incident", { "data-incident": i.incident_id },
      details("incident:" + i.incident_id, open || i.status === "open",
        h("span.summary-line", {}, status, " ", severityBadge(i.worst_severity), " ",
          h("a", { href: "#/incident/" + encodeURIComponent(i.incident_id) }, i.incident_id), " ",
          h("span", {}, (i.services || []).join(", ")), " ",
          h("span.muted", {}, `${i.alert_count} alert${i.alert_count === 1 ? "" : "s"}, ${(i.categories || []).join(", ")}, opened ${ago(i.opened_at)}`)),
        h("dl.facts", {},
          fact("Opened", when(i.opened_at)), fact("Last alert", when(i.last_alert_at)),
          fact("Resolved", i.resolved_at ? when(i.resolved_at) : "not yet")),
        (i.alerts || []).map((a, k, all) => alertCard(a, k === all.length - 1 && (open || i.status === "open")))));
  }

  function fact(label, value) {
    return [h("dt", {}, label), h("dd", {}, value)];
  }

  function analysisSource(a) {
    if (a.analysis_source === "claude") return h("span.badge.claude", {}, "Claude" + (a.analysis_model ? " · " + a.analysis_model : ""));
    if (a.analysis_source === "offline") return h("span.badge.offline", {}, "offline analyzer");
    if (a.analysis_source === "pending") return h("span.badge.pending", {}, "analysis pending…");
    return h("span.badge", {}, a.analysis_source || "unknown");
  }

  function alertCard(a, open) {
    const m = a.metrics || {};
    const cur = m.current || {}, base = m.baseline || {};
    const extra = [];
    if ("incident_id" in a) extra.push(fact("Incident", a.incident_id
      ? h("a", { href: "#/incident/" + encodeURIComponent(a.incident_id) }, a.incident_id) : "none"));
    if ("window_seconds" in a) extra.push(fact("Window", `${a.window_seconds} s`));
    if ("resolved_at" in a) extra.push(fact("Resolved", a.resolved_at ? when(a.resolved_at) : "not yet"));
    return h("article.card.alert-card", { "data-anomaly": a.anomaly_id },
      details("alert:" + a.anomaly_id, open,
        h("span.summary-line", {}, severityBadge(a.severity), " ", h("span.cat", {}, (a.category || "").replace("_", " ")), " ",
          h("a.id", { href: "#/alert/" + encodeURIComponent(a.anomaly_id) }, a.anomaly_id), " ",
          h("span.desc", {}, a.description), " ", h("span.muted", {}, ago(a.detected_at)), " ", analysisSource(a)),
        h("dl.facts", {},
          fact("Detected", when(a.detected_at)),
          fact("Services", (a.affected_services || []).length
            ? h("span", {}, (a.affected_services || []).map((s, k) => [k ? ", " : "", h("a", { href: serviceHref(s) }, s)]))
            : "–"),
          fact("Error rate", `${pct(cur.error_rate)} (baseline ${pct(base.error_rate)})`),
          fact("Volume", `${num(cur.volume)} (baseline ${num(base.volume)})`),
          fact("Services active", `${num(cur.service_count)} (baseline ${num(base.service_count)})`),
          m.multiplier != null ? fact("Multiplier", "×" + num(m.multiplier)) : null,
          extra),
        h("section.analysis", {},
          h("h3", {}, "Analysis ", analysisSource(a)),
          a.analysis_source === "pending"
            ? h("p.muted", {}, "Waiting for the analysis; this updates by itself.")
            : [
                h("p", {}, h("b", {}, "Root cause: "), h("span.root-cause", {}, a.root_cause || "–")),
                h("p", {}, h("b", {}, "Impact: "), a.impact || "–"),
                (a.recommended_actions || []).length
                  ? [h("b", {}, "Recommended actions:"), h("ol.actions", {}, a.recommended_actions.map((x) => h("li", {}, x)))]
                  : null,
                h("p", {}, h("b", {}, "Confidence: "), a.confidence != null ? pct(a.confidence) : "–"),
                a.analysis_error ? h("p.error", {}, "Claude failed: ", a.analysis_error) : null,
              ]),
        (a.samples || []).length
          ? h("section", {}, h("h3", {}, "Templates"), h("div.table-wrap", {}, h("table.templates", {},
              h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"), h("th", { scope: "col" }, "Template"),
                h("th.num", { scope: "col" }, "Count"), h("th", { scope: "col" }, "Example"))),
              h("tbody", {}, a.samples.map((s) => h("tr", {}, h("td", {}, s.service), h("td", {}, h("code", {}, s.template)),
                h("td.num", {}, num(s.count)), h("td", {}, h("code", {}, s.example))))))))
          : null,
        (a.sample_messages || []).length
          ? h("section", {}, h("h3", {}, "Sample messages"), h("ul.samples", {}, a.sample_messages.map((s) => h("li", {}, h("code", {}, s)))))
          : null));
  }

  // ---- receiver -----------------------------------------------------------------------------

  function receiverView() {
    replace(view(), h("h1", {}, "Receiver"), h("div", { id: "receiver" }));
    return { refresh: refreshReceiver };
  }

  async function refreshReceiver() {
    const r = await api("/receiver");
    const samples = state.receiverSamples;
    samples.push(r);
    while (samples.length > 120) samples.shift();
    // Rates need two samples: the first visit takes the second one a second later.
    if (samples.length === 1) state.nextDelayMs = 1000;
    const prev = samples.length > 1 ? samples[samples.length - 2] : null;
    const rate = (a, b, f) => (a && b && b.at_ms > a.at_ms ? (f(b) - f(a)) / ((b.at_ms - a.at_ms) / 1000) : null);
    const transports = Object.keys(r.received).sort();
    const t1 = r.at_ms, t0 = samples[0].at_ms;
    const rows = transports.map((t) => {
      const series = [];
      for (let i = 1; i < samples.length; i++) series.push({ t: samples[i].at_ms, v: rate(samples[i - 1], samples[i], (s) => s.received[t] || 0) });
      return h("tr", {}, h("th", { scope: "row" }, t),
        h("td.num", {}, prev ? num(rate(prev, r, (s) => s.received[t] || 0)) : "…"),
        h("td.spark-col", {}, series.length > 1 ? Charts.line({ spark: true, width: 140, height: 30, t0, t1, series, kind: "volume", label: `${t} messages per second`, format: num }) : h("span.muted", {}, "…")),
        h("td.num", {}, num(r.received[t])),
        h("td.num", {}, prev ? num(rate(prev, r, (s) => s.received_bytes[t] || 0)) : "…"),
        h("td.num", {}, num(r.parse_errors[t])));
    });
    const drops = Object.entries(r.dropped || {});
    replace($("receiver"),
      h("div.table-wrap", {}, h("table.receiver", {},
        h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Transport"), h("th.num", { scope: "col" }, "Messages/s"),
          h("th.spark-col", { scope: "col" }, "Messages/s, this page"), h("th.num", { scope: "col" }, "Received"),
          h("th.num", { scope: "col" }, "Bytes/s"), h("th.num", { scope: "col" }, "Parse errors"))),
        h("tbody", {}, rows))),
      h("div.tiles", {},
        tile("Dropped", num(drops.reduce((n, [, v]) => n + v, 0)),
          drops.filter(([, v]) => v > 0).map(([k, v]) => `${k.replace(/_/g, " ")}: ${num(v)}`).join(", ") || "nothing lost"),
        tile("TCP connections", num(r.tcp_connections), `${num(r.tcp_connections_accepted)} accepted, ${num(r.tcp_connections_rejected)} refused`),
        tile("Shard backlog", num(r.queues.shard_backlog), "messages received, not yet counted"),
        tile("Alerts pending", num(r.queues.alerts_pending), "waiting for the store"),
        tile("Analyses pending", num(r.queues.analyses_pending), "waiting for Claude or the offline analyzer"),
        tile("History pending", num(r.queues.history_minutes_pending), "minutes not yet written"),
        tile("Services", num(r.services), r.services_overflowed_messages ? `${num(r.services_overflowed_messages)} messages over the service limit` : "distinct services seen"),
        tile("Truncated", num(r.truncated_datagrams + r.truncated_frames), "UDP datagrams and TCP frames")));
  }

  function tile(label, value, note) {
    return h("div.tile", {}, h("div.tile-label", {}, label), h("div.tile-value", {}, value), h("div.tile-note", {}, note));
  }

  // ---- routing and the live loop ------------------------------------------------------------

  function route() {
    clearTimeout(state.timer);
    const hash = location.hash.replace(/^#/, "") || "/";
    const parts = hash.split("/").filter(Boolean);
    let current;
    if (parts[0] === "service" && parts[1]) current = serviceView(decodeURIComponent(parts.slice(1).join("/")));
    else if (parts[0] === "incidents") current = incidentsView(null);
    else if (parts[0] === "incident" && parts[1]) current = incidentsView("incident", decodeURIComponent(parts[1]));
    else if (parts[0] === "alert" && parts[1]) current = incidentsView("alert", decodeURIComponent(parts[1]));
    else if (parts[0] === "receiver") current = receiverView();
    else current = overviewView();
    state.view = current;
    const section = parts[0] === "receiver" ? "receiver" : ["incidents", "incident", "alert"].includes(parts[0]) ? "incidents" : "overview";
    for (const a of document.querySelectorAll("#nav a")) {
      if (a.dataset.view === section) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
    refreshNow();
  }

  async function refreshNow() {
    clearTimeout(state.timer);
    const current = state.view;
    if (!current) return;
    try {
      await current.refresh();
      if (current !== state.view) return;
      if ($("app").hidden) showApp();
      setStatus(`live · ${new Date().toLocaleTimeString()}`, "live");
    } catch (error) {
      if (error instanceof Unauthorized) {
        const had = sessionStorage.getItem(TOKEN_KEY);
        sessionStorage.removeItem(TOKEN_KEY);
        showLogin(had ? "That token was refused." : "");
        return;
      }
      if (current !== state.view) return;
      setStatus("update failed: " + (error.message || error), "failed");
    }
    if (current === state.view) {
      const delay = state.nextDelayMs || Math.min(30, Math.max(1, state.tickSeconds)) * 1000;
      state.nextDelayMs = 0;
      state.timer = setTimeout(refreshNow, delay);
    }
  }

  window.addEventListener("hashchange", route);
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(refreshNow, 250); });

  // Keyboard: / filter, 1 2 3 views, t theme, r refresh, ? help, Esc leaves a field.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (event.key === "Escape" && typing) { target.blur(); return; }
    if (typing || event.ctrlKey || event.metaKey || event.altKey || !$("login").hidden) return;
    const go = { "1": "#/", "2": "#/incidents", "3": "#/receiver" }[event.key];
    if (go) { location.hash = go; event.preventDefault(); return; }
    if (event.key === "/") { const f = $("filter"); if (f) { f.focus(); event.preventDefault(); } else { location.hash = "#/"; } return; }
    if (event.key === "t") { toggleTheme(); return; }
    if (event.key === "r") { refreshNow(); return; }
    if (event.key === "?") { const k = $("keys"); k.hidden = !k.hidden; }
  });

  // Start: the page shows nothing until the first answer; the data endpoints answer 401
  // without the token, which shows the login form instead.
  route();
})();
