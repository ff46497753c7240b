"""Forward kinematics of the stick figure: joint angles in, landmark positions out (pure maths).

Directions are degrees counter-clockwise from the +x axis, y pointing up. Each segment's direction
is its parent's plus a joint angle, so a pose reads like a therapist's description ("hip bent 90,
knee bent 90"). A figure facing left is the mirror image of the same pose facing right.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kneechain.knowledge.illustrations import Body, Figure, Pose

Point = tuple[float, float]


def heading(origin: Point, direction_deg: float, length: float) -> Point:
    """The point `length` away from `origin` in direction `direction_deg`."""
    rad = math.radians(direction_deg)
    return (origin[0] + length * math.cos(rad), origin[1] + length * math.sin(rad))


@dataclass(frozen=True)
class Skeleton:
    """Landmark positions of a posed figure, plus the segments to draw between them."""

    points: dict[str, Point]

    def __getitem__(self, name: str) -> Point:
        return self.points[name]

    def shifted(self, dx: float, dy: float) -> Skeleton:
        return Skeleton({k: (x + dx, y + dy) for k, (x, y) in self.points.items()})

    def mirrored(self, about_x: float) -> Skeleton:
        return Skeleton({k: (2 * about_x - x, y) for k, (x, y) in self.points.items()})


#: segment name -> (from landmark, to landmark)
SEGMENT_ENDS: dict[str, tuple[str, str]] = {
    "thigh_near": ("hip_near", "knee_near"),
    "shin_near": ("knee_near", "ankle_near"),
    "foot_near": ("heel_near", "toe_near"),
    "thigh_far": ("hip_far", "knee_far"),
    "shin_far": ("knee_far", "ankle_far"),
    "foot_far": ("heel_far", "toe_far"),
    "upper_arm_near": ("shoulder_near", "elbow_near"),
    "forearm_near": ("elbow_near", "hand_near"),
    "upper_arm_far": ("shoulder_far", "elbow_far"),
    "forearm_far": ("elbow_far", "hand_far"),
    "trunk": ("pelvis", "shoulder"),
}


def _leg(
    body: Body, pose: Pose, hip: Point, trunk: float, limb: str, sign: float
) -> dict[str, Point]:
    j, s = pose.joints, pose.scale
    thigh_dir = trunk + 180 + sign * j.get(f"hip_{limb}", 0.0)
    knee = heading(hip, thigh_dir, body.thigh * s.get(f"thigh_{limb}", 1.0))
    shin_dir = thigh_dir - sign * j.get(f"knee_{limb}", 0.0)
    ankle = heading(knee, shin_dir, body.shin * s.get(f"shin_{limb}", 1.0))
    foot_dir = shin_dir + sign * (90 + j.get(f"ankle_{limb}", 0.0))
    foot_scale = s.get(f"foot_{limb}", 1.0)
    return {
        f"hip_{limb}": hip,
        f"knee_{limb}": knee,
        f"ankle_{limb}": ankle,
        f"toe_{limb}": heading(ankle, foot_dir, body.foot * foot_scale),
        f"heel_{limb}": heading(ankle, foot_dir + 180, body.heel * foot_scale),
    }


def _arm(
    body: Body, pose: Pose, shoulder: Point, trunk: float, limb: str, sign: float
) -> dict[str, Point]:
    j, s = pose.joints, pose.scale
    arm_dir = trunk + 180 + sign * j.get(f"shoulder_{limb}", 0.0)
    elbow = heading(shoulder, arm_dir, body.upper_arm * s.get(f"upper_arm_{limb}", 1.0))
    fore_dir = arm_dir + sign * j.get(f"elbow_{limb}", 0.0)
    hand = heading(elbow, fore_dir, body.forearm * s.get(f"forearm_{limb}", 1.0))
    return {f"shoulder_{limb}": shoulder, f"elbow_{limb}": elbow, f"hand_{limb}": hand}


def pose_skeleton(body: Body, pose: Pose, view: str) -> Skeleton:
    """Landmarks of a pose with the pelvis at the origin, facing right."""
    trunk = pose.trunk
    pelvis: Point = (0.0, 0.0)
    shoulder = heading(pelvis, trunk, body.trunk * pose.scale.get("trunk", 1.0))
    head = heading(shoulder, trunk + pose.joints.get("neck", 0.0), body.neck + body.head_radius)
    points: dict[str, Point] = {"pelvis": pelvis, "shoulder": shoulder, "head": head}
    front = view == "front"
    for limb, side in (("near", -1.0), ("far", 1.0)):
        # front view: near limbs on the viewer's right; angles mirror so + is always outward
        sign = -side if front else 1.0
        hip = heading(pelvis, trunk + 90 * side, body.hip_half_width) if front else pelvis
        top = heading(shoulder, trunk + 90 * side, body.shoulder_half_width) if front else shoulder
        points |= _leg(body, pose, hip, trunk, limb, sign)
        points |= _arm(body, pose, top, trunk, limb, sign)
    return Skeleton(points)


def place_pose(body: Body, figure: Figure, pose: Pose) -> Skeleton:
    """The skeleton of `pose` mirrored for the figure's facing and moved onto its anchor."""
    skeleton = pose_skeleton(body, pose, figure.view)
    if figure.facing == "left":
        skeleton = skeleton.mirrored(0.0)
    ax, ay = skeleton[pose.anchor.point]
    return skeleton.shifted(pose.anchor.at[0] - ax, pose.anchor.at[1] - ay)


def bounds(points: list[Point], pad: float) -> tuple[float, float, float, float]:
    """(min x, min y, max x, max y) of the points, grown by `pad` on every side."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)
