// kneechain web: small progressive enhancements. Every page works without this file.
"use strict";

// Hold timers: a button counts down the hold time of a stretch or a release.
function setUpHoldTimers(root) {
  root.querySelectorAll("[data-hold-timer]").forEach(function (box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var seconds = parseInt(box.dataset.seconds, 10);
    var display = box.querySelector("[data-display]");
    var button = box.querySelector("[data-start]");
    var timer = null;
    button.addEventListener("click", function () {
      if (timer) { clearInterval(timer); timer = null; }
      var left = seconds;
      box.classList.add("running");
      display.textContent = left;
      timer = setInterval(function () {
        left -= 1;
        display.textContent = Math.max(left, 0);
        if (left <= 0) {
          clearInterval(timer); timer = null;
          box.classList.remove("running");
          display.textContent = "done";
          if (navigator.vibrate) navigator.vibrate(200);
        }
      }, 1000);
    });
  });
}

document.addEventListener("DOMContentLoaded", function () { setUpHoldTimers(document); });
document.addEventListener("htmx:afterSwap", function (event) { setUpHoldTimers(event.target); });
