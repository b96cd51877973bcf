/* Staff console enhancements; every journey works without them. */
(function () {
  "use strict";

  // Tell colleagues this case is open, every minute while the page is visible.
  function heartbeat() {
    var node = document.getElementById("presence");
    if (!node || !window.fetch) { return; }
    var body = new URLSearchParams({ csrf_token: node.dataset.csrf });
    setInterval(function () {
      if (document.visibilityState !== "visible") { return; }
      fetch(node.dataset.presenceUrl, { method: "POST", body: body, credentials: "same-origin" }).catch(function () {});
    }, 60000);
  }

  // "插入链接": append a help article's title and link to the reply being written.
  function insertLinks() {
    var buttons = document.querySelectorAll(".insert-link");
    Array.prototype.forEach.call(buttons, function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var target = document.querySelector("#form-reply textarea");
        if (!target) { return; }
        target.value = (target.value ? target.value.replace(/\s*$/, "") + "\n" : "") + button.dataset.insert;
        target.focus();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { heartbeat(); insertLinks(); });
})();
