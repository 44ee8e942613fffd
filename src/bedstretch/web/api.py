"""The JSON API under /api/v1 (docs/api.md): the same shapes as the CLI's --json output."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field

from bedstretch.catalog import Catalog
from bedstretch.core.exercises import LYING_POSITIONS, TARGET_AREAS, Position
from bedstretch.core.planner import Constraints, PlanError, plan
from bedstretch.core.records import EventKind, EventRecord, SessionStatus, StepRecord, StepStatus
from bedstretch.core.routines import Routine
from bedstretch.core.safety import (
    QUESTION_IDS,
    SKIP_ADVICE,
    STOP_ADVICE,
    ScreeningInputError,
    parse_answers,
    screen,
    session_gate,
    troubled_exercises,
)
from bedstretch.core.serialize import exercise_dict, plan_dict, routine_dict
from bedstretch.core.timeline import compile_timeline
from bedstretch.journal import Journal, JournalError, TakenError
from bedstretch.web import auth

ERROR = {"description": "An error, with `detail` saying what is wrong."}
router = APIRouter(
    prefix="/api/v1",
    responses={
        401: {"description": "Sign in, or send a bearer token."},
        403: {"description": "A cookie-authenticated call without its CSRF token."},
        404: {"description": "No such record (or not yours)."},
        409: ERROR,
        422: ERROR,
        429: {"description": "Too many attempts; see Retry-After."},
    },
)
JSON = dict[str, Any]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # an id the databases can hold
Day = date  # a field named "date" would hide the type inside its class


# --------------------------------------------------------------------------- who is asking


def api_user(request: Request) -> int:
    journal: Journal = request.app.state.journal
    user = auth.bearer_user(request, journal)
    if user is not None:
        return user
    user = auth.cookie_user(request, journal)
    if user is None:
        raise HTTPException(401, "Sign in, or send a bearer token.", {"WWW-Authenticate": "Bearer"})
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        auth.check_csrf(request, request.headers.get(auth.CSRF_HEADER))
    return user


def user_journal(request: Request) -> Journal:
    """The asker's own journal (api_user called directly: one hop to the thread pool, not two)."""
    journal: Journal = request.app.state.journal
    return journal.for_user(api_user(request))


Mine = Annotated[Journal, Depends(user_journal)]


def catalog_of(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


Content = Annotated[Catalog, Depends(catalog_of)]


# --------------------------------------------------------------------------- accounts


class Credentials(BaseModel):
    email: str = Field(min_length=3, max_length=320, pattern=r"^\s*[^@\s]+@[^@\s]+\s*$")
    password: str = Field(min_length=auth.MIN_PASSWORD, max_length=1024)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


@router.post("/users", status_code=201, tags=["accounts"])
def create_user(body: Credentials, request: Request) -> dict[str, str]:
    """Create an account. The answer is the same whether or not the email was already known."""
    journal: Journal = request.app.state.journal
    journal.create_user(
        auth.normal_email(body.email), auth.hash_password(body.password), auth.now()
    )
    return {"email": auth.normal_email(body.email)}


@router.post("/auth/token", tags=["accounts"], responses={401: {}, 429: {}})
def token(body: Credentials, request: Request) -> Token:
    journal: Journal = request.app.state.journal
    user = auth.authenticate(journal, request, body.email, body.password)
    if user is None:
        raise HTTPException(401, "Email or password is wrong.", {"WWW-Authenticate": "Bearer"})
    secret, _ = auth.new_token(journal, user, "api")
    return Token(access_token=secret, expires_in=int(auth.API_TOKEN_LIFE.total_seconds()))


@router.delete("/users/me", status_code=204, tags=["accounts"])
def delete_me(request: Request, user: Annotated[int, Depends(api_user)]) -> Response:
    """Delete the account and every record of it."""
    journal: Journal = request.app.state.journal
    journal.delete_user(user)
    return Response(status_code=204)


# --------------------------------------------------------------------------- content


def _exercise(catalog: Catalog, exercise_id: str) -> Any:
    exercise = catalog.exercises.get(exercise_id)
    if exercise is None:
        raise HTTPException(404, f"No exercise '{exercise_id}'.")
    return exercise


@router.get("/exercises", tags=["content"])
def exercises(catalog: Content, _: Annotated[int, Depends(api_user)]) -> list[JSON]:
    return [exercise_dict(e) for e in catalog.exercises.values()]


@router.get("/exercises/{exercise_id}", tags=["content"])
def exercise(exercise_id: str, catalog: Content, _: Annotated[int, Depends(api_user)]) -> JSON:
    return exercise_dict(_exercise(catalog, exercise_id))


@router.get("/exercises/{exercise_id}/figure.svg", tags=["content"], response_class=Response)
def figure(
    exercise_id: str,
    catalog: Content,
    _: Annotated[int, Depends(api_user)],
    variant: str | None = None,
) -> Response:
    from bedstretch.drawing import svg, title

    found = _exercise(catalog, exercise_id)
    chosen = found.variant(variant)
    drawn = catalog.figures.get((found.id, chosen.id)) if chosen else None
    if chosen is None or drawn is None:
        raise HTTPException(404, f"No figure for '{exercise_id}' variant '{variant}'.")
    return Response(
        svg(drawn, title(found, chosen)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=3600"},
    )


def _routine(catalog: Catalog, routine_id: str) -> Routine:
    routine = catalog.routines.get(routine_id)
    if routine is None:
        raise HTTPException(404, f"No routine '{routine_id}'.")
    return routine


@router.get("/routines", tags=["content"])
def routines(catalog: Content, _: Annotated[int, Depends(api_user)]) -> list[JSON]:
    return [routine_dict(r, compile_timeline(r, catalog.moves)) for r in catalog.routines.values()]


@router.get("/routines/{routine_id}/timeline", tags=["content"])
def timeline(routine_id: str, catalog: Content, _: Annotated[int, Depends(api_user)]) -> JSON:
    routine = _routine(catalog, routine_id)
    return compile_timeline(routine, catalog.moves).to_dict()


class PlanRequest(BaseModel):
    minutes: float | None = Field(default=None, ge=0.5, le=240)
    positions: list[Position] | None = None
    lying_only: bool = False
    equipment: list[str] = Field(default_factory=list, max_length=20)
    exclude: list[str] = Field(default_factory=list, max_length=50)
    targets: list[Literal[TARGET_AREAS]] = Field(default_factory=list)  # type: ignore[valid-type]


def _plan(catalog: Catalog, journal: Journal, body: PlanRequest) -> Any:
    from datetime import datetime as dt

    from bedstretch.core.adapt import adapt, ladder
    from bedstretch.journal.summaries import session_summaries

    positions = frozenset(body.positions) if body.positions else frozenset(Position)
    if body.lying_only:
        positions &= LYING_POSITIONS
    unknown = [e for e in body.exclude if e not in catalog.exercises]
    if unknown:
        raise HTTPException(422, f"exclude: no exercise '{unknown[0]}'.")
    tz = dt.now().astimezone().tzinfo
    assert tz is not None
    top = {e.id: len(ladder(e.default)) - 1 for e in catalog.exercises.values()}
    adaptation = adapt(session_summaries(journal, exercises=True), top, tz)
    constraints = Constraints(
        minutes=body.minutes,
        positions=positions,
        equipment=frozenset(body.equipment),
        exclude=frozenset(body.exclude),
        targets=frozenset(body.targets),
        troubled=frozenset(troubled_exercises(journal.exercise_trouble())),
    )
    try:
        return plan(catalog.exercises.values(), catalog.moves, constraints, adaptation=adaptation)
    except PlanError as error:
        raise HTTPException(422, str(error)) from None


@router.post("/plan", tags=["sessions"])
def plan_route(body: PlanRequest, catalog: Content, journal: Mine) -> JSON:
    result = _plan(catalog, journal, body)
    compiled = compile_timeline(result.routine, catalog.moves)
    data = plan_dict(result, compiled, body.model_dump(mode="json"))
    data["reasons"] = [{"exercise": e or None, "reason": r} for e, r in result.reasons]
    data["timeline"] = compiled.to_dict()
    return data


# --------------------------------------------------------------------------- safety


@router.get("/rules", tags=["safety"])
def rules() -> JSON:
    """The pain guard's rules, from bedstretch.core.safety: players apply these, not copies."""
    from bedstretch.core import safety

    return {
        "skip_rise": safety.SKIP_RISE,
        "stop_at": safety.STOP_AT,
        "sharp": "skip_stretch",
        "tingling": "stop_session",
        "skip_advice": SKIP_ADVICE,
        "stop_advice": STOP_ADVICE,
    }


class ScreeningRequest(BaseModel):
    answers: dict[str, bool]
    age: float = Field(ge=0, le=130)
    cleared: bool = False


@router.post("/screenings", status_code=201, tags=["safety"])
def screenings(body: ScreeningRequest, journal: Mine) -> JSON:
    try:
        answers, age = parse_answers({**body.answers, "age": body.age})
    except ScreeningInputError as error:
        raise HTTPException(422, str(error)) from None
    result = screen(answers, age)
    now = auth.now()
    journal.add_screening(
        taken_at=now,
        outcome=result.outcome.value,
        reasons=list(result.reasons),
        answers=answers,
        age=age,
        cleared_at=now if body.cleared and result.outcome.value == "urgent" else None,
    )
    return result.to_dict()


@router.get("/screening-questions", tags=["safety"])
def screening_questions() -> list[JSON]:
    from bedstretch.catalog import load_screening_questions
    from bedstretch.core.safety import QUESTIONS

    texts = load_screening_questions()
    return [{"id": q.id, "level": q.level.value, "text": texts[q.id]} for q in QUESTIONS]


def _gate(journal: Journal, at: datetime | None = None) -> Any:
    """May a session start ``at`` (default: now)? The core's rule on the latest screening."""
    latest = journal.latest_screening()
    return session_gate(
        latest.outcome if latest else None,
        latest.taken_at if latest else None,
        bool(latest and latest.cleared_at),
        at or auth.now(),
        journal.rescreen_reason(),
    )


@router.get("/gate", tags=["safety"])
def gate(journal: Mine) -> JSON:
    found = _gate(journal)
    return {
        "allowed": found.allowed,
        "reason": found.reason,
        "needs_screening": found.needs_screening,
    }


# --------------------------------------------------------------------------- sessions


class SessionRequest(BaseModel):
    routine: str = Field(min_length=1, max_length=100)
    pain_before: int = Field(ge=0, le=10)
    plan: PlanRequest | None = None
    uid: uuid.UUID | None = Field(
        default=None,
        description="Made by the client: the same uid again answers the same session (200), so "
        "a phone that started offline can send its start later, as often as it needs to.",
    )
    started_at: datetime | None = Field(
        default=None,
        description="When the session started, for a start sent later (with a time zone; at "
        "most 7 days ago). The screening gate is checked as of then. Default: now.",
    )


OFFLINE_START_LIMIT = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=5)


def _started_at(body: SessionRequest) -> datetime:
    now = auth.now()
    if body.started_at is None:
        return now
    if body.started_at.tzinfo is None or body.started_at.utcoffset() is None:
        raise HTTPException(422, "started_at: give a time zone (for example Z).")
    if body.started_at > now + CLOCK_SKEW:
        raise HTTPException(422, "started_at: that is in the future.")
    if body.started_at < now - OFFLINE_START_LIMIT:
        raise HTTPException(422, "started_at: more than 7 days ago.")
    return min(body.started_at, now)


@router.post(
    "/sessions",
    status_code=201,
    tags=["sessions"],
    responses={200: {"description": "A session with that uid is yours already."}, 409: {}},
)
def start_session(
    body: SessionRequest, catalog: Content, journal: Mine, response: Response
) -> JSON:
    started = _started_at(body)
    known = journal.session_id(str(body.uid)) if body.uid else None
    if known is None:
        found = _gate(journal, started)
        if not found.allowed:
            raise HTTPException(409, f"Not starting: {found.reason}")
    if body.plan is not None:
        routine = _plan(catalog, journal, body.plan).routine
    else:
        routine = _routine(catalog, body.routine)
    compiled = compile_timeline(routine, catalog.moves)
    session_uid = str(body.uid or uuid.uuid4())
    if known is not None:
        response.status_code = 200
        return {"id": known, "uid": session_uid, "timeline": compiled.to_dict()}
    try:
        session_id = journal.start_session(
            routine_id=routine.id,
            routine_name=routine.name,
            snapshot={
                "routine": routine_dict(routine, compiled),
                "blocks": [b.to_dict() for b in compiled.blocks],
                "total_seconds": compiled.total_seconds,
            },
            started_at=started,
            pain_before=body.pain_before,
            uid=session_uid,
        )
    except TakenError:
        raise HTTPException(409, "That session uid is in use: make a new one.") from None
    return {"id": session_id, "uid": session_uid, "timeline": compiled.to_dict()}


class EventRequest(BaseModel):
    id: uuid.UUID
    kind: EventKind
    at: float = Field(default=0.0, ge=0, le=86400)
    value: int | None = Field(default=None, ge=0, le=10)
    step: int | None = Field(default=None, ge=0, le=10000)
    exercise: str | None = Field(default=None, max_length=100)
    block: int | None = Field(default=None, ge=0, le=100000)
    status: Literal["done", "skipped", "pain_skip"] | None = None
    actual_seconds: int | None = Field(default=None, ge=0, le=86400)
    actual_reps: int | None = Field(default=None, ge=0, le=10000)
    reason: str | None = Field(default=None, max_length=200)


ABANDONED_AFTER = timedelta(hours=3)


def reap(journal: Journal) -> None:
    """Running sessions whose terminal player died, or that no browser has touched for
    ABANDONED_AFTER, become "interrupted" (events that arrive later still finish them)."""
    from bedstretch.journal import pid_alive

    journal.reap_interrupted(auth.now(), pid_alive, idle_after=ABANDONED_AFTER)


def _missing(session_id: int) -> HTTPException:
    return HTTPException(404, f"No session {session_id}.")


@router.post(
    "/sessions/{session_id}/events",
    status_code=201,
    tags=["sessions"],
    responses={200: {"description": "That event id is already stored: nothing changed."}},
)
def add_event(session_id: SessionId, body: EventRequest, journal: Mine, response: Response) -> JSON:
    """Store one event; the same event id sent again is stored once (answer 200)."""
    block = None
    if body.kind is EventKind.STEP_DONE:
        blocks = journal.blocks(session_id)
        if blocks is None:
            raise _missing(session_id)
        if body.block is None or body.block >= len(blocks) or body.status is None:
            raise HTTPException(422, "step_done needs block (an index into blocks) and status.")
        block = blocks[body.block]
    event = EventRecord(
        id=str(body.id),
        kind=body.kind,
        at=body.at,
        created_at=auth.now(),
        value=body.value,
        step=body.step if block is None else block["step"],
        exercise=body.exercise if block is None else block["exercise"],
    )
    try:
        stored = journal.record_event(session_id, event)
    except JournalError:
        raise _missing(session_id) from None
    if not stored:
        response.status_code = 200
        return {"stored": False}
    _apply(journal, session_id, body, block)
    return {"stored": True}


def _apply(journal: Journal, session_id: int, body: EventRequest, block: JSON | None) -> None:
    """What a newly stored event means for the journal."""
    now = auth.now()
    if block is not None and body.status is not None:
        journal.record_step(
            session_id,
            StepRecord(
                block=block["index"],
                step=block["step"],
                exercise=block["exercise"],
                variant=block["variant"],
                side=block["side"],
                set=block["set"],
                status=StepStatus(body.status),
                target_seconds=block["target_seconds"],
                target_reps=block["target_reps"],
                actual_seconds=min(body.actual_seconds or 0, block["target_seconds"]),
                actual_reps=body.actual_reps,
                finished_at=now,
                reason=body.reason,
            ),
        )
    elif body.kind is EventKind.TINGLING:
        journal.request_rescreen(now, "tingling or numbness in a session")
    elif body.kind in (EventKind.COMPLETE, EventKind.STOP):
        status = SessionStatus.COMPLETED
        if body.kind is EventKind.STOP:
            status = SessionStatus.SAFETY_STOP if body.reason == "safety" else SessionStatus.STOPPED
        journal.finish_session(session_id, status=status, ended_at=now, pain_after=body.value)


@router.get("/sessions", tags=["sessions"])
def list_sessions(
    journal: Mine, limit: Annotated[int | None, Query(ge=1, le=10000)] = None
) -> list[JSON]:
    reap(journal)
    return [s.to_dict() for s in journal.sessions(limit=limit)]


@router.get("/sessions/{session_id}", tags=["sessions"])
def get_session(session_id: SessionId, journal: Mine) -> JSON:
    record = journal.session(session_id)
    if record is None:
        raise _missing(session_id)
    return record.to_dict()


# --------------------------------------------------------------------------- progress


class CheckinRequest(BaseModel):
    pain: int | None = Field(default=None, ge=0, le=10)
    peg: tuple[int, int, int] | None = None
    date: Day | None = None


@router.post("/checkins", status_code=201, tags=["progress"])
def checkins(body: CheckinRequest, journal: Mine) -> JSON:
    if body.pain is None and body.peg is None:
        raise HTTPException(422, "A check-in needs pain or peg.")
    if body.peg is not None and not all(0 <= v <= 10 for v in body.peg):
        raise HTTPException(422, "peg: each item must be 0-10.")
    today = datetime.now().astimezone().date()
    day = body.date or today
    if day > today:
        raise HTTPException(422, "date: that day is in the future.")
    record = journal.add_checkin(day=day, created_at=auth.now(), pain=body.pain, peg=body.peg)
    return record.to_dict()


@router.get("/progress", tags=["progress"])
def progress(journal: Mine, since: date | None = None) -> JSON:
    from bedstretch.core.progress import progress as compute
    from bedstretch.journal.summaries import session_summaries

    now = datetime.now().astimezone()
    assert now.tzinfo is not None
    result = compute(
        session_summaries(journal), journal.checkins(), today=now.date(), tz=now.tzinfo, since=since
    )
    return result.to_dict()


@router.get("/export", tags=["progress"], response_class=Response)
def export(journal: Mine, format: Literal["json", "fhir", "csv"] = "json") -> Response:
    from bedstretch.core import exchange
    from bedstretch.journal.exchange import export_records

    records = export_records(journal)
    stamp = auth.now()
    if format == "json":
        body = json.dumps(exchange.journal_document(**records, exported_at=stamp))
        return Response(body, media_type="application/json", headers=_attachment("json"))
    if format == "fhir":
        bundle = exchange.fhir_bundle(
            sessions=records["sessions"], checkins=records["checkins"], exported_at=stamp
        )
        return Response(json.dumps(bundle), media_type="application/fhir+json",
                        headers=_attachment("fhir.json"))  # fmt: skip
    import csv

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, (header, rows) in exchange.csv_tables(**records).items():
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(header)
            writer.writerows(rows)
            archive.writestr(f"{name}.csv", text.getvalue())
    return Response(buffer.getvalue(), media_type="application/zip", headers=_attachment("zip"))


def _attachment(extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="bedstretch-journal.{extension}"'}


@router.get("/reminder.ics", tags=["progress"], response_class=Response)
def reminder(
    request: Request,
    _: Annotated[int, Depends(api_user)],
    at: Annotated[str, Query(pattern=r"^\d{1,2}:\d{2}$")] = "07:30",
    days: Annotated[str | None, Query(max_length=60)] = None,
) -> Response:
    from bedstretch.core.reminders import calendar, parse_days, parse_time

    try:
        when: time = parse_time(at)
        chosen = parse_days(days) if days else None
    except ValueError as error:
        raise HTTPException(422, str(error)) from None
    text = calendar(
        at=when,
        days=chosen,
        today=date.today(),
        stamp=auth.now(),
        uid=str(uuid.uuid4()),
        how=f"open {request.base_url}",
    )
    return Response(text, media_type="text/calendar", headers=_attachment("ics"))


__all__ = ["QUESTION_IDS", "router"]
