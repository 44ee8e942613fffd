"""The ``bedstretch`` group, what every command shares, and the one place errors become lines.

This is the command line's composition point: ``State`` loads the catalog once and opens the
journal for the commands that need it; commands parse their options, call a service
(``bedstretch.services``) and print its answer. Every error is one of ours
(``bedstretch.core.errors``) and ``main`` turns it into one line on standard error and an exit
status: 2, or 3 when a safety rule blocks. Never a traceback.

Start-up matters (a person in bed waits for it): only click, tomllib and the core are imported at
start; rich, SQLAlchemy and matplotlib only inside the commands that need them.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from bedstretch import __version__
from bedstretch.core.errors import BedstretchError, Invalid, exit_code
from bedstretch.player.clock import local_now

if TYPE_CHECKING:
    from bedstretch.catalog import Catalog
    from bedstretch.journal import Journal

EXIT_USAGE = 2
__all__ = ["State", "cli", "emit_json", "fail", "local_now", "main", "pass_state"]

# How the command line names the fields our errors name (others are shown as they are).
NAMES = {
    "routine": "ROUTINE",
    "exercise": "ID",
    "file": "FILE",
    "minutes": "--minutes",
    "exclude": "--exclude",
    "restore": "--restore",
    "at": "--at",
    "days": "--days",
    "date": "--date",
    "pain": "--pain",
    "peg": "--peg",
    "pain_before": "--pain-before",
    "answers": "--answers",
    "email": "EMAIL",
}
HINTS = {  # where to look, for a name that was not found
    "exercise": "see `bedstretch exercises`",
    "exclude": "see `bedstretch exercises`",
    "restore": "see `bedstretch exercises`",
}


def fail(message: str) -> NoReturn:
    """A problem the command itself found in its input: one line (it names the option)."""
    raise Invalid(message)


def report(error: BedstretchError) -> int:
    """Print ``error`` as the command line shows errors; its exit status."""
    from bedstretch.catalog import ContentError

    if isinstance(error, ContentError):
        for problem in error.problems:
            click.echo(str(problem), err=True)
        return EXIT_USAGE
    line = error.located(NAMES.get(error.field or "", error.field))
    hint = HINTS.get(error.field or "")
    if hint and error.kind.value in ("not_found", "invalid") and "(" not in error.message:
        line += f" ({hint})"
    click.echo(f"bedstretch: {line}", err=True)
    return exit_code(error)


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


class State:
    """What every command shares: the content and journal options, the catalog loaded once."""

    def __init__(self, content: str | None, db: str | None = None) -> None:
        self.content = content
        self.db = db
        self._catalog: Catalog | None = None

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            from bedstretch.catalog import load_catalog, user_content_dir

            self._catalog = load_catalog(user_content_dir(self.content))
        return self._catalog

    def journal(self) -> Journal:
        """Open the journal (imports SQLAlchemy: only commands that need it call this)."""
        from bedstretch.journal import open_journal

        return open_journal(self.db)

    def journal_if_any(self) -> Journal | None:
        """The journal, or None when it is a SQLite file that does not exist yet (a plan needs
        no file made for it)."""
        from bedstretch.journal.urls import resolve_url

        url = resolve_url(self.db)
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
            return None
        return self.journal()


pass_state = click.make_pass_decorator(State)

# Each command's module: imported only when the command runs (or help lists them all), so
# `bedstretch --version` pays for click and nothing else.
COMMANDS = {
    "exercises": "content",
    "show": "content",
    "gallery": "content",
    "routines": "content",
    "timeline": "content",
    "plan": "plans",
    "start": "sessions",
    "screen": "sessions",
    "history": "sessions",
    "checkin": "progress",
    "progress": "progress",
    "export": "exchange",
    "import": "exchange",
    "remind": "exchange",
    "serve": "web",
    "account": "accounts",
}


class Commands(click.Group):
    """A group whose commands live in modules of this package, loaded on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = COMMANDS.get(name)
        if module is not None and name not in self.commands:
            importlib.import_module(f"bedstretch.cli.{module}")  # registers its commands
        return self.commands.get(name)


@click.group(
    cls=Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100}
)
@click.version_option(
    __version__, "-V", "--version", prog_name="bedstretch", message="%(prog)s %(version)s"
)
@click.option(
    "--content",
    metavar="DIR",
    help="Your own exercises/ and routines/ (add to or replace the shipped ones). "
    "Default: $BEDSTRETCH_CONTENT.",
)
@click.option(
    "--db",
    metavar="URL",
    help="Journal database: a SQLAlchemy URL (sqlite:///FILE, postgresql+psycopg://...). "
    "Default: $BEDSTRETCH_DATABASE_URL, else a SQLite file in your data directory.",
)
@click.pass_context
def cli(ctx: click.Context, content: str | None, db: str | None) -> None:
    """A coach for low-back stretches done in and beside bed.

    Browse the stretches from both source articles, see the shipped routines, plan one for your
    time and limits, and see second by second what a session will do.
    """
    ctx.obj = State(content, db)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr and exit status 2 (3: blocked for
    safety), never a traceback."""
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="bedstretch",
            standalone_mode=False,
        )
    except BedstretchError as error:
        return report(error)
    except click.exceptions.Exit as done:
        return done.exit_code
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else "bedstretch"
        click.echo(f"{where}: {error.format_message()}", err=True)
        return EXIT_USAGE
    except click.ClickException as error:
        click.echo(f"bedstretch: {error.format_message()}", err=True)
        return error.exit_code
    except click.Abort:
        click.echo("bedstretch: aborted", err=True)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # e.g. `bedstretch timeline in-bed | head`
        return 0
    return 0
