// Move focus to a form's error summary, so a keyboard or screen reader user starts at the list of
// problems (each a link to its field), as the GOV.UK Design System's error summary does.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
  }
});
