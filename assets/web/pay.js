/* puzi cashier and result page. The JS `ok` only sends the shopper to the result page;
 * only the backend (a verified notification or a query) decides that an order is paid. */
(function () {
  "use strict";

  function postJson(url) {
    return fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: "{}"
    }).then(function (r) {
      return r.json().then(function (j) { return { ok: r.ok, body: j }; });
    });
  }

  var btn = document.getElementById("pay-button");
  if (btn) {
    var msg = document.getElementById("pay-msg");
    var no = btn.getAttribute("data-no");
    var busy = false;
    var fail = function (text) {
      busy = false;
      btn.disabled = false;
      btn.textContent = btn.getAttribute("data-retry");
      msg.textContent = text || btn.getAttribute("data-fail");
    };
    var invoke = function (params) {
      var go = function () {
        window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, function (res) {
          var r = res && res.err_msg;
          if (r === "get_brand_wcpay_request:ok") {
            window.location.href = "/pay/" + no + "/result";
          } else if (r === "get_brand_wcpay_request:cancel") {
            window.location.href = "/orders/" + no + "?cancelled=1";
          } else {
            // `fail` may still hide a payment: the backend asks WeChat before we say so.
            fetch("/orders/" + no + "/status?confirm=failed", { credentials: "same-origin" })
              .then(function (r) { return r.json(); })
              .then(function (j) {
                if (j.state && j.state !== "pending_payment") {
                  window.location.href = "/pay/" + no + "/result";
                } else {
                  fail(btn.getAttribute("data-fail"));
                }
              }, function () { fail(btn.getAttribute("data-fail")); });
          }
        });
      };
      if (typeof window.WeixinJSBridge === "undefined") {
        document.addEventListener("WeixinJSBridgeReady", go, false);
      } else {
        go();
      }
    };
    btn.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      btn.disabled = true;
      msg.textContent = "";
      postJson("/pay/" + no + "/jsapi").then(function (r) {
        if (!r.ok) { fail(r.body && r.body.error); return; }
        invoke(r.body);
      }, function () { fail(btn.getAttribute("data-unavailable")); });
    });
    // Straight from checkout: open the payment sheet at once.
    if (btn.getAttribute("data-auto") === "1") btn.click();
  }

  // Outside WeChat: the Native QR code, then wait for the backend to confirm the payment.
  var native = document.getElementById("native");
  if (native) {
    var nno = native.getAttribute("data-no");
    var nmsg = document.getElementById("native-msg");
    var nstatus = document.getElementById("native-status");
    var box = document.getElementById("native-qr");
    var watches = 0;
    var watch = function () {
      watches += 1;
      // Mostly the notification settles it; every fifth look asks the server to query.
      var q = watches % 5 === 0 ? "?confirm=1" : "";
      fetch("/orders/" + nno + "/status" + q, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state && s.state !== "pending_payment") {
            window.location.href = "/pay/" + nno + "/result";
            return;
          }
          setTimeout(watch, watches < 150 ? 2000 : 10000);
        }, function () { setTimeout(watch, 5000); });
    };
    postJson("/pay/" + nno + "/native").then(function (r) {
      if (!r.ok || !r.body.qr) {
        box.textContent = "";
        nmsg.textContent = (r.body && r.body.error) || "";
        return;
      }
      // The shop's own SVG, drawn on the server from the code URL.
      box.innerHTML = r.body.qr;
      box.setAttribute("data-code", r.body.code_url);
      nstatus.textContent = nstatus.getAttribute("data-waiting");
      setTimeout(watch, 2000);
    }, function () {
      box.textContent = "";
      nmsg.textContent = native.getAttribute("data-unavailable");
    });
  }

  var result = document.getElementById("result");
  if (result) {
    var order = result.getAttribute("data-no");
    var polls = 0;
    var poll = function () {
      polls += 1;
      fetch("/orders/" + order + "/status?confirm=1", { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.state && s.state !== "pending_payment") {
            window.location.reload();
            return;
          }
          if (polls === 20) {
            document.getElementById("result-msg").textContent = result.getAttribute("data-still");
          }
          setTimeout(poll, polls < 20 ? 1500 : 5000);
        }, function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 1000);
  }
})();
