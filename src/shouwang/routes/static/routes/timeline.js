/* The timeline's bars and colour swatches: positions and colours come as data attributes, set here through
   the style object (the Content-Security-Policy allows no style attributes in the markup). */
(function () {
  "use strict";
  document.querySelectorAll(".timeline [data-left], .timeline [data-colour]").forEach(function (node) {
    if (node.dataset.left) { node.style.left = node.dataset.left + "%"; }
    if (node.dataset.width) { node.style.width = node.dataset.width + "%"; }
    if (node.dataset.colour) { node.style.background = node.dataset.colour; }
  });
})();
