// The timeline page: vis-timeline with one group per project; short labels (label and place),
// ranges as bars, the full text on hover; a click shows the source sentence and links.
(function () {
  "use strict";
  var el = document.getElementById("timeline");
  var dataEl = document.getElementById("timeline-data");
  var detail = document.getElementById("timeline-detail");
  if (!el || !dataEl || !window.vis) { return; }
  var data = JSON.parse(dataEl.textContent);
  function text(label, url) {
    var node = document.createElement(url ? "a" : "span");
    if (url) { node.href = url; }
    node.textContent = label;
    return node;
  }
  function when(i) { return i.end ? i.start + " – " + i.end : i.start; }
  var groups = new vis.DataSet(data.groups.map(function (g) {
    return { id: g.id, content: text(g.label, g.url) };
  }));
  var byId = {};
  var items = new vis.DataSet(data.items.map(function (i) {
    byId[i.id] = i;
    var tip = i.label + "\n" + when(i) + (i.place ? " · " + i.place : "") + (i.quote ? "\n“" + i.quote + "”" : "");
    var item = { id: i.id, group: i.group, start: i.start, content: text(i.short || i.label),
                 title: tip, className: i.end ? "kg-range" : "kg-point" };
    if (i.end) {
      // An end date is a whole day: the bar runs to its end.
      var end = new Date(i.end + "T00:00:00");
      end.setDate(end.getDate() + 1);
      item.end = end;
      item.type = "range";
    } else {
      item.type = "box";
    }
    return item;
  }));
  if (!data.items.length) {
    el.textContent = "No dated events match these filters.";
    return;
  }
  var day = 24 * 3600 * 1000;
  var starts = data.items.map(function (i) { return new Date(i.start).getTime(); });
  var ends = data.items.map(function (i) { return new Date(i.end || i.start).getTime(); });
  var lo = Math.min.apply(null, starts), hi = Math.max.apply(null, ends);
  var pad = Math.max(20 * day, (hi - lo) * 0.1);
  var padRight = Math.max(60 * day, (hi - lo) * 0.45);  // labels run to the right of their day
  var timeline = new vis.Timeline(el, items, groups, {
    stack: true, zoomKey: "ctrlKey", margin: { item: 6 }, orientation: "top", align: "left",
    start: new Date(lo - pad), end: new Date(hi + padRight), tooltip: { followMouse: true, overflowMethod: "cap" }
  });
  function show(item) {
    detail.textContent = "";
    if (!item) { detail.hidden = true; return; }
    var h = document.createElement("h3");
    h.appendChild(text(item.label, item.url));
    detail.appendChild(h);
    var meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = item.kind + " · " + when(item) + (item.place ? " · " + item.place : "");
    detail.appendChild(meta);
    if (item.quote) {
      var q = document.createElement("blockquote");
      q.className = "quote";
      q.textContent = item.quote;
      detail.appendChild(q);
    }
    if (item.document_url) {
      var src = document.createElement("p");
      src.appendChild(document.createTextNode("Source: "));
      src.appendChild(text("the document", item.document_url));
      src.lastChild.className = "source-link";
      detail.appendChild(src);
    }
    detail.hidden = false;
  }
  timeline.on("select", function (props) { show(byId[props.items[0]]); });
  el.dataset.items = String(data.items.length);
})();
