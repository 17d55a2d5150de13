// puzi back office: small helpers for pages that work without them.
// - A field with data-bytes-max shows its UTF-8 byte count as the owner types, in the
//   element named by data-counter (its first number is replaced), and is marked when over.
// - A button with data-print prints the page.
(function () {
  "use strict";
  var enc = new TextEncoder();
  document.querySelectorAll("[data-bytes-max]").forEach(function (field) {
    var max = parseInt(field.getAttribute("data-bytes-max"), 10);
    var counter = document.getElementById(field.getAttribute("data-counter"));
    if (!counter) return;
    var update = function () {
      var n = enc.encode(field.value.trim()).length;
      counter.textContent = counter.textContent.replace(/^\d+/, String(n));
      var over = n > max;
      counter.classList.toggle("over", over);
      field.setCustomValidity(over ? counter.textContent : "");
    };
    field.addEventListener("input", update);
    update();
  });
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
