/* The day's routes on a map, one colour a caregiver: home, then the numbered stops in order. Leaflet comes
   from django-leaflet's static files; without a tile server the routes are drawn on a plain background. */
(function () {
  "use strict";
  var node = document.querySelector("[data-route-map]");
  var source = document.getElementById("route-data");
  if (!node || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = window.L.map(node);
  if (data.tiles) {
    window.L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  }
  var bounds = [];
  data.routes.forEach(function (route) {
    var path = [];
    if (route.home) {
      path.push(route.home);
      window.L.circleMarker(route.home, { radius: 4, color: route.colour, fillOpacity: 0.2 })
        .bindTooltip(route.name).addTo(map);
    }
    route.stops.forEach(function (stop) {
      path.push([stop.lat, stop.lon]);
      window.L.circleMarker([stop.lat, stop.lon], { radius: 6, color: route.colour, fillOpacity: 0.9 })
        .bindTooltip(route.name + " · " + stop.label).addTo(map);
    });
    if (route.home) { path.push(route.home); }
    if (path.length > 1) { window.L.polyline(path, { color: route.colour, weight: 3, opacity: 0.8 }).addTo(map); }
    bounds = bounds.concat(path);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([0, 0], 2); }
})();
