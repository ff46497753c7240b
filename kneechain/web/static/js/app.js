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

// Recording a test in the browser: the phone camera, MediaRecorder, and the clip handed to the
// same upload form as a chosen file (so the server sees one kind of upload).
function setUpRecorders(root) {
  root.querySelectorAll("[data-recorder]").forEach(function (box) {
    if (box.dataset.ready || !window.MediaRecorder || !navigator.mediaDevices) return;
    box.dataset.ready = "1";
    box.hidden = false;
    var form = box.closest("form");
    var input = form.querySelector("input[type=file]");
    var preview = box.querySelector("[data-preview]");
    var start = box.querySelector("[data-record-start]");
    var stop = box.querySelector("[data-record-stop]");
    var status = box.querySelector("[data-record-status]");
    var recorder = null, chunks = [], stream = null;
    start.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (s) {
          stream = s;
          preview.hidden = false;
          preview.srcObject = s;
          preview.play();
          chunks = [];
          recorder = new MediaRecorder(s);
          recorder.ondataavailable = function (e) { if (e.data.size) chunks.push(e.data); };
          recorder.onstop = function () {
            stream.getTracks().forEach(function (t) { t.stop(); });
            var type = recorder.mimeType || "video/webm";
            var name = type.indexOf("mp4") >= 0 ? "recording.mp4" : "recording.webm";
            var file = new File(chunks, name, { type: type });
            var transfer = new DataTransfer();
            transfer.items.add(file);
            input.files = transfer.files;
            status.textContent = "Uploading your recording…";
            form.requestSubmit();
          };
          recorder.start(1000);
          start.hidden = true;
          stop.hidden = false;
          status.textContent = "Recording…";
        })
        .catch(function () {
          status.textContent = "The camera cannot be used here; choose a filmed clip below.";
        });
    });
    stop.addEventListener("click", function () {
      if (recorder && recorder.state !== "inactive") recorder.stop();
      stop.hidden = true;
    });
  });
}

document.addEventListener("DOMContentLoaded", function () { setUpRecorders(document); });

// A print button for printable pages (no inline handler: the CSP allows none).
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) window.print();
});
