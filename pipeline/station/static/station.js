// The review station's few keys: Tab moves through the fields (the browser's
// own order), Enter saves the field being edited (its form), N opens the
// next record in the queue, and the box of the field in focus is highlighted.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "SELECT" || target.tagName === "TEXTAREA");
    if (!typing && (event.key === "n" || event.key === "N") && !event.ctrlKey && !event.metaKey && !event.altKey) {
      var next = document.getElementById("next");
      if (next) { window.location.href = next.href; }
    }
  });
  document.addEventListener("focusin", function (event) {
    var row = event.target.closest ? event.target.closest("tr[data-field]") : null;
    document.querySelectorAll("svg.boxes rect.focus").forEach(function (r) { r.classList.remove("focus"); });
    if (!row) { return; }
    document.querySelectorAll("svg.boxes rect").forEach(function (r) {
      if (r.getAttribute("data-field") === row.getAttribute("data-field")) {
        r.classList.add("focus");
        r.closest("figure").scrollIntoView({ block: "nearest" });
      }
    });
  });
})();
