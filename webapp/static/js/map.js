// The map page: an offline base map (country outlines), one marker per place sized by what
// is there, clustered when close together; names beside the places; popups link to pages.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.L) { return; }
  var markers = JSON.parse(dataEl.textContent);
  var map = L.map(el, { worldCopyJump: true, minZoom: 2, maxZoom: 14 }).setView([50, 10], 4);
  el.kgMap = map;  // for tests and the console
  var based = window.kgBasemap ? window.kgBasemap(map, el) : Promise.resolve();

  function link(item) {
    var a = document.createElement("a");
    a.href = item.url;
    a.textContent = item.label;
    return a;
  }
  function list(title, items) {
    var box = document.createElement("div");
    if (!items.length) { return box; }
    var h = document.createElement("div");
    h.className = "popup-head";
    h.textContent = title + " (" + items.length + ")";
    box.appendChild(h);
    var ul = document.createElement("ul");
    items.slice(0, 12).forEach(function (item) {
      var li = document.createElement("li");
      li.appendChild(link(item));
      ul.appendChild(li);
    });
    if (items.length > 12) {
      var more = document.createElement("li");
      more.textContent = "… " + (items.length - 12) + " more";
      ul.appendChild(more);
    }
    box.appendChild(ul);
    return box;
  }
  function popupFor(m) {
    var popup = document.createElement("div");
    var title = document.createElement("strong");
    title.appendChild(link(m));
    popup.appendChild(title);
    var kind = document.createElement("span");
    kind.className = "muted";
    kind.textContent = " · " + m.kind;
    popup.appendChild(kind);
    popup.appendChild(list("Projects", m.projects));
    popup.appendChild(list("Organisations", m.organisations));
    popup.appendChild(list("Events", m.events || []));
    if (!m.projects.length && !m.organisations.length && !(m.events || []).length) {
      var none = document.createElement("div");
      none.className = "muted";
      none.textContent = "Nothing recorded here yet.";
      popup.appendChild(none);
    }
    return popup;
  }

  var cluster = L.markerClusterGroup ? L.markerClusterGroup({
    maxClusterRadius: 45, showCoverageOnHover: false, spiderfyOnMaxZoom: true,
    iconCreateFunction: function (c) {
      var n = c.getChildCount();
      var size = n < 10 ? "small" : n < 100 ? "medium" : "large";
      return L.divIcon({ html: "<div><span>" + n + "</span></div>",
                         className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
    }
  }) : L.featureGroup();
  var bounds = [];
  markers.forEach(function (m) {
    var size = Math.round(12 + 5 * Math.sqrt(m.weight));
    var icon = L.divIcon({
      className: "kg-marker kg-marker-" + (m.kind === "Country" ? "country" : "place"),
      iconSize: [size, size]
    });
    var marker = L.marker([m.lat, m.long], { icon: icon, title: m.label, riseOnHover: true });
    marker.bindPopup(popupFor(m), { maxWidth: 320 });
    marker.bindTooltip(m.label, { permanent: true, direction: "right", offset: [size / 2, 0],
                                  className: "kg-place-label" });
    cluster.addLayer(marker);
    bounds.push([m.lat, m.long]);
  });
  cluster.addTo(map);
  if (bounds.length) {
    map.fitBounds(L.latLngBounds(bounds).pad(0.3), { maxZoom: 8 });
  }
  based.then(function () { el.dataset.markers = String(markers.length); });
})();
