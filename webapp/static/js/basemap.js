// An offline base map for Leaflet: Natural Earth country outlines (world-atlas, public domain)
// served from this site, drawn under the markers, with country names once zoomed in.
// With KG_TILE_URL set (data-tile-url on the map element) a tile layer is used instead.
(function () {
  "use strict";
  var ATLAS = "/static/vendor/world-atlas/countries-50m.json";
  var cache = null;

  function loadAtlas() {
    if (!cache) {
      cache = fetch(ATLAS).then(function (r) {
        if (!r.ok) { throw new Error("base map: " + r.status); }
        return r.json();
      });
    }
    return cache;
  }

  // The centre of a feature's largest ring (by bounding-box area): where its name goes.
  function labelPoint(feature) {
    var polys = feature.geometry.type === "Polygon" ? [feature.geometry.coordinates]
      : feature.geometry.type === "MultiPolygon" ? feature.geometry.coordinates : [];
    var best = null, bestArea = -1;
    polys.forEach(function (poly) {
      var ring = poly[0] || [];
      var minX = 180, maxX = -180, minY = 90, maxY = -90;
      ring.forEach(function (p) {
        minX = Math.min(minX, p[0]); maxX = Math.max(maxX, p[0]);
        minY = Math.min(minY, p[1]); maxY = Math.max(maxY, p[1]);
      });
      var area = (maxX - minX) * (maxY - minY);
      if (area > bestArea) { bestArea = area; best = [(minY + maxY) / 2, (minX + maxX) / 2, maxX - minX]; }
    });
    return best;
  }

  // Rings that cross the antimeridian (Russia, Fiji) jump from +180 to -180: move their
  // western part east of 180 so that no ring is drawn across the whole world.
  function unwrapRing(ring) {
    var crosses = ring.some(function (p, i) { return i && Math.abs(p[0] - ring[i - 1][0]) > 180; });
    if (crosses) { ring.forEach(function (p) { if (p[0] < 0) { p[0] += 360; } }); }
  }
  function unwrap(feature) {
    var g = feature.geometry;
    if (!g) { return; }
    var polys = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    polys.forEach(function (poly) { poly.forEach(unwrapRing); });
  }

  /**
   * Add the base layer to a Leaflet map. Returns a promise resolved when it is drawn.
   * options.labels: show country names (default true).
   */
  window.kgBasemap = function (map, el, options) {
    options = options || {};
    if (el.dataset.tileUrl) {
      L.tileLayer(el.dataset.tileUrl, { maxZoom: 18, attribution: el.dataset.tileAttribution || "" }).addTo(map);
      el.dataset.basemap = "tiles";
      return Promise.resolve();
    }
    el.classList.add("kg-offline-map");
    map.createPane("kgBase");
    map.getPane("kgBase").style.zIndex = 200;  // under overlays (400) and markers (600)
    map.createPane("kgLabels");
    map.getPane("kgLabels").style.zIndex = 350;
    map.getPane("kgLabels").style.pointerEvents = "none";
    map.attributionControl.addAttribution("Borders: Natural Earth (public domain)");
    return loadAtlas().then(function (topo) {
      var land = topojson.feature(topo, topo.objects.countries);
      land.features.forEach(unwrap);
      L.geoJSON(land, {
        pane: "kgBase", interactive: false,
        style: { color: "#9aa5b1", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1, className: "kg-country" }
      }).addTo(map);
      var labels = L.layerGroup();
      if (options.labels !== false) {
        land.features.forEach(function (f) {
          var name = f.properties && f.properties.name;
          var at = labelPoint(f);
          if (!name || !at) { return; }
          var t = L.tooltip({ permanent: true, direction: "center", className: "kg-country-label",
                              pane: "kgLabels", interactive: false })
            .setLatLng([at[0], at[1]]).setContent(name);
          t.kgWidth = at[2];
          labels.addLayer(t);
        });
      }
      function showLabels() {
        // A name only where its country is wide enough on screen to hold it.
        var scale = 256 * Math.pow(2, map.getZoom()) / 360;  // pixels per degree of longitude
        labels.eachLayer(function (t) {
          var wide = t.kgWidth * scale > 70;
          if (wide && !map.hasLayer(t)) { t.addTo(map); }
          if (!wide && map.hasLayer(t)) { map.removeLayer(t); }
        });
      }
      map.on("zoomend", showLabels);
      showLabels();
      el.dataset.basemap = "outlines";
    }).catch(function (err) {
      el.dataset.basemap = "none";
      if (window.console) { console.warn(String(err)); }
    });
  };
})();
