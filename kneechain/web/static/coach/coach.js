// The camera coach page: the camera (or a chosen video file) -> BlazePose in this page (the
// pinned @mediapipe/pose, served by kneechain under /coach/pose/) -> logic.js (count, time,
// cue) -> what the person sees and hears. Nothing leaves the device unless the person presses
// "Save to my log", which sends the counts of the sets only.
import { SetCoach, LM } from "./logic.js";

const root = document.getElementById("coach");
const config = JSON.parse(root.dataset.config);
const $ = (sel) => root.querySelector(sel);
const video = $("[data-video]"), overlay = $("[data-overlay]"), stage = $("[data-stage]");
const message = $("[data-message]"), cueBox = $("[data-cue]");
const startButton = $("[data-start]"), stopButton = $("[data-stop]");
const countEl = $("[data-count]"), setLine = $("[data-set-line]"), clock = $("[data-clock]");
const stats = $("[data-stats]"), summary = $("[data-summary]"), setRows = $("[data-set-rows]");
const speakBox = $("[data-speak]"), fileInput = $("[data-file]");

const sets = [];
let pose = null, coach = null, stream = null, running = false, busy = false;
let source = "camera", setStartedAt = 0, cueTimer = null;
// measured for the benchmark and shown small under the controls
// `trace`: per processed frame [time in the set (s), camera frame number, reps so far, `now`], kept
// for the last TRACE_MAX frames; `reps`: [start, end] of the current set's reps (s); `mediaStart`:
// the camera timestamp of the set's first frame (the benchmark maps reps to the clip's hand count)
const perf = { frames: 0, first: null, latencies: [], cueLatencies: [], poseMs: [], trace: [], reps: [], mediaStart: null };
const TRACE_MAX = 20000;
root.perf = perf;

const SKELETON = [
  [LM.shoulder.left, LM.shoulder.right], [LM.hip.left, LM.hip.right],
  ...["left", "right"].flatMap((s) => [
    [LM.shoulder[s], LM.hip[s]], [LM.hip[s], LM.knee[s]], [LM.knee[s], LM.ankle[s]],
    [LM.ankle[s], LM.heel[s]], [LM.heel[s], LM.toe[s]], [LM.ankle[s], LM.toe[s]],
  ]),
];

function show(html, isError = false) {
  message.innerHTML = html;
  message.classList.toggle("error", isError);
  message.hidden = false;
}

function chosen(name) {
  const input = root.querySelector(`input[name=${name}]:checked`);
  return input ? input.value : "";
}

function say(text) {
  if (!speakBox.checked || !("speechSynthesis" in window)) return;
  window.speechSynthesis.cancel(); // the newest cue matters; never a backlog
  window.speechSynthesis.speak(new SpeechSynthesisUtterance(text));
}

function showCue(text) {
  cueBox.textContent = text;
  cueBox.hidden = false;
  clearTimeout(cueTimer);
  cueTimer = setTimeout(() => { cueBox.hidden = true; }, 3500);
}

// Where the "GPU" is software (SwiftShader, llvmpipe: no graphics card, or the GPU turned off)
// BlazePose's WebGL inference is tens of times slower than its WebAssembly (CPU) inference;
// a real GPU (phones, laptops) is faster on WebGL, the package's default.
function softwareGpu() {
  try {
    const gl = document.createElement("canvas").getContext("webgl2");
    if (!gl) return true;
    const info = gl.getExtension("WEBGL_debug_renderer_info");
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return /swiftshader|llvmpipe|software/i.test(renderer);
  } catch (err) {
    return true;
  }
}

async function loadPose() {
  // lite (fast, the default), full or heavy: the three models of the package, all served here
  const complexity = Number(chosen("model") || 0);
  if (pose) {
    if (pose.complexity !== complexity) {
      pose.setOptions({ modelComplexity: complexity });
      pose.complexity = complexity;
    }
    return pose;
  }
  if (root.dataset.assets !== "ready" || typeof window.Pose !== "function") {
    throw new Error("The pose files are not installed on this server (set-up: make venv).");
  }
  pose = new window.Pose({ locateFile: (file) => `/coach/pose/${file}` });
  pose.setOptions({
    modelComplexity: complexity,
    useCpuInference: softwareGpu(),
    // BlazePose's own smoothing lags and spreads a misplaced frame over several, which at
    // about 10 frames a second ate the short rest between two steps (a rep missed or merged,
    // bench/coach_latency.py); the counter's hysteresis and glitch rules handle the jitter
    smoothLandmarks: root.dataset.smooth === "on",
    enableSegmentation: false,
    minDetectionConfidence: 0.5,
    minTrackingConfidence: 0.5,
  });
  pose.complexity = complexity;
  await pose.initialize();
  return pose;
}

async function openCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    throw Object.assign(new Error("no-camera-api"), { name: "NoCameraApi" });
  }
  const facing = chosen("facing") || "user";
  stream = await navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { facingMode: facing, width: { ideal: 640 }, height: { ideal: 480 } },
  });
  video.srcObject = stream;
  stage.classList.toggle("mirrored", facing === "user");
  await video.play();
}

function cameraProblem(err) {
  const name = err && err.name;
  if (name === "NotAllowedError" || name === "SecurityError") {
    return "<p><strong>The camera is blocked for this page.</strong></p><p>Allow the camera in your browser's site settings (the icon left of the address), then press Start again. Or pick a video from this device below.</p>";
  }
  if (name === "NotFoundError" || name === "OverconstrainedError" || name === "NoCameraApi") {
    return "<p><strong>No camera found.</strong></p><p>This device has no camera this page can use (or it needs a secure https address). Try the other camera, another device, or pick a video from this device below.</p>";
  }
  if (name === "NotReadableError") {
    return "<p><strong>The camera is busy.</strong></p><p>Another app is using it. Close it and press Start again.</p>";
  }
  return `<p><strong>The coach could not start.</strong></p><p>${escapeHtml(err && err.message ? err.message : String(err))}</p>`;
}

function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function newSet() {
  const side = chosen("side") || null;
  coach = new SetCoach({ ...config, side_chosen: side });
  perf.reps = [];
  countEl.textContent = "0";
  setLine.textContent = `Set ${sets.length + 1} of ${config.target.sets}` + (side ? ` · ${side} side` : "");
  clock.textContent = "";
}

async function start(fromFile = null) {
  startButton.disabled = true;
  show("<p>Loading the pose model…</p>");
  try {
    await loadPose();
    if (fromFile) {
      stopStream();
      source = "file";
      video.srcObject = null;
      video.src = URL.createObjectURL(fromFile);
      video.loop = false;
      stage.classList.remove("mirrored");
      await new Promise((resolve, reject) => {
        video.addEventListener("loadeddata", resolve, { once: true });
        video.addEventListener("error", () => reject(new Error("This video cannot be played here; try an MP4 or WebM file.")), { once: true });
      });
    } else {
      source = "camera";
      if (!stream) await openCamera();
    }
  } catch (err) {
    show(err && err.name ? cameraProblem(err) : cameraProblem(err), true);
    startButton.disabled = false;
    return;
  }
  // the first picture of a size builds the pose graph for it (about a second here): send one
  // before the set starts, so that its first frames are not lost to it
  const size = `${video.videoWidth}x${video.videoHeight}`;
  if (pose.warmedFor !== size) {
    pose.onResults(() => {});
    await pose.send({ image: video }).catch(() => {});
    pose.warmedFor = size;
  }
  message.hidden = true;
  newSet();
  running = true;
  setStartedAt = performance.now();
  summary.hidden = sets.length === 0;
  startButton.hidden = true;
  stopButton.hidden = false;
  schedule();
}

// The camera: every new video frame is noted (requestVideoFrameCallback, with the frame's own
// timestamp), and the newest one is processed as soon as the previous one is done, without
// waiting for the next frame to arrive: the page runs as fast as pose allows, and counting uses
// each frame's time, not its position in the sequence, so skipped frames do not skew it.
let latest = null, handled = null, mediaStart = null, watch = 0;

function schedule() {
  if (!running) return;
  if (source === "file") { runFile(); return; }
  latest = null; handled = null; mediaStart = null;
  const mine = ++watch; // one chain of callbacks per set: an older one stops itself
  const onFrame = (now, meta) => {
    if (!running || mine !== watch) return;
    latest = { now, media: meta.mediaTime, n: meta.presentedFrames };
    video.requestVideoFrameCallback(onFrame);
    pump();
  };
  const onAnimationFrame = (now) => { // browsers without requestVideoFrameCallback
    if (!running || mine !== watch) return;
    if (!latest || video.currentTime !== latest.media) {
      latest = { now, media: video.currentTime, n: (latest ? latest.n : 0) + 1 };
    }
    requestAnimationFrame(onAnimationFrame);
    pump();
  };
  if ("requestVideoFrameCallback" in video) video.requestVideoFrameCallback(onFrame);
  else requestAnimationFrame(onAnimationFrame);
}

async function pump() {
  while (running && !busy && latest && latest !== handled && video.readyState >= 2) {
    const frame = (handled = latest);
    mediaStart = mediaStart ?? frame.media;
    perf.mediaStart = mediaStart;
    if (!(await processFrame(frame.media - mediaStart, frame.now, frame.n))) return;
  }
}

// A file from the device is stepped through frame by frame (every 1/30 s of its time), so
// the counts and rep times do not depend on how fast this device is.
const FILE_STEP = 1 / 30;

async function runFile() {
  video.pause();
  for (let t = 0; running && t <= video.duration; t += FILE_STEP) {
    await new Promise((resolve) => {
      video.addEventListener("seeked", resolve, { once: true });
      video.currentTime = t;
    });
    if (!(await processFrame(t, performance.now(), Math.round(t / FILE_STEP)))) return;
  }
  endSet();
}

// The picture given to BlazePose: the video frame scaled down so that its shorter side is
// INPUT_SIDE pixels, the size of the landmark model's own input (256 x 256): a person filling
// the picture's height in portrait, or its width lying down, is still seen at the model's full
// size, and the page has less to copy and convert (measured on this machine: 31-33 ms a frame
// instead of 36-38, docs/coaching.md). Landmarks come back normalised: nothing else changes.
const INPUT_SIDE = 256;
let small = null;
function poseInput() {
  const w = video.videoWidth, h = video.videoHeight;
  const k = (Number(root.dataset.inputSide) || INPUT_SIDE) / Math.min(w, h);
  if (!(k < 1)) return video;
  small = small || document.createElement("canvas");
  const sw = Math.round(w * k), sh = Math.round(h * k);
  if (small.width !== sw || small.height !== sh) { small.width = sw; small.height = sh; }
  small.getContext("2d").drawImage(video, 0, 0, sw, sh);
  return small;
}

// One frame: pose, count, cue, draw. `t` is the frame's time in the set (s), `now` when the
// frame was there to be looked at (ms), `n` its number. Returns false when the coach has to stop.
async function processFrame(t, now, n = null) {
  busy = true;
  const before = performance.now();
  let results = null;
  pose.onResults((r) => { results = r; });
  try {
    await pose.send({ image: poseInput() });
  } catch (err) {
    busy = false;
    running = false;
    show(cameraProblem(err), true);
    return false;
  }
  const poseMs = performance.now() - before;
  const points = toPixels(results);
  const events = coach.update(t, points);
  draw(points);
  let cued = false;
  for (const e of events) {
    if (e.type === "rep") {
      perf.reps.push([e.rep.start, e.rep.end]);
      countEl.textContent = String(coach.reps.length);
      if (!coach.cues.some((c) => c.t === e.t)) say(String(coach.reps.length));
    } else if (e.type === "cue") {
      showCue(e.cue.say);
      say(e.cue.say);
      cued = true;
    } else if (e.type === "target") {
      say("That's the set. Well done.");
      if (config.count === "reps" && config.target.reps) setTimeout(endSet, 600);
    }
  }
  if (config.count === "hold") countEl.textContent = String(Math.floor(coach.held));
  else if (config.target.seconds && coach.reps.length) {
    clock.textContent = `${Math.max(0, Math.round(config.target.seconds - (t - coach.reps[0].start)))} s left`;
  }
  if (!coach.visible) showCue("Step back: the camera needs to see your hips, knees and feet.");
  // frame (there to be looked at) to what the person sees: the cost of seeing and deciding
  const latency = performance.now() - now;
  perf.frames += 1;
  perf.first = perf.first ?? performance.now();
  perf.latencies.push(latency);
  perf.poseMs.push(poseMs);
  if (cued) perf.cueLatencies.push(latency);
  perf.trace.push([t, n, coach.reps.length, Math.round(now)]);
  if (perf.trace.length > TRACE_MAX) perf.trace.shift();
  if (perf.frames % 15 === 0 && source === "camera") {
    const secs = (performance.now() - perf.first) / 1000;
    const fps = perf.frames / Math.max(secs, 1e-3);
    stats.textContent = `Seeing ${fps < 2 ? fps.toFixed(1) : fps.toFixed(0)} frames a second on this device` +
      (fps < 8 ? ": slow, so quick movements may be missed; move slowly." : ".");
  }
  root.dataset.reps = String(coach.reps.length);
  root.dataset.frames = String(perf.frames);
  busy = false;
  return running;
}

function toPixels(results) {
  const lm = results && results.poseLandmarks;
  if (!lm) return [];
  const w = video.videoWidth || 1, h = video.videoHeight || 1;
  return lm.map((p) => ({ x: p.x * w, y: p.y * h, visibility: p.visibility }));
}

function draw(points) {
  const w = video.videoWidth, h = video.videoHeight;
  if (!w || !h) return;
  if (overlay.width !== w) { overlay.width = w; overlay.height = h; }
  const g = overlay.getContext("2d");
  g.clearRect(0, 0, w, h);
  if (!points.length) return;
  g.lineWidth = Math.max(3, w / 160);
  g.strokeStyle = cueBox.hidden ? "#34d399" : "#f97316";
  for (const [a, b] of SKELETON) {
    const p = points[a], q = points[b];
    if (!p || !q || p.visibility < 0.5 || q.visibility < 0.5) continue;
    g.beginPath(); g.moveTo(p.x, p.y); g.lineTo(q.x, q.y); g.stroke();
  }
}

function endSet() {
  if (!running) return;
  running = false;
  const s = coach.summary();
  sets.push(s);
  addRow(s, sets.length);
  stopButton.hidden = true;
  summary.hidden = false;
  $("[data-next]").hidden = sets.length >= config.target.sets * (config.target.per_side ? 2 : 1);
  $("[data-saved]").hidden = true;
  root.dataset.setsDone = String(sets.length);
}

function addRow(s, n) {
  const row = document.createElement("tr");
  const held = config.count === "reps" ? String(s.reps) : `${Math.round(s.seconds_under_tension)} s`;
  const cues = s.cues.length ? s.cues.map((c) => `${cueName(c.id)} ×${c.times}`).join(", ") : "none";
  for (const [text, cls] of [[String(n), ""], [s.side || "–", ""], [held, "num"],
    [`${s.seconds_under_tension.toFixed(1)} s`, "num"], [cues, ""]]) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }
  row.dataset.repTimes = JSON.stringify(s.rep_times);
  setRows.appendChild(row);
}

function cueName(id) {
  const cue = config.cues.find((c) => c.id === id);
  return cue ? cue.say.split(/[.,;]/)[0] : id;
}

function stopStream() {
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
}

async function save() {
  const button = $("[data-save]"), error = $("[data-save-error]");
  button.disabled = true;
  error.hidden = true;
  const body = {
    sets: sets.map((s) => ({
      reps: s.reps, seconds_under_tension: s.seconds_under_tension, side: s.side,
      cues: Object.fromEntries(s.cues.map((c) => [c.id, c.times])),
    })),
  };
  try {
    const response = await fetch(root.dataset.saveUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf, Accept: "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.message || `The server answered ${response.status}.`);
    }
    $("[data-saved]").hidden = false;
    root.dataset.saved = "1";
  } catch (err) {
    error.textContent = `Not saved: ${err.message} Your counts stay on this page; try again.`;
    error.hidden = false;
    button.disabled = false;
  }
}

startButton.addEventListener("click", () => start());
stopButton.addEventListener("click", () => { endSet(); startButton.hidden = false; startButton.disabled = false; startButton.textContent = "Start the next set"; });
$("[data-next]").addEventListener("click", () => start(source === "file" ? null : null));
$("[data-save]").addEventListener("click", save);
fileInput.addEventListener("change", () => { if (fileInput.files[0]) start(fileInput.files[0]); });
root.querySelectorAll("input[name=facing]").forEach((input) => input.addEventListener("change", () => {
  stopStream();
  if (running) { running = false; start(); }
}));
window.addEventListener("pagehide", stopStream);
if (root.dataset.assets !== "ready") {
  show("<p><strong>The camera coach is not installed on this server.</strong></p><p>Its pose files are copied at set-up (<code>make venv</code>). The steps and timers on the program page still work.</p>", true);
  startButton.disabled = true;
}
