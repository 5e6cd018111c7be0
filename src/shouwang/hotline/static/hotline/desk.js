// The desk's call timer: the duration field counts the seconds since the page opened (the call began)
// until the operator types a value of their own.
(function () {
  "use strict";
  var field = document.getElementById("id_duration_seconds");
  if (!field) return;
  var opened = Date.now();
  var typed = false;
  field.addEventListener("input", function () { typed = true; });
  window.setInterval(function () {
    if (!typed) field.value = String(Math.round((Date.now() - opened) / 1000));
  }, 1000);
})();
