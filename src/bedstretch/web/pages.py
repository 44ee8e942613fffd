"""Pages for phones: server-rendered with Jinja2, a little of our own JavaScript (docs/web.md).

Every page is plain HTML that works lying down: big touch targets, a dark theme, labels for
screen readers, no inline script or style (the Content-Security-Policy forbids both). Forms post
with the CSRF token; the player (static/player.js) talks to the JSON API (docs/api.md).

Pages read the journal scoped to the signed-in person (``get_journal``) and reuse the JSON API's
functions where they overlap (plan, gate, screening), so a page and the API never disagree.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from bedstretch.catalog import Catalog
from bedstretch.core.exercises import TARGET_AREAS, Exercise, Position, Variant
from bedstretch.core.routines import Routine
from bedstretch.core.serialize import routine_dict
from bedstretch.core.timeline import compile_timeline
from bedstretch.journal import Journal
from bedstretch.web import auth
from bedstretch.web.app import get_journal

HERE = Path(__file__).parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["sentence"] = lambda text: str(text)[:1].upper() + str(text)[1:]
router = APIRouter(include_in_schema=False)

NAV = (
    ("/", "Home"),
    ("/exercises", "Exercises"),
    ("/plan", "Plan"),
    ("/history", "History"),
    ("/progress", "Progress"),
    ("/settings", "Settings"),
)
EQUIPMENT = ("towel", "band", "strap", "pillow")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
PEG_QUESTIONS = (
    ("p", "Your average pain in the past week"),
    ("e", "How much pain interfered with your enjoyment of life"),
    ("g", "How much pain interfered with your general activity"),
)
STATUS_TEXT = {
    "completed": "completed",
    "stopped": "stopped",
    "safety_stop": "safety stop",
    "interrupted": "interrupted",
    "running": "in progress",
    "done": "done",
    "skipped": "skipped",
    "pain_skip": "skipped for pain",
    "not_reached": "not reached",
}
OUTCOME_HEADINGS = {
    "ok": "No red flags",
    "urgent": "Please see a doctor before stretching",
    "emergency": "Get emergency care now",
}
BAD_DAY_PAIN = 6  # a last rating this high or more suggests the lying-only routine


@lru_cache(maxsize=1)
def static_version() -> str:
    """A short hash of the static files: their URLs change whenever one of them does."""
    digest = hashlib.sha256()
    for path in sorted(STATIC.glob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:10]


Mine = Annotated[Journal, Depends(get_journal)]


def catalog_of(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


Content = Annotated[Catalog, Depends(catalog_of)]


def render(
    request: Request, template: str, title: str, *, status: int = 200, **context: Any
) -> HTMLResponse:
    """A page: the template with what every page needs (CSRF token, navigation, version)."""
    context.setdefault("signed_in", True)
    context.setdefault("here", request.url.path)
    response = templates.TemplateResponse(
        request,
        template,
        {
            "title": title,
            "csrf": auth.csrf_token(request),
            "nav": NAV,
            "version": static_version(),
            **context,
        },
        status_code=status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def not_found(request: Request, what: str) -> HTMLResponse:
    return render(request, "error.html", "Not found", status=404, message=f"There is no {what}.")


def _form_csrf(request: Request, csrf: str | None) -> None:
    auth.check_csrf(request, csrf)


# --------------------------------------------------------------------------- the service worker


@router.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the root so that it covers every page (docs/web.md)."""
    text = (STATIC / "sw.js").read_text(encoding="utf-8").replace("__VERSION__", static_version())
    return Response(
        text,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


# --------------------------------------------------------------------------- accounts


def _signed_out(request: Request, template: str, title: str, **context: Any) -> HTMLResponse:
    context.setdefault("email", "")
    return render(request, template, title, signed_in=False, **context)


@router.get("/signup")
def signup_page(request: Request) -> Response:
    if auth.page_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _signed_out(request, "signup.html", "Create an account", min_password=auth.MIN_PASSWORD)


@router.post("/signup")
def signup(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Create the account, then ask to sign in: the answer is the same for a known email."""
    _form_csrf(request, csrf)
    email = email.strip()
    error = None
    if not EMAIL.match(email) or len(email) > 320:
        error = "Enter an email address, like name@example.org."
    elif len(password) < auth.MIN_PASSWORD:
        error = f"Choose a password of at least {auth.MIN_PASSWORD} characters."
    if error:
        return _signed_out(
            request, "signup.html", "Create an account", status=422, error=error, email=email,
            min_password=auth.MIN_PASSWORD,
        )  # fmt: skip
    journal: Journal = request.app.state.journal
    journal.create_user(auth.normal_email(email), auth.hash_password(password), auth.now())
    return _signed_out(
        request,
        "signin.html",
        "Sign in",
        email=auth.normal_email(email),
        notice="Your account is ready (if this email was already registered, its password is "
        "unchanged). Sign in to start.",
    )


@router.get("/signin")
def signin_page(request: Request) -> Response:
    if auth.page_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    notices = {
        "out": "You are signed out.",
        "deleted": "Your account and all its data are deleted.",
    }
    notice = notices.get(request.query_params.get("done", ""))
    return _signed_out(request, "signin.html", "Sign in", notice=notice)


@router.post("/signin")
def signin(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    _form_csrf(request, csrf)
    journal: Journal = request.app.state.journal
    try:
        user = auth.authenticate(journal, request, email, password)
    except HTTPException as error:
        if error.status_code != 429:
            raise
        page = _signed_out(
            request, "signin.html", "Sign in", status=429, error=str(error.detail), email=email
        )
        page.headers.update(error.headers or {})
        return page
    if user is None:
        return _signed_out(
            request, "signin.html", "Sign in", status=401,
            error="Email or password is wrong.", email=email,
        )  # fmt: skip
    response = RedirectResponse("/", status_code=303)
    auth.sign_in(response, request, journal, user)
    return response


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
    _form_csrf(request, csrf)
    response = RedirectResponse("/signin?done=out", status_code=303)
    auth.sign_out(response, request, request.app.state.journal)
    return response


# --------------------------------------------------------------------------- home


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


def _last_pain(journal: Journal) -> tuple[int | None, datetime | None]:
    """The most recent pain rating: a session's (after, else before) or a check-in's."""
    found: tuple[int | None, datetime | None] = (None, None)
    latest = journal.sessions(limit=1)
    if latest:
        s = latest[0]
        pain = s.pain_after if s.pain_after is not None else s.pain_before
        if pain is not None:
            found = (pain, s.ended_at or s.started_at)
    for c in journal.checkins(since=date.today() - timedelta(days=60)):
        if c.pain is not None and (found[1] is None or c.created_at > found[1]):
            found = (c.pain, c.created_at)
    return found


def _suggest(catalog: Catalog, sessions: int, last_pain: int | None) -> dict[str, Any]:
    """Today's routine: gentle the first time, lying down after a bad rating, else in-bed."""
    if sessions == 0:
        choice, why = "quick", "A gentle first session: a few minutes on your back."
    elif last_pain is not None and last_pain >= BAD_DAY_PAIN:
        choice = "lying-only"
        why = f"Your last pain rating was {last_pain}: everything lying on your back today."
    else:
        choice, why = "in-bed", "The whole routine, in bed, from the starting position to a rest."
    routine = catalog.routines.get(choice) or next(iter(catalog.routines.values()))
    timeline = compile_timeline(routine, catalog.moves)
    return {
        "id": routine.id,
        "name": routine.name,
        "minutes": _minutes(timeline.total_seconds),
        "steps": len(routine.steps),
        "why": why,
    }


def _progress(journal: Journal) -> Any:
    from bedstretch.core.progress import progress
    from bedstretch.journal.summaries import session_summaries

    now = datetime.now().astimezone()
    assert now.tzinfo is not None
    return progress(session_summaries(journal), journal.checkins(), today=now.date(), tz=now.tzinfo)


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


@router.get("/")
def home(request: Request, journal: Mine, catalog: Content) -> Response:
    from bedstretch.web import api

    result = _progress(journal)
    pain, when = _last_pain(journal)
    return render(
        request,
        "home.html",
        "Today",
        suggestion=_suggest(catalog, result.sessions, pain),
        gate=api.gate(journal),
        streak=result.streak_current,
        longest=result.streak_longest,
        sessions=result.sessions,
        last_pain=pain,
        last_pain_when=_when(when) if when else None,
        last_pain_iso=when.isoformat() if when else None,
    )


@router.get("/routines")
def routines_page(request: Request, journal: Mine, catalog: Content) -> Response:
    shown = [
        {
            "id": r.id,
            "name": r.name,
            "description": r.description,
            "minutes": _minutes(compile_timeline(r, catalog.moves).total_seconds),
        }
        for r in catalog.routines.values()
    ]
    return render(request, "routines.html", "Routines", routines=shown, here="/")


# --------------------------------------------------------------------------- exercises


def _range(values: list[int] | None, unit: str) -> str:
    if not values:
        return ""
    low, high = values
    return f"{low}{unit}" if low == high else f"{low}–{high}{unit}"


def _dose(v: Variant) -> str:
    d = v.dose
    kind = d.kind.value
    if kind == "hold":
        text = f"hold {_range(d.hold_seconds.as_list() if d.hold_seconds else None, ' s')}"
    elif kind == "reps":
        text = f"{_range(d.reps.as_list() if d.reps else None, '')} slow repetitions"
    else:
        seconds = d.duration_seconds.as_list() if d.duration_seconds else None
        text = f"for {_range(seconds, ' s')}"
    sets = d.sets.as_list()
    if sets[1] > 1:
        text += f", {_range(sets, '')} times"
    return text


def _equipment(v: Variant) -> str:
    parts = []
    if v.equipment.required:
        parts.append("You need: " + ", ".join(v.equipment.required) + ".")
    if v.equipment.optional:
        parts.append("Helps to have: " + " or ".join(v.equipment.optional) + ".")
    return " ".join(parts)


def _figure_url(exercise: Exercise, variant: Variant) -> str:
    query = urlencode({"variant": variant.id})
    return f"/api/v1/exercises/{exercise.id}/figure.svg?{query}"


@router.get("/exercises")
def exercises_page(request: Request, journal: Mine, catalog: Content) -> Response:
    shown = [
        {
            "id": e.id,
            "name": e.name,
            "summary": e.summary,
            "position": e.default.position.label,
            "figure": _figure_url(e, e.default)
            if (e.id, e.default.id) in catalog.figures
            else None,
        }
        for e in catalog.exercises.values()
    ]
    return render(request, "exercises.html", "Exercises", exercises=shown)


@router.get("/exercises/{exercise_id}")
def exercise_page(request: Request, exercise_id: str, journal: Mine, catalog: Content) -> Response:
    from bedstretch.core.safety import troubled_exercises

    exercise = catalog.exercises.get(exercise_id)
    if exercise is None:
        return not_found(request, "such exercise")
    variants = [
        {
            "id": v.id,
            "name": v.name,
            "position": v.position.label,
            "dose": _dose(v),
            "per_side": v.dose.per_side,
            "steps": v.steps,
            "form": v.form,
            "breathing": v.breathing,
            "equipment": _equipment(v),
            "figure": _figure_url(exercise, v) if (exercise.id, v.id) in catalog.figures else None,
        }
        for v in exercise.variants
    ]
    troubled = exercise.id in troubled_exercises(journal.exercise_trouble())
    return render(
        request, "exercise.html", exercise.name, exercise=exercise, variants=variants,
        troubled=troubled, here="/exercises",
    )  # fmt: skip


# --------------------------------------------------------------------------- planner


def _plan_request(request: Request) -> Any:
    """The planner form (a GET form: nothing in it is health data) as the API's PlanRequest."""
    from pydantic import ValidationError

    from bedstretch.web.api import PlanRequest

    query = request.query_params
    avoid = [p for p in query.getlist("avoid") if p in {x.value for x in Position}]
    data: dict[str, Any] = {
        "minutes": query.get("minutes") or None,
        "lying_only": query.get("lying_only") == "1",
        "equipment": [e for e in query.getlist("equipment") if e in EQUIPMENT],
        "targets": [t for t in query.getlist("targets") if t in TARGET_AREAS],
    }
    if avoid:
        data["positions"] = [p.value for p in Position if p.value not in avoid]
    try:
        return PlanRequest.model_validate(data), avoid, None
    except ValidationError:
        return None, avoid, "Minutes must be a number from 1 to 240."


def _plan_query(body: Any, avoid: list[str]) -> str:
    pairs: list[tuple[str, str]] = []
    if body.minutes is not None:
        pairs.append(("minutes", f"{body.minutes:g}"))
    if body.lying_only:
        pairs.append(("lying_only", "1"))
    pairs += [("avoid", p) for p in avoid]
    pairs += [("equipment", e) for e in body.equipment]
    pairs += [("targets", t) for t in body.targets]
    return urlencode(pairs)


def _step_dose(step: dict[str, Any]) -> str:
    if step.get("reps"):
        text = f"{step['reps']} repetitions"
    elif step.get("hold_seconds"):
        text = f"hold {step['hold_seconds']} s"
    else:
        text = f"{step.get('duration_seconds') or 0} s"
    if step.get("sets", 1) > 1:
        text += f", {step['sets']} times"
    if step.get("per_side"):
        text += ", each side"
    return text


@router.get("/plan")
def plan_page(request: Request, journal: Mine, catalog: Content) -> Response:
    from bedstretch.web import api

    body, avoid, error = _plan_request(request)
    submitted = "minutes" in request.query_params
    form = {
        "minutes": request.query_params.get("minutes", "10"),
        "lying_only": request.query_params.get("lying_only") == "1",
        "avoid": avoid,
        "equipment": request.query_params.getlist("equipment"),
        "targets": request.query_params.getlist("targets"),
    }
    shown = None
    if submitted and body is not None:
        try:
            found = api.plan_route(body, catalog, journal)
        except HTTPException as failure:
            error = str(failure.detail)
        else:
            names = {e.id: e.name for e in catalog.exercises.values()}
            shown = {
                "minutes": _minutes(found["total_seconds"]),
                "description": found["description"],
                "steps": [{"name": s["name"], "dose": _step_dose(s)} for s in found["steps"]],
                "reasons": [
                    f"{names.get(r['exercise'], r['exercise'])}: {r['reason']}"
                    if r["exercise"]
                    else r["reason"]
                    for r in found["reasons"]
                ],
                "left_out": ", ".join(
                    f"{names.get(x['exercise'], x['exercise'])} ({x['reason']})"
                    for x in found["left_out"]
                ),
                "query": _plan_query(body, avoid),
            }
    return render(
        request, "plan.html", "Plan a routine", form=form, plan=shown, error=error,
        positions=[(p.value, p.label) for p in Position], equipment=EQUIPMENT,
        targets=TARGET_AREAS,
    )  # fmt: skip


# --------------------------------------------------------------------------- the player


def _names(request: Request, catalog: Catalog) -> str:
    """Every variant's name by "exercise/variant", for the player to show (JSON), made once."""
    state = request.app.state
    names: str | None = getattr(state, "player_names", None)
    if names is None:
        names = json.dumps(
            {f"{e.id}/{v.id}": v.name for e in catalog.exercises.values() for v in e.variants},
            separators=(",", ":"),
        )
        state.player_names = names
    return names


POSITION_JSON = json.dumps({p.value: p.label for p in Position}, separators=(",", ":"))


@router.get("/play/{routine_id}")
def play_page(request: Request, routine_id: str, journal: Mine, catalog: Content) -> Response:
    from bedstretch.web import api

    plan_json = None
    routine: Routine | None
    if routine_id == "plan":
        body, _, error = _plan_request(request)
        if body is None:
            return render(request, "error.html", "Not a plan", status=422, message=error)
        try:
            shown = api.plan_route(body, catalog, journal)
        except HTTPException as failure:
            return render(request, "error.html", "No plan", status=422, message=failure.detail)
        plan_json = json.dumps(body.model_dump(mode="json"), separators=(",", ":"))
    else:
        routine = catalog.routines.get(routine_id)
        if routine is None:
            return not_found(request, "such routine")
        shown = routine_dict(routine, compile_timeline(routine, catalog.moves))
    steps = [{"name": s["name"], "position": Position(s["position"]).label} for s in shown["steps"]]
    return render(
        request, "play.html", shown["name"], routine_id=routine_id, name=shown["name"],
        plan=plan_json, names=_names(request, catalog), positions=POSITION_JSON, steps=steps,
        minutes=_minutes(shown["total_seconds"]), gate=api.gate(journal), compact=True,
    )  # fmt: skip


# --------------------------------------------------------------------------- history, progress


def _variant_name(catalog: Catalog, exercise_id: str, variant_id: str) -> str:
    exercise = catalog.exercises.get(exercise_id)
    if exercise is None:
        return exercise_id
    variant = exercise.variant(variant_id)
    return variant.name if variant is not None else exercise.name


@router.get("/history")
def history_page(request: Request, journal: Mine, catalog: Content) -> Response:
    from bedstretch.web import api

    api.reap(journal)
    shown = []
    for record in journal.sessions(limit=100):
        data = record.to_dict()
        steps = data["steps"]
        sets: dict[int, int] = {}
        for step in steps:
            sets[step["step"]] = max(sets.get(step["step"], 1), step["set"] or 1)
        pain = "–" if record.pain_before is None else str(record.pain_before)
        if record.pain_after is not None:
            pain += f" → {record.pain_after}"
        shown.append(
            {
                "started": _when(record.started_at),
                "started_iso": record.started_at.isoformat(),
                "routine_name": record.routine_name,
                "status": record.status.value,
                "status_text": STATUS_TEXT.get(record.status.value, record.status.value),
                "blocks": len(steps),
                "done": sum(1 for s in steps if s["status"] == "done"),
                "skipped": sum(1 for s in steps if s["status"] in ("skipped", "pain_skip")),
                "pain": pain,
                "steps": [
                    {
                        "name": _variant_name(catalog, s["exercise"], s["variant"]),
                        "side": s["side"],
                        "set": s["set"],
                        "sets": sets[s["step"]],
                        "status": s["status"],
                        "status_text": STATUS_TEXT.get(s["status"], s["status"]),
                        "reason": s["reason"],
                    }
                    for s in steps
                ],
            }
        )
    return render(request, "history.html", "History", sessions=shown)


def _pain_line(result: Any) -> str:
    pain = result.pain
    if not pain.enough:
        return ""  # the advice says so
    verdict = (
        "a meaningful improvement"
        if pain.meaningful
        else ("clearly worse" if pain.worse else "no meaningful change yet")
    )
    return (
        f"Pain: {pain.baseline:g} at first, {pain.latest:g} lately "
        f"({pain.change_points:+g} points): {verdict}."
    )


@router.get("/progress")
def progress_page(request: Request, journal: Mine, catalog: Content) -> Response:
    from bedstretch.web.chart import pain_chart, practice_chart

    result = _progress(journal)
    peg = ""
    if result.peg:
        first, latest = result.peg[0][1], result.peg[-1][1]
        peg = f"{first:g} at first, {latest:g} latest, over {len(result.peg)} weeks (0-10)."
    recent = journal.checkins(since=datetime.now().astimezone().date() - timedelta(days=6))
    names = {e.id: e.name for e in catalog.exercises.values()}
    saved = "Saved. Thank you." if request.query_params.get("saved") == "1" else None
    return render(
        request, "progress.html", "Progress", p=result, minutes=round(result.minutes),
        advice=result.advice,
        pain_line=_pain_line(result), pain_chart=pain_chart(result),
        practice_chart=practice_chart(result), peg=peg,
        trouble=[(names.get(e, e), n) for e, n in result.trouble],
        peg_questions=PEG_QUESTIONS, peg_due=not any(c.peg for c in recent), saved=saved,
    )  # fmt: skip


def _score(text: str | None) -> int | None:
    if text is None or text.strip() == "":
        return None
    value = int(text)
    if not 0 <= value <= 10:
        raise ValueError(text)
    return value


@router.post("/progress/checkin")
def checkin(
    request: Request,
    journal: Mine,
    csrf: Annotated[str | None, Form()] = None,
    pain: Annotated[str | None, Form(max_length=3)] = None,
    peg_p: Annotated[str | None, Form(max_length=3)] = None,
    peg_e: Annotated[str | None, Form(max_length=3)] = None,
    peg_g: Annotated[str | None, Form(max_length=3)] = None,
) -> Response:
    _form_csrf(request, csrf)
    try:
        rating = _score(pain)
        peg = [_score(v) for v in (peg_p, peg_e, peg_g)]
    except ValueError:
        return RedirectResponse("/progress#checkin", status_code=303)
    answered = [v for v in peg if v is not None]
    if rating is None or 0 < len(answered) < 3:
        return RedirectResponse("/progress#checkin", status_code=303)
    triple = (answered[0], answered[1], answered[2]) if len(answered) == 3 else None
    journal.add_checkin(
        day=datetime.now().astimezone().date(), created_at=auth.now(), pain=rating, peg=triple
    )
    return RedirectResponse("/progress?saved=1#checkin", status_code=303)


# --------------------------------------------------------------------------- screening


def _questions() -> list[dict[str, str]]:
    from bedstretch.web import api

    return [{"id": q["id"], "text": q["text"]} for q in api.screening_questions()]


@router.get("/screening")
def screening_page(request: Request, journal: Mine) -> Response:
    from bedstretch.core.safety import DISCLAIMER

    return render(
        request, "screening.html", "Safety questions", questions=_questions(), answers={},
        disclaimer=DISCLAIMER, result=None,
    )  # fmt: skip


@router.post("/screening")
async def screening(request: Request, journal: Mine) -> Response:
    from bedstretch.core.safety import DISCLAIMER, QUESTION_IDS
    from bedstretch.web import api

    form = await request.form()
    _form_csrf(request, str(form.get("csrf") or ""))
    raw = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    missing = [q for q in QUESTION_IDS if raw.get(q) not in ("yes", "no")]
    error = None
    age: float | None = None
    try:
        age = float(raw.get("age", ""))
    except ValueError:
        error = "Enter your age in years."
    if missing:
        error = f"Answer every question ({len(missing)} still open)."
    elif age is not None and not 0 <= age <= 130:
        error = "Enter your age in years, 0 to 130."
    if error or age is None:
        return render(
            request, "screening.html", "Safety questions", status=422, questions=_questions(),
            answers=raw, disclaimer=DISCLAIMER, result=None, error=error,
        )  # fmt: skip
    body = api.ScreeningRequest(
        answers={q: raw[q] == "yes" for q in QUESTION_IDS},
        age=age,
        cleared=raw.get("cleared") == "1",
    )
    outcome = api.screenings(body, journal)
    advice = str(outcome["advice"])
    if outcome["outcome"] == "urgent":
        advice += (
            " To record it, answer these questions again and tick the box for a clinician's check."
        )
    result = {
        "outcome": outcome["outcome"],
        "heading": OUTCOME_HEADINGS.get(str(outcome["outcome"]), "Result"),
        "advice": advice,
    }
    return render(
        request, "screening.html", "Safety questions", questions=[], answers={},
        disclaimer=DISCLAIMER, result=result,
    )  # fmt: skip


# --------------------------------------------------------------------------- settings


def _settings(request: Request, journal: Journal, status: int = 200, error: str = "") -> Response:
    email = request.app.state.journal.user_email(journal.user_id) or ""
    return render(request, "settings.html", "Settings", status=status, email=email, error=error)


@router.get("/settings")
def settings_page(request: Request, journal: Mine) -> Response:
    return _settings(request, journal)


@router.post("/settings/delete")
def delete_account(
    request: Request,
    journal: Mine,
    csrf: Annotated[str | None, Form()] = None,
    confirm: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    _form_csrf(request, csrf)
    if confirm != "yes":
        return _settings(request, journal, 422, "Tick the box to confirm, then press delete.")
    user = journal.user_id
    assert user is not None
    response = RedirectResponse("/signin?done=deleted", status_code=303)
    auth.sign_out(response, request, request.app.state.journal)
    request.app.state.journal.delete_user(user)
    return response
