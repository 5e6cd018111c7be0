// The console's only own script: the phone-sized navigation toggle. Everything else is htmx.
(function () {
  "use strict";
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("app-nav");
  if (!toggle || !nav) return;
  var small = window.matchMedia("(max-width: 800px)");
  function collapse(collapsed) {
    toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
    nav.classList.toggle("is-collapsed", collapsed);
  }
  collapse(small.matches);
  small.addEventListener("change", function (event) { collapse(event.matches); });
  toggle.addEventListener("click", function () {
    collapse(toggle.getAttribute("aria-expanded") === "true");
  });
})();
