/* A map to pick an elder's home: a click (or a tap) on the map fills the latitude and longitude fields, and
   coordinates typed in those fields move the marker. Leaflet comes from django-leaflet's static files. */
(function () {
  "use strict";
  var node = document.querySelector("[data-map-picker]");
  if (!node || !window.L) { return; }
  var lat = document.getElementById(node.dataset.latInput);
  var lon = document.getElementById(node.dataset.lonInput);
  if (!lat || !lon) { return; }
  var typed = function () {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isFinite(a) && isFinite(b) ? [a, b] : null;
  };
  var start = typed() || [parseFloat(node.dataset.centreLat), parseFloat(node.dataset.centreLon)];
  var map = window.L.map(node).setView(start, typed() ? 17 : 14);
  window.L.tileLayer(node.dataset.tiles, { maxZoom: 19, attribution: node.dataset.attribution }).addTo(map);
  var marker = typed() ? window.L.marker(start).addTo(map) : null;
  var place = function (point) {
    if (marker) { marker.setLatLng(point); } else { marker = window.L.marker(point).addTo(map); }
  };
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = event.latlng.lng.toFixed(6);
    place(event.latlng);
  });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var point = typed();
      if (point) { place(point); map.setView(point); }
    });
  });
})();
