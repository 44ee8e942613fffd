"""Plain-dict forms of core values: the public JSON contract (docs/json.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bedstretch.core.exercises import Exercise, Range, Variant
from bedstretch.core.routines import Routine
from bedstretch.core.timeline import Timeline

if TYPE_CHECKING:
    from bedstretch.core.planner import Plan


def _range(r: Range | None) -> list[int] | None:
    return None if r is None else r.as_list()


def variant_dict(v: Variant) -> dict[str, Any]:
    d = v.dose
    return {
        "id": v.id,
        "name": v.name,
        "position": v.position.value,
        "dose": d.kind.value,
        "per_side": d.per_side,
        "hold_seconds": _range(d.hold_seconds),
        "reps": _range(d.reps),
        "duration_seconds": _range(d.duration_seconds),
        "sets": d.sets.as_list(),
        "cycle": [{"breath": p.breath.value, "cue": p.cue, "seconds": p.seconds} for p in d.cycle],
        "equipment": {
            "required": list(v.equipment.required),
            "optional": list(v.equipment.optional),
        },
        "steps": list(v.steps),
        "form": list(v.form),
        "breathing": list(v.breathing),
        "side_text": v.side_text,
        "sources": [{"file": s.file, "item": s.item} for s in v.sources],
    }


def exercise_dict(e: Exercise) -> dict[str, Any]:
    """An exercise: the default variant's fields at the top, every variant under ``variants``."""
    default = variant_dict(e.default)
    return {
        "id": e.id,
        "name": e.name,
        "summary": e.summary,
        "aliases": list(e.aliases),
        "targets": list(e.targets),
        "role": e.role.value,
        "priority": e.priority,
        "position": default["position"],
        "dose": default["dose"],
        "per_side": default["per_side"],
        "hold_seconds": default["hold_seconds"],
        "reps": default["reps"],
        "duration_seconds": default["duration_seconds"],
        "sets": default["sets"],
        "equipment": default["equipment"],
        "sources": [{"file": s.file, "item": s.item} for s in e.sources],
        "cautions": list(e.cautions),
        "notes": list(e.notes),
        "variants": [variant_dict(v) for v in e.variants],
    }


def routine_dict(routine: Routine, timeline: Timeline) -> dict[str, Any]:
    """A routine with each step's place on its timeline (``at`` and ``seconds``)."""
    steps = []
    for step, span in zip(routine.steps, timeline.steps, strict=True):
        p = step.prescription
        steps.append(
            {
                "exercise": step.exercise.id,
                "variant": step.variant.id,
                "name": step.variant.name,
                "position": step.position.value,
                "per_side": step.dose.per_side,
                "sets": p.sets,
                "hold_seconds": p.hold_seconds,
                "reps": p.reps,
                "duration_seconds": p.duration_seconds,
                "brief": step.instructions != step.variant.steps,
                "at": span.at,
                "seconds": span.end - span.at,
            }
        )
    return {
        "id": routine.id,
        "name": routine.name,
        "description": routine.description,
        "start_position": routine.start_position.value,
        "steps": steps,
        "total_seconds": timeline.total_seconds,
    }


def plan_dict(plan: Plan, timeline: Timeline, constraints: dict[str, Any]) -> dict[str, Any]:
    return {
        **routine_dict(plan.routine, timeline),
        "constraints": constraints,
        "effort": plan.effort,
        "weight": plan.value,
        "left_out": [{"exercise": lo.exercise, "reason": lo.reason} for lo in plan.left_out],
        "method": plan.method,
    }
