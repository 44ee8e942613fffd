"""``bedstretch account``: what the owner of a server does for its web accounts (no email is
sent: a self-hosted server has no mail to send with)."""

from __future__ import annotations

import click

from bedstretch.cli.root import State, cli, local_now, pass_state


@cli.group()
def account() -> None:
    """Web accounts, for the owner of the server (`bedstretch serve`)."""


@account.command("reset-password")
@click.argument("email")
@click.option(
    "--url",
    "base",
    metavar="URL",
    help="The server's address as people open it (https://stretch.example.org): the link is "
    "printed with it. Default: the path alone.",
)
@pass_state
def reset_password(state: State, email: str, base: str | None) -> None:
    """Print a one-time link that sets a new password for the account with EMAIL.

    Give it to that person (not by a channel others read). The link works once, for one hour;
    a new link replaces an older one. Setting the password signs the account out on every
    device. Only the link's hash is stored.
    """
    from bedstretch.services import accounts

    with state.journal() as journal:
        secret = accounts.issue_reset(journal, email, local_now())
    path = f"/reset?token={secret}"
    click.echo(f"{base.rstrip('/')}{path}" if base else path)
    minutes = int(accounts.RESET_LIFE.total_seconds() // 60)
    click.echo(f"bedstretch: the link works once, within {minutes} minutes", err=True)
