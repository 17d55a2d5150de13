/* puzi: WeChat's JS-SDK on shareable pages and at checkout, inside WeChat only.
 * The page (cached, the same for everyone) carries its share data in #wx-share; this asks
 * /wx/config for the wx.config parameters signed for this page's URL (without #…), puts
 * them in the page as <script type="application/json" id="wx-config">, loads the JS-SDK
 * named by data-sdk (WeChat's, or the sandbox's stand-in) and calls wx.config. Then it
 * sets the share cards for chats and Moments, and at checkout the "use my WeChat address"
 * button fills the recipient and the three region selects from wx.openAddress. */
(function () {
  "use strict";
  if (!/MicroMessenger/i.test(navigator.userAgent)) return;
  var me = document.currentScript;
  var sdk = me && me.getAttribute("data-sdk");
  var shareEl = document.getElementById("wx-share");
  var addrBtn = document.getElementById("wx-address");
  var apis = [];
  if (shareEl) apis.push("updateAppMessageShareData", "updateTimelineShareData");
  if (addrBtn) apis.push("openAddress");
  if (!sdk || !apis.length) return;

  var url = location.href.split("#")[0];
  var getJson = function (u) {
    return fetch(u, { credentials: "same-origin" }).then(function (r) {
      if (!r.ok) throw new Error("HTTP " + r.status);
      return r.json();
    });
  };

  var withChannel = function (link, ch) {
    if (!ch) return link;
    try {
      var u = new URL(link);
      u.searchParams.set("ch", ch);
      return u.toString();
    } catch (e) { return link; }
  };

  var share = function (cfg) {
    var d;
    try { d = JSON.parse(shareEl.textContent); } catch (e) { return; }
    var link = withChannel(d.link, cfg.ch);
    // No image (a page without one, a shop without the account's QR code): no imgUrl at
    // all, so WeChat shows its own placeholder instead of a broken image.
    var chat = { title: d.title, desc: d.desc, link: link };
    var moments = { title: d.title, link: link };
    if (d.imgUrl) { chat.imgUrl = d.imgUrl; moments.imgUrl = d.imgUrl; }
    window.wx.updateAppMessageShareData(chat);
    window.wx.updateTimelineShareData(moments);
  };

  // One region select: the children of `parent`, then `value` chosen (if it is there).
  var load = function (select, parent, value) {
    var first = select.options[0];
    select.innerHTML = "";
    select.appendChild(first);
    select.value = "";
    if (!parent) return Promise.resolve();
    return getJson("/regions/" + parent).then(function (list) {
      list.forEach(function (d) {
        var o = document.createElement("option");
        o.value = d.code;
        o.textContent = d.name;
        select.appendChild(o);
      });
      if (value) select.value = value;
    });
  };

  var setField = function (id, v) {
    var f = document.getElementById(id);
    if (f && v) f.value = v;
  };

  var fillAddress = function (res) {
    setField("name", res.userName);
    setField("mobile", res.telNumber);
    setField("street", res.detailInfo);
    var fresh = document.querySelector('input[name="addr"][value="new"]');
    if (fresh) fresh.checked = true;
    var q = "/wx/address?code=" + encodeURIComponent(res.nationalCode || "") +
      "&province=" + encodeURIComponent(res.provinceName || "") +
      "&city=" + encodeURIComponent(res.cityName || "") +
      "&county=" + encodeURIComponent(res.countryName || "");
    var province = document.getElementById("province");
    var city = document.getElementById("city");
    var district = document.getElementById("district");
    if (!province || !city || !district) return;
    getJson(q).then(function (r) {
      province.value = r.province || "";
      return load(city, r.province, r.city).then(function () {
        return load(district, r.city, r.district);
      }).then(function () {
        if (!r.district) {
          var pick = addrBtn.getAttribute("data-pick");
          addrBtn.insertAdjacentElement("afterend", Object.assign(document.createElement("p"), { className: "ferr", textContent: pick }));
          (r.province ? (r.city ? district : city) : province).focus();
        }
        addrBtn.setAttribute("data-filled", "1");
        // The shipping fee follows the province (order.js; a "change" would also reset
        // the city and district just filled).
        province.dispatchEvent(new Event("puzi:region"));
      });
    });
  };

  var start = function (cfg) {
    window.wx.config({
      debug: false,
      appId: cfg.appId,
      timestamp: cfg.timestamp,
      nonceStr: cfg.nonceStr,
      signature: cfg.signature,
      url: cfg.url,
      jsApiList: cfg.jsApiList
    });
    window.wx.ready(function () {
      if (shareEl) share(cfg);
      if (addrBtn) {
        // Shown once WeChat accepted the config: a button that cannot work is not offered.
        addrBtn.hidden = false;
        addrBtn.addEventListener("click", function () {
          window.wx.openAddress({ success: fillAddress });
        });
      }
    });
  };

  getJson("/wx/config?url=" + encodeURIComponent(url) + "&apis=" + apis.join(","))
    .then(function (cfg) {
      var holder = document.getElementById("wx-config") || document.createElement("script");
      holder.type = "application/json";
      holder.id = "wx-config";
      holder.textContent = JSON.stringify(cfg);
      if (!holder.parentNode) document.head.appendChild(holder);
      var s = document.createElement("script");
      s.src = sdk;
      s.onload = function () { if (window.wx) start(cfg); };
      document.head.appendChild(s);
    })
    .catch(function () { /* no ticket: the page works on without WeChat's extras */ });
})();
