"""Check-ins (daily pain, weekly PEG), and stable UUIDs for sessions and screenings.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

The UUIDs make a journal exportable and importable without duplicates: importing the same
export twice adds nothing. Existing rows get a fresh UUID each.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _add_uid(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("uid", sa.String(length=36), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(sa.text(f"SELECT id FROM {table}")).all()
    for (row_id,) in rows:
        bind.execute(
            sa.text(f"UPDATE {table} SET uid = :uid WHERE id = :id"),
            {"uid": str(uuid.uuid4()), "id": row_id},
        )
    with op.batch_alter_table(table) as batch:
        batch.alter_column("uid", existing_type=sa.String(length=36), nullable=False)
        batch.create_unique_constraint(op.f(f"uq_{table}_uid"), ["uid"])


def upgrade() -> None:
    _add_uid("sessions")
    _add_uid("screenings")
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("pain", sa.Integer(), nullable=True),
        sa.Column("peg_pain", sa.Integer(), nullable=True),
        sa.Column("peg_enjoyment", sa.Integer(), nullable=True),
        sa.Column("peg_activity", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("pain BETWEEN 0 AND 10", name=op.f("ck_checkins_pain_range")),
        sa.CheckConstraint(
            "peg_pain BETWEEN 0 AND 10 AND peg_enjoyment BETWEEN 0 AND 10 "
            "AND peg_activity BETWEEN 0 AND 10",
            name=op.f("ck_checkins_peg_range"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkins")),
        sa.UniqueConstraint("uid", name=op.f("uq_checkins_uid")),
    )
    op.create_index(op.f("ix_checkins_day"), "checkins", ["day"])


def downgrade() -> None:
    op.drop_index(op.f("ix_checkins_day"), table_name="checkins")
    op.drop_table("checkins")
    for table in ("screenings", "sessions"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"uq_{table}_uid"), type_="unique")
            batch.drop_column("uid")
