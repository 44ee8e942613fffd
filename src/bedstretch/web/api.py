"""The JSON API under /api/v1 (docs/api.md): the same shapes as the CLI's --json output.

Each route parses its request (pydantic), calls a service (``bedstretch.services``) and returns
its answer. Errors are ours, answered in one shape by ``bedstretch.web.errors``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, Field

from bedstretch.core.errors import NotFound, Unauthenticated
from bedstretch.core.exercises import TARGET_AREAS, Position
from bedstretch.core.records import Applied, EventKind, StepStatus, TokenKind
from bedstretch.core.safety import parse_answers
from bedstretch.core.serialize import exercise_dict, routine_dict
from bedstretch.core.timeline import compile_timeline
from bedstretch.journal import Journal
from bedstretch.services import (
    accounts,
    checkins,
    exchange,
    exercises,
    planning,
    progress,
    reminders,
    screening,
    sessions,
)
from bedstretch.web import auth
from bedstretch.web.deps import ApiJournal, ApiUser, Content, Now, Shared
from bedstretch.web.errors import RESPONSES
from bedstretch.web.fields import Finite, Text

router = APIRouter(prefix="/api/v1", responses=RESPONSES)
JSON = dict[str, Any]
SessionId = Annotated[int, Path(ge=1, le=2**31 - 1)]  # an id the databases can hold
Day = date  # a field named "date" would hide the type inside its class


# --------------------------------------------------------------------------- accounts


class Credentials(BaseModel):
    email: Text = Field(min_length=3, max_length=320, pattern=r"^\s*[^@\s]+@[^@\s]+\s*$")
    password: Text = Field(min_length=accounts.MIN_PASSWORD, max_length=accounts.MAX_PASSWORD)


class Token(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class PasswordChange(BaseModel):
    current_password: Text = Field(min_length=1, max_length=accounts.MAX_PASSWORD)
    new_password: Text = Field(min_length=1, max_length=accounts.MAX_PASSWORD)


@router.post("/users", status_code=201, tags=["accounts"])
async def create_user(
    body: Credentials, request: Request, journal: Shared, now: Now
) -> dict[str, str]:
    """Create an account. The answer is the same whether or not the email was already known.
    A weak password is refused (422, `field` password); 429 after 10 sign-ups in an hour from
    one address."""
    address = auth.client_address(request)
    made = await auth.hashing(
        request, accounts.sign_up, journal, body.email, body.password, now, address=address
    )
    return {"email": made}


def _api_token(journal: Journal, email: str, password: str, address: str, now: datetime) -> Token:
    user = accounts.authenticate(journal, email, password, address=address, now=now)
    if user is None:
        raise Unauthenticated("Email or password is wrong.")
    secret, _ = accounts.new_token(journal, user, TokenKind.API, now)
    return Token(access_token=secret, expires_in=int(accounts.API_TOKEN_LIFE.total_seconds()))


@router.post("/auth/token", tags=["accounts"])
async def token(body: Credentials, request: Request, journal: Shared, now: Now) -> Token:
    """A bearer token for good credentials (401 otherwise; 429 over the sign-in limits)."""
    address = auth.client_address(request)
    return await auth.hashing(request, _api_token, journal, body.email, body.password, address, now)


@router.delete("/auth/token", status_code=204, tags=["accounts"])
def revoke_token(request: Request, journal: Shared, now: Now) -> Response:
    """Sign out this bearer token: it stops working at once (401 without a live one)."""
    secret = auth.bearer_secret(request)
    if secret is None or auth.bearer_user(request, journal, now) is None:
        raise Unauthenticated("Send the bearer token to sign out.")
    accounts.sign_out(journal, secret)
    return Response(status_code=204)


@router.delete("/auth/tokens", status_code=204, tags=["accounts"])
def revoke_all_tokens(request: Request, journal: Shared, user: ApiUser) -> Response:
    """Sign out everywhere: every API token, browser session and reset link of the account,
    this one included."""
    accounts.sign_out_everywhere(journal, user)
    response = Response(status_code=204)
    auth.forget_session(response, request)
    return response


@router.post("/users/me/password", status_code=204, tags=["accounts"])
async def change_password(
    body: PasswordChange, request: Request, journal: Shared, user: ApiUser, now: Now
) -> Response:
    """Change the password (422 naming `current_password` when it is wrong, or `new_password`
    when it is refused; the sign-in limits apply). Every other token and session of the
    account is signed out; the one that asked keeps working."""
    await auth.hashing(
        request, accounts.change_password, journal, user, body.current_password,
        body.new_password, address=auth.client_address(request), now=now,
        keep=auth.used_secret(request),
    )  # fmt: skip
    return Response(status_code=204)


@router.delete("/users/me", status_code=204, tags=["accounts"])
def delete_me(journal: Shared, user: ApiUser) -> Response:
    """Delete the account and every record of it."""
    accounts.delete(journal, user)
    return Response(status_code=204)


# --------------------------------------------------------------------------- content


@router.get("/exercises", tags=["content"])
def exercise_list(catalog: Content, _: ApiUser) -> list[JSON]:
    return [exercise_dict(e) for e in catalog.exercises.values()]


@router.get("/exercises/{exercise_id}", tags=["content"])
def exercise(exercise_id: Text, catalog: Content, _: ApiUser) -> JSON:
    return exercise_dict(exercises.find(catalog, exercise_id))


@router.get("/exercises/{exercise_id}/figure.svg", tags=["content"], response_class=Response)
def figure(
    exercise_id: Text, catalog: Content, _: ApiUser, variant: Text | None = None
) -> Response:
    from bedstretch.drawing import svg, title

    found = exercises.find(catalog, exercise_id)
    chosen = found.variant(variant)
    drawn = catalog.figures.get((found.id, chosen.id)) if chosen else None
    if chosen is None or drawn is None:
        raise NotFound(f"no figure for '{exercise_id}' variant '{variant}'", field="variant")
    return Response(
        svg(drawn, title(found, chosen)),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, max-age=3600"},  # behind a sign-in: no shared caches
    )


@router.get("/routines", tags=["content"])
def routine_list(catalog: Content, _: ApiUser) -> list[JSON]:
    return [routine_dict(r, compile_timeline(r, catalog.moves)) for r in catalog.routines.values()]


@router.get("/routines/{routine_id}/timeline", tags=["content"])
def timeline(routine_id: Text, catalog: Content, journal: ApiJournal, now: Now) -> JSON:
    """The timeline a session of this routine plays for the asker: exercises left out after
    trouble are left out here too, so a phone that starts offline plays what the server keeps."""
    chosen = planning.session_routine(
        catalog, journal, now, routine=planning.routine(catalog, routine_id)
    )
    return chosen.timeline.to_dict()


class PlanRequest(BaseModel):
    minutes: Finite | None = Field(default=None, ge=0.5, le=240)
    positions: list[Position] | None = None
    lying_only: bool = False
    equipment: list[Text] = Field(default_factory=list, max_length=20)
    exclude: list[Text] = Field(default_factory=list, max_length=50)
    targets: list[Literal[TARGET_AREAS]] = Field(default_factory=list)  # type: ignore[valid-type]

    def options(self) -> planning.PlanOptions:
        return planning.PlanOptions(
            minutes=self.minutes,
            positions=frozenset(self.positions) if self.positions else None,
            lying_only=self.lying_only,
            equipment=frozenset(self.equipment),
            exclude=tuple(self.exclude),
            targets=frozenset(self.targets),
        )


@router.post("/plan", tags=["sessions"])
def plan(body: PlanRequest, catalog: Content, journal: ApiJournal, now: Now) -> JSON:
    planned = planning.make_plan(catalog, body.options(), planning.history(catalog, journal, now))
    return {**planned.to_dict(), "timeline": planned.timeline.to_dict()}


# --------------------------------------------------------------------------- safety


@router.get("/rules", tags=["safety"])
async def rules() -> JSON:  # async: no database, never waits for the thread pool
    """What a player needs of the core's rules (playback, speech, the pain guard), derived from
    bedstretch.core: players apply these, never copies."""
    from bedstretch.core.rules import player_rules

    return player_rules()


class ScreeningRequest(BaseModel):
    answers: dict[Text, bool]
    age: Finite = Field(ge=0, le=130)
    cleared: bool = False


@router.post("/screenings", status_code=201, tags=["safety"])
def screenings(body: ScreeningRequest, journal: ApiJournal, now: Now) -> JSON:
    answers, age = parse_answers({**body.answers, "age": body.age})
    return screening.record(journal, answers, age, now, cleared=body.cleared).to_dict()


@router.get("/screening-questions", tags=["safety"])
async def screening_questions() -> list[JSON]:  # async: no database
    return [{"id": q.id, "level": q.level.value, "text": q.text} for q in screening.questions()]


@router.get("/gate", tags=["safety"])
def gate(journal: ApiJournal, now: Now) -> JSON:
    found = screening.gate(journal, now)
    return {
        "allowed": found.allowed,
        "reason": found.reason,
        "needs_screening": found.needs_screening,
    }


# --------------------------------------------------------------------------- sessions


class SessionRequest(BaseModel):
    routine: Text = Field(min_length=1, max_length=100)
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


@router.post(
    "/sessions",
    status_code=201,
    tags=["sessions"],
    responses={200: {"description": "A session with that uid is yours already."}},
)
def start_session(
    body: SessionRequest, catalog: Content, journal: ApiJournal, now: Now, response: Response
) -> JSON:
    options = body.plan.options() if body.plan is not None else None
    fixed = None if options is not None else planning.routine(catalog, body.routine)
    chosen = planning.session_routine(catalog, journal, now, routine=fixed, options=options)
    started = sessions.begin(
        journal,
        chosen.routine,
        chosen.timeline,
        pain_before=body.pain_before,
        now=now,
        uid=str(body.uid) if body.uid else None,
        at=body.started_at,
    )
    if not started.created:
        response.status_code = 200
    return {"id": started.id, "uid": started.uid, "timeline": chosen.timeline.to_dict()}


class EventRequest(BaseModel):
    id: uuid.UUID
    kind: EventKind
    at: Finite = Field(default=0.0, ge=0, le=86400)
    value: int | None = Field(default=None, ge=0, le=10)
    step: int | None = Field(default=None, ge=0, le=10000)
    exercise: Text | None = Field(default=None, max_length=100)
    block: int | None = Field(default=None, ge=0, le=100000)
    status: Literal["done", "skipped", "pain_skip"] | None = None
    actual_seconds: int | None = Field(default=None, ge=0, le=86400)
    actual_reps: int | None = Field(default=None, ge=0, le=10000)
    reason: Text | None = Field(default=None, max_length=200)
    created_at: datetime | None = Field(
        default=None,
        description="When the player saw it (with a time zone): a late event keeps it. Kept "
        "between 7 days ago and now. Default: when it arrives.",
    )


class EventAnswer(BaseModel):
    stored: bool  # this request stored the event (False: its id was stored before)
    applied: bool  # ... and what it means is in the journal (False: nothing changed)
    detail: str | None = None


ENDED = "The session has ended: the event is kept for the record and changes nothing."


@router.post(
    "/sessions/{session_id}/events",
    status_code=201,
    tags=["sessions"],
    responses={
        200: {
            "description": "Nothing changed: that event id is stored already (`stored` false), "
            "or the session has ended (`stored` true, `applied` false)."
        }
    },
)
def add_event(
    session_id: SessionId, body: EventRequest, journal: ApiJournal, now: Now, response: Response
) -> EventAnswer:
    """Store one event with what it means, in one transaction; the same event id sent again is
    stored once (answer 200), and an ended session keeps a late event but does not change."""
    event = sessions.EventInput(
        id=str(body.id),
        kind=body.kind,
        at=body.at,
        value=body.value,
        step=body.step,
        exercise=body.exercise,
        block=body.block,
        status=StepStatus(body.status) if body.status else None,
        actual_seconds=body.actual_seconds,
        actual_reps=body.actual_reps,
        reason=body.reason,
        happened_at=body.created_at,
    )
    applied = sessions.apply_event(journal, session_id, event, now)
    if applied is Applied.APPLIED:
        return EventAnswer(stored=True, applied=True)
    response.status_code = 200
    if applied is Applied.ENDED:
        return EventAnswer(stored=True, applied=False, detail=ENDED)
    return EventAnswer(stored=False, applied=False)


@router.get("/sessions", tags=["sessions"])
def list_sessions(
    journal: ApiJournal, now: Now, limit: Annotated[int | None, Query(ge=1, le=10000)] = None
) -> list[JSON]:
    return [s.to_dict() for s in sessions.history(journal, now, limit=limit)]


@router.get("/sessions/{session_id}", tags=["sessions"])
def get_session(session_id: SessionId, journal: ApiJournal) -> JSON:
    return sessions.get(journal, session_id).to_dict()


# --------------------------------------------------------------------------- progress


class CheckinRequest(BaseModel):
    pain: int | None = Field(default=None, ge=0, le=10)
    peg: tuple[int, int, int] | None = None
    date: Day | None = None


@router.post("/checkins", status_code=201, tags=["progress"])
def add_checkin(body: CheckinRequest, journal: ApiJournal, now: Now) -> JSON:
    return checkins.add(journal, pain=body.pain, peg=body.peg, now=now, day=body.date).to_dict()


@router.get("/progress", tags=["progress"])
def get_progress(journal: ApiJournal, now: Now, since: date | None = None) -> JSON:
    return progress.progress(journal, now, since).to_dict()


@router.get("/export", tags=["progress"], response_class=Response)
def export(journal: ApiJournal, now: Now, format: exchange.Format = "json") -> Response:
    made = exchange.export(journal, format, now)
    return Response(made.data, media_type=made.media_type, headers=_attachment(made.extension))


def _attachment(extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="bedstretch-journal.{extension}"'}


@router.get("/reminder.ics", tags=["progress"], response_class=Response)
def reminder(
    request: Request,
    now: Now,
    _: ApiUser,
    at: Annotated[Text, Query(pattern=r"^\d{1,2}:\d{2}$")] = "07:30",
    days: Annotated[Text | None, Query(max_length=60)] = None,
) -> Response:
    made = reminders.reminder(at, days or None, now, how=f"open {request.base_url}")
    return Response(made.ics, media_type="text/calendar", headers=_attachment("ics"))
