// The map page: one circle marker per place, sized by what is there; popups link to pages.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.L) { return; }
  var markers = JSON.parse(dataEl.textContent);
  var map = L.map(el).setView([50, 10], 4);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
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
    items.slice(0, 10).forEach(function (item) {
      var li = document.createElement("li");
      li.appendChild(link(item));
      ul.appendChild(li);
    });
    if (items.length > 10) {
      var more = document.createElement("li");
      more.textContent = "… " + (items.length - 10) + " more";
      ul.appendChild(more);
    }
    box.appendChild(ul);
    return box;
  }
  var layer = L.featureGroup().addTo(map);
  markers.forEach(function (m) {
    var radius = 5 + 4 * Math.sqrt(m.weight);
    var colour = m.kind === "Country" ? "#7f8c8d" : "#2e8b57";
    var marker = L.circleMarker([m.lat, m.long], {
      radius: radius, color: colour, weight: 2, fillOpacity: 0.45, className: "kg-marker"
    });
    var popup = document.createElement("div");
    var title = document.createElement("strong");
    title.appendChild(link(m));
    popup.appendChild(title);
    popup.appendChild(list("Projects", m.projects));
    popup.appendChild(list("Organisations", m.organisations));
    marker.bindPopup(popup);
    marker.bindTooltip(m.label);
    marker.addTo(layer);
  });
  if (markers.length) {
    map.fitBounds(layer.getBounds().pad(0.3), { maxZoom: 9 });
  }
  el.dataset.markers = String(markers.length);
})();
