// The counter on real pose sequences (tests/web/js/data/coach_clips.json, written by
// `python -m bench.coach_clips`): BlazePose lite landmarks of each real clip of
// bench/coach_clips.py, whose repetitions were counted by hand before the coach ever ran on
// them. Played every frame (30 fps) and, looped four times, at the low and irregular frame
// rates a loaded phone or laptop gives the page (8-20 frames a second, each interval 0.6-1.4
// times the mean): the count must be exact and every rep's start and end within 0.3 s of the
// hand count, at every rate and every draw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { SetCoach } from "../../../kneechain/web/static/coach/logic.js";

const CLIPS = JSON.parse(readFileSync(new URL("./data/coach_clips.json", import.meta.url)));
const LOOPS = 4;
const TOLERANCE_S = 0.3;

const toPoints = (frame) => frame.map(([x, y, visibility]) => ({ x, y, visibility }));

// a small seeded generator (mulberry32), so that every run draws the same frame times
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Count the clip seen at times `times` (s, looped clip): each time shows the clip's frame
// current then (`loops` loops, then 0.2 s of the next one's rest). Returns the reps counted
// and the hand-counted reps of those loops.
function count(clip, times, loops) {
  const frames = clip.frames.map(toPoints);
  const n = frames.length;
  const coach = new SetCoach({ ...clip.coaching, target: null, side_chosen: null });
  for (const t of times) coach.update(t, frames[Math.floor(t * clip.fps + 1e-9) % n]);
  const hand = [];
  for (let k = 0; k < loops; k++) {
    for (const [s, e] of clip.rep_times) hand.push([s + (k * n) / clip.fps, e + (k * n) / clip.fps]);
  }
  return { reps: coach.reps, hand };
}

function assertMatches(reps, hand, where) {
  assert.equal(reps.length, hand.length, `${where}: ${reps.length} reps counted, ${hand.length} by hand`);
  reps.forEach((rep, i) => {
    const off = Math.max(Math.abs(rep.start - hand[i][0]), Math.abs(rep.end - hand[i][1]));
    assert.ok(off <= TOLERANCE_S, `${where}: rep ${i + 1} ${rep.start.toFixed(2)}-${rep.end.toFixed(2)} s, by hand ${hand[i][0].toFixed(2)}-${hand[i][1].toFixed(2)} s`);
  });
}

for (const [name, clip] of Object.entries(CLIPS)) {
  test(`${name}: every frame, the hand count exactly`, () => {
    // the clip once, then 0.2 s of its start again (the rest after its last rep)
    const times = [];
    for (let t = 0; t < clip.frames.length / clip.fps + 0.2; t += 1 / clip.fps) times.push(t);
    const { reps } = count(clip, times, 1);
    assertMatches(reps, clip.rep_times, name);
  });

  test(`${name}: looped ${LOOPS} times at 8-20 irregular frames a second, exact`, () => {
    // into the next loop's rest before its first rep (which is not counted, nor expected)
    const length = (LOOPS * clip.frames.length) / clip.fps + 0.2;
    for (const fps of [8, 10, 12, 15, 20]) {
      for (let seed = 1; seed <= 30; seed++) {
        const draw = random(seed * 1000 + fps);
        const times = [];
        for (let t = draw() / fps; t < length; t += (0.6 + 0.8 * draw()) / fps) times.push(t);
        const { reps, hand } = count(clip, times, LOOPS);
        assertMatches(reps, hand, `${name} at ${fps} fps, draw ${seed}`);
      }
    }
  });
}
