// Each <time datetime> (the server writes UTC) as the reader would say it: "2 hours ago" for the
// last few weeks, a date in their own time zone before that; the exact local time on hover.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var exact = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
  var relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });
  // The largest unit whose count is at least one, up to four weeks; older times show as dates.
  var UNITS = [["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
  var RELATIVE_SECONDS_MAX = 4 * 604800;

  function spoken(moment, now) {
    var seconds = (moment - now) / 1000;
    if (Math.abs(seconds) >= RELATIVE_SECONDS_MAX) {
      return exact.format(moment);
    }
    for (var index = 0; index < UNITS.length; index++) {
      var count = seconds / UNITS[index][1];
      if (Math.abs(count) >= 1) {
        return relative.format(Math.round(count), UNITS[index][0]);
      }
    }
    return relative.format(0, "minute"); // "this minute"
  }

  var now = Date.now();
  document.querySelectorAll("time[datetime]").forEach(function (element) {
    var moment = new Date(element.getAttribute("datetime"));
    if (!isNaN(moment)) {
      element.title = exact.format(moment);
      element.textContent = spoken(moment, now);
    }
  });
});
