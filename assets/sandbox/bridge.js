/* puzi sandbox: a stand-in for WeChat's WeixinJSBridge, for the built-in simulator only.
 * getBrandWCPayRequest takes WeChat's parameters and calls back with WeChat's strings:
 * get_brand_wcpay_request:ok | :cancel | :fail. */
(function () {
  "use strict";
  if (window.__puziSandboxBridge) return;
  window.__puziSandboxBridge = true;

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
      keepalive: true
    }).then(function (r) { return r.json(); });
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function ensureCss() {
    if (document.getElementById("puzi-sandbox-sheet-css")) return;
    var l = document.createElement("link");
    l.id = "puzi-sandbox-sheet-css";
    l.rel = "stylesheet";
    l.href = "/sandbox/sheet.css";
    document.head.appendChild(l);
  }

  function showSheet(params, info, done) {
    ensureCss();
    var mask = el("div", "sb-mask");
    var sheet = el("div", "sb-sheet");
    sheet.setAttribute("role", "dialog");
    sheet.setAttribute("aria-label", "微信支付");
    var close = el("button", "sb-close", "×");
    close.type = "button";
    close.setAttribute("aria-label", "取消");
    close.id = "sb-cancel";
    sheet.appendChild(close);
    sheet.appendChild(el("div", "sb-title", "请输入支付密码"));
    sheet.appendChild(el("div", "sb-merchant", info.merchant));
    sheet.appendChild(el("div", "sb-amount", info.amount));
    sheet.appendChild(el("div", "sb-desc", info.description + " · 沙箱"));
    var dots = el("div", "sb-dots");
    for (var i = 0; i < 6; i++) dots.appendChild(el("span", "sb-dot"));
    sheet.appendChild(dots);
    var msg = el("div", "sb-msg", "");
    sheet.appendChild(msg);
    var pad = el("div", "sb-pad");
    var keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "", "0", "⌫"];
    var entered = "";
    var busy = false;
    function render() {
      var d = dots.children;
      for (var i = 0; i < 6; i++) d[i].className = i < entered.length ? "sb-dot on" : "sb-dot";
    }
    function finish(result) {
      document.body.removeChild(mask);
      done(result);
    }
    keys.forEach(function (k) {
      var b = el("button", k === "" ? "sb-key blank" : "sb-key", k);
      b.type = "button";
      if (k !== "") b.setAttribute("data-key", k === "⌫" ? "back" : k);
      if (k === "") b.disabled = true;
      b.addEventListener("click", function () {
        if (busy) return;
        if (k === "⌫") entered = entered.slice(0, -1);
        else if (k !== "" && entered.length < 6) entered += k;
        render();
        if (entered.length === 6) {
          busy = true;
          msg.textContent = "支付中…";
          var body = {
            appId: params.appId, timeStamp: params.timeStamp, nonceStr: params.nonceStr,
            "package": params["package"], signType: params.signType, paySign: params.paySign,
            password: entered
          };
          post("/sandbox/pay/confirm", body).then(function (r) {
            if (r.ok) {
              msg.textContent = "支付成功";
              finish({ err_msg: "get_brand_wcpay_request:ok" });
              post("/sandbox/pay/returned", { "package": params["package"] }).catch(function () {});
            } else {
              finish({ err_msg: "get_brand_wcpay_request:fail", err_desc: r.err });
            }
          }, function () {
            finish({ err_msg: "get_brand_wcpay_request:fail", err_desc: "network" });
          });
        }
      });
      pad.appendChild(b);
    });
    sheet.appendChild(pad);
    close.addEventListener("click", function () {
      if (!busy) finish({ err_msg: "get_brand_wcpay_request:cancel" });
    });
    mask.appendChild(sheet);
    document.body.appendChild(mask);
  }

  var bridge = {
    invoke: function (name, params, cb) {
      cb = cb || function () {};
      if (name !== "getBrandWCPayRequest") {
        setTimeout(function () { cb({ err_msg: name + ":fail" }); }, 0);
        return;
      }
      post("/sandbox/pay/sheet", { "package": params && params["package"] }).then(function (info) {
        if (!info.ok) { cb({ err_msg: "get_brand_wcpay_request:fail", err_desc: info.err }); return; }
        showSheet(params, info, cb);
      }, function () {
        cb({ err_msg: "get_brand_wcpay_request:fail", err_desc: "network" });
      });
    },
    on: function () {},
    call: function () {}
  };

  if (typeof window.WeixinJSBridge === "undefined") {
    window.WeixinJSBridge = bridge;
    var fire = function () {
      var ev;
      try { ev = new Event("WeixinJSBridgeReady"); } catch (e) {
        ev = document.createEvent("Event"); ev.initEvent("WeixinJSBridgeReady", false, false);
      }
      document.dispatchEvent(ev);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fire);
    else setTimeout(fire, 0);
  }
})();
