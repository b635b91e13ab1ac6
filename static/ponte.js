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

  // "Copy" next to a read-only field (feed links): the clipboard API where the page is a
  // secure context, else the old selection command; the field stays selectable either way.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var input = document.getElementById(button.getAttribute("data-copy"));
    if (!input) return;
    var status = document.getElementById(input.id + "-status");
    function say(ok) {
      if (!status) return;
      status.textContent = button.getAttribute(ok ? "data-copied" : "data-copy-failed");
      status.classList.toggle("failed", !ok);
    }
    function fallback() {
      input.focus();
      input.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(ok);
    }
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(function () { say(true); }, fallback);
    } else {
      fallback();
    }
  });

  // Staff submitting for an organisation: the site list shows that organisation's sites.
  var orgPicker = document.getElementById("organisation_id");
  var sitePicker = document.getElementById("site_id");
  if (orgPicker && sitePicker) {
    var showSites = function () {
      var org = orgPicker.value;
      sitePicker.querySelectorAll("optgroup").forEach(function (group) {
        var mine = !org || group.getAttribute("data-org") === org;
        group.hidden = !mine;
        group.disabled = !mine;
      });
      var chosen = sitePicker.selectedOptions[0];
      if (chosen && chosen.parentElement.disabled) sitePicker.value = "";
    };
    orgPicker.addEventListener("change", showSites);
    showSites();
  }

  // The request form's mediator pickers list only those who speak the chosen language,
  // asked of the server when the language changes (a requester never gets every name).
  var languageInput = document.querySelector("form.request-form #language");
  var pickers = document.querySelectorAll("select[data-speakers]");
  if (languageInput && pickers.length) {
    var lastLanguage = languageInput.value;
    var refresh = function () {
      var language = languageInput.value.trim();
      if (language === lastLanguage) return;
      lastLanguage = language;
      pickers.forEach(function (picker) {
        var kept = Array.prototype.map.call(picker.selectedOptions, function (o) { return o.value; });
        var url = "/requests/speakers?list=" + encodeURIComponent(picker.getAttribute("data-speakers")) +
          "&language=" + encodeURIComponent(language);
        fetch(url, { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
          .then(function (html) {
            picker.innerHTML = html;
            Array.prototype.forEach.call(picker.options, function (o) {
              if (kept.indexOf(o.value) >= 0 && o.value !== "") o.selected = true;
            });
          }, function () {});
      });
    };
    languageInput.addEventListener("change", refresh);
    languageInput.addEventListener("blur", refresh);
  }

  // After a failed submission, take keyboard and screen-reader users to the summary.
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
})();
