// The language list of the mediator form: typing in the search box shows only the
// matching languages (ticked ones stay). Served in the shared bundle: pages allow no inline
// script.
(function () {
  "use strict";
  var search = document.getElementById("lang-filter");
  var list = document.getElementById("lang-options");
  if (!search || !list) return;
  var empty = document.querySelector(".no-match");
  search.addEventListener("input", function () {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    list.querySelectorAll(".lang-option").forEach(function (option) {
      var names = option.getAttribute("data-names");
      var ticked = option.querySelector("input").checked;
      var match = ticked || words.every(function (w) { return names.indexOf(w) >= 0; });
      option.hidden = !match;
      if (match) shown++;
    });
    if (empty) empty.hidden = shown > 0;
  });
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") event.preventDefault();
  });
})();
