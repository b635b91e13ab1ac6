// Progressive enhancement only: every form works without this file.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Forms that destroy something ask first.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // "Add a row" in the availability form: a copy of the last row, emptied, with fresh ids.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    var kind = button.getAttribute("data-add-row");
    var rows = document.querySelector('[data-rows="' + kind + '"]');
    if (!rows || !rows.lastElementChild) return;
    var index = rows.children.length;
    var copy = rows.lastElementChild.cloneNode(true);
    copy.classList.remove("invalid");
    copy.querySelectorAll(".error").forEach(function (e) { e.remove(); });
    copy.querySelectorAll("input, select").forEach(function (input) {
      var id = input.id.replace(/-\d+-/, "-" + index + "-");
      var label = copy.querySelector('label[for="' + input.id + '"]');
      input.id = id;
      if (label) label.setAttribute("for", id);
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-describedby");
      if (input.tagName === "SELECT") input.selectedIndex = 0; else input.value = "";
    });
    rows.appendChild(copy);
    var first = copy.querySelector("input, select");
    if (first) first.focus();
  });

  // After a failed submission, take keyboard and screen-reader users to the summary.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
