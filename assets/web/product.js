/* puzi: the product page. The headline price, stock and picture follow the chosen variant
 * (the server renders each variant's into data attributes); the quantity stepper keeps
 * within 1 and the variant's stock; the gallery's dots follow the swipe. Without this
 * script the form still posts the chosen variant and the typed quantity. */
(function () {
  "use strict";
  var form = document.getElementById("buy");
  var qty = document.getElementById("qty");
  var price = document.getElementById("headline-price");
  var stockText = document.getElementById("headline-stock");
  var gallery = document.getElementById("gallery");
  var MAX = 99;

  function clampQty() {
    if (!qty) { return; }
    var max = parseInt(qty.max, 10) || 1;
    var n = parseInt(qty.value, 10);
    if (isNaN(n) || n < 1) { n = 1; }
    if (n > max) { n = max; }
    qty.value = n;
    form.querySelectorAll("button.step").forEach(function (b) {
      var up = b.getAttribute("data-step") === "1";
      b.disabled = qty.disabled || (up ? n >= max : n <= 1);
    });
  }

  function chosen(input) {
    var stock = parseInt(input.getAttribute("data-stock"), 10) || 0;
    if (price) { price.textContent = input.getAttribute("data-price"); }
    if (stockText) { stockText.textContent = input.getAttribute("data-stock-text"); }
    if (qty) { qty.max = Math.max(1, Math.min(stock, MAX)); }
    var img = input.getAttribute("data-img");
    if (gallery && img !== null) {
      gallery.scrollTo({ left: gallery.clientWidth * parseInt(img, 10), behavior: "smooth" });
    }
    clampQty();
  }

  if (form) {
    form.querySelectorAll("input[name=sku][type=radio]").forEach(function (r) {
      r.addEventListener("change", function () { if (r.checked) { chosen(r); } });
    });
    form.querySelectorAll("button.step").forEach(function (b) {
      b.addEventListener("click", function () {
        qty.value = (parseInt(qty.value, 10) || 1) + parseInt(b.getAttribute("data-step"), 10);
        clampQty();
      });
    });
    if (qty) { qty.addEventListener("change", clampQty); }
    var first = form.querySelector("input[name=sku][type=radio]:checked");
    if (first) { chosen(first); } else { clampQty(); }
  }

  var dots = document.getElementById("dots");
  if (gallery && dots) {
    var spans = dots.querySelectorAll("span");
    var tick = null;
    gallery.addEventListener("scroll", function () {
      if (tick) { return; }
      tick = requestAnimationFrame(function () {
        tick = null;
        var i = Math.round(gallery.scrollLeft / Math.max(1, gallery.clientWidth));
        spans.forEach(function (s, k) { s.classList.toggle("on", k === i); });
      });
    }, { passive: true });
  }
})();
