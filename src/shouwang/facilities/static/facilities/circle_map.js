/* The 15-minute service circle on a map: facilities with their reach, elder density as H3 hexagons and
   suggested sites. Leaflet comes from django-leaflet's static files; without a tile server the layers are
   drawn on a plain background. */
(function () {
  "use strict";
  var node = document.querySelector("[data-circle-map]");
  var source = document.getElementById("circle-data");
  if (!node || !source || !window.L) { return; }
  var data = JSON.parse(source.textContent);
  var map = window.L.map(node);
  if (data.tiles) {
    window.L.tileLayer(data.tiles, { maxZoom: 19, attribution: data.attribution }).addTo(map);
  }
  var bounds = [];
  var most = Math.max.apply(null, data.density.map(function (c) { return c.elders; }).concat([1]));
  data.density.forEach(function (cell) {
    window.L.polygon(cell.boundary, { stroke: false, fillColor: "#7b3294", fillOpacity: 0.1 + 0.5 * cell.elders / most })
      .bindTooltip(String(cell.elders)).addTo(map);
    Array.prototype.push.apply(bounds, cell.boundary);
  });
  var colours = { day_care: "#1b7837", service_centre: "#2166ac", rural_home: "#b35806", meal_point: "#d6604d", embedded: "#4d4d4d", institution: "#542788", childcare: "#c51b7d" };
  data.facilities.forEach(function (f) {
    var colour = colours[f.kind] || "#333";
    window.L.circle([f.lat, f.lon], { radius: data.reach, color: colour, weight: 1, fillOpacity: 0.05 }).addTo(map);
    window.L.circleMarker([f.lat, f.lon], { radius: 5, color: colour, fillOpacity: 0.9 })
      .bindTooltip(f.name + " · " + f.kind_label).addTo(map);
    bounds.push([f.lat, f.lon]);
  });
  data.sites.forEach(function (s, i) {
    window.L.circle([s.lat, s.lon], { radius: data.reach, color: "#e08214", dashArray: "4 4", weight: 2, fillOpacity: 0 }).addTo(map);
    window.L.marker([s.lat, s.lon], { title: "#" + (i + 1) + " +" + s.added_covered }).addTo(map);
    bounds.push([s.lat, s.lon]);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([0, 0], 2); }
})();
