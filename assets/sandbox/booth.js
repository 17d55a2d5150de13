// The booth screen: polls the sandbox's feed and shows new events at the top, without a
// page reload. Text arrives already in the shop's language; it is inserted as text only.
(function () {
  "use strict";
  var list = document.getElementById("booth-feed");
  if (!list) return;
  var MAX = 30;

  function item(e) {
    var li = document.createElement("li");
    li.className = "booth-ev booth-" + e.kind + " booth-new";
    li.setAttribute("data-id", e.id);
    var time = document.createElement("span");
    time.className = "booth-time";
    time.textContent = e.time;
    var text = document.createElement("span");
    text.className = "booth-text";
    text.textContent = e.text;
    li.appendChild(time);
    li.appendChild(text);
    return li;
  }

  function render(events) {
    var shown = {};
    Array.prototype.forEach.call(list.children, function (li) {
      shown[li.getAttribute("data-id")] = li;
    });
    // Newest first: rebuild the order, reusing the items already on screen.
    var frag = document.createDocumentFragment();
    events.slice(0, MAX).forEach(function (e) {
      var li = shown[e.id];
      if (li) {
        li.classList.remove("booth-new");
        // A shopper's name arrives with the payment: an order placed before it is renamed.
        var text = li.querySelector(".booth-text");
        if (text && text.textContent !== e.text) text.textContent = e.text;
      } else {
        li = item(e);
      }
      frag.appendChild(li);
    });
    list.textContent = "";
    list.appendChild(frag);
    var empty = document.getElementById("booth-empty");
    if (empty) empty.hidden = events.length > 0;
  }

  function poll() {
    fetch("/sandbox/booth/feed", { cache: "no-store", credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (v) { if (v && v.events) render(v.events); })
      .catch(function () {})
      .then(function () { setTimeout(poll, 1500); });
  }
  setTimeout(poll, 1500);
})();
