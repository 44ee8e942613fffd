"""Alembic environment of the journal, shipped inside the package (no alembic.ini).

bedstretch runs it itself: ``open_journal`` passes an open connection, already inside the
migration transaction (``migrate.migration_transaction``: lock held, SQLite foreign keys off), in
``config.attributes["connection"]`` and commits when the upgrade is done. Developers reach it
through ``bedstretch.journal.alembic_config(url)`` (for example to autogenerate a new revision),
in which case it connects to the URL itself, in the same kind of transaction.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from bedstretch.journal import schema

config = context.config


def render_item(kind: str, obj: Any, autogen_context: AutogenContext) -> str | bool:
    """Autogenerate writes plain SQLAlchemy types, so migrations never import schema.py."""
    if kind == "type" and isinstance(obj, schema.UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


OPTIONS: dict[str, Any] = {
    "target_metadata": schema.metadata,
    "render_as_batch": True,  # SQLite cannot ALTER most things: copy-and-move tables instead
    "render_item": render_item,
    "compare_type": True,
}


def run_offline() -> None:
    """``--sql`` mode: print the SQL for a DBA instead of running it."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **OPTIONS,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_on(connection: Connection) -> None:
    context.configure(connection=connection, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    from bedstretch.journal.engine import create_engine
    from bedstretch.journal.migrate import migration_transaction

    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.connect() as connection, migration_transaction(connection):
            run_on(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
