// The site map of the registry forms: a click (or arrow keys on the focused map) sets the
// latitude and longitude inputs; typing moves the marker. Served in the shared bundle (the
// pages' Content-Security-Policy allows no inline script); it does nothing without a map.
(function () {
  "use strict";
  var map = document.getElementById("site-map");
  if (!map || !map.hasAttribute("data-lat")) return;
  var lat = document.getElementById(map.getAttribute("data-lat"));
  var lon = document.getElementById(map.getAttribute("data-lon"));
  var marker = document.getElementById("map-marker");
  var b = map.getAttribute("data-bounds").split(",").map(Number);
  var minLon = b[0], maxLon = b[1], minLat = b[2], maxLat = b[3], w = b[4], h = b[5];
  function number(input) { return parseFloat(String(input.value).replace(",", ".")); }
  function place() {
    var la = number(lat), lo = number(lon);
    if (isNaN(la) || isNaN(lo) || la < minLat || la > maxLat || lo < minLon || lo > maxLon) {
      marker.setAttribute("visibility", "hidden");
      return;
    }
    var x = (lo - minLon) / (maxLon - minLon) * w, y = (maxLat - la) / (maxLat - minLat) * h;
    marker.setAttribute("transform", "translate(" + x.toFixed(1) + " " + y.toFixed(1) + ")");
    marker.setAttribute("visibility", "visible");
  }
  function set(la, lo) {
    lat.value = la.toFixed(5);
    lon.value = lo.toFixed(5);
    place();
  }
  map.addEventListener("click", function (event) {
    var point = map.createSVGPoint();
    point.x = event.clientX;
    point.y = event.clientY;
    var p = point.matrixTransform(map.getScreenCTM().inverse());
    set(maxLat - p.y / h * (maxLat - minLat), minLon + p.x / w * (maxLon - minLon));
  });
  map.addEventListener("keydown", function (event) {
    var step = 0.002, la = number(lat), lo = number(lon);
    if (isNaN(la) || isNaN(lo)) { la = (minLat + maxLat) / 2; lo = (minLon + maxLon) / 2; }
    var moves = { ArrowUp: [step, 0], ArrowDown: [-step, 0], ArrowLeft: [0, -step], ArrowRight: [0, step] };
    var move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    set(la + move[0], lo + move[1]);
  });
  lat.addEventListener("input", place);
  lon.addEventListener("input", place);
  place();
})();
