/* Progressive enhancement only: every journey works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");  // lets CSS style what only works with this file

  function debounce(fn, wait) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, wait);
    };
  }

  // Live suggestions under a search box or the complaint text: a plain list of links (a listbox may not hold
  // links), announced by a status line; arrow keys move between the box and the links, Escape goes back.
  function attachSuggestions(input) {
    var url = input.getAttribute("data-suggest-url");
    if (!url) { return; }
    var english = document.documentElement.lang === "en";
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label") ||
      (english ? "Suggested articles" : "推荐文章"));
    var status = document.createElement("p");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    input.setAttribute("aria-controls", list.id);
    var anchor = input.closest(".search-row, .field") || input;
    anchor.parentNode.insertBefore(list, anchor.nextSibling);
    list.parentNode.insertBefore(status, list.nextSibling);
    function links() { return Array.prototype.slice.call(list.querySelectorAll("a")); }
    input.addEventListener("keydown", function (event) {
      // In a textarea the arrow keys move the caret, so only a search box hands them to the list.
      if (event.key === "ArrowDown" && input.tagName !== "TEXTAREA" && links().length) {
        event.preventDefault();
        links()[0].focus();
      }
      if (event.key === "Escape") { list.innerHTML = ""; status.textContent = ""; }
    });
    list.addEventListener("keydown", function (event) {
      var all = links(), at = all.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && at < all.length - 1) { event.preventDefault(); all[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? all[at - 1] : input).focus(); }
      if (event.key === "Escape") { event.preventDefault(); input.focus(); }
    });
    var lookup = debounce(function () {
      var q = input.value.trim().slice(0, 200);
      if (q.length < 2) { list.innerHTML = ""; status.textContent = ""; return; }
      fetch(url + "?limit=5&q=" + encodeURIComponent(q), { headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { results: [] }; })
        .then(function (data) {
          list.innerHTML = "";
          data.results.forEach(function (item) {
            var li = document.createElement("li");
            var a = document.createElement("a");
            a.href = item.url;
            if (input.tagName === "TEXTAREA") {  // keep what the user is writing: open answers in a new tab
              a.target = "_blank";
              a.rel = "noopener";
            }
            a.textContent = english && item.title_en ? item.title_en : item.title;
            li.appendChild(a);
            list.appendChild(li);
          });
          var n = data.results.length;
          status.textContent = !n ? "" : english ? n + (n === 1 ? " suggested article below" : " suggested articles below")
            : "下方有 " + n + " 篇推荐文章";
        })
        .catch(function () { list.innerHTML = ""; status.textContent = ""; });
    }, 250);
    input.addEventListener("input", lookup);
  }

  function disableOnSubmit(form) {
    form.addEventListener("submit", function () {
      var buttons = form.querySelectorAll("button[type=submit][data-once]");
      window.setTimeout(function () {
        buttons.forEach(function (b) { b.disabled = true; b.setAttribute("aria-busy", "true"); });
      }, 0);
    });
  }

  // Copy buttons (the receipt's reference and access code): shown only where the clipboard API exists.
  function attachCopy(button) {
    if (!navigator.clipboard || !window.isSecureContext) { return; }
    var label = button.textContent;
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    button.insertAdjacentElement("afterend", status);
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
        button.textContent = status.textContent = button.getAttribute("data-copied") || label;
        window.setTimeout(function () { button.textContent = label; status.textContent = ""; }, 2000);
      });
    });
  }

  // Styled upload buttons: the native input stays (visually hidden) for keyboards and screen readers;
  // this only shows the chosen file names in the page's language.
  function attachFilePicker(input) {
    var output = document.getElementById(input.getAttribute("data-file-names"));
    if (!output) { return; }
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      var separator = document.documentElement.lang === "en" ? ", " : "、";
      output.textContent = names.length ? names.join(separator) : output.getAttribute("data-empty");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-suggest-url]").forEach(attachSuggestions);
    document.querySelectorAll("form").forEach(disableOnSubmit);
    document.querySelectorAll("button[data-copy]").forEach(attachCopy);
    document.querySelectorAll("input[type=file][data-file-names]").forEach(attachFilePicker);
  });
})();
