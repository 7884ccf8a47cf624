// The query page: a YASQE editor (local completion only; the server predeclares the common
// prefixes), saved queries as forms with permalinks, results under the editor with labels in
// place of IRIs, and map / timeline / network views when the columns allow them.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("query-config").textContent);
  var statusEl = document.getElementById("status");
  var resultsEl = document.getElementById("results");
  var areaEl = document.getElementById("result-area");
  var barEl = document.getElementById("result-bar");
  var graphsEl = document.getElementById("graphs");
  var permalinkEl = document.getElementById("permalink");
  var rawEl = document.getElementById("raw");
  var downloads = {
    csv: document.getElementById("download-csv"), tsv: document.getElementById("download-tsv"),
    json: document.getElementById("download-json"), ttl: document.getElementById("download-ttl"),
    jsonld: document.getElementById("download-jsonld")
  };
  var prefixes = config.prefixes;
  var defaultQuery = "# Common prefixes (ikg:, rdfs:, …) are declared for you.\n" +
    "SELECT ?project ?label WHERE {\n  ?project a ikg:Project ; rdfs:label ?label .\n}\nORDER BY ?label\nLIMIT 100\n";
  var XSD = "http://www.w3.org/2001/XMLSchema#";
  var DATE_TYPES = [XSD + "date", XSD + "dateTime", XSD + "gYear", XSD + "gYearMonth"];
  var DATE_TEXT = /^-?\d{4}(-\d{2}(-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

  // --- editor ------------------------------------------------------------------
  var editor = null;
  // The endpoint predeclares these prefixes; the (patched) checker counts them as declared.
  window.kgImplicitPrefixes = {};
  Object.keys(prefixes).forEach(function (p) { window.kgImplicitPrefixes[p] = prefixes[p]; });
  var Yasqe = window.Yasgui && window.Yasgui.Yasqe;
  if (Yasqe) {
    var prefixList = Object.keys(prefixes).map(function (p) { return p + ": <" + prefixes[p] + ">"; });
    // Completion from this graph's own vocabulary only: no prefix.cc, no LOV.
    Yasqe.forkAutocompleter("prefixes", { name: "kgPrefixes", persistenceId: null, bulk: true, get: prefixList }, false);
    Yasqe.forkAutocompleter("class", { name: "kgClasses", persistenceId: null, bulk: true, get: config.classes }, false);
    Yasqe.forkAutocompleter("property", { name: "kgProperties", persistenceId: null, bulk: true, get: config.properties }, false);
    editor = new Yasqe(document.getElementById("editor"), {
      value: defaultQuery,
      persistenceId: null,
      autocompleters: ["kgPrefixes", "variables", "kgClasses", "kgProperties"],
      prefixCcApi: null,
      showQueryButton: false,
      resizeable: true,
      editorHeight: "260px",
      createShareableLink: null,
      consumeShareLink: null,
      syntaxErrorCheck: config.syntaxCheck !== false,
      requestConfig: { endpoint: "/sparql", method: "POST" },
      extraKeys: {
        "Ctrl-Enter": function () { runEditor(); },
        "Cmd-Enter": function () { runEditor(); },
        "Ctrl-Space": function (cm) { cm.autocomplete(); }
      }
    });
  } else {
    var ta = document.createElement("textarea");
    ta.rows = 14; ta.className = "plain-editor"; ta.value = defaultQuery;
    document.getElementById("editor").appendChild(ta);
    editor = { getValue: function () { return ta.value; }, setValue: function (v) { ta.value = v; } };
  }
  document.getElementById("editor").kgEditor = editor;  // for tests and the console
  function setQueryText(text) {
    editor.setValue(text);
    // PREFIX lines of a saved query are folded away: the query comes first.
    if (editor.collapsePrefixes && /^\s*PREFIX\s/im.test(text)) {
      try { editor.collapsePrefixes(true); } catch (e) { /* folding is a nicety */ }
    }
  }

  // --- helpers -------------------------------------------------------------------
  function setStatus(text, isError) {
    statusEl.textContent = text;
    statusEl.className = isError ? "error" : "";
  }
  function localLink(iri) {
    if (iri.indexOf(config.baseIri) === 0) {
      return "/resource/" + iri.slice(config.baseIri.length).split("/").map(encodeURIComponent).join("/");
    }
    if (iri.indexOf(config.ontologyNs) === 0) { return "/ontology/" + encodeURIComponent(iri.slice(config.ontologyNs.length)); }
    return "/describe?iri=" + encodeURIComponent(iri);
  }
  function compact(iri) {
    for (var p in prefixes) {
      if (iri.indexOf(prefixes[p]) === 0 && iri.length > prefixes[p].length) { return p + ":" + iri.slice(prefixes[p].length); }
    }
    return iri;
  }
  var labels = {};
  function display(term) {
    if (!term) { return ""; }
    if (term.type !== "uri") { return term.value; }
    if (!rawEl.checked && labels[term.value]) { return labels[term.value]; }
    return compact(term.value);
  }
  function setDownloads(urls) {
    Object.keys(downloads).forEach(function (k) {
      downloads[k].hidden = !urls[k];
      if (urls[k]) { downloads[k].href = urls[k]; downloads[k].setAttribute("download", ""); }
    });
  }
  function setPermalink(params) {
    var url = "/query?" + params.toString();
    permalinkEl.href = url;
    history.replaceState(null, "", url);
  }
  function fetchLabels(iris) {
    var wanted = iris.filter(function (i) { return !(i in labels); });
    if (!wanted.length) { return Promise.resolve(); }
    return fetch("/api/labels", {
      method: "POST", headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify({ iris: wanted.slice(0, 2000) })
    }).then(function (r) { return r.ok ? r.json() : {}; }).then(function (found) {
      wanted.forEach(function (i) { labels[i] = found[i] || null; });
    }).catch(function () { /* labels are a nicety: IRIs stay */ });
  }

  // --- results: table ------------------------------------------------------------
  var current = null;  // {vars, rows} of the last SELECT answer
  function uriColumns(data) {
    return data.head.vars.filter(function (v) {
      return data.results.bindings.some(function (r) { return r[v] && r[v].type === "uri"; });
    });
  }
  function renderTable() {
    var data = current;
    resultsEl.textContent = "";
    var vars = data.head.vars;
    var rows = data.results.bindings;
    var table = document.createElement("table");
    table.className = "results";
    var thead = table.createTHead().insertRow();
    vars.forEach(function (v, i) {
      var th = document.createElement("th");
      th.textContent = v;
      th.dataset.col = String(i);
      th.title = "Sort by " + v;
      thead.appendChild(th);
    });
    var tbody = table.createTBody();
    rows.forEach(function (row) {
      var tr = tbody.insertRow();
      vars.forEach(function (v) {
        var td = tr.insertCell();
        var term = row[v];
        td.dataset.sort = display(term);
        if (term && term.type === "uri") {
          var a = document.createElement("a");
          a.href = localLink(term.value);
          a.textContent = display(term);
          a.title = term.value;
          a.className = "iri-cell";
          td.appendChild(a);
        } else if (term) {
          td.textContent = term.value;
          if (term.datatype) { td.title = compact(term.datatype); }
          if (term["xml:lang"]) { td.title = "@" + term["xml:lang"]; }
        }
      });
    });
    var sortState = { col: -1, dir: 1 };
    thead.addEventListener("click", function (ev) {
      var th = ev.target.closest("th");
      if (!th) { return; }
      var col = Number(th.dataset.col);
      sortState.dir = sortState.col === col ? -sortState.dir : 1;
      sortState.col = col;
      Array.prototype.forEach.call(thead.children, function (h) { h.className = ""; });
      th.className = sortState.dir > 0 ? "asc" : "desc";
      var trs = Array.prototype.slice.call(tbody.rows);
      trs.sort(function (a, b) {
        var x = a.cells[col].dataset.sort, y = b.cells[col].dataset.sort;
        return sortState.dir * x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
      });
      trs.forEach(function (tr) { tbody.appendChild(tr); });
    });
    resultsEl.appendChild(table);
  }

  // --- results: views beside the table --------------------------------------------
  function findColumn(vars, rows, pattern, test) {
    for (var i = 0; i < vars.length; i++) {
      var v = vars[i];
      if (!pattern.test(v)) { continue; }
      if (rows.some(function (r) { return r[v] && test(r[v]); })) { return v; }
    }
    return null;
  }
  function isNumber(t) { return t.type !== "uri" && !isNaN(parseFloat(t.value)) && isFinite(t.value); }
  function isDate(t) {
    return t.type !== "uri" && (DATE_TYPES.indexOf(t.datatype) >= 0 || DATE_TEXT.test(t.value));
  }
  function dateColumns(vars, rows) {
    return vars.filter(function (v) {
      var seen = rows.filter(function (r) { return r[v]; });
      return seen.length && seen.every(function (r) { return isDate(r[v]); });
    });
  }
  // What a row is called: a label-like text column, else the label of its first resource.
  function rowLabel(row, vars, skip) {
    for (var i = 0; i < vars.length; i++) {
      var v = vars[i];
      if (skip.indexOf(v) < 0 && /label|name|title/i.test(v) && row[v] && row[v].type !== "uri") { return row[v].value; }
    }
    for (var j = 0; j < vars.length; j++) {
      var u = vars[j];
      if (skip.indexOf(u) < 0 && row[u] && row[u].type === "uri") { return display(row[u]); }
    }
    return "";
  }
  function rowLink(row, vars) {
    for (var j = 0; j < vars.length; j++) {
      if (row[vars[j]] && row[vars[j]].type === "uri") { return localLink(row[vars[j]].value); }
    }
    return null;
  }
  function views(data) {
    var vars = data.head.vars, rows = data.results.bindings;
    var found = {};
    var lat = findColumn(vars, rows, /lat/i, isNumber);
    var lng = findColumn(vars, rows, /lon|lng/i, isNumber);
    if (lat && lng) { found.map = { lat: lat, lng: lng }; }
    var dates = dateColumns(vars, rows);
    if (dates.length) {
      var end = dates.filter(function (v) { return /end|to|until|last/i.test(v); })[0] || null;
      var start = dates.filter(function (v) { return v !== end; })[0] || dates[0];
      found.timeline = { start: start, end: end === start ? null : end };
    }
    var uris = uriColumns(data);
    if (uris.length >= 2) { found.network = { from: uris[0], to: uris[1] }; }
    return found;
  }
  var activeView = "table";
  var drawn = {};
  function showView(name) {
    activeView = name;
    document.querySelectorAll(".view-tab").forEach(function (b) {
      b.classList.toggle("active", b.dataset.view === name);
    });
    resultsEl.hidden = name !== "table";
    ["map", "timeline", "network"].forEach(function (v) {
      document.getElementById("view-" + v).hidden = v !== name;
    });
    if (name !== "table" && !drawn[name]) {
      drawn[name] = true;
      ({ map: drawMap, timeline: drawTimeline, network: drawNetwork })[name]();
    }
  }
  function resetViews(found) {
    drawn = {};
    ["map", "timeline", "network"].forEach(function (v) {
      var box = document.getElementById("view-" + v);
      if (box.kgDestroy) { box.kgDestroy(); box.kgDestroy = null; }
      box.textContent = "";
      box.className = "result-view" + (v === "map" ? " big-map" : v === "network" ? " network-view" : "");
      delete box.dataset.ready;
      document.querySelector('.view-tab[data-view="' + v + '"]').hidden = !(found && found[v]);
    });
    showView("table");
  }
  function drawMap() {
    var box = document.getElementById("view-map");
    var spec = views(current).map;
    var map = L.map(box, { maxZoom: 14, worldCopyJump: true });
    box.kgDestroy = function () { map.remove(); };
    var based = window.kgBasemap ? window.kgBasemap(map, box) : Promise.resolve();
    var points = [];
    current.results.bindings.forEach(function (row) {
      var la = row[spec.lat] && parseFloat(row[spec.lat].value);
      var lo = row[spec.lng] && parseFloat(row[spec.lng].value);
      if (isNaN(la) || isNaN(lo) || la === undefined || lo === undefined) { return; }
      var marker = L.circleMarker([la, lo], { radius: 7, color: "#1e6b43", weight: 2, fillOpacity: 0.5,
                                              className: "kg-result-marker" });
      var label = rowLabel(row, current.head.vars, [spec.lat, spec.lng]);
      var href = rowLink(row, current.head.vars);
      var pop = document.createElement(href ? "a" : "span");
      if (href) { pop.href = href; }
      pop.textContent = label || (la + ", " + lo);
      marker.bindPopup(pop);
      marker.bindTooltip(label || "");
      marker.addTo(map);
      points.push([la, lo]);
    });
    if (points.length) { map.fitBounds(L.latLngBounds(points).pad(0.3), { maxZoom: 8 }); }
    else { map.setView([50, 10], 3); }
    based.then(function () { box.dataset.ready = String(points.length); });
  }
  function drawTimeline() {
    var box = document.getElementById("view-timeline");
    var spec = views(current).timeline;
    var items = [];
    var skip = [spec.start, spec.end].filter(Boolean);
    current.results.bindings.forEach(function (row, i) {
      if (!row[spec.start]) { return; }
      var label = rowLabel(row, current.head.vars, skip) || row[spec.start].value;
      var content = document.createElement("span");
      content.textContent = label;
      var item = { id: i + 1, start: row[spec.start].value, content: content, title: label };
      if (spec.end && row[spec.end] && row[spec.end].value > row[spec.start].value) {
        item.end = row[spec.end].value;
      }
      item.href = rowLink(row, current.head.vars);
      items.push(item);
    });
    if (!items.length || !window.vis || !window.vis.Timeline) { box.textContent = "Nothing dated to draw."; return; }
    var timeline = new vis.Timeline(box, new vis.DataSet(items), { stack: true, zoomKey: "ctrlKey", margin: { item: 6 } });
    timeline.on("select", function (props) {
      var found = items.filter(function (it) { return it.id === props.items[0]; })[0];
      if (found && found.href) { window.location.href = found.href; }
    });
    box.kgDestroy = function () { timeline.destroy(); };
    box.dataset.ready = String(items.length);
  }
  function drawNetwork() {
    var box = document.getElementById("view-network");
    var spec = views(current).network;
    var V = window.kgVisNetwork;
    if (!V || !V.Network) { box.textContent = "The network view is not available."; return; }
    var nodes = {}, edges = [];
    function node(term) {
      if (!nodes[term.value]) {
        nodes[term.value] = { id: term.value, label: display(term).slice(0, 50), title: term.value, url: localLink(term.value) };
      }
    }
    current.results.bindings.forEach(function (row) {
      var a = row[spec.from], b = row[spec.to];
      if (!a || !b || a.type !== "uri" || b.type !== "uri") { return; }
      node(a); node(b);
      edges.push({ from: a.value, to: b.value });
    });
    var list = Object.keys(nodes).map(function (k) { return nodes[k]; });
    var network = new V.Network(box, { nodes: new V.DataSet(list), edges: new V.DataSet(edges) }, {
      nodes: { shape: "dot", size: 10, color: "#0b5cad", font: { size: 13 } },
      edges: { arrows: { to: { enabled: true, scaleFactor: 0.5 } }, color: "#9aa5b1" },
      physics: { solver: "forceAtlas2Based", stabilization: { iterations: 200 } }
    });
    network.on("doubleClick", function (p) {
      if (p.nodes.length && nodes[p.nodes[0]]) { window.location.href = nodes[p.nodes[0]].url; }
    });
    box.kgDestroy = function () { network.destroy(); };
    box.dataset.ready = String(list.length);
  }

  // --- answers --------------------------------------------------------------------
  function renderSelect(data) {
    current = data;
    var rows = data.results.bindings;
    var found = views(data);
    var iris = [];
    rows.forEach(function (row) {
      data.head.vars.forEach(function (v) {
        if (row[v] && row[v].type === "uri") { iris.push(row[v].value); }
      });
    });
    return fetchLabels(Array.from(new Set(iris))).then(function () {
      barEl.hidden = false;
      resetViews(found);
      renderTable();
      setStatus(rows.length + " row" + (rows.length === 1 ? "" : "s") + (data.truncated ? " (truncated at the limit)" : "") + ".");
      reveal();
    });
  }
  function renderAsk(data) {
    current = null;
    resetViews(null);
    resultsEl.textContent = "";
    var p = document.createElement("p");
    p.className = "ask-result";
    p.textContent = data.boolean ? "Yes (true)" : "No (false)";
    resultsEl.appendChild(p);
    barEl.hidden = false;
    setStatus("ASK answered.");
    reveal();
  }
  function renderText(text) {
    current = null;
    resetViews(null);
    resultsEl.textContent = "";
    var pre = document.createElement("pre");
    pre.className = "graph-result";
    pre.textContent = text;
    resultsEl.appendChild(pre);
    barEl.hidden = false;
    setStatus("Graph result (Turtle).");
    reveal();
  }
  function reveal() {
    areaEl.scrollIntoView({ block: "nearest", behavior: "auto" });
    areaEl.dataset.answered = String(Date.now());
  }
  function handle(response, downloadsFor) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      return response.text().then(function (text) {
        var message = text;
        try { message = JSON.parse(text).error.message; } catch (e) { /* plain text */ }
        resultsEl.textContent = "";
        resetViews(null);
        setStatus("Error " + response.status + ": " + message, true);
        reveal();
      });
    }
    var graph = type.indexOf("turtle") >= 0 || type.indexOf("ld+json") >= 0;
    setDownloads(downloadsFor(graph));
    if (!graph && type.indexOf("json") >= 0) {
      return response.json().then(function (data) {
        return typeof data.boolean === "boolean" ? renderAsk(data) : renderSelect(data);
      });
    }
    return response.text().then(renderText);
  }
  function fail(err) { setStatus("Request failed: " + err, true); }

  // --- running ---------------------------------------------------------------------
  function runEditor() {
    var query = editor.getValue();
    var graphs = graphsEl.value;
    setStatus("Running…");
    document.querySelectorAll("#saved-list li").forEach(function (li) { li.classList.remove("open"); });
    setPermalink(new URLSearchParams({ query: query, graphs: graphs }));
    var dl = function (fmt) {
      return "/sparql?" + new URLSearchParams({ query: query, graphs: graphs, format: fmt, download: "1" }).toString();
    };
    return fetch("/sparql", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: new URLSearchParams({ query: query, graphs: graphs })
    }).then(function (r) {
      return handle(r, function (graph) {
        return graph ? { ttl: dl("turtle"), jsonld: dl("jsonld") }
          : { csv: dl("csv"), tsv: dl("tsv"), json: dl("json") };
      });
    }, fail);
  }
  function savedByName(name) {
    for (var i = 0; i < config.saved.length; i++) { if (config.saved[i].name === name) { return config.saved[i]; } }
    return null;
  }
  function formFor(name) { return document.querySelector('form.saved-form[data-name="' + name + '"]'); }
  function openSaved(name) {
    var q = savedByName(name);
    if (!q) { return null; }
    document.querySelectorAll("#saved-list li").forEach(function (li) {
      li.classList.toggle("open", li.dataset.name === name);
    });
    // The form beside shows title, description and parameters: the editor starts at the query.
    setQueryText(q.sparql.replace(/^(\s*#\s*(title|description|param|columns|handler)\s*:[^\n]*\n)+/i, ""));
    return q;
  }
  function missing(q, values) {
    return q.params.filter(function (p) { return p.required && !values[p.name]; });
  }
  function runSaved(name, values) {
    var q = savedByName(name);
    if (!q) { setStatus("No saved query " + name, true); return; }
    var params = new URLSearchParams();
    q.params.forEach(function (p) {
      var v = values[p.name];
      if (v) { params.set(p.name, v); }
    });
    params.set("graphs", graphsEl.value);
    var permalink = new URLSearchParams();
    permalink.set("saved", name);
    params.forEach(function (v, k) { permalink.set(k, v); });
    setPermalink(permalink);
    var lack = missing(q, values);
    if (lack.length) {
      // A bare permalink: show the form, run once it is filled in.
      var form = formFor(name);
      var input = form && form.elements[lack[0].name];
      if (input) { input.focus(); }
      setStatus("Fill in " + lack.map(function (p) { return p.help || p.name; }).join(", ") + " and press Run.");
      return;
    }
    var base = "/api/saved/" + encodeURIComponent(name) + "?";
    var with_ = function (key, value) { var p = new URLSearchParams(params); p.set(key, value); return p; };
    setStatus("Running " + q.title + "…");
    return fetch(base + params.toString(), { headers: { "Accept": "application/json" } }).then(function (r) {
      return handle(r, function () {
        var dl = with_("download", "1");
        return { csv: base + with_("format", "csv").toString(), tsv: base + with_("format", "tsv").toString(),
                 json: base + dl.toString() };
      });
    }, fail);
  }
  function formValues(form) {
    var values = {};
    new FormData(form).forEach(function (v, k) { values[k] = String(v); });
    return values;
  }

  document.getElementById("run").addEventListener("click", runEditor);
  document.querySelectorAll(".view-tab").forEach(function (b) {
    b.addEventListener("click", function () { showView(b.dataset.view); });
  });
  rawEl.addEventListener("change", function () {
    if (!current) { return; }
    renderTable();
    drawn = {};
    if (activeView !== "table") { var v = activeView; resetViews(views(current)); showView(v); }
  });
  document.querySelectorAll("a.saved-title").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var q = openSaved(a.dataset.name);
      var form = formFor(a.dataset.name);
      if (q && form) { runSaved(q.name, formValues(form)); }
    });
  });
  document.querySelectorAll("form.saved-form").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      runSaved(form.dataset.name, formValues(form));
    });
  });

  // --- restore from the URL (permalinks) ---------------------------------------------
  var url = new URLSearchParams(window.location.search);
  if (url.get("graphs")) { graphsEl.value = url.get("graphs"); }
  var started = null;
  if (url.get("saved")) {
    var name = url.get("saved");
    var q = openSaved(name);
    if (q) {
      var form = formFor(name);
      var values = {};
      q.params.forEach(function (p) {
        if (url.has(p.name)) {
          values[p.name] = url.get(p.name);
          if (form && form.elements[p.name]) { form.elements[p.name].value = url.get(p.name); }
        } else if (form && form.elements[p.name]) {
          values[p.name] = form.elements[p.name].value;
        }
      });
      started = runSaved(name, values);
    } else {
      setStatus("No saved query named " + name + ".", true);
    }
  } else if (url.get("query")) {
    setQueryText(url.get("query"));
    started = runEditor();
  }
  Promise.resolve(started).then(function () {
    document.getElementById("query-app").dataset.ready = "1";
  });
})();
