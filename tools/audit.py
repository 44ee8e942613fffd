"""Known vulnerabilities in what the lock files pin: ``make audit`` (docs/security.md).

Reads the Python packages of ``uv.lock`` (as ``uv export`` writes them, every extra and group)
and the npm packages of ``package-lock.json``, and checks each pinned version against one source
of advisories in the OSV format (https://ossf.github.io/osv-schema/):

- ``--osv PATH`` (repeatable): a database on disk, no network: a directory of OSV records
  (``.json``, or the ``.yaml`` of the PyPA advisory-database), or a ``.zip`` of them (OSV's
  per-ecosystem export, ``PyPI/all.zip``, ``npm/all.zip``). Copy one in where there is internet.
- ``--pypi``: PyPI's JSON API. It lists the advisories of a project's *latest* release, so it
  covers exactly the packages pinned at their latest release; the others are listed as not
  covered (this machine's route to PyPI answers only the project-level page).
- neither: the OSV service (``api.osv.dev``), one batch query.

Exit status: 0 no known vulnerability in what was covered, 1 some found (each one line:
package, version, advisory id and aliases, fixed versions, summary), 2 no source could be read.
Only the standard library, plus PyYAML for ``.yaml`` records.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

OSV_BATCH = "https://api.osv.dev/v1/querybatch"
OSV_VULN = "https://api.osv.dev/v1/vulns/{id}"
PYPI_PROJECT = "https://pypi.org/pypi/{name}/json"
TIMEOUT = 30


@dataclass(frozen=True, order=True)
class Package:
    ecosystem: str  # "PyPI" or "npm"
    name: str  # PyPI: normalised (PEP 503); npm: as published
    version: str


@dataclass
class Finding:
    package: Package
    id: str
    aliases: list[str]
    fixed: list[str]
    summary: str

    def line(self) -> str:
        also = f" ({', '.join(self.aliases)})" if self.aliases else ""
        fixed = f"fixed in {', '.join(self.fixed)}" if self.fixed else "no fixed version yet"
        p = self.package
        return f"{p.ecosystem} {p.name} {p.version}: {self.id}{also}, {fixed}: {self.summary}"


@dataclass
class Report:
    source: str
    findings: list[Finding] = field(default_factory=list)
    not_covered: list[tuple[Package, str]] = field(default_factory=list)
    advisories: int = 0


# --------------------------------------------------------------------------- what is pinned


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def python_packages(requirements: str) -> list[Package]:
    """``name==version`` lines of ``uv export --format requirements-txt`` (markers ignored)."""
    found = []
    for raw in requirements.splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^]]*\])?==([^\s]+)", line)
        if match:
            found.append(Package("PyPI", normalise(match[1]), match[3]))
    return sorted(set(found))


def npm_packages(lock: dict[str, Any]) -> list[Package]:
    """Every package of a package-lock.json (v2/v3), optional platform binaries included."""
    found = []
    for path, entry in lock.get("packages", {}).items():
        if path and "version" in entry and not entry.get("link"):
            name = entry.get("name") or path.rsplit("node_modules/", 1)[-1]
            found.append(Package("npm", name, entry["version"]))
    return sorted(set(found))


# --------------------------------------------------------------------------- versions


def _semver(text: str) -> tuple[Any, ...]:
    core, _, pre = text.lstrip("v").split("+", 1)[0].partition("-")
    numbers = [int(part) if part.isdigit() else 0 for part in [*core.split("."), "0", "0"][:3]]
    tags = (
        tuple((0, int(t), "") if t.isdigit() else (1, 0, t) for t in pre.split(".")) if pre else ()
    )
    return (*numbers, 0 if pre else 1, tags)  # a pre-release sorts before its release


def _key(ecosystem: str, text: str) -> Any:
    if text == "0":
        return None  # "introduced: 0": before everything
    if ecosystem == "PyPI":
        try:
            return Version(text)
        except InvalidVersion:
            return None
    return _semver(text)


def _before(a: Any, b: Any) -> bool:
    return a is None or (b is not None and a < b)


def affected(package: Package, entry: dict[str, Any]) -> bool:
    """Whether one ``affected`` entry of an OSV record covers this package's version."""
    if package.version in entry.get("versions", []):
        return True
    version = _key(package.ecosystem, package.version)
    if version is None:
        return False
    for span in entry.get("ranges", []):
        if span.get("type") not in ("ECOSYSTEM", "SEMVER"):
            continue
        events = []
        for event in span.get("events", []):
            for kind, text in event.items():
                if kind in ("introduced", "fixed", "last_affected", "limit"):
                    events.append((_key(package.ecosystem, str(text)), kind))
        order = {"introduced": 0, "last_affected": 1, "fixed": 2, "limit": 3}
        events.sort(key=lambda e: (e[0] is not None, e[0] or 0, order[e[1]]))
        inside = False
        for bound, kind in events:
            if kind == "introduced":
                inside = inside or not _before(version, bound)
            elif bound is not None and (
                version > bound if kind == "last_affected" else version >= bound
            ):
                inside = False  # at or past a fix (or a limit), or past the last affected version
        if inside:
            return True
    return False


def fixed_versions(entry: dict[str, Any]) -> list[str]:
    """The releases that fix it (a GIT range's commits are left out)."""
    return [
        str(event["fixed"])
        for span in entry.get("ranges", [])
        if span.get("type") in ("ECOSYSTEM", "SEMVER")
        for event in span.get("events", [])
        if "fixed" in event
    ]


def _name(ecosystem: str, name: str) -> str:
    return normalise(name) if ecosystem == "PyPI" else name


def match(
    record: dict[str, Any], wanted: dict[tuple[str, str], list[Package]]
) -> Iterator[Finding]:
    if record.get("withdrawn"):
        return
    for entry in record.get("affected", []):
        ecosystem = str(entry.get("package", {}).get("ecosystem", "")).split(":", 1)[0]
        name = _name(ecosystem, str(entry.get("package", {}).get("name", "")))
        for package in wanted.get((ecosystem, name), []):
            if affected(package, entry):
                summary = record.get("summary") or record.get("details", "").strip()
                yield Finding(
                    package,
                    str(record.get("id")),
                    [a for a in record.get("aliases", []) if a != record.get("id")],
                    fixed_versions(entry),
                    " ".join(str(summary).split())[:160],
                )


# --------------------------------------------------------------------------- sources


def records_on_disk(path: Path) -> Iterator[dict[str, Any]]:
    """OSV records from a directory (JSON or YAML files, any depth) or a zip of JSON files."""

    def parse(name: str, data: bytes) -> dict[str, Any] | None:
        if name.endswith(".json"):
            loaded = json.loads(data)
        elif name.endswith((".yaml", ".yml")):
            import yaml  # type: ignore[import-untyped]  # PyYAML (schemathesis brings it)

            loaded = yaml.safe_load(data)
        else:
            return None
        return loaded if isinstance(loaded, dict) and "id" in loaded else None

    if path.is_dir():
        for file in sorted(path.rglob("*")):
            if file.is_file() and ".git" not in file.parts:
                found = parse(file.name, file.read_bytes())
                if found is not None:
                    yield found
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                found = parse(name, archive.read(name))
                if found is not None:
                    yield found
    else:
        raise OSError(f"{path}: not a directory or a zip file of OSV records")


def audit_offline(packages: list[Package], paths: list[Path]) -> Report:
    wanted: dict[tuple[str, str], list[Package]] = {}
    for package in packages:
        wanted.setdefault((package.ecosystem, package.name), []).append(package)
    report = Report(source=", ".join(str(p) for p in paths))
    newest = ""
    for path in paths:
        for record in records_on_disk(path):
            report.advisories += 1
            newest = max(newest, str(record.get("modified", "")))
            report.findings.extend(match(record, wanted))
    report.source += f" ({report.advisories} advisories, the newest changed {newest[:10] or '?'})"
    return report


def _get_json(url: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
        return json.loads(answer.read())


def audit_osv_service(packages: list[Package]) -> Report:
    queries = [
        {"package": {"name": p.name, "ecosystem": p.ecosystem}, "version": p.version}
        for p in packages
    ]
    answer = _get_json(OSV_BATCH, {"queries": queries})
    report = Report(source="the OSV service (api.osv.dev)")
    for package, result in zip(packages, answer.get("results", []), strict=False):
        for brief in result.get("vulns", []):
            record = _get_json(OSV_VULN.format(id=brief["id"]))
            report.advisories += 1
            report.findings.extend(match(record, {(package.ecosystem, package.name): [package]}))
    return report


def audit_pypi(packages: list[Package]) -> Report:
    report = Report(source="PyPI's JSON API (advisories of each project's latest release)")
    for package in packages:
        if package.ecosystem != "PyPI":
            report.not_covered.append((package, "not on PyPI"))
            continue
        try:
            project = _get_json(PYPI_PROJECT.format(name=package.name))
        except urllib.error.HTTPError as error:
            report.not_covered.append((package, f"PyPI answered {error.code}"))
            continue
        latest = str(project.get("info", {}).get("version"))
        if latest != package.version:
            report.not_covered.append((package, f"not the latest release ({latest})"))
            continue
        for vuln in project.get("vulnerabilities") or []:
            report.advisories += 1
            if vuln.get("withdrawn"):
                continue
            report.findings.append(
                Finding(
                    package,
                    str(vuln.get("id")),
                    list(vuln.get("aliases") or []),
                    [str(v) for v in vuln.get("fixed_in") or []],
                    " ".join(str(vuln.get("summary") or vuln.get("details") or "").split())[:160],
                )
            )
    return report


# --------------------------------------------------------------------------- the command


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requirements", type=Path, required=True, help="uv export's output")
    parser.add_argument("--npm-lock", type=Path, help="package-lock.json")
    parser.add_argument("--osv", type=Path, action="append", default=[], help="OSV records")
    parser.add_argument("--pypi", action="store_true", help="PyPI's JSON API (latest releases)")
    args = parser.parse_args(list(argv) if argv is not None else None)

    packages = python_packages(args.requirements.read_text())
    npm = npm_packages(json.loads(args.npm_lock.read_text())) if args.npm_lock else []
    everything = packages + npm
    try:
        if args.osv:
            report = audit_offline(everything, args.osv)
        elif args.pypi:
            report = audit_pypi(everything)
        else:
            report = audit_osv_service(everything)
    except (OSError, ValueError) as error:  # URLError is an OSError
        print(f"audit: no vulnerability database could be read: {error}", file=sys.stderr)
        print(
            "audit: see docs/security.md: `make audit OSV=...` with a copy on disk", file=sys.stderr
        )
        return 2
    for finding in sorted(report.findings, key=lambda f: (f.package, f.id)):
        print(finding.line())
    for package, why in report.not_covered:
        print(f"not covered: {package.ecosystem} {package.name} {package.version}: {why}")
    covered = len(everything) - len(report.not_covered)
    print(
        f"audit: {len(packages)} Python and {len(npm)} npm packages pinned; {covered} checked "
        f"against {report.source}: {len(report.findings)} known vulnerabilities",
        file=sys.stderr,
    )
    return 1 if report.findings else 0


if __name__ == "__main__":
    sys.exit(main())
