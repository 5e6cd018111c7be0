/* Caregiver visit pages: the phone's location for check-in/out, and the elder's signature pad.
   Written for this project; no libraries. Forms still post normally — this only fills hidden fields. */
(function () {
  "use strict";

  function showError(text) {
    var box = document.querySelector(".geo-error");
    if (!box) { window.alert(text); return; }
    box.textContent = text;
    box.hidden = false;
    box.scrollIntoView({ block: "center" });
  }

  function geoMessage(error) {
    var box = document.querySelector(".geo-error") || { dataset: {} };
    if (!error) return box.dataset.unsupported || "Location is not available.";
    if (error.code === 1) return box.dataset.denied || "Location access was refused.";
    return box.dataset.unavailable || "Your location could not be found.";
  }

  function wireGeoForm(form) {
    var button = form.querySelector("button[type=submit]");
    var label = button ? button.textContent : "";
    form.addEventListener("submit", function (event) {
      if (form.dataset.located === "1") return; // second pass: the position is filled in
      event.preventDefault();
      if (!("geolocation" in navigator)) { showError(geoMessage(null)); return; }
      if (button) { button.disabled = true; button.textContent = button.dataset.locating || label; }
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude;
          form.elements.lon.value = position.coords.longitude;
          form.elements.accuracy.value = Math.round(position.coords.accuracy || 0);
          form.dataset.located = "1";
          form.submit();
        },
        function (error) {
          if (button) { button.disabled = false; button.textContent = label; }
          showError(geoMessage(error));
        },
        { enableHighAccuracy: true, timeout: 20000, maximumAge: 30000 }
      );
    });
  }

  function wireSignature(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var field = form.elements.signature;
    if (!canvas || !field) return;
    var context = canvas.getContext("2d");
    var drawing = false, drawn = false, last = null;

    // Keep the drawing sharp: the bitmap follows the displayed size and the screen's pixel ratio.
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var width = canvas.clientWidth || canvas.width;
      var height = canvas.clientHeight || canvas.height;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.lineWidth = 2.5;
      context.lineCap = "round";
      context.lineJoin = "round";
      context.strokeStyle = "#1a1a1a";
      drawn = false;
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      context.beginPath();
      context.moveTo(last.x, last.y);
      context.lineTo(next.x, next.y);
      context.stroke();
      last = next;
      drawn = true;
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (name) {
      canvas.addEventListener(name, function () { drawing = false; });
    });

    var clear = form.querySelector("[data-clear-signature]");
    if (clear) clear.addEventListener("click", function () { fit(); field.value = ""; });

    form.addEventListener("submit", function (event) {
      if (!drawn) {
        event.preventDefault();
        var submit = form.querySelector("button[type=submit]");
        showError((submit && submit.dataset.empty) || "Sign first.");
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });
    fit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.geo-form").forEach(wireGeoForm);
    document.querySelectorAll("form.sign-form").forEach(wireSignature);
  });
})();
