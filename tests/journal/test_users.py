"""Several people in one journal: accounts, tokens, sign-in attempts, and every row scoped to its
person (the terminal's own person is user_id NULL), on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from alembic import command

from bedstretch.core.errors import NotFound
from bedstretch.core.exchange import journal_document, parse_document
from bedstretch.core.records import (
    CheckinRecord,
    EventKind,
    EventRecord,
    ScreeningRecord,
    SessionStatus,
    StepStatus,
    TokenKind,
    TokenRecord,
)
from bedstretch.journal import (
    Journal,
    alembic_config,
    email_attempt_key,
    hash_token,
    normalize_email,
    open_journal,
)
from bedstretch.journal.exchange import export_records, import_batch
from bedstretch.journal.schema import (
    auth_tokens,
    checkins,
    events,
    exercise_restores,
    login_attempts,
    rescreen_requests,
    screenings,
    sessions,
    steps,
    users,
)
from bedstretch.journal.summaries import session_summaries
from tests.journal.builders import SNAPSHOT, T0, at, event, start, step
from tests.journal.test_migrations import connect

OWNED = (screenings, rescreen_requests, sessions, checkins, exercise_restores)


# --------------------------------------------------------------------------- helpers


@dataclass(frozen=True)
class Written:
    """What one person wrote, to check that nobody else sees it."""

    name: str
    journal: Journal
    screening: ScreeningRecord
    session_id: int
    running_id: int
    event: EventRecord
    checkin: CheckinRecord


def write_everything(journal: Journal, name: str) -> Written:
    screening = journal.add_screening(
        taken_at=at(0), outcome="ok", reasons=[], answers={"fever": False}, age=40
    )
    journal.request_rescreen(at(1), f"tingling ({name})")
    session_id = start(journal, at(2), pain_before=3)
    journal.record_step(session_id, step(0, exercise="cat-cow", status=StepStatus.PAIN_SKIP))
    journal.record_step(session_id, step(1, exercise=f"only-{name}", status=StepStatus.PAIN_SKIP))
    tingling = event(EventKind.TINGLING, exercise=f"only-{name}")
    assert journal.record_event(session_id, tingling)
    journal.finish_session(
        session_id, status=SessionStatus.SAFETY_STOP, ended_at=at(10), pain_after=5
    )
    running = start(journal, at(20), pid=4242, host="bedside")
    checkin = journal.add_checkin(day=date(2025, 3, 1), created_at=at(30), pain=len(name))
    journal.restore_exercise(f"restored-{name}", at(40))
    return Written(name, journal, screening, session_id, running, tingling, checkin)


def new_user(journal: Journal, email: str) -> int:
    user_id = journal.create_user(email, "$argon2id$v=19$fake", T0)
    assert user_id is not None
    return user_id


def counts_of(url: str, where: str) -> dict[str, int]:
    """Rows per table matching ``where`` (on the table's own user_id, or its session's)."""
    out = {}
    with connect(url) as connection:
        for table in OWNED:
            sql = f"SELECT count(*) FROM {table.name} WHERE {where}"
            out[table.name] = connection.exec_driver_sql(sql).scalar_one()
        for child in ("steps", "events"):
            sql = (
                f"SELECT count(*) FROM {child} JOIN sessions ON sessions.id = {child}.session_id "
                f"WHERE sessions.{where}"
            )
            out[child] = connection.exec_driver_sql(sql).scalar_one()
    return out


@pytest.fixture
def people(journal: Journal) -> list[Written]:
    """The terminal's person and two accounts, each with one of everything."""
    ann = journal.for_user(new_user(journal, "ann@example.org"))
    bob = journal.for_user(new_user(journal, "bob@example.org"))
    return [
        write_everything(journal, "cli"),
        write_everything(ann, "ann"),
        write_everything(bob, "bob"),
    ]


# --------------------------------------------------------------------------- scoping


def test_every_read_from_every_scope_sees_only_its_own(people: list[Written]) -> None:
    for me in people:
        j = me.journal
        latest = j.latest_screening()
        assert latest is not None
        assert latest.uid == me.screening.uid
        assert j.rescreen_reason() == f"tingling ({me.name})"
        assert {s.id for s in j.sessions()} == {me.session_id, me.running_id}
        assert [s.id for s in j.sessions(limit=5, since=T0)] == [me.running_id, me.session_id]
        own = j.session(me.session_id)
        assert own is not None
        assert own.events == (me.event,)
        assert [s.exercise for s in own.steps] == ["cat-cow", f"only-{me.name}"]
        assert j.checkins() == [me.checkin]
        assert j.exercise_trouble() == {"cat-cow": 1, f"only-{me.name}": 1}
        running = j.session(me.running_id)
        assert running is not None
        summaries = session_summaries(j, exercises=True)
        assert [(s.uid, s.pain_skips) for s in summaries] == [
            (own.uid, tuple(sorted(["cat-cow", f"only-{me.name}"]))),
            (running.uid, ()),
        ]
        records = export_records(j)
        assert [s.uid for s in records["screenings"]] == [me.screening.uid]
        assert {s.id for s in records["sessions"]} == {me.session_id, me.running_id}
        assert [e.id for s in records["sessions"] for e in s.events] == [me.event.id]
        assert records["checkins"] == [me.checkin]
        assert [r.exercise for r in records["restores"]] == [f"restored-{me.name}"]
        assert [r.reason for r in records["rescreens"]] == [f"tingling ({me.name})"]
        for other in people:
            if other is not me:
                assert j.session(other.session_id) is None
                assert j.session(other.running_id) is None


def test_writes_to_another_scopes_ids_fail_like_missing_ids(people: list[Written]) -> None:
    before = {p.name: p.journal.session(p.session_id) for p in people}
    for me in people:
        j = me.journal
        for other in people:
            if other is me:
                continue
            sid = other.session_id
            with pytest.raises(NotFound, match=f"^no session {sid} in the journal$"):
                j.record_step(sid, step(3))
            with pytest.raises(NotFound, match=f"^no session {sid} in the journal$"):
                j.record_event(sid, event())
            with pytest.raises(NotFound, match=f"^no session {sid} in the journal$"):
                j.finish_session(sid, status=SessionStatus.COMPLETED, ended_at=at(9), pain_after=0)
            with pytest.raises(NotFound, match=f"^no session {sid} in the journal$"):
                j.set_pain_before(sid, 9)
            screening_id = other.screening.id
            assert screening_id is not None
            with pytest.raises(NotFound, match=f"no screening {screening_id}"):
                j.clear_screening(screening_id, at(50))
            with pytest.raises(NotFound, match=f"^no session {sid} in the journal$"):
                j.record_event(sid, other.event)  # even with an event id stored there
            # event ids are unique everywhere: another's id is "already stored", changing nothing
            assert j.record_event(me.session_id, other.event) is False
    after = {p.name: p.journal.session(p.session_id) for p in people}
    assert after == before
    for me in people:
        screening = me.journal.latest_screening()
        assert screening is not None
        assert screening.cleared_at is None


def test_reaping_and_restoring_touch_only_their_own_scope(people: list[Written]) -> None:
    cli, ann, bob = people
    assert ann.journal.reap_interrupted(at(60), lambda pid, host: False) == 1
    statuses = {
        p.name: p.journal.session(p.running_id).status  # type: ignore[union-attr]
        for p in people
    }
    assert statuses == {
        "cli": SessionStatus.RUNNING,
        "ann": SessionStatus.INTERRUPTED,
        "bob": SessionStatus.RUNNING,
    }

    ann.journal.restore_exercise("cat-cow", at(100))
    assert ann.journal.exercise_trouble() == {"only-ann": 1}
    assert cli.journal.exercise_trouble() == {"cat-cow": 1, "only-cli": 1}
    assert bob.journal.exercise_trouble() == {"cat-cow": 1, "only-bob": 1}


def test_a_new_account_sees_an_empty_journal(people: list[Written]) -> None:
    cli = people[0].journal
    carol = cli.for_user(new_user(cli, "carol@example.org"))
    assert carol.latest_screening() is None
    assert carol.rescreen_reason() is None
    assert carol.sessions() == []
    assert carol.checkins() == []
    assert carol.exercise_trouble() == {}
    assert session_summaries(carol) == []
    assert carol.reap_interrupted(at(99), lambda pid, host: False) == 0
    assert all(not records for records in export_records(carol).values())


def test_import_stores_records_as_the_importers_own(people: list[Written]) -> None:
    cli, ann, bob = people
    with open_journal("sqlite://") as elsewhere:
        fresh = write_everything(elsewhere, "elsewhere")
        document = journal_document(**export_records(elsewhere), exported_at=at(99))
    batch = parse_document(document)

    counts = import_batch(bob.journal, batch)

    assert (counts.sessions, counts.screenings, counts.checkins, counts.already) == (2, 1, 1, 0)
    assert (counts.steps, counts.events, counts.restores, counts.rescreens) == (2, 1, 1, 1)
    mine = export_records(bob.journal)
    assert fresh.checkin in mine["checkins"]
    assert len(mine["sessions"]) == 4
    assert bob.journal.rescreen_reason() == "tingling (elsewhere)"
    for other in (cli, ann):
        theirs = export_records(other.journal)
        assert len(theirs["sessions"]) == 2
        assert fresh.checkin not in theirs["checkins"]
        assert other.journal.rescreen_reason() == f"tingling ({other.name})"
    # ids are unique across the database: another person's records count as already there
    # (and are not copied to the importer)
    anns = parse_document(journal_document(**export_records(ann.journal), exported_at=at(99)))
    again = import_batch(bob.journal, anns)
    assert (again.sessions, again.screenings, again.checkins, again.events) == (0, 0, 0, 0)
    assert again.already == 4
    assert len(bob.journal.sessions()) == 4


def test_writing_for_a_user_that_does_not_exist_is_not_found(journal: Journal) -> None:
    ghost = journal.for_user(999)
    with pytest.raises(NotFound, match="no user 999"):
        start(ghost)
    with pytest.raises(NotFound, match="no user 999"):
        ghost.add_checkin(day=date(2025, 3, 1), created_at=T0, pain=2)
    with pytest.raises(NotFound, match="no user 999"):
        ghost.request_rescreen(T0, "tingling")
    assert journal.sessions() == []


def test_a_view_shares_the_engine_and_closing_it_keeps_the_journal_open() -> None:
    with open_journal("sqlite://") as journal:  # in memory: disposing the engine would lose it
        user_id = new_user(journal, "ann@example.org")
        with journal.for_user(user_id) as ann:
            assert ann.user_id == user_id
            assert ann._engine is journal._engine
            start(ann)
        ann.close()
        assert journal.user_id is None
        assert journal.user_email(user_id) == "ann@example.org"
        assert [s.id for s in journal.for_user(user_id).sessions()] != []
        assert journal.for_user(user_id).for_user(None).sessions() == []
        assert "user_id=" in repr(ann)


def test_user_id_must_be_an_int() -> None:
    with open_journal("sqlite://") as journal, pytest.raises(TypeError):
        journal.for_user("1")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- deleting a user


def test_deleting_a_user_removes_all_of_theirs_and_nothing_else(
    url: str, people: list[Written]
) -> None:
    cli, ann, bob = people
    ann_id, bob_id = ann.journal.user_id, bob.journal.user_id
    assert ann_id is not None
    assert bob_id is not None
    journal = cli.journal
    for user_id, name in ((ann_id, "ann"), (bob_id, "bob")):
        journal.add_token(
            token_hash=hash_token(f"secret-{name}"),
            user_id=user_id,
            kind=TokenKind.WEB,
            csrf="c" * 43,
            created_at=T0,
            expires_at=at(60),
        )
        journal.add_attempt(email_attempt_key(f"{name}@example.org"), T0)
    everything = dict.fromkeys(("screenings", "rescreen_requests", "checkins"), 1)
    everything |= {"sessions": 2, "exercise_restores": 1, "steps": 2, "events": 1}
    assert counts_of(url, f"user_id = {ann_id}") == everything

    journal.delete_user(ann_id)

    assert counts_of(url, f"user_id = {ann_id}") == dict.fromkeys(everything, 0)
    assert counts_of(url, f"user_id = {bob_id}") == everything
    assert counts_of(url, "user_id IS NULL") == everything
    assert journal.user_email(ann_id) is None
    assert journal.user_by_email("ann@example.org") is None
    assert journal.token(hash_token("secret-ann"), T0) is None
    assert journal.token(hash_token("secret-bob"), T0) is not None
    assert journal.count_attempts(email_attempt_key("ann@example.org"), T0) == 0
    assert journal.count_attempts(email_attempt_key("bob@example.org"), T0) == 1
    assert ann.journal.sessions() == []
    with connect(url) as connection:
        orphans = connection.exec_driver_sql(
            "SELECT count(*) FROM events WHERE session_id NOT IN (SELECT id FROM sessions)"
        ).scalar_one()
        tokens = connection.execute(sa.select(sa.func.count()).select_from(auth_tokens)).scalar()
    assert (orphans, tokens) == (0, 1)
    # the email is free again, for a new account with nothing in it
    again = new_user(journal, "Ann@Example.org")
    assert again != ann_id
    assert journal.for_user(again).sessions() == []
    journal.delete_user(ann_id)  # gone already: nothing happens


# --------------------------------------------------------------------------- accounts


def test_emails_are_stored_trimmed_and_lower_cased_and_taken_once(journal: Journal) -> None:
    user_id = journal.create_user("  Ann.Smith@Example.ORG ", "hash-1", T0)
    assert user_id is not None
    assert journal.user_email(user_id) == "ann.smith@example.org"
    assert journal.create_user("ann.smith@example.org", "hash-2", at(1)) is None
    assert journal.create_user("ANN.SMITH@EXAMPLE.ORG", "hash-3", at(1)) is None
    assert journal.user_by_email(" ann.smith@EXAMPLE.org") == (user_id, "hash-1")
    assert journal.user_by_email("bob@example.org") is None
    assert journal.user_email(user_id + 1) is None
    assert normalize_email("  A@B.C ") == "a@b.c"
    with pytest.raises(ValueError, match="1-320"):
        journal.create_user("   ", "hash", T0)
    with pytest.raises(ValueError, match="1-320"):
        journal.create_user("a" * 310 + "@example.org", "hash", T0)
    with pytest.raises(ValueError, match="password hash"):
        journal.create_user("bob@example.org", "", T0)
    with pytest.raises(ValueError, match="no timezone"):
        journal.create_user("bob@example.org", "hash", T0.replace(tzinfo=None))


def test_concurrent_sign_ups_with_one_email_make_one_account(journal: Journal) -> None:
    barrier = threading.Barrier(6)

    def sign_up(n: int) -> int | None:
        barrier.wait()
        return journal.create_user(f"Same@Example.org{' ' * n}", f"hash-{n}", T0)

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(sign_up, range(6)))
    made = [r for r in results if r is not None]
    assert len(made) == 1
    assert results.count(None) == 5
    assert journal.user_email(made[0]) == "same@example.org"


# --------------------------------------------------------------------------- tokens


def test_tokens_are_found_by_hash_until_they_expire(journal: Journal) -> None:
    user_id = new_user(journal, "ann@example.org")
    api, web = hash_token("api-secret"), hash_token("web-secret")
    journal.add_token(
        token_hash=api,
        user_id=user_id,
        kind="api",
        csrf=None,
        created_at=T0,
        expires_at=at(60),
    )
    journal.add_token(
        token_hash=web,
        user_id=user_id,
        kind=TokenKind.WEB,
        csrf="csrf-token",
        created_at=T0,
        expires_at=at(30),
    )
    assert journal.token(api, at(59)) == TokenRecord(user_id, TokenKind.API, None, at(60))
    assert journal.token(web, at(1)) == TokenRecord(user_id, TokenKind.WEB, "csrf-token", at(30))
    assert journal.token(web, at(30)) is None  # expired at expires_at
    assert journal.token(api, at(60)) is None
    assert journal.token(hash_token("unknown"), T0) is None
    assert journal.token("api-secret", T0) is None  # the secret itself finds nothing

    assert journal.delete_expired_tokens(at(45)) == 1
    assert journal.token(api, at(50)) is not None
    journal.delete_token(api)
    journal.delete_token(api)  # unknown now: nothing happens
    assert journal.token(api, at(50)) is None
    assert journal.delete_expired_tokens(at(999)) == 0


def test_only_token_hashes_are_stored(url: str, journal: Journal) -> None:
    user_id = new_user(journal, "ann@example.org")
    secret = "dGhpcyBpcyBhIHZlcnkgc2VjcmV0IHRva2Vu"
    assert hash_token(secret) == hashlib.sha256(secret.encode()).hexdigest()

    def add(token_hash: str, kind: str = "api", user: int = user_id) -> None:
        journal.add_token(
            token_hash=token_hash,
            user_id=user,
            kind=kind,
            csrf=None,
            created_at=T0,
            expires_at=at(60),
        )

    for not_a_hash in (secret, hash_token(secret).upper(), hash_token(secret)[:63]):
        with pytest.raises(ValueError, match="SHA-256"):
            add(not_a_hash)
    with pytest.raises(ValueError, match="'cookie' is not a valid TokenKind"):
        add(hash_token(secret), kind="cookie")
    with pytest.raises(NotFound, match="no user 999"):
        add(hash_token(secret), user=999)
    add(hash_token(secret))
    with connect(url) as connection:
        stored = connection.execute(sa.select(auth_tokens.c.token_hash)).scalars().all()
    assert [s.strip() for s in stored] == [hash_token(secret)]


# --------------------------------------------------------------------------- sign-in attempts


def test_attempts_are_counted_per_key_within_a_window(journal: Journal) -> None:
    ann = email_attempt_key("Ann@Example.org ")
    assert ann == "email:" + hashlib.sha256(b"ann@example.org").hexdigest()
    addr = "addr:2001:db8::1"
    for minute in (0, 5, 10):
        journal.add_attempt(ann, at(minute))
    journal.add_attempt(addr, at(10))

    assert journal.count_attempts(ann, at(0)) == 3
    assert journal.count_attempts(ann, at(5)) == 2  # the window includes its start
    assert journal.count_attempts(ann, at(5) + timedelta(microseconds=1)) == 1
    assert journal.count_attempts(ann, at(11)) == 0
    assert journal.count_attempts(addr, at(0)) == 1
    assert journal.count_attempts("addr:192.0.2.1", at(0)) == 0

    journal.clear_attempts(ann)
    assert journal.count_attempts(ann, at(0)) == 0
    assert journal.count_attempts(addr, at(0)) == 1

    journal.add_attempt(addr, at(100))
    assert journal.delete_attempts_before(at(50)) == 1
    assert journal.count_attempts(addr, at(0)) == 1


def test_attempt_keys_hold_no_raw_email(journal: Journal) -> None:
    with pytest.raises(ValueError, match="no email"):
        journal.add_attempt("email:ann@example.org", T0)
    with pytest.raises(ValueError, match="1-400"):
        journal.add_attempt("addr:" + "1" * 400, T0)
    with pytest.raises(ValueError, match="1-400"):
        journal.add_attempt("", T0)


# --------------------------------------------------------------------------- migration 0003


def reflected_insert(connection: sa.Connection, table: str, **values: object) -> object:
    """Insert into a table as the database has it (an older schema than schema.py); its key."""
    target = sa.Table(table, sa.MetaData(), autoload_with=connection)
    key = connection.execute(sa.insert(target).values(**values)).inserted_primary_key
    assert key is not None
    return key[0]


def test_upgrading_from_0002_keeps_every_row_for_the_terminals_person(url: str) -> None:
    command.upgrade(alembic_config(url), "0002")
    with connect(url) as c:
        reflected_insert(
            c, "screenings", uid="s-1", taken_at=T0, outcome="ok", reasons=[], answers={}, age=50
        )
        reflected_insert(c, "rescreen_requests", at=at(1), reason="numbness")
        session_id = reflected_insert(
            c,
            "sessions",
            uid="x-1",
            routine_id="morning",
            routine_name="Morning",
            snapshot=SNAPSHOT,
            status="safety_stop",
            started_at=at(2),
            ended_at=at(9),
            pain_before=3,
        )
        done = step(0, exercise="cat-cow", status=StepStatus.PAIN_SKIP)
        reflected_insert(
            c,
            "steps",
            session_id=session_id,
            block=0,
            step=0,
            exercise="cat-cow",
            variant="single",
            side="left",
            set_number=1,
            status="pain_skip",
            target_seconds=30,
            actual_seconds=5,
            finished_at=done.finished_at,
        )
        reflected_insert(
            c,
            "events",
            id="e-1",
            session_id=session_id,
            kind="tingling",
            at=10.0,
            created_at=at(3),
            exercise="hamstring",
        )
        reflected_insert(c, "checkins", uid="c-1", day=date(2025, 3, 1), pain=4, created_at=T0)
        reflected_insert(c, "exercise_restores", exercise="figure-four", at=at(1))
        c.commit()

    with open_journal(url) as journal:  # migrates to HEAD
        latest = journal.latest_screening()
        assert latest is not None
        assert latest.uid == "s-1"
        assert journal.rescreen_reason() == "numbness"
        (session,) = journal.sessions()
        assert (session.uid, session.status, len(session.steps)) == ("x-1", "safety_stop", 1)
        assert [e.id for e in session.events] == ["e-1"]
        assert [c.uid for c in journal.checkins()] == ["c-1"]
        assert journal.exercise_trouble() == {"cat-cow": 1, "hamstring": 1}
        journal.restore_exercise("cat-cow", at(99))
        ann = journal.for_user(new_user(journal, "ann@example.org"))
        assert ann.sessions() == []
        assert ann.latest_screening() is None
        assert ann.exercise_trouble() == {}
        assert ann.checkins() == []
    with connect(url) as c:
        for table in OWNED:
            owners = c.exec_driver_sql(f"SELECT DISTINCT user_id FROM {table.name}").scalars()
            assert list(owners) == [None], table.name
        # the rebuilt tables kept their checks
        for sql in (
            "UPDATE sessions SET pain_after = 11",
            "UPDATE checkins SET pain = 11",
            "INSERT INTO login_attempts (key, at) VALUES ('k', NULL)",
        ):
            with pytest.raises(sa.exc.IntegrityError):
                c.exec_driver_sql(sql)
            c.rollback()


def test_downgrading_to_0002_keeps_the_terminals_rows_and_drops_the_accounts(
    url: str, people: list[Written]
) -> None:
    people[0].journal.close()  # the fixture's own journal: Alembic needs the tables free
    command.downgrade(alembic_config(url), "0002")
    with connect(url) as c:
        tables = set(sa.inspect(c).get_table_names())
        assert not {users.name, auth_tokens.name, login_attempts.name} & tables
        counted = {
            table: c.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one()
            for table in (t.name for t in (*OWNED, steps, events))
        }
    assert counted == {
        "screenings": 1,
        "rescreen_requests": 1,
        "sessions": 2,
        "checkins": 1,
        "exercise_restores": 1,
        "steps": 2,
        "events": 1,
    }
    with open_journal(url) as journal:  # and up again
        assert len(journal.sessions()) == 2
