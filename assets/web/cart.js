/* puzi: the cart's steppers apply at once. A − or + (or a typed quantity) posts the line's
 * own /cart/update form in the background; the answer is the cart page, whose lines,
 * totals, free-shipping hint and checkout button replace the ones shown. Without this
 * script each line keeps its "update" button. */
(function () {
  "use strict";
  var main = document.querySelector("main");
  if (!main) { return; }
  document.documentElement.classList.add("js");
  var timer = null;
  var busy = false;

  function apply(form) {
    if (busy) { clearTimeout(timer); timer = setTimeout(function () { apply(form); }, 150); return; }
    busy = true;
    main.setAttribute("aria-busy", "true");
    fetch(form.action, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }
    }).then(function (r) {
      if (!r.ok) { throw new Error("status " + r.status); }
      return r.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var fresh = doc.querySelector("main");
      if (fresh) { main.innerHTML = fresh.innerHTML; }
      [".top .cart-link", ".tabbar"].forEach(function (sel) {
        var a = document.querySelector(sel), b = doc.querySelector(sel);
        if (a && b) { a.replaceWith(b); }
      });
    }).catch(function () {
      form.submit();
    }).then(function () {
      busy = false;
      main.removeAttribute("aria-busy");
    });
  }

  main.addEventListener("click", function (e) {
    var b = e.target.closest("form.qtyform button.step");
    if (!b || b.disabled) { return; }
    var form = b.form;
    var input = form.querySelector("input[name=qty]");
    var max = parseInt(input.max, 10) || 99;
    var n = (parseInt(input.value, 10) || 1) + parseInt(b.getAttribute("data-step"), 10);
    input.value = Math.max(1, Math.min(max, n));
    form.querySelectorAll("button.step").forEach(function (s) {
      s.disabled = s.getAttribute("data-step") === "1" ? input.value >= max : input.value <= 1;
    });
    clearTimeout(timer);
    timer = setTimeout(function () { apply(form); }, 250);
  });

  main.addEventListener("change", function (e) {
    var input = e.target;
    if (input.name !== "qty" || !input.form || !input.form.classList.contains("qtyform")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { apply(input.form); }, 100);
  });
})();
