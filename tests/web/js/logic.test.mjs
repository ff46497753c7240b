// Unit tests of the live coaching logic (kneechain/web/static/coach/logic.js), run with Node's
// built-in test runner: `node --test tests/web/js/` (tests/web/test_coach_js.py runs it under
// pytest). Expected values are computed by hand in the comments.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  angleAt, tilt, kneeValgus, MEASURES, SetCoach, detectSide, inView, LM,
} from "../../../kneechain/web/static/coach/logic.js";

const close = (a, b, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b} (+-${tol})`);

// A standing person facing the camera, in pixels: hips 40 px apart at y=100, knees at y=150,
// ankles at y=200 spread to `width` hip widths, shoulders at y=0, heels and toes on the floor.
function standing(width = 1, { leftKneeX = null, visibility = 1 } = {}) {
  const p = Array.from({ length: 33 }, () => ({ x: 0, y: 0, visibility: 0 }));
  const set = (i, x, y, v = visibility) => { p[i] = { x, y, visibility: v }; };
  const half = (40 * width) / 2;
  // the person's left is on the image's right (they face the camera)
  set(LM.shoulder.left, 125, 0); set(LM.shoulder.right, 75, 0);
  set(LM.hip.left, 120, 100); set(LM.hip.right, 80, 100);
  set(LM.ankle.left, 100 + half, 200); set(LM.ankle.right, 100 - half, 200);
  const mid = (h, a) => (h + a) / 2;
  set(LM.knee.left, leftKneeX ?? mid(120, 100 + half), 150);
  set(LM.knee.right, mid(80, 100 - half), 150);
  set(LM.heel.left, 100 + half, 205); set(LM.toe.left, 100 + half + 10, 205);
  set(LM.heel.right, 100 - half, 205); set(LM.toe.right, 100 - half - 10, 205);
  return p;
}

const LUNGE = {
  count: "reps", signal: "stance_width", enter: 2.0, exit: 1.5, side: "detect",
  cues: [
    { id: "knee_over_toe", check: "knee_valgus", above: 12, when: "peak", say: "Knee over toe" },
    { id: "controlled_speed", check: "rep_seconds", below: 1.5, when: "rep", say: "Slower" },
  ],
  target: { sets: 1, reps: 3, seconds: null, per_side: true },
};

// Feed `widths` at 30 frames a second; return the coach and every event.
function run(config, frames, fps = 30) {
  const coach = new SetCoach(config);
  const events = [];
  frames.forEach((points, i) => events.push(...coach.update(i / fps, points)));
  return { coach, events };
}

test("angle at a joint, hand-computed", () => {
  close(angleAt({ x: 0, y: 1 }, { x: 0, y: 0 }, { x: 1, y: 0 }), 90);
  close(angleAt({ x: -1, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 0 }), 180);
  close(tilt({ x: 0, y: 0 }, { x: 10, y: 10 }), 45);
  close(tilt({ x: 10, y: 0 }, { x: 0, y: 1e-9 }), 0, 1e-6);
});

test("frontal plane projection angle: knee inside the hip-ankle line is positive", () => {
  // left hip (120,100), ankle straight below at (120,200) when width = 2 (half = 40 -> 140)...
  // use explicit points: hip (100,100), knee (95,150), ankle (100,200), other hip at x=60:
  // knee->hip (5,-50), knee->ankle (5,50): inner angle 180 - 2*atan(5/50) = 168.58, FPPA 11.42
  const p = standing(1);
  p[LM.hip.left] = { x: 100, y: 100, visibility: 1 };
  p[LM.knee.left] = { x: 95, y: 150, visibility: 1 };
  p[LM.ankle.left] = { x: 100, y: 200, visibility: 1 };
  p[LM.hip.right] = { x: 60, y: 100, visibility: 1 };
  const fppa = 2 * Math.atan(5 / 50) * (180 / Math.PI);
  close(kneeValgus(p, "left"), fppa, 1e-9);
  p[LM.knee.left] = { x: 105, y: 150, visibility: 1 }; // bowed outward
  close(kneeValgus(p, "left"), -fppa, 1e-9);
});

test("stance width is ankle distance over hip distance", () => {
  close(MEASURES.stance_width(standing(1)), 1);
  close(MEASURES.stance_width(standing(3)), 3);
});

test("a landmark under the visibility floor is not used", () => {
  const p = standing(3);
  p[LM.ankle.left].visibility = 0.2;
  assert.equal(MEASURES.stance_width(p), null);
  assert.equal(inView(standing(1, { visibility: 0.3 })), false);
  assert.equal(inView(standing(1)), true);
});

// widths over time: rest 0.5 s, then each rep rises 1 -> 3 over `up` s and back over `up` s
function lunges(n, up = 0.5, rest = 0.5, fps = 30) {
  const widths = [];
  const add = (seconds, fn) => { for (let i = 0; i < Math.round(seconds * fps); i++) widths.push(fn(i / fps / seconds)); };
  add(rest, () => 1);
  for (let r = 0; r < n; r++) {
    add(up, (u) => 1 + 2 * u);
    add(up, (u) => 3 - 2 * u);
    add(rest, () => 1);
  }
  return widths;
}

test("counts each lunge once; start and end are the frames the width leaves and regains rest", () => {
  const widths = lunges(3);
  const { coach, events } = run(LUNGE, widths.map((w) => standing(w)));
  assert.equal(coach.reps.length, 3);
  assert.equal(events.filter((e) => e.type === "rep").length, 3);
  // rep 1 rises on frames 15..29 with width 1 + 2i/15: last frame at rest (<= 1.5) is i = 3,
  // frame 18 (0.6 s); it falls on frames 30..44 with width 3 - 2i/15, back under 1.5 from
  // i = 12 (i >= 11.25): frame 42, 1.4 s (counted 0.1 s later, when it is still at rest).
  close(coach.reps[0].start, 18 / 30, 1e-9);
  close(coach.reps[0].end, 42 / 30, 1e-9);
  for (const rep of coach.reps) assert.ok(rep.end - rep.start < 1.0);
  assert.equal(events.filter((e) => e.type === "target").length, 1); // 3 reps reach the target
});

test("jitter around the entry threshold does not count twice (hysteresis)", () => {
  const widths = [1, 1, 2.1, 1.9, 2.1, 1.6, 2.1, 1.6, 1, 1]; // 10 frames a second
  const { coach } = run(LUNGE, widths.map((w) => standing(w)), 10);
  assert.equal(coach.reps.length, 1);
});

test("frames without the body in view are skipped, not counted as rest", () => {
  const frames = [1, 1, 3, 3].map((w) => standing(w));
  frames.push(standing(1, { visibility: 0 })); // lost: no rep ends here
  frames.push(standing(3));
  frames.push(standing(1), standing(1)); // back at rest at frame 6, still there 0.1 s later
  const { coach } = run(LUNGE, frames, 10);
  assert.equal(coach.reps.length, 1);
  close(coach.reps[0].end, 6 / 10);
});

test("quick reps get the speed cue, slow ones do not", () => {
  const quick = run(LUNGE, lunges(2, 0.4).map((w) => standing(w)));
  assert.deepEqual(quick.coach.cues.map((c) => c.id), ["controlled_speed", "controlled_speed"]);
  const slow = run(LUNGE, lunges(2, 1.2).map((w) => standing(w)));
  assert.deepEqual(slow.coach.cues, []);
});

test("a knee caving in at the deepest point gets the knee cue, and the side is detected", () => {
  const widths = lunges(1, 1.2);
  const deepest = Math.max(...widths);
  const frames = widths.map((w) => {
    const p = standing(w);
    if (w === deepest) {
      // left knee bent (pulled up and inward): hip (120,100), ankle (140,200), knee (112,150)
      p[LM.knee.left] = { x: 112, y: 150, visibility: 1 };
    }
    return p;
  });
  const { coach } = run(LUNGE, frames);
  assert.equal(coach.reps.length, 1);
  assert.equal(coach.reps[0].side, "left");
  assert.deepEqual(coach.cues.map((c) => c.id), ["knee_over_toe"]);
  assert.ok(coach.cues[0].value > 12);
});

test("a straight-legged rep (feet apart, knees alike) has no detected side", () => {
  assert.equal(detectSide("stance_width", standing(3)), null);
});

test("a hold counts seconds only while still; a moving hold counts when still is off", () => {
  const fps = 30;
  const still = Array.from({ length: 5 * fps }, () => standing(1));
  const hold = { count: "hold", side: "choose", cues: [], target: { sets: 1, reps: null, seconds: 4, per_side: true } };
  const a = run(hold, still);
  close(a.coach.held, 149 / 30 - 1 / 30, 0.05); // every frame after the first two is still
  assert.ok(a.events.some((e) => e.type === "target"));
  // ankles move 10 px and knees 5 px every frame: 3.75 px a frame over the 8 key points,
  // 112 px/s, torso 100 px: 1.1 torso lengths a second, over 0.25
  const moving = Array.from({ length: 5 * fps }, (_, i) => standing(1 + (i % 2) * 0.5));
  assert.equal(run(hold, moving).coach.held, 0);
  const loose = run({ ...hold, still: false }, moving);
  close(loose.coach.held, 149 / 30, 1e-9);
});

test("heel cue during a hold, said again only after the repeat gap", () => {
  const fps = 30;
  const frames = Array.from({ length: 20 * fps }, () => {
    const p = standing(1);
    p[LM.heel.left] = { x: 120, y: 190, visibility: 1 }; // heel 15 px above toe, shin ~51 px
    return p;
  });
  const hold = {
    count: "hold", side: "choose", side_chosen: "left", still: true, target: null,
    cues: [{ id: "heel_down", check: "heel_rise", above: 0.08, when: "during", say: "Heel down" }],
  };
  const { coach } = run(hold, frames);
  // first said at the first still frame, then every 8 s: about 0.07 s, 8.07 s, 16.07 s
  assert.equal(coach.cues.length, 3);
});

test("summary holds reps, time under tension and cue counts", () => {
  const { coach } = run(LUNGE, lunges(2, 0.4).map((w) => standing(w)));
  const s = coach.summary();
  assert.equal(s.reps, 2);
  assert.deepEqual(s.cues, [{ id: "controlled_speed", times: 2 }]);
  const tut = coach.reps.reduce((a, r) => a + r.end - r.start, 0);
  close(s.seconds_under_tension, Math.round(tut * 10) / 10);
  assert.equal(s.rep_times.length, 2);
});

test("a one-frame spike past the threshold is a glitch, not a rep", () => {
  // at 30 fps: rest, one frame at 3 hip widths (1/30 s), rest again: shorter than 0.25 s
  const { coach, events } = run(LUNGE, [1, 1, 1, 3, 1, 1].map((w) => standing(w)));
  assert.equal(coach.reps.length, 0);
  assert.deepEqual(events, []);
  // the same spike held for 9 frames (rest at frame 2, back at frame 12: 0.33 s) counts
  const held = run(LUNGE, [1, 1, 1, ...Array(9).fill(3), 1, 1, 1, 1].map((w) => standing(w)));
  assert.equal(held.coach.reps.length, 1);
});

test("one frame back at rest in mid-movement does not split a rep in two", () => {
  // at 30 fps: out for 10 frames, one frame under 1.5, out again 10 frames, then rest
  const widths = [1, 1, ...Array(10).fill(3), 1.2, ...Array(10).fill(3), 1, 1, 1, 1, 1];
  const { coach } = run(LUNGE, widths.map((w) => standing(w)));
  assert.equal(coach.reps.length, 1);
  close(coach.reps[0].start, 1 / 30, 1e-9);
  close(coach.reps[0].end, 23 / 30, 1e-9); // the first frame of the lasting rest
});

test("at 8 frames a second one frame back at rest between two reps ends the first", () => {
  // t = i/8. Rep 1 enters at i=2; i=5 (0.625 s) is at rest, i=6 out again: the rest measures
  // (0.625-0.5)/2 + (0.75-0.625)/2 = 0.125 s >= 0.1, so rep 1 ended at 0.625 (it started at
  // i=1, 0.125 s, the last frame at rest before it) and rep 2 starts there; rep 2 ends at
  // i=9 (1.125 s), confirmed at i=10: (1.125-1.0)/2 + 0.125 = 0.1875 s of rest.
  const { coach } = run(LUNGE, [1, 1, 3, 3, 3, 1, 3, 3, 3, 1, 1].map((w) => standing(w)), 8);
  assert.deepEqual(coach.reps.map((r) => [r.start, r.end]), [[0.125, 0.625], [0.625, 1.125]]);
});

test("at 15 frames a second one frame back at rest mid-movement does not split the rep", () => {
  // the dip at i=6 measures (1/15)/2 + (1/15)/2 = 0.067 s < 0.1: the same rep goes on; it
  // ends at i=11 (11/15 s), confirmed at i=12: (1/15)/2 + 1/15 = 0.1 s
  const widths = [1, 1, 3, 3, 3, 3, 1.2, 3, 3, 3, 3, 1, 1, 1];
  const { coach } = run(LUNGE, widths.map((w) => standing(w)), 15);
  assert.equal(coach.reps.length, 1);
  close(coach.reps[0].start, 1 / 15, 1e-9);
  close(coach.reps[0].end, 11 / 15, 1e-9);
});

test("a person whose rest is near exit is back at rest a quarter of the way from the peak", () => {
  // 10 fps. Rest 1.3, reps out to 3.3, back only to 1.6 (over exit 1.5): rep 1's exit is
  // 1.3 + (3.3 - 1.3) / 4 = 1.8, capped at the middle of enter and exit, 1.75: 1.6 is rest.
  // Rep 1: from i=1 (0.1 s) to i=5 (0.5 s), confirmed at i=6 ((0.5-0.4)/2 + 0.1 = 0.15 s).
  // Rep 2 starts from the last rest frame, i=7 (0.7 s), and ends at i=11 (1.1 s).
  const widths = [1.3, 1.3, 3.3, 3.3, 3.3, 1.6, 1.6, 1.6, 3.3, 3.3, 3.3, 1.6, 1.6, 1.6];
  const { coach } = run(LUNGE, widths.map((w) => standing(w)), 10);
  assert.equal(coach.reps.length, 2);
  coach.reps.forEach((r, i) => {
    close(r.start, [0.1, 0.7][i], 1e-9);
    close(r.end, [0.5, 1.1][i], 1e-9);
  });
});
