"""Accounts for the web app: users, their sign-in tokens, failed sign-ins, and who owns each row.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

Every top-level table gets a nullable ``user_id`` (ON DELETE CASCADE): rows already there keep
NULL, the terminal's own person. On SQLite adding a foreign key rebuilds the table (batch mode);
``open_journal`` runs migrations with foreign keys off, so rebuilding ``sessions`` keeps its
steps and events.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OWNED = ("screenings", "rescreen_requests", "sessions", "checkins", "exercise_restores")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token_hash", sa.CHAR(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('api', 'web')", name=op.f("ck_auth_tokens_kind_values")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    op.create_index(op.f("ix_auth_tokens_user_id"), "auth_tokens", ["user_id"])
    op.create_index(op.f("ix_auth_tokens_expires_at"), "auth_tokens", ["expires_at"])

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_key_at", "login_attempts", ["key", "at"])

    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
            batch.create_index(op.f(f"ix_{table}_user_id"), ["user_id"])
            batch.create_foreign_key(
                op.f(f"fk_{table}_user_id_users"),
                "users",
                ["user_id"],
                ["id"],
                ondelete="CASCADE",
            )


def downgrade() -> None:
    # 0002 has one person only: the accounts' rows cannot be kept apart, so they go (mixing
    # several people's health data into the terminal's journal would be worse). Foreign keys may
    # be off (SQLite, while migrating): steps and events are deleted explicitly.
    owned_sessions = "SELECT id FROM sessions WHERE user_id IS NOT NULL"
    op.execute(f"DELETE FROM events WHERE session_id IN ({owned_sessions})")
    op.execute(f"DELETE FROM steps WHERE session_id IN ({owned_sessions})")
    for table in OWNED:
        op.execute(f"DELETE FROM {table} WHERE user_id IS NOT NULL")
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(op.f(f"fk_{table}_user_id_users"), type_="foreignkey")
            batch.drop_index(op.f(f"ix_{table}_user_id"))
            batch.drop_column("user_id")
    op.drop_index("ix_login_attempts_key_at", table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_index(op.f("ix_auth_tokens_expires_at"), table_name="auth_tokens")
    op.drop_index(op.f("ix_auth_tokens_user_id"), table_name="auth_tokens")
    op.drop_table("auth_tokens")
    op.drop_table("users")
