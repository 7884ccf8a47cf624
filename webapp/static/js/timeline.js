// The timeline page: vis-timeline with one group per project; items open their pages.
(function () {
  "use strict";
  var el = document.getElementById("timeline");
  var dataEl = document.getElementById("timeline-data");
  if (!el || !dataEl || !window.vis) { return; }
  var data = JSON.parse(dataEl.textContent);
  function text(label, url) {
    var node = document.createElement(url ? "a" : "span");
    if (url) { node.href = url; }
    node.textContent = label;
    return node;
  }
  var groups = new vis.DataSet(data.groups.map(function (g) {
    return { id: g.id, content: text(g.label, g.url) };
  }));
  var byId = {};
  var items = new vis.DataSet(data.items.map(function (i) {
    byId[i.id] = i;
    return { id: i.id, group: i.group, start: i.start, content: text(i.label) };
  }));
  if (!data.items.length) {
    el.textContent = "No dated events match these filters.";
    return;
  }
  var starts = data.items.map(function (i) { return new Date(i.start).getTime(); });
  var day = 24 * 3600 * 1000;
  var lo = Math.min.apply(null, starts), hi = Math.max.apply(null, starts);
  var pad = Math.max(60 * day, (hi - lo) * 0.25);
  var timeline = new vis.Timeline(el, items, groups, {
    stack: true, zoomKey: "ctrlKey", margin: { item: 6 },
    start: new Date(lo - pad), end: new Date(hi + pad)
  });
  timeline.on("select", function (props) {
    var item = byId[props.items[0]];
    if (item) { window.location.href = item.url; }
  });
  el.dataset.items = String(data.items.length);
})();
