"""Pages for phones: server-rendered with Jinja2, a little of our own JavaScript (docs/web.md).

Every page is plain HTML that works lying down: big touch targets, a dark theme, labels for
screen readers, no inline script or style (the Content-Security-Policy forbids both). Forms post
with the CSRF token; the player (static/player.js) talks to the JSON API (docs/api.md).

A page reads its form or query, calls the same services as the API and the CLI
(``bedstretch.services``), and renders the answer; errors become the one error page
(``bedstretch.web.errors``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from bedstretch.catalog import Catalog
from bedstretch.core.doses import range_text
from bedstretch.core.errors import Invalid, RateLimited
from bedstretch.core.exercises import TARGET_AREAS, Exercise, Position, Variant
from bedstretch.core.safety import DISCLAIMER, QUESTION_IDS
from bedstretch.core.timeline import Timeline, routine_seconds
from bedstretch.journal import Journal
from bedstretch.services import (
    accounts,
    checkins,
    exercises,
    planning,
    progress,
    screening,
    sessions,
)
from bedstretch.web import auth
from bedstretch.web.deps import Content, Now, PageJournal, Shared, page_user
from bedstretch.web.templating import STATIC, render, static_version

router = APIRouter(include_in_schema=False)

EQUIPMENT = ("towel", "band", "strap", "pillow")
PEG_FIELDS = ("p", "e", "g")
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
POSITION_JSON = json.dumps({p.value: p.label for p in Position}, separators=(",", ":"))


def _form_csrf(request: Request, csrf: str | None) -> None:
    """A signed-in form's CSRF token: its session's (auth.check_csrf)."""
    auth.check_csrf(request, csrf)


def _message(error: Invalid | RateLimited) -> str:
    return error.message[:1].upper() + error.message[1:].rstrip(".") + "."


def _minutes(seconds: int) -> int:
    return max(1, round(seconds / 60))


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%d %b %Y, %H:%M UTC")


# --------------------------------------------------------------------------- the service worker


@lru_cache(maxsize=1)
def _service_worker() -> str:
    return (STATIC / "sw.js").read_text(encoding="utf-8").replace("__VERSION__", static_version())


@router.get("/sw.js")
async def service_worker() -> Response:
    """The service worker, from the root so that it covers every page (docs/web.md); async and
    read once, so it answers while the database (and the thread pool) does not."""
    text = _service_worker()
    return Response(
        text,
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


# --------------------------------------------------------------------------- accounts


def _signed_out(request: Request, template: str, title: str, **context: Any) -> Response:
    context.setdefault("email", "")
    context.setdefault("min_password", accounts.MIN_PASSWORD)
    return render(request, template, title, signed_in=False, **context)


@router.get("/signup")
def signup_page(request: Request) -> Response:
    if page_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    return _signed_out(request, "signup.html", "Create an account")


@router.post("/signup")
async def signup(
    request: Request,
    journal: Shared,
    now: Now,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Create the account, then ask to sign in: the answer is the same for a known email."""
    auth.check_signed_out_csrf(request, csrf)
    try:
        address = await auth.hashing(
            request, accounts.sign_up, journal, email, password, now,
            address=auth.client_address(request),
        )  # fmt: skip
    except (Invalid, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 422
        page = _signed_out(
            request, "signup.html", "Create an account", status=status, error=_message(error),
            email=email.strip(),
        )  # fmt: skip
        if isinstance(error, RateLimited):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    return _signed_out(
        request,
        "signin.html",
        "Sign in",
        email=address,
        notice="Your account is ready (if this email was already registered, its password is "
        "unchanged). Sign in to start.",
    )


@router.get("/signin")
def signin_page(request: Request) -> Response:
    if page_user(request) is not None:
        return RedirectResponse("/", status_code=303)
    notices = {
        "out": "You are signed out.",
        "everywhere": "You are signed out on every device.",
        "reset": "Your password is changed and every device is signed out: sign in with it.",
        "deleted": "Your account and all its data are deleted.",
    }
    notice = notices.get(request.query_params.get("done", ""))
    return _signed_out(request, "signin.html", "Sign in", notice=notice)


def _web_sign_in(
    request: Request, journal: Journal, email: str, password: str, now: datetime
) -> Response | None:
    """The signed-in redirect (with its session cookie), or None for wrong credentials."""
    address = auth.client_address(request)
    user = accounts.authenticate(journal, email, password, address=address, now=now)
    if user is None:
        return None
    response = RedirectResponse("/", status_code=303)
    auth.sign_in(response, request, journal, user, now)
    return response


@router.post("/signin")
async def signin(
    request: Request,
    journal: Shared,
    now: Now,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    auth.check_signed_out_csrf(request, csrf)
    try:
        response = await auth.hashing(request, _web_sign_in, request, journal, email, password, now)
    except RateLimited as error:
        page = _signed_out(
            request, "signin.html", "Sign in", status=429, error=error.message, email=email
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page
    except Invalid:  # not an email anybody can have (a control character): the usual answer
        response = None
    if response is None:
        return _signed_out(
            request, "signin.html", "Sign in", status=401,
            error="Email or password is wrong.", email=email,
        )  # fmt: skip
    return response


@router.post("/signout")
def signout(
    request: Request, journal: Shared, now: Now, csrf: Annotated[str | None, Form()] = None
) -> Response:
    response = RedirectResponse("/signin?done=out", status_code=303)
    if auth.session(request, journal, now) is None:  # signed out already: nothing to change
        auth.forget_session(response, request)
        return response
    _form_csrf(request, csrf)
    auth.sign_out(response, request, journal)
    return response


# --------------------------------------------------------------------------- password reset


def _reset_page(
    request: Request, token: str, status: int = 200, error: str = "", valid: bool = True
) -> Response:
    return _signed_out(
        request, "reset.html", "Choose a new password", status=status, token=token,
        error=error, valid=valid,
    )  # fmt: skip


@router.get("/reset")
def reset_page(request: Request, journal: Shared, now: Now) -> Response:
    """The page of a reset link (``bedstretch account reset-password EMAIL``): the link is only
    looked at here; it is used up when the new password is sent."""
    token = request.query_params.get("token", "")[:100]
    if accounts.reset_user(journal, token, now) is None:
        return _reset_page(request, "", 410, valid=False)
    return _reset_page(request, token)


@router.post("/reset")
async def reset(
    request: Request,
    journal: Shared,
    now: Now,
    token: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Set the new password with the link's token; every device is signed out."""
    auth.check_signed_out_csrf(request, csrf)
    try:
        await auth.hashing(request, accounts.reset_password, journal, token, password, now)
    except Invalid as error:
        if error.field == "token":
            return _reset_page(request, "", 410, valid=False)
        return _reset_page(request, token, 422, _message(error))
    response = RedirectResponse("/signin?done=reset", status_code=303)
    auth.forget_session(response, request)
    return response


# --------------------------------------------------------------------------- home


def _routine_card(catalog: Catalog, routine_id: str, why: str) -> dict[str, Any]:
    routine = catalog.routines[routine_id]
    seconds = routine_seconds(routine, catalog.moves)
    return {
        "id": routine.id,
        "name": routine.name,
        "minutes": _minutes(seconds),
        "steps": len(routine.steps),
        "why": why,
    }


@router.get("/")
def home(request: Request, journal: PageJournal, catalog: Content, now: Now) -> Response:
    result = progress.progress(journal, now)
    last = progress.last_pain(journal, now)
    suggestion = progress.suggest(catalog, result.sessions, last.value)
    return render(
        request,
        "home.html",
        "Today",
        suggestion=_routine_card(catalog, suggestion.routine, suggestion.why),
        gate=screening.gate(journal, now),
        streak=result.streak_current,
        longest=result.streak_longest,
        sessions=result.sessions,
        last_pain=last.value,
        last_pain_when=_when(last.at) if last.at else None,
        last_pain_iso=last.at.isoformat() if last.at else None,
    )


@router.get("/routines")
def routines_page(request: Request, journal: PageJournal, catalog: Content) -> Response:
    shown = [
        {**_routine_card(catalog, r.id, ""), "description": r.description}
        for r in catalog.routines.values()
    ]
    return render(request, "routines.html", "Routines", routines=shown, here="/")


# --------------------------------------------------------------------------- exercises


def _equipment(v: Variant) -> str:
    parts = []
    if v.equipment.required:
        parts.append("You need: " + ", ".join(v.equipment.required) + ".")
    if v.equipment.optional:
        parts.append("Helps to have: " + " or ".join(v.equipment.optional) + ".")
    return " ".join(parts)


def _figure_url(catalog: Catalog, exercise: Exercise, variant: Variant) -> str | None:
    if (exercise.id, variant.id) not in catalog.figures:
        return None
    query = urlencode({"variant": variant.id})
    return f"/api/v1/exercises/{exercise.id}/figure.svg?{query}"


@router.get("/exercises")
def exercises_page(request: Request, journal: PageJournal, catalog: Content) -> Response:
    shown = [
        {
            "id": e.id,
            "name": e.name,
            "summary": e.summary,
            "position": e.default.position.label,
            "figure": _figure_url(catalog, e, e.default),
        }
        for e in catalog.exercises.values()
    ]
    return render(request, "exercises.html", "Exercises", exercises=shown)


@router.get("/exercises/{exercise_id}")
def exercise_page(
    request: Request, exercise_id: str, journal: PageJournal, catalog: Content
) -> Response:
    exercise = exercises.find(catalog, exercise_id)
    variants = [
        {
            "id": v.id,
            "name": v.name,
            "position": v.position.label,
            "dose": range_text(v.dose, sides=False),
            "per_side": v.dose.per_side,
            "steps": v.steps,
            "form": v.form,
            "breathing": v.breathing,
            "equipment": _equipment(v),
            "figure": _figure_url(catalog, exercise, v),
        }
        for v in exercise.variants
    ]
    troubled = exercise.id in exercises.left_out(journal)
    return render(
        request, "exercise.html", exercise.name, exercise=exercise, variants=variants,
        troubled=troubled, here="/exercises",
    )  # fmt: skip


# --------------------------------------------------------------------------- planner


def _plan_options(request: Request) -> tuple[planning.PlanOptions, list[str]]:
    """The planner form (a GET form: nothing in it is health data) as plan options."""
    query = request.query_params
    avoid = [p for p in query.getlist("avoid") if p in {x.value for x in Position}]
    minutes_text = query.get("minutes") or ""
    minutes = None
    if minutes_text:
        try:
            minutes = float(minutes_text)
        except ValueError:
            minutes = -1.0
        if not 1 <= minutes <= 240:
            raise Invalid("Minutes must be a number from 1 to 240", field="minutes")
    options = planning.PlanOptions(
        minutes=minutes,
        lying_only=query.get("lying_only") == "1",
        avoid=frozenset(Position(p) for p in avoid),
        equipment=frozenset(e for e in query.getlist("equipment") if e in EQUIPMENT),
        targets=frozenset(t for t in query.getlist("targets") if t in TARGET_AREAS),
    )
    return options, avoid


def _plan_query(options: planning.PlanOptions, avoid: list[str]) -> str:
    pairs: list[tuple[str, str]] = []
    if options.minutes is not None:
        pairs.append(("minutes", f"{options.minutes:g}"))
    if options.lying_only:
        pairs.append(("lying_only", "1"))
    pairs += [("avoid", p) for p in avoid]
    pairs += [("equipment", e) for e in sorted(options.equipment)]
    pairs += [("targets", t) for t in sorted(options.targets)]
    return urlencode(pairs)


@router.get("/plan")
def plan_page(request: Request, journal: PageJournal, catalog: Content, now: Now) -> Response:
    query = request.query_params
    form = {
        "minutes": query.get("minutes", "10"),
        "lying_only": query.get("lying_only") == "1",
        "avoid": query.getlist("avoid"),
        "equipment": query.getlist("equipment"),
        "targets": query.getlist("targets"),
    }
    shown = error = None
    if "minutes" in query:
        try:
            options, avoid = _plan_options(request)
            planned = planning.make_plan(catalog, options, planning.history(catalog, journal, now))
        except Invalid as failure:
            error = failure.message[:1].upper() + failure.message[1:] + "."
        else:
            names = {e.id: e.name for e in catalog.exercises.values()}
            result = planned.plan
            shown = {
                "minutes": _minutes(planned.timeline.total_seconds),
                "description": result.routine.description,
                "steps": [
                    {"name": s.variant.name, "dose": s.describe_dose()}
                    for s in result.routine.steps
                ],
                "reasons": [
                    f"{names.get(e, e)}: {reason}" if e else reason for e, reason in result.reasons
                ],
                "left_out": ", ".join(
                    f"{names.get(x.exercise, x.exercise)} ({x.reason})" for x in result.left_out
                ),
                "query": _plan_query(options, avoid),
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


def _play_steps(catalog: Catalog, timeline: Timeline) -> list[dict[str, str]]:
    return [
        {"name": _variant_name(catalog, s.exercise, s.variant), "position": s.position.label}
        for s in timeline.steps
    ]


@router.get("/play/{routine_id}")
def play_page(
    request: Request, routine_id: str, journal: PageJournal, catalog: Content, now: Now
) -> Response:
    plan_json = None
    if routine_id == "plan":
        options, _ = _plan_options(request)
        chosen = planning.session_routine(catalog, journal, now, options=options)
        plan_json = json.dumps(_plan_body(options), separators=(",", ":"))
    else:
        fixed = planning.routine(catalog, routine_id)
        chosen = planning.session_routine(catalog, journal, now, routine=fixed)
    names = {e.id: e.name for e in catalog.exercises.values()}
    return render(
        request, "play.html", chosen.routine.name, routine_id=routine_id, name=chosen.routine.name,
        plan=plan_json, names=_names(request, catalog), positions=POSITION_JSON,
        steps=_play_steps(catalog, chosen.timeline),
        minutes=_minutes(chosen.timeline.total_seconds), gate=screening.gate(journal, now),
        left_out=[names.get(e, e) for e in chosen.left_out], compact=True,
    )  # fmt: skip


def _plan_body(options: planning.PlanOptions) -> dict[str, Any]:
    """Plan options as the API's PlanRequest (the player sends them with its start)."""
    positions = sorted(set(Position) - options.avoid) if options.avoid else None
    return {
        "minutes": options.minutes,
        "positions": [p.value for p in positions] if positions else None,
        "lying_only": options.lying_only,
        "equipment": sorted(options.equipment),
        "exclude": list(options.exclude),
        "targets": sorted(options.targets),
    }


# --------------------------------------------------------------------------- history, progress


def _variant_name(catalog: Catalog, exercise_id: str, variant_id: str) -> str:
    exercise = catalog.exercises.get(exercise_id)
    if exercise is None:
        return exercise_id
    variant = exercise.variant(variant_id)
    return variant.name if variant is not None else exercise.name


@router.get("/history")
def history_page(request: Request, journal: PageJournal, catalog: Content, now: Now) -> Response:
    shown = []
    for record in sessions.history(journal, now, limit=100):
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


@router.get("/progress")
def progress_page(request: Request, journal: PageJournal, catalog: Content, now: Now) -> Response:
    from bedstretch.web.chart import pain_chart, practice_chart

    result = progress.progress(journal, now)
    peg = ""
    if result.peg:
        first, latest = result.peg[0][1], result.peg[-1][1]
        peg = f"{first:g} at first, {latest:g} latest, over {len(result.peg)} weeks (0-10)."
    pain = result.pain
    pain_line = ""
    if pain.enough:  # else the advice says so
        pain_line = (
            f"Pain: {pain.baseline:g} at first, {pain.latest:g} lately "
            f"({pain.change_points:+g} points): {pain.verdict}."
        )
    names = {e.id: e.name for e in catalog.exercises.values()}
    saved = "Saved. Thank you." if request.query_params.get("saved") == "1" else None
    return render(
        request, "progress.html", "Progress", p=result, minutes=round(result.minutes),
        advice=result.advice, pain_line=pain_line, pain_chart=pain_chart(result),
        practice_chart=practice_chart(result), peg=peg,
        pain_skips=[(names.get(e, e), n) for e, n in result.pain_skips],
        peg_questions=list(zip(PEG_FIELDS, checkins.PEG_QUESTIONS, strict=True)),
        peg_due=checkins.peg_due(journal, now.date()), saved=saved,
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
    journal: PageJournal,
    now: Now,
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
    checkins.add(journal, pain=rating, peg=triple, now=now)
    return RedirectResponse("/progress?saved=1#checkin", status_code=303)


# --------------------------------------------------------------------------- screening


def _questions() -> list[dict[str, str]]:
    return [{"id": q.id, "text": q.text} for q in screening.questions()]


@router.get("/screening")
def screening_page(request: Request, journal: PageJournal) -> Response:
    return render(
        request, "screening.html", "Safety questions", questions=_questions(), answers={},
        disclaimer=DISCLAIMER, result=None,
    )  # fmt: skip


@router.post("/screening")
async def screening_form(request: Request, journal: PageJournal, now: Now) -> Response:
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
    answers = {q: raw[q] == "yes" for q in QUESTION_IDS}
    outcome = screening.record(journal, answers, age, now, cleared=raw.get("cleared") == "1")
    advice = outcome.advice
    if outcome.outcome.value == "urgent":
        advice += (
            " To record it, answer these questions again and tick the box for a clinician's check."
        )
    result = {
        "outcome": outcome.outcome.value,
        "heading": OUTCOME_HEADINGS.get(outcome.outcome.value, "Result"),
        "advice": advice,
    }
    return render(
        request, "screening.html", "Safety questions", questions=[], answers={},
        disclaimer=DISCLAIMER, result=result,
    )  # fmt: skip


# --------------------------------------------------------------------------- settings


def _settings(
    request: Request,
    journal: Journal,
    status: int = 200,
    error: str = "",
    password_error: str = "",
) -> Response:
    email = journal.user_email(journal.user_id) if journal.user_id is not None else None
    saved = request.query_params.get("done") == "password"
    return render(
        request, "settings.html", "Settings", status=status, email=email or "", error=error,
        password_error=password_error,
        password_saved="Your password is changed; your other devices are signed out."
        if saved else "",
        min_password=accounts.MIN_PASSWORD,
    )  # fmt: skip


@router.get("/settings")
def settings_page(request: Request, journal: PageJournal) -> Response:
    return _settings(request, journal)


def _change_password(
    request: Request, journal: Journal, current: str, new: str, now: datetime
) -> Response:
    user = journal.user_id
    assert user is not None
    try:
        accounts.change_password(
            journal, user, current, new, address=auth.client_address(request), now=now,
            keep=auth.used_secret(request),
        )  # fmt: skip
    except (Invalid, RateLimited) as error:
        status = 429 if isinstance(error, RateLimited) else 422
        page = _settings(request, journal, status, password_error=_message(error))
        if isinstance(error, RateLimited):
            page.headers["Retry-After"] = str(error.retry_after)
        return page
    return RedirectResponse("/settings?done=password#password-h", status_code=303)


@router.post("/settings/password")
async def password_form(
    request: Request,
    journal: PageJournal,
    now: Now,
    csrf: Annotated[str | None, Form()] = None,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Change the password; this browser stays signed in, every other device is signed out."""
    _form_csrf(request, csrf)
    return await auth.hashing(
        request, _change_password, request, journal, current_password, new_password, now
    )


@router.post("/settings/signout-everywhere")
def signout_everywhere(
    request: Request,
    journal: PageJournal,
    shared: Shared,
    csrf: Annotated[str | None, Form()] = None,
) -> Response:
    """Sign out on every device: every session and API token of the account."""
    _form_csrf(request, csrf)
    user = journal.user_id
    assert user is not None
    accounts.sign_out_everywhere(shared, user)
    response = RedirectResponse("/signin?done=everywhere", status_code=303)
    auth.forget_session(response, request)
    return response


@router.post("/settings/delete")
def delete_account(
    request: Request,
    journal: PageJournal,
    shared: Shared,
    csrf: Annotated[str | None, Form()] = None,
    confirm: Annotated[str | None, Form(max_length=10)] = None,
) -> Response:
    _form_csrf(request, csrf)
    if confirm != "yes":
        return _settings(request, journal, 422, "Tick the box to confirm, then press delete.")
    user = journal.user_id
    assert user is not None
    response = RedirectResponse("/signin?done=deleted", status_code=303)
    auth.sign_out(response, request, shared)
    accounts.delete(shared, user)
    return response
