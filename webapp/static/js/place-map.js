// A small Leaflet map of one place on its resource page: offline country outlines, or tiles
// when KG_TILE_URL is configured.
(function () {
  "use strict";
  var el = document.getElementById("place-map");
  if (!el || !window.L) { return; }
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.long);
  if (isNaN(lat) || isNaN(lng)) { return; }
  var map = L.map(el, { attributionControl: true, maxZoom: 14 }).setView([lat, lng], 8);
  if (window.kgBasemap) { window.kgBasemap(map, el); }
  var marker = L.circleMarker([lat, lng], { radius: 9, color: "#0b5cad", weight: 2, fillOpacity: 0.5 }).addTo(map);
  var label = document.createElement("strong");
  label.textContent = el.dataset.label || "";
  marker.bindPopup(label);
  marker.bindTooltip(el.dataset.label || "", { permanent: true, direction: "right", offset: [10, 0],
                                               className: "kg-place-label" });
})();
