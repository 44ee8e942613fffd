"""Getting the journal out and in: ``export``, ``import``; and a calendar ``remind``er."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bedstretch.cli.root import State, cli, fail, local_now, pass_state
from bedstretch.services import exchange as exchange_service

# The largest file `import` reads: a journal of ten years of daily sessions is a few tens of MB.
MAX_IMPORT = 64 * 1024 * 1024


def _write(out: str, data: str | bytes) -> None:
    try:
        if isinstance(data, bytes):
            Path(out).write_bytes(data)
        else:
            Path(out).write_text(data, encoding="utf-8")
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}")


def _write_csv(out: str, files: dict[str, str]) -> None:
    """The CSV tables into a directory, or a .zip file."""
    target = Path(out)
    if target.suffix.lower() == ".zip":
        _write(out, exchange_service.zipped(files))
        return
    if target.exists() and not target.is_dir():
        fail(f"--out: {out} is a file: csv needs a directory or a .zip file")
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        fail(f"--out: cannot write {out}: {error.strerror or error}")
    for name, text in files.items():
        _write(str(target / name), text)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(exchange_service.FORMATS),
    default="json",
    show_default=True,
    help="json: the whole journal (what `bedstretch import` reads); csv: one table per record "
    "type; fhir: a FHIR R4 Bundle of pain and PEG Observations.",
)
@click.option(
    "--out",
    metavar="FILE",
    help="Write here instead of standard output. csv needs it: a directory, or a .zip file.",
)
@pass_state
def export(state: State, fmt: exchange_service.Format, out: str | None) -> None:
    """Export the journal: screenings, sessions (steps, events), check-ins (docs/export.md)."""
    if fmt == "csv" and not out:
        fail("--out: csv is several tables: give a directory or a .zip file")
    now = local_now()
    with state.journal() as journal:
        records = exchange_service.records(journal, now)
    if fmt == "csv":
        assert out is not None
        _write_csv(out, exchange_service.csv_files(records))
        click.echo(f"Wrote {len(records['sessions'])} sessions as CSV tables to {out}.", err=True)
        return
    text = (exchange_service.document if fmt == "json" else exchange_service.fhir)(records, now)
    if out:
        _write(out, text + "\n")
    else:
        click.echo(text)


@cli.command("import")
@click.argument("file", metavar="FILE")
@pass_state
def import_command(state: State, file: str) -> None:
    """Add a json export (`bedstretch export --format json`) to this journal; FILE - reads stdin.

    Importing the same file twice adds nothing: sessions, screenings and check-ins are matched by
    their uid, events by their id. A malformed file, or one written by a newer bedstretch, is
    refused with the field at fault, and nothing is changed.
    """
    from bedstretch.core.errors import BedstretchError

    name = "standard input" if file == "-" else file
    try:
        if file == "-":
            data = sys.stdin.buffer.read(MAX_IMPORT + 1)
        else:
            with open(file, "rb") as opened:
                data = opened.read(MAX_IMPORT + 1)  # /dev/zero, or a disk image, never ends
    except OSError as error:
        fail(f"FILE: cannot read {file}: {error.strerror or error}")
    if len(data) > MAX_IMPORT:
        fail(f"{name}: too large for a bedstretch export (more than {MAX_IMPORT >> 20} MB)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        fail(f"{name}: not a bedstretch export (not UTF-8 text)")
    del data
    with state.journal() as journal:
        try:
            counts = exchange_service.import_text(journal, text)
        except BedstretchError as error:  # a bad document, or a record the journal refused
            fail(f"{name}: {error}")
    click.echo(counts.summary())


@cli.command()
@click.option("--at", "at_text", required=True, metavar="HH:MM", help="Time of day, e.g. 07:30.")
@click.option(
    "--days",
    metavar="DAYS",
    help="Only on these days, comma-separated: mon,tue,wed,thu,fri,sat,sun. Default: every day.",
)
@click.option(
    "--ics",
    required=True,
    type=click.Path(dir_okay=False),
    metavar="FILE",
    help="The iCalendar file to write (import it into any calendar app).",
)
def remind(at_text: str, days: str | None, ics: str) -> None:
    """Write a calendar file with a recurring stretching event and an alarm at its start."""
    from bedstretch.services.reminders import reminder

    made = reminder(at_text, days, local_now())
    try:
        Path(ics).write_bytes(made.ics.encode("utf-8"))
    except OSError as error:
        fail(f"--ics: cannot write {ics}: {error.strerror or error}")
    click.echo(f"Wrote {ics}: {made.description}, with an alarm. Import it into your calendar.")
