/* puzi: the shopper's own pages. Copy buttons, the countdown to an unpaid order's closing
 * (the deadline is rendered by the server; this only ticks), and the dependent region
 * selects at checkout (the server checks the codes either way). */
(function () {
  "use strict";

  document.querySelectorAll("button.copy[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var text = b.getAttribute("data-copy");
      var done = function () { b.textContent = b.getAttribute("data-done"); };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(done, function () {});
      } else {
        var t = document.createElement("textarea");
        t.value = text;
        document.body.appendChild(t);
        t.select();
        try { document.execCommand("copy"); done(); } catch (e) { /* nothing to copy with */ }
        document.body.removeChild(t);
      }
    });
  });

  var cd = document.getElementById("countdown");
  if (cd) {
    var deadline = parseInt(cd.getAttribute("data-deadline"), 10);
    // The server's clock, not the phone's: offset from the rendered "now".
    var skew = parseInt(cd.getAttribute("data-now"), 10) - Math.floor(Date.now() / 1000);
    var out = document.getElementById("countdown-left");
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var s = deadline - (Math.floor(Date.now() / 1000) + skew);
      if (s <= 0) { out.textContent = cd.getAttribute("data-closing"); return; }
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      out.textContent = (h > 0 ? h + ":" + pad(m) : pad(m)) + ":" + pad(s % 60);
      setTimeout(tick, 1000);
    };
    tick();
  }

  var fill = function (select, code) {
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    select.value = "";
    if (!code) return;
    fetch("/regions/" + code, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (list) {
        list.forEach(function (d) {
          var o = document.createElement("option");
          o.value = d.code;
          o.textContent = d.name;
          select.appendChild(o);
        });
      });
  };
  var province = document.getElementById("province");
  var city = document.getElementById("city");
  var district = document.getElementById("district");
  if (province && city && district) {
    var refresh = document.getElementById("refresh-regions");
    // With script the choices follow at once: the no-script button goes (removed, not
    // hidden, so pressing Enter in a field places the order rather than refreshing).
    if (refresh) refresh.remove();
    province.addEventListener("change", function () {
      fill(city, province.value);
      fill(district, "");
    });
    city.addEventListener("change", function () { fill(district, city.value); });
  }
})();

// ---- issue 15 (pricing): the checkout's shipping follows the province; Enter keys ----
(function () {
  var form = document.querySelector("form.checkout");
  var province = document.getElementById("province");
  var place = document.getElementById("place-order");
  if (!form || !place) return;
  // Enter in the coupon field applies the code; anywhere else it places the order (the
  // apply button comes first in the form, so it would otherwise be the default).
  form.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || e.target.tagName !== "INPUT") return;
    e.preventDefault();
    var apply = document.getElementById("apply-coupon");
    (e.target.id === "coupon" && apply ? apply : place).click();
  });
  if (!province) return;
  var fee = document.getElementById("shipping-fee");
  var total = document.getElementById("grand-total");
  // On a choice of the shopper, and when WeChat's address filled the selects (wx.js).
  var refreshShipping = function () {
    if (!province.value) return;
    var q = new URLSearchParams({ province: province.value });
    ["sku", "qty", "coupon"].forEach(function (k) {
      var el = form.elements[k];
      if (el && el.value) q.set(k, el.value);
    });
    fetch("/checkout/shipping?" + q.toString(), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        var note = document.getElementById("ship-note");
        if (!note) {
          note = document.createElement("p");
          note.id = "ship-note";
          note.className = "notice err ship-no";
          note.setAttribute("role", "alert");
          province.closest(".field").appendChild(note);
        }
        note.hidden = j.delivers;
        note.textContent = j.delivers ? "" : j.message;
        place.disabled = !j.delivers;
        if (j.delivers && fee) fee.textContent = j.text;
        if (j.delivers && total) total.textContent = j.total_text;
      });
  };
  province.addEventListener("change", refreshShipping);
  province.addEventListener("puzi:region", refreshShipping);
})();
// ---- end of issue 15 (pricing) ----
