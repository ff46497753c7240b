// Live coaching logic: body measures from BlazePose landmarks, repetition counting, hold timing
// and form cues. Pure functions and one small state machine, no DOM and no browser API, so the
// same file runs in the page (coach.js imports it) and under Node's test runner
// (tests/web/js/logic.test.mjs). What is counted and every threshold come from
// kneechain/knowledge/data/coaching.yaml through the page; the few numbers here are marked.

// BlazePose landmark indices (the 33-point topology of @mediapipe/pose).
export const LM = {
  shoulder: { left: 11, right: 12 },
  hip: { left: 23, right: 24 },
  knee: { left: 25, right: 26 },
  ankle: { left: 27, right: 28 },
  heel: { left: 29, right: 30 },
  toe: { left: 31, right: 32 },
};
export const SIDES = ["left", "right"];
const OTHER = { left: "right", right: "left" };

// A landmark counts only when BlazePose says it is this likely to be in view: MediaPipe's own
// default for drawing landmarks (product choice, as in @mediapipe/drawing_utils).
export const MIN_VISIBILITY = 0.5;
// A hold is "still" while the body's key points move slower than this many torso lengths per
// second, averaged over half a second (product choice: breathing and sway stay under it,
// shifting position does not).
export const STILL_SPEED = 0.25;
// A "during" cue of a hold is said again at most this often (product choice: not nagging).
export const REPEAT_CUE_SECONDS = 8;
// A "repetition" past `enter` for less than this (its first to its last frame past it) is a
// landmark glitch (a foot or hip misplaced for a frame or two), not a movement: it is not
// counted (product choice: every coached exercise stays out longer; a jumping jack, the
// quickest movement in the test clips, stays past it about 0.6 s). Measured past `enter`, not
// from rest to rest: at 8 frames a second the frames at rest around a one-frame glitch are
// 0.25 s apart, which would make it look like a movement.
export const MIN_REP_SECONDS = 0.2;
// A rep ends once the measure has been back at rest this long (its end time is the first
// frame at rest), the rest's length taken from the frames' times, halfway to the frames around
// it, so that one frame at rest at 8 frames a second (0.125 s) is a rest, one or two at 14-30
// (0.07 s) are a foot or knee misplaced mid-movement and do not split a rep in two (product
// choice: 0.1 s; the count and cues wait that long, or until the next frame out of rest).
export const MIN_REST_SECONDS = 0.1;
// A rep is back at rest a quarter of the way back from its peak to the person's own rest
// before it, when that is further out than `exit` (see SetCoach.#exit; product choice).
export const EXIT_FRACTION = 0.25;
// Knees differing by less than this at the deepest point count as "both" (product choice).
export const SIDE_MARGIN_DEG = 10;

const DEG = 180 / Math.PI;

function point(points, index) {
  const p = points && points[index];
  if (!p || !Number.isFinite(p.x) || !Number.isFinite(p.y)) return null;
  if (p.visibility !== undefined && p.visibility < MIN_VISIBILITY) return null;
  return p;
}

function pick(points, part, side) {
  return point(points, LM[part][side]);
}

export function distance(a, b) {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** Angle ABC at B in degrees (0-180). */
export function angleAt(a, b, c) {
  const v1x = a.x - b.x, v1y = a.y - b.y, v2x = c.x - b.x, v2y = c.y - b.y;
  const n = Math.hypot(v1x, v1y) * Math.hypot(v2x, v2y);
  if (n === 0) return null;
  const cos = Math.min(1, Math.max(-1, (v1x * v2x + v1y * v2y) / n));
  return Math.acos(cos) * DEG;
}

/** Angle between two directions (vectors a->b and c->d), 0-180 degrees. */
export function between(a, b, c, d) {
  return angleAt({ x: b.x - a.x, y: b.y - a.y }, { x: 0, y: 0 }, { x: d.x - c.x, y: d.y - c.y });
}

/** Angle of the line a-b against the horizontal, folded to 0-90 degrees. */
export function tilt(a, b) {
  const t = Math.abs(Math.atan2(b.y - a.y, b.x - a.x) * DEG);
  return Math.min(t, 180 - t);
}

function perSide(fn, points, side, combine) {
  if (side) return fn(points, side);
  const values = SIDES.map((s) => fn(points, s)).filter((v) => v !== null);
  return values.length ? combine(values) : null;
}
const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
const max = (v) => Math.max(...v);

function hipExtension(points, side) {
  const s = pick(points, "shoulder", side), h = pick(points, "hip", side);
  const k = pick(points, "knee", side);
  return s && h && k ? angleAt(s, h, k) : null;
}

function heelRise(points, side) {
  const heel = pick(points, "heel", side), toe = pick(points, "toe", side);
  const knee = pick(points, "knee", side), ankle = pick(points, "ankle", side);
  if (!heel || !toe || !knee || !ankle) return null;
  const shin = distance(knee, ankle);
  return shin > 0 ? (toe.y - heel.y) / shin : null; // image y grows downward
}

function hipAbduction(points, side) {
  const s = pick(points, "shoulder", side), h = pick(points, "hip", side);
  const a = pick(points, "ankle", side);
  return s && h && a ? between(s, h, h, a) : null;
}

/** Frontal plane projection angle: 180 minus the hip-knee-ankle angle, positive when the knee
 * sits inside the hip-ankle line (toward the other leg), negative when outside. */
export function kneeValgus(points, side) {
  const h = pick(points, "hip", side), k = pick(points, "knee", side);
  const a = pick(points, "ankle", side), other = pick(points, "hip", OTHER[side]);
  if (!h || !k || !a || !other) return null;
  const inner = angleAt(h, k, a);
  if (inner === null) return null;
  // side of the hip-ankle line the knee is on, compared with the side the other hip is on
  const cross = (p) => (a.x - h.x) * (p.y - h.y) - (a.y - h.y) * (p.x - h.x);
  const inward = Math.sign(cross(k)) === Math.sign(cross(other));
  return (inward ? 1 : -1) * (180 - inner);
}

function stanceWidth(points) {
  const la = pick(points, "ankle", "left"), ra = pick(points, "ankle", "right");
  const lh = pick(points, "hip", "left"), rh = pick(points, "hip", "right");
  if (!la || !ra || !lh || !rh) return null;
  const hips = distance(lh, rh);
  return hips > 0 ? distance(la, ra) / hips : null;
}

function pelvisTilt(points) {
  const lh = pick(points, "hip", "left"), rh = pick(points, "hip", "right");
  return lh && rh ? tilt(lh, rh) : null;
}

function trunkRoll(points) {
  const ls = pick(points, "shoulder", "left"), rs = pick(points, "shoulder", "right");
  const lh = pick(points, "hip", "left"), rh = pick(points, "hip", "right");
  if (!ls || !rs || !lh || !rh) return null;
  const t = between(ls, rs, lh, rh);
  return t === null ? null : Math.min(t, 180 - t);
}

/** Every body measure coaching.yaml may name (kneechain.knowledge.coaching.MEASURES mirrors
 * these names): (points in pixels, side or null) -> number or null when not in view. */
export const MEASURES = {
  hip_extension: (p, side) => perSide(hipExtension, p, side, mean),
  stance_width: (p) => stanceWidth(p),
  heel_rise: (p, side) => perSide(heelRise, p, side, max),
  hip_abduction: (p, side) => perSide(hipAbduction, p, side, max),
  pelvis_tilt: (p) => pelvisTilt(p),
  knee_valgus: (p, side) => perSide(kneeValgus, p, side, max),
  trunk_roll: (p) => trunkRoll(p),
  rep_seconds: null, // measured on the finished rep by the counter, not from one frame
};

/** The side a repetition worked, from its deepest / highest frame (null: both or unclear). */
export function detectSide(signal, points) {
  if (signal === "stance_width") {
    const bend = SIDES.map((s) => {
      const h = pick(points, "hip", s), k = pick(points, "knee", s), a = pick(points, "ankle", s);
      return h && k && a ? angleAt(h, k, a) : null;
    });
    if (bend.includes(null) || Math.abs(bend[0] - bend[1]) < SIDE_MARGIN_DEG) return null;
    return bend[0] < bend[1] ? "left" : "right"; // the more bent knee leads
  }
  const fn = { heel_rise: heelRise, hip_abduction: hipAbduction }[signal];
  if (!fn) return null;
  const v = SIDES.map((s) => fn(points, s));
  if (v.includes(null)) return v[0] !== null ? "left" : v[1] !== null ? "right" : null;
  return v[0] >= v[1] ? "left" : "right";
}

function torso(points) {
  const parts = SIDES.map((s) => [pick(points, "shoulder", s), pick(points, "hip", s)]);
  const lengths = parts.filter(([s, h]) => s && h).map(([s, h]) => distance(s, h));
  return lengths.length ? mean(lengths) : null;
}

const KEY_POINTS = ["shoulder", "hip", "knee", "ankle"].flatMap((part) =>
  SIDES.map((s) => LM[part][s]),
);

/** Whether enough of the body is in view to coach: hips, knees and ankles of one side at least. */
export function inView(points) {
  return SIDES.some((s) => ["hip", "knee", "ankle"].every((part) => pick(points, part, s)));
}

function crossed(value, limit, dir) {
  return dir * value >= dir * limit;
}

/**
 * One set with the camera. `config` is the exercise's coaching entry (coaching.yaml) plus
 * `target` ({sets, reps, seconds, per_side}) and `side` (the side chosen, or null).
 * `update(t, points)` takes a frame's time in seconds and its landmarks in pixels and returns
 * the events of that frame: {type: "rep"|"cue"|"target"}.
 */
export class SetCoach {
  constructor(config) {
    this.config = config;
    this.side = config.side_chosen || null;
    this.dir = config.count === "reps" && config.enter < config.exit ? -1 : 1;
    this.reps = [];
    this.cues = [];
    this.held = 0;
    this.started = null;
    this.last = null;
    this.inRep = false;
    this.restT = null; // last frame at rest before the current rep
    this.restSince = null; // first frame back at rest in the current rep
    this.restLast = null; // its latest frame at rest
    this.restValue = null; // the measure furthest into rest since the last rep began
    this.restRef = null; // that value when the current rep began
    this.restBefore = null; // the frame before that rest
    this.lastT = null; // the latest frame with the measure in view
    this.peak = null;
    this.saidThisRep = new Set();
    this.lastSaid = {};
    this.trail = [];
    this.visible = false;
    this.done = false;
  }

  update(t, points) {
    const events = [];
    this.visible = inView(points);
    if (this.started === null && this.visible) this.started = t;
    if (this.config.count === "reps") this.#reps(t, points, events);
    else this.#hold(t, points, events);
    this.last = t;
    if (!this.done && this.targetReached(t)) {
      this.done = true;
      events.push({ type: "target", t });
    }
    return events;
  }

  #reps(t, points, events) {
    const c = this.config;
    const value = MEASURES[c.signal](points, this.side);
    if (value === null) return; // not in view: skipped, neither rest nor movement
    const atRest = crossed(this.#exit(), value, this.dir);
    if (this.inRep && atRest) {
      if (this.restSince === null) this.restBefore = this.lastT;
      this.restSince = this.restSince ?? t;
      this.restLast = t;
      if (this.#restLength(null) >= MIN_REST_SECONDS - 1e-9) this.#endRep(t, events);
    } else if (this.inRep && this.restSince !== null) {
      // back in the movement: the rest it leaves ended the rep if it lasted long enough,
      // judged by the frames around it (at 8 frames a second one frame at rest can be 0.2 s)
      if (this.#restLength(t) >= MIN_REST_SECONDS - 1e-9) this.#endRep(t, events);
      else this.restSince = null; // a frame or two misplaced: the same rep goes on
    }
    if (!this.inRep) {
      if (crossed(value, c.enter, this.dir)) {
        this.inRep = true;
        this.peak = { value, t, points };
        this.saidThisRep = new Set();
        this.start = this.restT ?? t;
        this.pastFrom = t;
        this.restSince = null;
        this.restRef = this.restValue ?? c.exit;
        this.restValue = null;
      } else if (atRest) {
        this.restT = t;
        const deeper = this.restValue === null || this.dir * value < this.dir * this.restValue;
        if (deeper) this.restValue = value;
      }
    }
    this.lastT = t;
    if (!this.inRep) return;
    if (this.dir * value > this.dir * this.peak.value) this.peak = { value, t, points };
    if (crossed(value, c.enter, this.dir)) this.pastTo = t;
    this.#cues("during", t, points, events, this.side);
  }

  /** Where a rep is back at rest: `exit`, or, when the person's own rest and peak are further
   * apart, a quarter of the way back from the peak to the deepest rest seen before the rep, never
   * past the middle of `enter` and `exit` (the hysteresis stays half as wide at least). A
   * person whose rest sits near `exit` (feet hip width apart, filmed from above, measure 1.4-1.5
   * hip widths against the lunge's 1.5) is then back at rest when they are. */
  #exit() {
    const c = this.config;
    if (!this.inRep && this.lastExit !== undefined) return this.lastExit;
    if (!this.inRep || this.restRef === null || !this.peak) return c.exit;
    const back = this.restRef + (this.peak.value - this.restRef) * EXIT_FRACTION;
    const middle = (c.enter + c.exit) / 2;
    const outer = this.dir * back > this.dir * c.exit ? back : c.exit;
    return (this.lastExit = this.dir * outer < this.dir * middle ? outer : middle);
  }

  /** How long the measure has been back at rest in the current rep: from halfway between the
   * frame before the rest and its first frame, to halfway between its last frame and `next`
   * (the first frame out of it; null while it lasts: up to its last frame). Frame times, not
   * frame counts: the same rest measures the same at 8 or 30 frames a second. */
  #restLength(next) {
    const before = this.restBefore === null ? 0 : (this.restSince - this.restBefore) / 2;
    const after = next === null ? 0 : (next - this.restLast) / 2;
    return before + (this.restLast - this.restSince) + after;
  }

  #endRep(t, events) {
    const c = this.config;
    const end = this.restSince;
    this.inRep = false;
    this.restSince = null;
    this.restT = this.restLast; // the last frame at rest: where a next rep starts
    // past `enter` too briefly: a glitch, not a rep
    if (this.pastTo - this.pastFrom < MIN_REP_SECONDS - 1e-9) return;
    const side = this.side || (c.side === "detect" ? detectSide(c.signal, this.peak.points) : null);
    const rep = { n: this.reps.length + 1, start: this.start, end, peak_t: this.peak.t, side };
    this.reps.push(rep);
    events.push({ type: "rep", t, rep });
    this.#cues("peak", t, this.peak.points, events, side);
    for (const cue of c.cues.filter((q) => q.when === "rep")) {
      this.#judge(cue, rep.end - rep.start, t, events);
    }
  }

  #hold(t, points, events) {
    const c = this.config;
    const dt = this.last === null ? 0 : Math.min(t - this.last, 0.5);
    const size = torso(points);
    this.trail.push({ t, points, size });
    while (this.trail.length && this.trail[0].t < t - 0.5) this.trail.shift();
    if (!this.visible) return;
    if (c.signal && !crossed(MEASURES[c.signal](points, this.side) ?? -Infinity, c.enter, 1)) {
      return;
    }
    if (c.still !== false && !this.still()) return;
    this.held += dt;
    this.#cues("during", t, points, events, this.side);
  }

  /** Whether the key points moved less than STILL_SPEED torso lengths a second lately (path
   * length over the last half second, so a back-and-forth sway counts in full). */
  still() {
    const first = this.trail[0], last = this.trail[this.trail.length - 1];
    if (!first || first === last || !last.size) return false;
    let path = 0;
    for (let f = 1; f < this.trail.length; f++) {
      const moved = KEY_POINTS.map((i) => {
        const a = point(this.trail[f - 1].points, i), b = point(this.trail[f].points, i);
        return a && b ? distance(a, b) : null;
      }).filter((d) => d !== null);
      if (moved.length) path += mean(moved);
    }
    return path / last.size / (last.t - first.t) < STILL_SPEED;
  }

  #cues(when, t, points, events, side) {
    for (const cue of this.config.cues.filter((q) => q.when === when)) {
      if (cue.check === "rep_seconds") continue;
      // a rep hears each cue once; a hold hears it again after REPEAT_CUE_SECONDS
      const recent = this.lastSaid[cue.id];
      if (this.config.count === "hold") {
        if (recent !== undefined && t - recent < REPEAT_CUE_SECONDS) continue;
      } else if (this.saidThisRep.has(cue.id)) continue;
      const value = MEASURES[cue.check](points, side);
      if (value !== null) this.#judge(cue, value, t, events);
    }
  }

  #judge(cue, value, t, events) {
    const off = cue.above !== undefined && cue.above !== null ? value > cue.above : value < cue.below;
    if (!off) return;
    this.saidThisRep.add(cue.id);
    this.lastSaid[cue.id] = t;
    const given = { id: cue.id, say: cue.say, t, value, rep: this.reps.length + (this.inRep ? 1 : 0) };
    this.cues.push(given);
    events.push({ type: "cue", t, cue: given });
  }

  targetReached(t) {
    const target = this.config.target;
    if (!target) return false;
    if (target.reps) return this.reps.length >= target.reps;
    if (target.seconds) {
      if (this.config.count === "hold") return this.held >= target.seconds;
      const from = this.reps.length ? this.reps[0].start : null;
      return from !== null && t - from >= target.seconds;
    }
    return false;
  }

  /** What "save to my log" sends for this set. */
  summary() {
    const counts = {};
    for (const c of this.cues) counts[c.id] = (counts[c.id] || 0) + 1;
    const sides = new Set(this.reps.map((r) => r.side).filter(Boolean));
    const tut = this.config.count === "reps"
      ? this.reps.reduce((s, r) => s + (r.end - r.start), 0)
      : this.held;
    return {
      reps: this.config.count === "reps" ? this.reps.length : null,
      seconds_under_tension: Math.round(tut * 10) / 10,
      side: this.side || (sides.size === 1 ? [...sides][0] : null),
      cues: Object.entries(counts).map(([id, times]) => ({ id, times })),
      rep_times: this.reps.map((r) => [round2(r.start), round2(r.end)]),
    };
  }
}

const round2 = (x) => Math.round(x * 100) / 100;
