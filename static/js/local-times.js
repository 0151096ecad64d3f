// Show each <time datetime> in the reader's own time zone; the server writes UTC.
(function () {
  "use strict";
  var format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  document.querySelectorAll("time[datetime]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (!isNaN(moment)) {
      element.title = element.textContent;
      element.textContent = format.format(moment);
    }
  });
})();
