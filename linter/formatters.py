"""Turn findings into output: text for people; JSON, SARIF, GitHub annotations and JUnit for tools."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Sequence
from urllib.parse import quote

from virtlint import __version__
from virtlint.linter.model import FileReport, Finding, Rule, Severity

FORMATS = ("text", "json", "sarif", "github", "junit")


def quoteattr(text: str) -> str:
    from html import escape  # here, not at the top: html costs ~2 ms at every start and only JUnit needs it

    return f'"{escape(text, quote=True)}"'


# -- text ----------------------------------------------------------------------

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def _paint(text: str, code: str, colour: bool) -> str:
    return f"\x1b[{code}m{text}\x1b[0m" if colour else text


def format_text(reports: Sequence[FileReport], *, colour: bool = False, show_source: bool = True,
                quiet: bool = False, unsafe_fixes: bool = False, fixed: int | None = None, unreadable: int = 0) -> str:
    """Findings for people. ``[*]`` marks a finding `--fix` would fix (with ``unsafe_fixes``, also those
    whose fix is unsafe); ``fixed`` is how many fixes `--fix` applied (None: it did not run)."""
    out: list[str] = []
    for report in reports:
        for f in report.findings:
            mark = " [*]" if fixable(f, unsafe_fixes) else ""
            head = (f"{_paint(f.path, '1', colour)}:{f.line}:{f.column}: "
                    f"{_paint(f.code, '1;' + _COLOURS[f.severity], colour)}{mark} "
                    f"[{_paint(f.severity.value, _COLOURS[f.severity], colour)}] {f.message}")
            out.append(head)
            if quiet:
                continue
            if show_source and f.start.line in report.lines and f.offsets is not None:
                out += _source_lines(report.lines[f.start.line], f, colour)
            if f.hint:
                out.append(f"     = hint: {f.hint}")
    if not quiet:
        findings = [f for r in reports for f in r.findings]
        out.append(summary(findings, len(reports), fixed, unreadable))
        out += fixable_summary(findings, unsafe_fixes)
    return "\n".join(out) + ("\n" if out else "")


def fixable(finding: Finding, unsafe_fixes: bool = False) -> bool:
    """Whether `--fix` (with ``unsafe_fixes``: `--fix --unsafe-fixes`) would apply this finding's fix."""
    return bool(finding.fixes) and (unsafe_fixes or finding.fixes[0].safe)


def fixable_summary(findings: Sequence[Finding], unsafe_fixes: bool) -> list[str]:
    """ruff's "[*] N fixable with --fix" line (and how many more --unsafe-fixes would fix)."""
    safe = sum(fixable(f, unsafe_fixes) for f in findings)
    hidden = 0 if unsafe_fixes else sum(bool(f.fixes) and not f.fixes[0].safe for f in findings)
    if not safe and not hidden:
        return []
    option = "--fix --unsafe-fixes" if unsafe_fixes else "--fix"
    more = f" ({hidden} more with --unsafe-fixes, which may change what the VM is)" if hidden else ""
    if not safe:
        return [f"No safe fixes available{more}."]
    return [f"[*] {safe} fixable with {option}{more}."]


def _source_lines(line: str, finding: Finding, colour: bool) -> list[str]:
    number = str(finding.line)
    start = finding.start.column
    end = finding.end.column if finding.end.line == finding.start.line else len(line)
    # keep tabs so the carets line up under the same characters
    pad = "".join(c if c == "\t" else " " for c in line[:start])
    carets = "^" * max(end - start, 1)
    gutter = " " * len(number)
    return [f" {number} | {line}", f" {gutter} | {pad}{_paint(carets, _COLOURS[finding.severity], colour)}"]


def summary(findings: Sequence[Finding], files_checked: int, fixed: int | None = None, unreadable: int = 0) -> str:
    counts = Counter(f.severity for f in findings)
    files = f"{files_checked} file" + ("" if files_checked == 1 else "s")
    applied = ""
    if fixed is not None:
        applied = f" ({fixed} fix{'' if fixed == 1 else 'es'} applied, {len(findings)} remaining)"
    if unreadable:
        applied += f"; {unreadable} file{'' if unreadable == 1 else 's'} could not be checked (see the errors)"
    if not findings:
        lead = "All clear: " if not unreadable else ""  # not "all clear" when some files went unchecked
        return f"{lead}{files} checked, no findings{applied}."
    parts = [f"{counts[s]} {s.value}{'' if counts[s] == 1 else 's'}" for s in Severity if counts[s]]
    return f"Found {', '.join(parts)} in {files} checked{applied}."


def format_statistics(findings: Sequence[Finding]) -> str:
    counts = Counter((f.code, f.rule, f.severity.value) for f in findings)
    lines = [f"{count:5d}  {code}  {rule:<26} [{severity}]"
             for (code, rule, severity), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return "\n".join(lines) + ("\n" if lines else "")


# -- JSON ----------------------------------------------------------------------

def as_dict(finding: Finding) -> dict[str, object]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "severity": finding.severity.value,
        "code": finding.code,
        "rule": finding.rule,
        "message": finding.message,
        # added fields (the ones above stay as they are)
        "hint": finding.hint,
        "fix": {"title": finding.fixes[0].title, "applicability": finding.fixes[0].applicability.value}
        if finding.fixes else None,
    }


def format_json(reports: Sequence[FileReport]) -> str:
    import json

    return json.dumps([as_dict(f) for r in reports for f in r.findings], indent=2, ensure_ascii=False) + "\n"


# -- SARIF 2.1.0 ---------------------------------------------------------------

_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _relative(path: str) -> str | None:
    """The path relative to the current directory, '/'-separated; None when it is outside it."""
    absolute = os.path.abspath(path)
    try:
        relative = os.path.relpath(absolute)
    except ValueError:
        return None
    return None if relative.startswith("..") else relative.replace(os.sep, "/")


def _uri(path: str) -> str:
    """A percent-encoded repository-relative URI where possible (GitHub code scanning resolves it against
    the checkout), else an absolute file:// URI."""
    relative = _relative(path)
    return quote(relative) if relative is not None else Path(os.path.abspath(path)).as_uri()


def _artifact(path: str) -> dict[str, str]:
    """A SARIF artifactLocation: relative URIs against %SRCROOT%, absolute ones alone (SARIF 3.4.4)."""
    uri = _uri(path)
    return {"uri": uri} if uri.startswith("file:") else {"uri": uri, "uriBaseId": "%SRCROOT%"}


def format_sarif(reports: Sequence[FileReport], rules: Sequence[type[Rule]]) -> str:
    index = {rule.code: i for i, rule in enumerate(rules)}
    results = []
    for report in reports:
        for f in report.findings:
            result: dict[str, object] = {
                "ruleId": f.code,
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message + (f" (hint: {f.hint})" if f.hint else "")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": _artifact(f.path),
                    "region": {"startLine": f.line, "startColumn": f.column,
                               "endLine": f.end_line, "endColumn": f.end_column},
                }}],
            }
            if f.code in index:
                result["ruleIndex"] = index[f.code]
            if f.evidence is not None:
                e = f.evidence
                result["relatedLocations"] = [{"id": 1, "message": {"text": f"host capabilities: {e.label}"},
                                               "physicalLocation": {
                                                   "artifactLocation": _artifact(e.path),
                                                   "region": {"startLine": e.start.line + 1,
                                                              "startColumn": e.start.column + 1}}}]
            results.append(result)
    driver = {
        "name": "virtlint",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [{
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.summary},
            "help": {"text": rule.documentation(), "markdown": rule.documentation()},
            "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        } for rule in rules],
    }
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "columnKind": "unicodeCodePoints",
                  "originalUriBaseIds": {"%SRCROOT%": {"uri": Path(os.getcwd()).as_uri().rstrip("/") + "/"}},
                  "results": results}],
    }
    import json

    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# -- GitHub workflow commands -------------------------------------------------

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(reports: Sequence[FileReport]) -> str:
    lines = []
    for report in reports:
        for f in report.findings:
            properties = ",".join([
                f"file={_escape_property(_relative(f.path) or os.path.abspath(f.path))}", f"line={f.line}", f"col={f.column}",
                f"endLine={f.end_line}", f"endColumn={f.end_column}",
                f"title={_escape_property(f'virtlint {f.code} ({f.rule})')}",
            ])
            message = f.message + (f"\nhint: {f.hint}" if f.hint else "")
            lines.append(f"::{_GITHUB_LEVEL[f.severity]} {properties}::{_escape_data(message)}")
    return "\n".join(lines) + ("\n" if lines else "")


# -- JUnit XML -----------------------------------------------------------------

def format_junit(reports: Sequence[FileReport], fail_on: Severity = Severity.ERROR) -> str:
    """One test case per checked file and the caps it was checked against."""
    from html import escape

    cases, failures = [], 0
    for report in reports:
        caps = report.caps_path or "no capabilities"
        failing = [f for f in report.findings if f.severity.rank >= fail_on.rank]
        body = "\n".join(f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity.value}] {f.message}"
                         for f in report.findings)
        case = f'  <testcase classname={quoteattr(caps)} name={quoteattr(report.path)} time="0">'
        if failing:
            failures += 1
            first = failing[0]
            message = f"{len(failing)} finding(s); first: {first.code} {first.message}"
            case += f"\n    <failure message={quoteattr(message)} type={quoteattr(first.code)}>{escape(body, quote=False)}</failure>"
        elif body:
            case += f"\n    <system-out>{escape(body, quote=False)}</system-out>"
        cases.append(case + "\n  </testcase>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<testsuites name="virtlint" tests="{len(reports)}" failures="{failures}">\n'
        f'<testsuite name="virtlint" tests="{len(reports)}" failures="{failures}" errors="0" skipped="0">\n'
        + "\n".join(cases) + ("\n" if cases else "")
        + "</testsuite>\n</testsuites>\n"
    )
