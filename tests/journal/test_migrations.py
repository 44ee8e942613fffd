"""Opening a journal brings its schema to HEAD once, cheaply afterwards, and never downgrades."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bedstretch.journal import HEAD, MIGRATIONS, JournalError, alembic_config, open_journal
from bedstretch.journal.schema import metadata
from tests.journal.builders import T0, event, start, step

TABLES = {
    "screenings", "rescreen_requests", "sessions", "steps", "events", "exercise_restores",
    "checkins", "users", "auth_tokens", "login_attempts",
}  # fmt: skip


@contextmanager
def connect(url: str) -> Iterator[sa.Connection]:
    """A plain SQLAlchemy connection, to look at the database behind the journal's back."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def stored_revisions(url: str) -> list[str]:
    with connect(url) as connection:
        rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
        return [row[0] for row in rows]


def test_head_constant_is_the_newest_migration() -> None:
    scripts = ScriptDirectory.from_config(alembic_config())
    assert scripts.get_heads() == [HEAD]


def test_first_open_creates_every_table_and_records_head(url: str) -> None:
    open_journal(url).close()
    with connect(url) as connection:
        tables = set(sa.inspect(connection).get_table_names())
    assert tables == TABLES | {"alembic_version"}
    assert set(metadata.tables) == TABLES
    assert stored_revisions(url) == [HEAD]


def test_migrated_database_matches_schema_py(url: str) -> None:
    open_journal(url).close()
    with connect(url) as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_second_open_is_a_no_op_that_does_not_import_alembic(url: str) -> None:
    journal = open_journal(url)
    journal.add_screening(taken_at=T0, outcome="ok", reasons=[], answers={}, age=40)
    journal.close()
    script = (
        "import sys\n"
        "from bedstretch.journal import open_journal\n"
        "journal = open_journal(sys.argv[1])\n"
        "print(journal.latest_screening() is not None, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script, url], capture_output=True, text=True, check=True
    ).stdout
    assert out.split() == ["True", "False"]
    assert stored_revisions(url) == [HEAD]


def test_journal_written_by_a_newer_bedstretch_is_refused(url: str) -> None:
    open_journal(url).close()
    with connect(url) as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = 'fffffff_future'")
        connection.commit()
    with pytest.raises(JournalError, match="written by a newer bedstretch") as raised:
        open_journal(url)
    assert "\n" not in str(raised.value)
    assert stored_revisions(url) == ["fffffff_future"]  # left as it was


def test_migrations_go_down_to_nothing_and_up_again(url: str) -> None:
    open_journal(url).close()
    command.downgrade(alembic_config(url), "base")
    with connect(url) as connection:
        assert set(sa.inspect(connection).get_table_names()) <= {"alembic_version"}
    command.upgrade(alembic_config(url), "head")
    assert stored_revisions(url) == [HEAD]
    open_journal(url).close()


def test_processes_opening_a_new_journal_at_once_all_succeed(url: str) -> None:
    # Each child imports everything, says so, and waits; then all open at once: one migrates,
    # the others wait for its lock and find the schema up to date.
    script = (
        "import sys\n"
        "import alembic.command\n"
        "from bedstretch.journal import open_journal\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "open_journal(sys.argv[1]).close()\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", script, url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for child in children:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = [child.communicate(timeout=60) for child in children]
    assert [child.returncode for child in children] == [0, 0, 0, 0], results
    assert stored_revisions(url) == [HEAD]


REBUILD_SESSIONS = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sessions", recreate="always") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions", recreate="always") as batch:
        batch.drop_column("note")
"""


def test_sqlite_migration_that_rebuilds_sessions_keeps_their_steps_and_events(
    sqlite_url: str, tmp_path: Path
) -> None:
    # SQLite batch mode copies the table and drops the old one: with foreign keys on, that drop
    # would cascade-delete every step and event.
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations, ignore=shutil.ignore_patterns("__pycache__"))
    rebuild = REBUILD_SESSIONS.replace("{head}", HEAD)
    (migrations / "versions" / "9999_rebuild_sessions.py").write_text(rebuild)
    with open_journal(sqlite_url) as journal:
        session_id = start(journal)
        journal.record_step(session_id, step())
        journal.record_event(session_id, event())
    config = alembic_config(sqlite_url)
    config.set_main_option("script_location", str(migrations))

    command.upgrade(config, "head")

    assert stored_revisions(sqlite_url) == ["9999"]
    with connect(sqlite_url) as connection:
        counts = [
            connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
            for table in ("sessions", "steps", "events")
        ]
    assert counts == [1, 1, 1]
    with pytest.raises(JournalError, match="newer bedstretch"):
        open_journal(sqlite_url)  # this program only knows up to HEAD
