// Under each textarea with a data-max-length, say how many characters are left.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  document.querySelectorAll("textarea[data-max-length]").forEach(function (area) {
    var limit = Number(area.getAttribute("data-max-length"));
    var counter = document.createElement("p");
    counter.className = "char-count";
    counter.setAttribute("aria-live", "polite");
    area.insertAdjacentElement("afterend", counter);
    function update() {
      var left = limit - Array.from(area.value.trim()).length;  // code points, as the server counts
      counter.textContent = left >= 0
        ? left.toLocaleString() + " characters left"
        : (-left).toLocaleString() + " characters over the limit";
    }
    area.addEventListener("input", update);
    update();
  });
});
