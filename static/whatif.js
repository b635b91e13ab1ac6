// The what-if form of the shortage page: while its POST runs (seconds), the button is
// disabled and a progress bar shows. Without script the page simply waits, and the form
// works the same.
document.addEventListener("submit", function (e) {
  var f = e.target; if (!f.matches || !f.matches(".whatif-form")) return;
  var b = f.querySelector("button[type=submit]"); if (b) b.disabled = true;
  var p = document.getElementById("whatif-progress"); if (p) p.hidden = false;
});
