// The colour scheme toggle: light, dark, or as the system says, remembered in this browser.
// It runs first in site.js, loaded in the head without defer: a remembered choice applies before the first paint.
(function () {
  "use strict";
  var STORAGE_KEY = "messageboard.color-scheme";
  var CHOICES = ["light", "dark"];
  var root = document.documentElement;

  function remembered() {
    try {
      var choice = window.localStorage.getItem(STORAGE_KEY);
      return CHOICES.indexOf(choice) >= 0 ? choice : "";
    } catch (error) {
      return ""; // storage refused (a private window, a file:// page in some browsers): follow the system
    }
  }

  function apply(choice) {
    if (choice) {
      root.setAttribute("data-color-scheme", choice);
    } else {
      root.removeAttribute("data-color-scheme");
    }
  }

  function remember(choice) {
    try {
      if (choice) {
        window.localStorage.setItem(STORAGE_KEY, choice);
      } else {
        window.localStorage.removeItem(STORAGE_KEY);
      }
    } catch (error) {
      // Not remembered; it still applies to this page.
    }
  }

  // A page shown in a scheme on purpose (the styleguide's viewport frames) keeps it, and no toggle.
  var fixed = root.hasAttribute("data-color-scheme-fixed");
  if (!fixed) {
    apply(remembered());
  }

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.getElementById("color-scheme");
    if (!toggle || fixed) {
      return;
    }
    toggle.value = remembered();
    toggle.addEventListener("change", function () {
      apply(toggle.value);
      remember(toggle.value);
    });
    toggle.closest("[data-color-scheme-toggle]").hidden = false;
  });
})();
