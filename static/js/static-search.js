// In a static export the list cannot ask the server to search: filter an index of every
// message (search-index.js) as the visitor types, case-insensitively, in keys and texts.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var box = document.querySelector("[data-static-search]");
  if (!box) {
    return;
  }
  var input = box.querySelector("input");
  var results = document.querySelector(".static-search-results");
  var summary = document.querySelector(".static-search-summary");
  var paged = document.querySelectorAll("#summary, .message-list:not(.static-search-results), .pagination, .empty");
  var linkTemplate = box.getAttribute("data-href-template");
  var shownAtMost = 200;

  function row(message) {
    var item = document.createElement("li");
    item.className = "message-row";
    var link = document.createElement("a");
    link.className = "message-key";
    link.href = linkTemplate.replace("__KEY__", encodeURIComponent(message.key));
    link.textContent = message.key;
    var excerpt = document.createElement("p");
    excerpt.className = "message-excerpt";
    excerpt.dir = "auto";
    excerpt.textContent = message.text.length > 160 ? message.text.slice(0, 157) + "..." : message.text;
    item.append(link, excerpt);
    return item;
  }

  function show(query) {
    var needle = query.trim().toLowerCase();
    paged.forEach(function (element) { element.hidden = needle !== ""; });
    results.hidden = summary.hidden = needle === "";
    if (needle === "") {
      return;
    }
    var found = (window.messageboardSearchIndex || []).filter(function (message) {
      return message.key.toLowerCase().indexOf(needle) >= 0 || message.text.toLowerCase().indexOf(needle) >= 0;
    });
    summary.textContent = found.length + (found.length === 1 ? " message matches" : " messages match") +
      " \u201c" + query.trim() + "\u201d" + (found.length > shownAtMost ? "; the first " + shownAtMost + " are shown." : ".");
    results.replaceChildren.apply(results, found.slice(0, shownAtMost).map(row));
  }

  input.addEventListener("input", function () { show(input.value); });
  var asked = new URLSearchParams(window.location.search).get("q");
  if (asked) {
    input.value = asked;
    window.addEventListener("load", function () { show(asked); });
  }
});
