"""Bringing a journal's schema up to date (Alembic, imported only when there is something to
migrate), and ``open_journal``, which does that and returns the ``Journal``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bedstretch.journal import timeouts
from bedstretch.journal.engine import WRITE, create_engine
from bedstretch.journal.errors import JournalError, first_line
from bedstretch.journal.facade import Journal
from bedstretch.journal.urls import resolve_url, shown

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = ["HEAD", "MIGRATIONS", "alembic_config", "migration_transaction", "open_journal"]

HEAD = "0004"  # the newest migration in migrations/versions (a test holds them together)
MIGRATIONS = Path(__file__).resolve().with_name("migrations")

_MIGRATION_LOCK = 0x62656473747263  # PostgreSQL advisory lock key while migrating ("bedstrc")


def _cannot_open(url: str, dialect: str, error: BaseException) -> JournalError:
    verb = "open" if dialect == "sqlite" else "connect to"
    return JournalError(f"cannot {verb} the journal at {shown(url)}: {first_line(error)}")


def alembic_config(url: str | None = None) -> Config:
    """The Alembic configuration of the journal's migrations (no alembic.ini needed).

    For developers: ``alembic.command.revision(alembic_config("sqlite:///scratch.db"),
    autogenerate=True, message="...")`` writes a new migration against a database at HEAD.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _revisions(engine: Engine, url: str) -> set[str]:
    """The revisions stored in alembic_version (empty for a new database): the cheap check."""
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return set()
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            return {str(row[0]) for row in rows}
    except sa.exc.DBAPIError as error:
        raise _cannot_open(url, engine.dialect.name, error) from None


@contextmanager
def migration_transaction(connection: Connection) -> Iterator[None]:
    """One transaction around a whole upgrade, holding the migration lock.

    SQLite: the write lock (BEGIN IMMEDIATE), and foreign keys off meanwhile, because a batch
    migration copies a table and drops the old one, and dropping ``sessions`` with foreign keys
    on would cascade-delete every step and event. The pragma only changes outside a transaction,
    so it is set on the driver's connection before BEGIN; references are checked before COMMIT.
    PostgreSQL: a transaction-level advisory lock.
    """
    sqlite = connection.dialect.name == "sqlite"
    driver: Any = connection.connection.driver_connection
    if sqlite:
        driver.execute("PRAGMA foreign_keys = OFF")
    try:
        connection.execution_options(**{WRITE: True})
        # A rebuild (or another process's, waited for) may take long: no time limits here.
        with timeouts.answering_within(driver, None), connection.begin():
            if not sqlite:
                connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
                connection.execute(
                    sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
                )
            yield
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
                if broken is not None:
                    raise JournalError(
                        f"a migration left rows of {broken[0]} pointing at nothing; "
                        "nothing was changed"
                    )
    finally:
        if sqlite:
            driver.execute("PRAGMA foreign_keys = ON")


def _upgrade(engine: Engine, url: str, found: set[str]) -> None:
    """Bring the schema to HEAD in one transaction, holding a lock against a concurrent open."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = alembic_config()
    known = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}

    def newer(revisions: set[str]) -> JournalError:
        return JournalError(
            f"the journal at {shown(url)} was written by a newer bedstretch (schema "
            f"{', '.join(sorted(revisions))}; this one knows up to {HEAD}): upgrade bedstretch"
        )

    if found - known:
        raise newer(found - known)
    try:
        with engine.connect() as connection, migration_transaction(connection):
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except CommandError:  # another, newer program migrated it while we waited for the lock
        raise newer(_revisions(engine, url) - known) from None
    except sa.exc.DBAPIError as error:
        raise JournalError(
            f"cannot bring the journal at {shown(url)} up to date: {first_line(error)}"
        ) from None


def open_journal(url: str | None = None) -> Journal:
    """Open (creating or migrating if needed) the journal at ``url`` (None: ``resolve_url``).

    ``sqlite://`` is an in-memory journal that lasts as long as the returned ``Journal``.
    """
    resolved = resolve_url(url)
    engine = create_engine(resolved)
    try:
        found = _revisions(engine, resolved)
        if found != {HEAD}:
            _upgrade(engine, resolved, found)
    except BaseException:
        engine.dispose()
        raise
    return Journal(engine, resolved)
