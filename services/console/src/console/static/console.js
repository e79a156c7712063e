// Progressive enhancement only: every page works without it (no inline script; CSP allows 'self' scripts).
(function () {
  "use strict";
  function enhanceDropzones(root) {
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      if (zone.dataset.ready) { return; }
      zone.dataset.ready = "1";
      var input = zone.querySelector("input[type=file]");
      var chosen = zone.querySelector("[data-chosen]");
      function show() {
        chosen.textContent = input.files.length ? "已选择：" + input.files[0].name : "";
      }
      input.addEventListener("change", show);
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("dropzone--over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () { zone.classList.remove("dropzone--over"); });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          show();
        }
      });
    });
  }
  function focusErrors(root) {
    var summary = root.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  }
  document.addEventListener("DOMContentLoaded", function () {
    enhanceDropzones(document);
    focusErrors(document);
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    enhanceDropzones(event.target);
  });
})();
