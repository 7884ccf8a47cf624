// The query page: a YASQE editor (local completion only), saved queries, sortable results.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("query-config").textContent);
  var statusEl = document.getElementById("status");
  var resultsEl = document.getElementById("results");
  var graphsEl = document.getElementById("graphs");
  var permalinkEl = document.getElementById("permalink");
  var csvEl = document.getElementById("download-csv");
  var jsonEl = document.getElementById("download-json");
  var prefixes = config.prefixes;
  var prologue = Object.keys(prefixes).map(function (p) {
    return "PREFIX " + p + ": <" + prefixes[p] + ">";
  }).join("\n");
  var defaultQuery = prologue + "\n\nSELECT ?project ?label WHERE {\n  ?project a ikg:Project ; rdfs:label ?label .\n}\nORDER BY ?label\nLIMIT 100\n";

  // --- editor ------------------------------------------------------------------
  var editor = null;
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
      editorHeight: "320px",
      createShareableLink: null,
      consumeShareLink: null,
      requestConfig: { endpoint: "/sparql", method: "POST" },
      extraKeys: {
        "Ctrl-Enter": function () { runEditor(); },
        "Cmd-Enter": function () { runEditor(); },
        "Ctrl-Space": function (cm) { cm.autocomplete(); }
      }
    });
  } else {
    var ta = document.createElement("textarea");
    ta.rows = 14; ta.style.width = "100%"; ta.value = defaultQuery;
    document.getElementById("editor").appendChild(ta);
    editor = { getValue: function () { return ta.value; }, setValue: function (v) { ta.value = v; } };
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
  function cellText(term) {
    if (!term) { return ""; }
    return term.type === "uri" ? compact(term.value) : term.value;
  }
  function setDownloads(csvUrl, jsonUrl) {
    csvEl.hidden = !csvUrl; jsonEl.hidden = !jsonUrl;
    if (csvUrl) { csvEl.href = csvUrl; }
    if (jsonUrl) { jsonEl.href = jsonUrl; }
  }
  function setPermalink(params) {
    var url = "/query?" + params.toString();
    permalinkEl.href = url;
    history.replaceState(null, "", url);
  }

  // --- results ---------------------------------------------------------------------
  function renderTable(data) {
    resultsEl.textContent = "";
    if (typeof data.boolean === "boolean") {
      var p = document.createElement("p");
      p.className = "ask-result";
      p.textContent = data.boolean ? "Yes (true)" : "No (false)";
      resultsEl.appendChild(p);
      setStatus("ASK answered.");
      return;
    }
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
        td.dataset.sort = cellText(term);
        if (term && term.type === "uri") {
          var a = document.createElement("a");
          a.href = localLink(term.value);
          a.textContent = compact(term.value);
          a.title = term.value;
          td.appendChild(a);
        } else if (term) {
          td.textContent = term.value;
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
    setStatus(rows.length + " row" + (rows.length === 1 ? "" : "s") + (data.truncated ? " (truncated)" : "") + ".");
  }
  function renderText(text) {
    resultsEl.textContent = "";
    var pre = document.createElement("pre");
    pre.className = "graph-result";
    pre.textContent = text;
    resultsEl.appendChild(pre);
    setStatus("Graph result.");
  }
  function handle(response) {
    var type = response.headers.get("Content-Type") || "";
    if (!response.ok) {
      return response.text().then(function (text) {
        var message = text;
        try { message = JSON.parse(text).error.message; } catch (e) { /* plain text */ }
        resultsEl.textContent = "";
        setStatus("Error " + response.status + ": " + message, true);
      });
    }
    if (type.indexOf("json") >= 0 && type.indexOf("ld+json") < 0) { return response.json().then(renderTable); }
    return response.text().then(renderText);
  }
  function fail(err) { setStatus("Request failed: " + err, true); }

  // --- running ---------------------------------------------------------------------
  function runEditor() {
    var query = editor.getValue();
    var graphs = graphsEl.value;
    setStatus("Running…");
    var body = new URLSearchParams({ query: query, graphs: graphs });
    var params = new URLSearchParams({ query: query, graphs: graphs });
    setPermalink(params);
    var dl = function (fmt) {
      return "/sparql?" + new URLSearchParams({ query: query, graphs: graphs, format: fmt, download: "1" }).toString();
    };
    setDownloads(dl("csv"), dl("json"));
    return fetch("/sparql", {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: body
    }).then(handle, fail);
  }
  function savedByName(name) {
    for (var i = 0; i < config.saved.length; i++) { if (config.saved[i].name === name) { return config.saved[i]; } }
    return null;
  }
  // Saved queries rely on the server's prefixes; declare the ones they use for the editor.
  function withPrologue(text) {
    var lines = text.split("\n");
    var head = 0;
    while (head < lines.length && /^\s*#/.test(lines[head])) { head++; }
    var decls = Object.keys(prefixes).filter(function (p) {
      var used = new RegExp("(^|[^\\w:])" + p + ":").test(lines.slice(head).join("\n"));
      var declared = new RegExp("PREFIX\\s+" + p + ":", "i").test(text);
      return used && !declared;
    }).map(function (p) { return "PREFIX " + p + ": <" + prefixes[p] + ">"; });
    return lines.slice(0, head).concat(decls, lines.slice(head)).join("\n");
  }
  function openSaved(name) {
    var q = savedByName(name);
    if (!q) { return null; }
    document.querySelectorAll("#saved-list li").forEach(function (li) {
      li.classList.toggle("open", li.dataset.name === name);
    });
    editor.setValue(withPrologue(q.sparql));
    return q;
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
    var permalink = new URLSearchParams(params);
    permalink.set("saved", name);
    setPermalink(permalink);
    var base = "/api/saved/" + encodeURIComponent(name) + "?";
    var csvParams = new URLSearchParams(params); csvParams.set("format", "csv");
    var jsonParams = new URLSearchParams(params); jsonParams.set("download", "1");
    setDownloads(base + csvParams.toString(), base + jsonParams.toString());
    setStatus("Running " + q.title + "…");
    return fetch(base + params.toString(), { headers: { "Accept": "application/json" } }).then(handle, fail);
  }
  function formValues(form) {
    var values = {};
    new FormData(form).forEach(function (v, k) { values[k] = String(v); });
    return values;
  }

  document.getElementById("run").addEventListener("click", runEditor);
  document.querySelectorAll("a.saved-title").forEach(function (a) {
    a.addEventListener("click", function (ev) {
      ev.preventDefault();
      var q = openSaved(a.dataset.name);
      var form = document.querySelector('form.saved-form[data-name="' + a.dataset.name + '"]');
      if (q && form && form.checkValidity()) { runSaved(q.name, formValues(form)); }
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
  if (url.get("saved")) {
    var name = url.get("saved");
    var q = openSaved(name);
    if (q) {
      var form = document.querySelector('form.saved-form[data-name="' + name + '"]');
      var values = {};
      q.params.forEach(function (p) {
        if (url.has(p.name)) {
          values[p.name] = url.get(p.name);
          if (form && form.elements[p.name]) { form.elements[p.name].value = url.get(p.name); }
        } else if (form && form.elements[p.name]) {
          values[p.name] = form.elements[p.name].value;
        }
      });
      runSaved(name, values);
    }
  } else if (url.get("query")) {
    editor.setValue(url.get("query"));
    runEditor();
  }
  document.getElementById("query-app").dataset.ready = "1";
})();
