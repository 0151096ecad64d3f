// The styleguide's tokens page: draw each token with its own value, and say each colour's contrast
// ratio (WCAG 2) on --paper, for the colours now in force (again when the scheme changes).
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var tokens = document.querySelectorAll("[data-token]");
  var SAMPLE_PROPERTY = { colour: "backgroundColor", type: "fontSize", spacing: "width", radius: "borderRadius" };
  var canvas = document.createElement("canvas").getContext("2d", { willReadFrequently: true });

  // Any CSS colour (a hex, rgb(), oklab() from color-mix()...) as sRGB bytes, by painting one pixel.
  function srgb(colour) {
    canvas.clearRect(0, 0, 1, 1);
    canvas.fillStyle = colour;
    canvas.fillRect(0, 0, 1, 1);
    return canvas.getImageData(0, 0, 1, 1).data;
  }

  function luminance(bytes) {
    var channel = function (byte) {
      var value = byte / 255;
      return value <= 0.04045 ? value / 12.92 : Math.pow((value + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * channel(bytes[0]) + 0.7152 * channel(bytes[1]) + 0.0722 * channel(bytes[2]);
  }

  function contrast(first, second) {
    var lighter = Math.max(first, second), darker = Math.min(first, second);
    return (lighter + 0.05) / (darker + 0.05);
  }

  tokens.forEach(function (token) {
    var property = SAMPLE_PROPERTY[token.getAttribute("data-token-kind")];
    if (property) {
      token.querySelector(".token-sample").style[property] = "var(" + token.getAttribute("data-token") + ")";
    }
  });

  function sayContrasts() {
    var paper = luminance(srgb(getComputedStyle(document.querySelector(".site-main")).backgroundColor));
    document.querySelectorAll("[data-contrast]").forEach(function (output) {
      var sample = output.closest("[data-token]").querySelector(".token-sample");
      var ratio = contrast(luminance(srgb(getComputedStyle(sample).backgroundColor)), paper);
      output.textContent = ratio.toFixed(2) + ":1 on --paper" + (ratio >= 4.5 ? " (text: AA)" : ratio >= 3 ? " (large text, UI: AA)" : "");
    });
  }

  sayContrasts();
  new MutationObserver(sayContrasts).observe(document.documentElement, { attributes: true, attributeFilter: ["data-color-scheme"] });
  window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", sayContrasts);
});
