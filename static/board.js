// The dispatch board's enhancements: a running plan's bar moves without reloading the page,
// which reloads once the plan is done to show its results. Without this file the page
// refreshes itself (a meta refresh inside <noscript>).
(function () {
  "use strict";
  var card = document.querySelector("[data-poll]");
  if (!card || !window.fetch) return;
  var url = card.getAttribute("data-poll");
  var bar = document.getElementById("plan-progress");
  var percent = document.getElementById("plan-percent");
  var message = document.getElementById("plan-message");
  var label = card.querySelector("label[for=plan-progress]");
  var status = document.getElementById("plan-status");

  function show(p) {
    var share = Math.max(0, Math.min(1, Number(p.fraction) || 0));
    if (bar) bar.value = share;
    if (percent) percent.textContent = Math.round(share * 100) + "%";
    if (message) message.textContent = p.message || "";
    if (label && p.label) label.textContent = p.label;
    if (status && p.status_label) status.textContent = p.status_label;
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (p) {
        show(p);
        if (p.status === "finished" || p.status === "failed") {
          window.location.reload();
        } else {
          window.setTimeout(tick, 700);
        }
      })
      .catch(function () { window.setTimeout(tick, 3000); });
  }
  window.setTimeout(tick, 400);
})();
