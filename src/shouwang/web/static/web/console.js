// The console's own script: the phone-sized navigation toggle and print buttons. Everything else is
// htmx. No handler is written into the pages (onclick=…): the Content-Security-Policy forbids them.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
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
