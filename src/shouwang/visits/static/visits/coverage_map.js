/* The coverage page's map: one circle per community, coloured by the share of its elders visited on
   schedule (Leaflet from django-leaflet's static files; tiles from the configured server). Written for
   this project. Without Leaflet or tiles the map is hidden and the table below says the same. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var node = document.querySelector("[data-coverage-map]");
    var data = document.getElementById("coverage-points");
    if (!node || !data) return;
    if (!window.L) { node.hidden = true; return; }
    var points = JSON.parse(data.textContent);
    var map = window.L.map(node);
    var loaded = false;
    var tiles = window.L.tileLayer(node.dataset.tiles, { maxZoom: 18, attribution: node.dataset.attribution });
    tiles.on("tileload", function () { loaded = true; });
    tiles.on("tileerror", function () { if (!loaded) node.hidden = true; });
    tiles.addTo(map);
    var bounds = [];
    points.forEach(function (point) {
      var share = point.share;
      var colour = share === null ? "#777" : share >= 0.9 ? "#2e6b30" : share >= 0.7 ? "#b86e00" : "#b3261e";
      var label = point.name + (share === null ? "" : " · " + Math.round(share * 100) + " %");
      window.L.circleMarker([point.lat, point.lon], {
        radius: 10, color: colour, fillColor: colour, fillOpacity: 0.7
      }).bindTooltip(label).addTo(map);
      bounds.push([point.lat, point.lon]);
    });
    if (bounds.length === 1) map.setView(bounds[0], 14); else map.fitBounds(bounds, { padding: [20, 20] });
  });
})();
