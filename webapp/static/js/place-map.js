// A small Leaflet map of one place on its resource page; tiles only when configured.
(function () {
  "use strict";
  var el = document.getElementById("place-map");
  if (!el || !window.L) { return; }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.long);
  if (isNaN(lat) || isNaN(lng)) { return; }
  var map = L.map(el, { attributionControl: true }).setView([lat, lng], 8);
  if (el.dataset.tileUrl) {
    L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
  }
  var marker = L.circleMarker([lat, lng], { radius: 9, color: "#0b5cad", weight: 2, fillOpacity: 0.5 }).addTo(map);
  var label = document.createElement("strong");
  label.textContent = el.dataset.label || "";
  marker.bindPopup(label);
})();
