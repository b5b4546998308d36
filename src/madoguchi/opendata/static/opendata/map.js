// Map preview of an open data resource (Leaflet, served from this site). The points come from
// the page's JSON (script type="application/json"); the same points are listed in the table
// below the map, which is the accessible view. No tiles are needed for the page to work.
(function () {
  "use strict";
  var box = document.getElementById("od-map");
  var source = document.getElementById("od-map-data");
  if (!box || !source || typeof L === "undefined") return;
  var data = JSON.parse(source.textContent);
  var map = L.map(box, { scrollWheelZoom: false, keyboard: true });
  L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
  var bounds = [];
  data.points.forEach(function (p) {
    var marker = L.marker([p.lat, p.lon], { title: p.name, alt: p.name, keyboard: true }).addTo(map);
    var text = document.createElement("span");
    var title = document.createElement("strong");
    title.textContent = p.name; // text, never HTML: the file's cells are not trusted markup
    text.appendChild(title);
    if (p.detail) {
      text.appendChild(document.createElement("br"));
      text.appendChild(document.createTextNode(p.detail));
    }
    marker.bindPopup(text);
    bounds.push([p.lat, p.lon]);
  });
  data.shapes.forEach(function (feature) {
    var layer = L.geoJSON(feature).addTo(map);
    var b = layer.getBounds();
    if (b.isValid()) { bounds.push(b.getSouthWest(), b.getNorthEast()); }
  });
  if (bounds.length) { map.fitBounds(bounds, { maxZoom: 16, padding: [20, 20] }); } else { map.setView([35.68, 139.76], 10); }
  box.hidden = false;
})();
