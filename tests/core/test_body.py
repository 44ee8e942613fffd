"""The body model: kinematics keep the body in one piece, angles stay human, poses lie on the bed."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bedstretch.core.body import (
    DOFS,
    NEUTRAL,
    RADII,
    SEGMENT_LENGTHS,
    Figure,
    Key,
    Pose,
    View,
    blend,
    check_figure,
    forward,
    frames,
    loop_seconds,
    place,
    resolve_angles,
    scene_for,
    shapes,
)
from bedstretch.core.exercises import Position

poses = st.tuples(*(st.floats(d.low, d.high, allow_nan=False) for d in DOFS))


def pose(**angles: float) -> Pose:
    found, problems = resolve_angles({k.replace("_", "-"): v for k, v in angles.items()})
    assert not problems
    return found


def figure(
    position: Position,
    *keys: Pose,
    view: View = View.SIDE,
    rest: tuple[str, ...] = (),
    per_side: bool = False,
) -> Figure:
    named = tuple(Key(f"k{i}", p, 2.0, 1.0) for i, p in enumerate(keys))
    return Figure(position, named, view=view, rest=rest, per_side=per_side)


HOOK_LYING = pose(hip=44, knee=100, ankle=-20, shoulder=-8)


# --------------------------------------------------------------------------- kinematics


@given(poses)
def test_forward_kinematics_never_stretches_or_shrinks_a_segment(angles: Pose) -> None:
    points = forward(angles).points
    for (a, b), length in SEGMENT_LENGTHS.items():
        assert math.dist(points[a], points[b]) == pytest.approx(length, abs=1e-6)


def test_standing_tall_puts_the_head_above_the_pelvis_and_the_feet_below() -> None:
    points = forward(NEUTRAL).points
    assert points["head"][1] > points["neck"][1] > points["pelvis"][1]
    assert points["right-ankle"][1] < points["right-knee"][1] < points["right-hip"][1]
    assert points["right-toe"][0] > points["right-ankle"][0]  # the feet point forward
    assert points["right-hip"][2] > 0 > points["left-hip"][2]  # the right side is +z


def test_bending_the_hip_swings_the_thigh_forward_and_the_knee_swings_the_shin_back() -> None:
    points = forward(pose(right_hip=90, right_knee=90)).points
    hip, knee, ankle = points["right-hip"], points["right-knee"], points["right-ankle"]
    assert knee[0] - hip[0] == pytest.approx(43, abs=1e-6)  # thigh level, forward
    assert ankle[1] < knee[1]
    assert ankle[0] == pytest.approx(knee[0], abs=1e-6)  # shin straight down


def test_a_joint_without_a_side_sets_both_and_a_sided_one_wins() -> None:
    found, problems = resolve_angles({"knee": 90, "right-knee": 30})
    assert not problems
    names = [d.name for d in DOFS]
    assert found[names.index("left-knee")] == 90
    assert found[names.index("right-knee")] == 30


@pytest.mark.parametrize(
    ("angles", "expected"),
    [
        ({"rigth-knee": 10}, "unknown joint 'rigth-knee' (did you mean 'right-knee'?)"),
        ({"elbow": 170}, "170 is outside the elbow's range 0 to 150 degrees"),
        ({"right-hip-turn": -60}, "-60 is outside the hip turn's range -45 to 60 degrees"),
        ({"wing": 3}, "unknown joint 'wing'"),
    ],
)
def test_an_unknown_joint_or_an_angle_outside_its_human_range_is_named(
    angles: dict[str, float], expected: str
) -> None:
    _, problems = resolve_angles(angles)
    assert [message for _, message in problems] == [expected]


def test_blending_starts_and_ends_at_the_two_poses() -> None:
    a, b = NEUTRAL, HOOK_LYING
    assert blend(a, b, 0) == a
    assert blend(a, b, 1) == pytest.approx(b)


# --------------------------------------------------------------------------- on the bed


@given(poses)
def test_lying_on_the_back_the_rest_points_touch_the_mattress(angles: Pose) -> None:
    fig = figure(Position.SUPINE, angles)
    points = place(fig, angles)
    bottoms = [points[r][1] - RADII[r] for r in fig.rest_points]
    assert min(bottoms) == pytest.approx(0, abs=1e-6)
    assert bottoms[0] == pytest.approx(bottoms[1], abs=1e-6)  # both rest on the bed


def test_lying_on_the_back_faces_up_and_on_the_stomach_faces_down() -> None:
    knees_up = place(figure(Position.SUPINE, HOOK_LYING), HOOK_LYING)
    assert knees_up["right-knee"][1] > 30
    heel_up = pose(right_knee=120, ankle=-55, hip=2)
    prone = place(figure(Position.PRONE, heel_up), heel_up)
    assert prone["right-ankle"][1] > 30  # the heel comes up, behind
    assert prone["left-ankle"][1] < 12


def test_every_placed_pose_is_checked_against_the_bed_it_lies_on() -> None:
    ok = figure(Position.SUPINE, NEUTRAL, HOOK_LYING)
    assert check_figure(ok) == []
    leg_down = pose(right_hip=-30)  # lying on the back, the leg swung down into the mattress
    problems = check_figure(figure(Position.SUPINE, HOOK_LYING, leg_down))
    assert len(problems) == 1
    field, message = problems[0]
    assert field == "keys[1]"
    assert message.startswith("pose 'k1' puts the right ")
    assert message.endswith("cm through the bed")


def test_standing_beside_the_bed_the_bed_is_where_the_raised_foot_rests() -> None:
    foot_up = pose(left_hip=90, left_knee=90, left_ankle=10, right_hip=-18, right_ankle=-15)
    fig = figure(Position.STANDING, foot_up, rest=("right-toe", "left-ankle"))
    scene = scene_for(fig)
    points = place(fig, foot_up, scene)
    assert scene.standing
    assert 40 < scene.bed_top < 60
    assert points["right-toe"][1] - RADII["right-toe"] == pytest.approx(0, abs=1e-6)
    assert points["left-ankle"][0] > scene.bed_edge
    assert check_figure(fig) == []


def test_a_bed_too_high_to_step_on_is_reported() -> None:
    foot_high = pose(left_hip=130, left_knee=10)
    fig = figure(Position.STANDING, foot_high, rest=("right-toe", "left-ankle"))
    [(field, message)] = check_figure(fig)
    assert field == "rest"
    assert "a bed is 25-80 cm" in message


# --------------------------------------------------------------------------- animation


def test_the_loop_goes_from_the_first_key_through_every_key_and_back() -> None:
    fig = figure(Position.SUPINE, NEUTRAL, HOOK_LYING)
    timeline = frames(fig)
    assert timeline[0] == (0.0, NEUTRAL)
    assert timeline[-1] == (loop_seconds(fig), NEUTRAL)
    assert (3.0, HOOK_LYING) in timeline  # hold 1 s, move 2 s
    times = [t for t, _ in timeline]
    assert times == sorted(times)


def test_big_movements_get_in_between_poses_so_limbs_keep_their_length() -> None:
    fig = figure(Position.SUPINE, NEUTRAL, pose(right_hip=120))
    assert len(frames(fig, step=30)) > len(frames(fig, step=180))


def test_a_figure_with_one_key_is_a_still() -> None:
    fig = figure(Position.SUPINE, HOOK_LYING)
    assert loop_seconds(fig) == 0
    assert frames(fig) == [(0.0, HOOK_LYING)]


@pytest.mark.parametrize("view", list(View))
def test_every_view_draws_the_same_strokes_for_every_pose(view: View) -> None:
    fig = figure(Position.SUPINE, NEUTRAL, HOOK_LYING, view=view, per_side=True)
    drawn = [shapes(fig, place(fig, k.pose)) for k in fig.keys]
    first, stretched = ([(s.role, len(s.points)) for s in d] for d in drawn)
    assert first == stretched
    assert any(s.role == "work" for s in drawn[0])  # the working (right) leg
