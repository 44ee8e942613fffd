"""Password reset links (a new kind of token), and emails in one Unicode form.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02

- ``auth_tokens.kind`` may be ``reset``: a one-time link the server's owner issues
  (``bedstretch account reset-password``), stored hashed like the other tokens. On SQLite a
  CHECK constraint changes only by rebuilding the table (batch mode).
- Emails are stored NFC, then lower-cased (``normalize_email``): an address typed in NFD was a
  second account. Rows already stored are rewritten in that form, unless the rewritten address
  belongs to another account already (that one keeps it; the other row is left as it was).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK = "ck_auth_tokens_kind_values"


def _normal(email: str) -> str:
    # A frozen copy of journal.accounts.normalize_email as of this revision.
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", email.strip()).lower())


def upgrade() -> None:
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), "kind IN ('api', 'web', 'reset')")

    users = sa.table("users", sa.column("id", sa.Integer), sa.column("email", sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.email)).all()
    taken = {str(row.email) for row in rows}
    for row in rows:
        normal = _normal(str(row.email))
        if normal != row.email and normal not in taken:
            connection.execute(sa.update(users).where(users.c.id == row.id).values(email=normal))
            taken.add(normal)


def downgrade() -> None:
    op.execute("DELETE FROM auth_tokens WHERE kind = 'reset'")
    with op.batch_alter_table("auth_tokens") as batch:
        batch.drop_constraint(op.f(CHECK), type_="check")
        batch.create_check_constraint(op.f(CHECK), "kind IN ('api', 'web')")
