/* puzi sandbox: a stand-in for WeChat's jweixin-1.6.0.js, for the built-in simulator only.
 * wx.config is checked by the sandbox as WeChat checks it (appId, the page's URL without
 * its #fragment, the signature with a ticket the sandbox issued); on "invalid signature"
 * a debug panel shows the string the sandbox expected to be signed and the one the page's
 * config describes. Share data goes to /sandbox/phone; openAddress answers with the
 * persona's saved address. Callbacks get WeChat's errMsg strings. */
(function () {
  "use strict";
  if (window.wx && window.wx.__puziSandbox) return;

  var state = "idle"; // idle | checking | ok | failed
  var allowed = [];
  var readyFns = [];
  var errorFns = [];
  var failure = null;

  function post(path, body) {
    return fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
      credentials: "same-origin"
    }).then(function (r) { return r.json(); });
  }

  function panel(res) {
    var d = document.getElementById("sb-wx-debug");
    if (!d) {
      d = document.createElement("div");
      d.id = "sb-wx-debug";
      d.setAttribute("role", "alert");
      d.style.cssText = "position:fixed;left:8px;right:8px;bottom:64px;z-index:9999;" +
        "background:#fff3f0;color:#a8071a;border:1px solid #ffa39e;border-radius:8px;" +
        "padding:10px;font:12px/1.5 monospace;overflow-wrap:anywhere;max-height:50vh;overflow:auto";
      document.body.appendChild(d);
    }
    d.textContent = "";
    var line = function (label, text) {
      var p = document.createElement("div");
      var b = document.createElement("strong");
      b.textContent = label;
      p.appendChild(b);
      p.appendChild(document.createTextNode(" " + text));
      d.appendChild(p);
    };
    line("wx.config:", res.errMsg);
    if (res.expected !== undefined) line("expected:", res.expected);
    if (res.given !== undefined) line("given:", res.given);
  }

  function call(name, o, path, body) {
    o = o || {};
    var done = function (res) {
      if (typeof o.complete === "function") o.complete(res);
    };
    if (state !== "ok" || allowed.indexOf(name) < 0) {
      var res = { errMsg: name + (state === "ok" ? ":permission denied" : ":the permission value is offline verifying") };
      if (typeof o.fail === "function") o.fail(res);
      done(res);
      return;
    }
    post(path, body).then(function (r) {
      if (/:ok$/.test(r.errMsg) || r.errMsg === "ok") {
        var res = r.errMsg === "ok" ? { errMsg: name + ":ok" } : r;
        if (typeof o.success === "function") o.success(res);
        done(res);
      } else {
        if (typeof o.fail === "function") o.fail(r);
        done(r);
      }
    });
  }

  var wx = {
    __puziSandbox: true,
    config: function (c) {
      state = "checking";
      allowed = (c && c.jsApiList) || [];
      var body = {};
      for (var k in c) body[k] = c[k];
      body.pageUrl = location.href;
      post("/sandbox/jssdk/config", body).then(function (res) {
        if (res.ok) {
          state = "ok";
          readyFns.forEach(function (f) { f(); });
        } else {
          state = "failed";
          failure = { errMsg: res.errMsg };
          panel(res);
          errorFns.forEach(function (f) { f(failure); });
        }
      });
    },
    ready: function (f) {
      if (state === "ok") f(); else readyFns.push(f);
    },
    error: function (f) {
      if (state === "failed") f(failure); else errorFns.push(f);
    },
    updateAppMessageShareData: function (o) {
      o = o || {};
      call("updateAppMessageShareData", o, "/sandbox/jssdk/share",
        { kind: "chat", title: o.title, desc: o.desc, link: o.link, imgUrl: o.imgUrl });
    },
    updateTimelineShareData: function (o) {
      o = o || {};
      call("updateTimelineShareData", o, "/sandbox/jssdk/share",
        { kind: "timeline", title: o.title, link: o.link, imgUrl: o.imgUrl });
    },
    openAddress: function (o) {
      call("openAddress", o, "/sandbox/jssdk/address", {});
    }
  };
  window.wx = window.jWeixin = wx;
})();
