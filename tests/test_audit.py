"""`make audit`'s checker (tools/audit.py) on a small OSV database made here: what it matches."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def audit() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit", ROOT / "tools" / "audit.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["audit"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def record(id: str, ecosystem: str, name: str, *events: dict[str, str], **extra: Any) -> Any:
    return {
        "id": id,
        "modified": "2026-11-30T00:00:00Z",
        "summary": f"{name} is broken",
        "affected": [
            {
                "package": {"ecosystem": ecosystem, "name": name},
                "ranges": [
                    {
                        "type": "SEMVER" if ecosystem == "npm" else "ECOSYSTEM",
                        "events": list(events),
                    }
                ],
                **extra.pop("entry", {}),
            }
        ],
        **extra,
    }


RECORDS = [
    record("PYSEC-1", "PyPI", "Jinja2", {"introduced": "0"}, {"fixed": "3.1.5"}, aliases=["CVE-1"]),
    record("PYSEC-2", "PyPI", "jinja2", {"introduced": "3.1.6"}, {"fixed": "3.1.7"}),
    record("PYSEC-3", "PyPI", "python_multipart", {"introduced": "0"}, {"last_affected": "0.0.9"}),
    record("PYSEC-4", "PyPI", "starlette", {"introduced": "0"}, {"fixed": "9.0"}, withdrawn="2026"),
    record("PYSEC-5", "PyPI", "uvicorn", entry={"versions": ["0.54.0"]}),
    record("GHSA-6", "npm", "@biomejs/biome", {"introduced": "2.0.0-beta.1"}, {"fixed": "2.6.9"}),
    record("GHSA-7", "npm", "left-pad", {"introduced": "0"}, {"fixed": "2.0.0"}),
]
REQUIREMENTS = """\
# a comment
jinja2==3.1.4
    # via bedstretch
python-multipart==0.0.9 ; python_version >= "3.11"
starlette==1.10.0
uvicorn[standard]==0.54.0
sqlalchemy==2.1.9
"""
LOCK = {
    "packages": {
        "": {"name": "bedstretch-web"},
        "node_modules/@biomejs/biome": {"version": "2.6.8", "dev": True},
        "node_modules/left-pad": {"version": "2.0.0"},
    }
}


def found(audit: ModuleType, records: list[Any], tmp_path: Path) -> list[str]:
    database = tmp_path / "osv"
    database.mkdir(exist_ok=True)
    for r in records:
        (database / f"{r['id']}.json").write_text(json.dumps(r))
    packages = audit.python_packages(REQUIREMENTS) + audit.npm_packages(LOCK)
    report = audit.audit_offline(packages, [database])
    return sorted(f"{f.package.name} {f.id}" for f in report.findings)


def test_pinned_versions_inside_a_range_are_found_and_the_rest_are_not(
    audit: ModuleType, tmp_path: Path
) -> None:
    assert found(audit, RECORDS, tmp_path) == [
        "@biomejs/biome GHSA-6",  # a release after a pre-release, before the fix
        "jinja2 PYSEC-1",  # names compared as PyPI does (Jinja2 == jinja2)
        "python-multipart PYSEC-3",  # up to and including last_affected
        "uvicorn PYSEC-5",  # listed by version
    ]  # not: jinja2 3.1.4 before PYSEC-2's range, a withdrawn record, left-pad at its fix


def test_a_finding_is_one_line_with_its_aliases_and_fix(audit: ModuleType) -> None:
    jinja2 = [p for p in audit.python_packages(REQUIREMENTS) if p.name == "jinja2"]
    [finding] = audit.match(RECORDS[0], {("PyPI", "jinja2"): jinja2})
    assert finding.line() == "PyPI jinja2 3.1.4: PYSEC-1 (CVE-1), fixed in 3.1.5: Jinja2 is broken"


def test_a_zip_and_yaml_records_are_read_like_a_directory(
    audit: ModuleType, tmp_path: Path
) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("PYSEC-1.json", json.dumps(RECORDS[0]))
    yaml_dir = tmp_path / "vulns" / "uvicorn"
    yaml_dir.mkdir(parents=True)
    (yaml_dir / "PYSEC-5.yaml").write_text(
        "id: PYSEC-5\naffected:\n- package: {ecosystem: PyPI, name: uvicorn}\n"
        "  versions: ['0.54.0']\n"
    )
    packages = audit.python_packages(REQUIREMENTS)
    report = audit.audit_offline(packages, [archive, tmp_path / "vulns"])
    assert sorted(f.id for f in report.findings) == ["PYSEC-1", "PYSEC-5"]
    assert report.advisories == 2


def test_the_command_exits_1_when_something_is_found_and_2_without_a_database(
    audit: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(REQUIREMENTS)
    database = tmp_path / "osv"
    database.mkdir()
    (database / "PYSEC-1.json").write_text(json.dumps(RECORDS[0]))
    assert audit.main(["--requirements", str(requirements), "--osv", str(database)]) == 1
    out = capsys.readouterr()
    assert out.out.startswith("PyPI jinja2 3.1.4: PYSEC-1")
    assert "5 Python and 0 npm packages pinned; 5 checked against" in out.err
    (database / "PYSEC-1.json").unlink()
    assert audit.main(["--requirements", str(requirements), "--osv", str(database)]) == 0
    missing = tmp_path / "nowhere"
    assert audit.main(["--requirements", str(requirements), "--osv", str(missing)]) == 2
    assert "no vulnerability database could be read" in capsys.readouterr().err


def test_the_lock_files_are_read(audit: ModuleType) -> None:
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert any(p.name == "@biomejs/biome" for p in audit.npm_packages(lock))
    assert [p.name for p in audit.python_packages(REQUIREMENTS)] == [
        "jinja2", "python-multipart", "sqlalchemy", "starlette", "uvicorn",
    ]  # fmt: skip
