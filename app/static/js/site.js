/* Progressive enhancement only: every journey works without this file. */
(function () {
  "use strict";

  function debounce(fn, wait) {
    var timer;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, wait);
    };
  }

  function attachSuggestions(input) {
    var url = input.getAttribute("data-suggest-url");
    if (!url) { return; }
    var list = document.createElement("ul");
    list.className = "suggestions";
    list.id = input.id + "-suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", input.getAttribute("data-suggest-label") ||
      (document.documentElement.lang === "en" ? "Suggested articles" : "推荐文章"));
    list.setAttribute("aria-live", "polite");
    input.setAttribute("aria-controls", list.id);
    var anchor = input.closest(".search-row, .field") || input;
    anchor.parentNode.insertBefore(list, anchor.nextSibling);
    var lookup = debounce(function () {
      var q = input.value.trim().slice(0, 200);
      if (q.length < 2) { list.innerHTML = ""; return; }
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
            a.textContent = document.documentElement.lang === "en" && item.title_en ? item.title_en : item.title;
            li.setAttribute("role", "option");
            li.appendChild(a);
            list.appendChild(li);
          });
        })
        .catch(function () { list.innerHTML = ""; });
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

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-suggest-url]").forEach(attachSuggestions);
    document.querySelectorAll("form").forEach(disableOnSubmit);
  });
})();
