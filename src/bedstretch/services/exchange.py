"""Export and import: the whole journal as JSON (what import reads), CSV tables, or FHIR R4."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from bedstretch.core.errors import Invalid

if TYPE_CHECKING:
    from bedstretch.core.exchange import ImportCounts, Records
    from bedstretch.journal import Journal

Format = Literal["json", "csv", "fhir"]
FORMATS: tuple[Format, ...] = ("json", "csv", "fhir")


def records(journal: Journal, now: datetime) -> Records:
    """Every record of the person, read in one consistent snapshot (interrupted sessions
    marked first, so nothing exported is "running" forever)."""
    from bedstretch.services.sessions import reap

    reap(journal, now)
    return journal.export_records()


def document(found: Records, now: datetime) -> str:
    """The versioned JSON document, compact (``bedstretch import`` reads it)."""
    from bedstretch.core.exchange import journal_document

    return json.dumps(
        journal_document(**found, exported_at=now), ensure_ascii=False, separators=(",", ":")
    )


def fhir(found: Records, now: datetime) -> str:
    """A FHIR R4 Bundle of pain and PEG Observations."""
    from bedstretch.core.exchange import fhir_bundle

    bundle = fhir_bundle(sessions=found["sessions"], checkins=found["checkins"], exported_at=now)
    return json.dumps(bundle, indent=2, ensure_ascii=False)


def csv_files(found: Records) -> dict[str, str]:
    """One CSV text per table, by file name (``sessions.csv``, ``steps.csv``...)."""
    from bedstretch.core.exchange import csv_tables

    files = {}
    for name, (header, rows) in csv_tables(**found).items():
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        files[f"{name}.csv"] = buffer.getvalue()
    return files


def zipped(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@dataclass(frozen=True, slots=True)
class Exported:
    data: bytes
    media_type: str
    extension: str  # for a file name: bedstretch-journal.<extension>


def export(journal: Journal, fmt: Format, now: datetime) -> Exported:
    """The journal in one file: JSON, FHIR JSON, or the CSV tables in a zip."""
    found = records(journal, now)
    if fmt == "json":
        return Exported(document(found, now).encode(), "application/json", "json")
    if fmt == "fhir":
        return Exported(fhir(found, now).encode(), "application/fhir+json", "fhir.json")
    if fmt == "csv":
        return Exported(zipped(csv_files(found)), "application/zip", "zip")
    raise Invalid(f"no export format '{fmt}' (use: {', '.join(FORMATS)})", field="format")


def import_text(journal: Journal, text: str) -> ImportCounts:
    """Add a JSON export to the journal, all or nothing, idempotently (matched by uid and id).
    Not JSON, not an export, or newer than this program: Invalid naming the field."""
    from bedstretch.core.exchange import parse_document

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise Invalid(f"not valid JSON: {error}") from None
    except RecursionError:  # json.loads gives up about 1,000 levels deep
        raise Invalid("not a bedstretch export: nested too deeply to read") from None
    except ValueError:  # an integer of more than 4,300 digits
        raise Invalid("not a bedstretch export: it has a number too long to read") from None
    return journal.import_batch(parse_document(data))
