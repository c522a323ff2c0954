"""Turn findings into text for people and JSON for programs."""

from __future__ import annotations

import json
from typing import Sequence

from virtlint.linter.model import Finding, Severity


def format_text(findings: Sequence[Finding], files_checked: int) -> str:
    lines = [
        f"{f.path}:{f.line}:{f.column}: {f.code} [{f.severity.value}] {f.message}"
        + (f" (hint: {f.hint})" if f.hint else "")
        for f in findings
    ]
    lines.append(summary(findings, files_checked))
    return "\n".join(lines) + "\n"


def summary(findings: Sequence[Finding], files_checked: int) -> str:
    counts = {severity: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity] += 1
    files = f"{files_checked} file" + ("" if files_checked == 1 else "s")
    if not findings:
        return f"All clear: {files} checked, no findings."
    parts = [f"{count} {severity.value}{'' if count == 1 else 's'}" for severity, count in counts.items() if count]
    return f"Found {', '.join(parts)} in {files} checked."


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
    }


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([as_dict(finding) for finding in findings], indent=2) + "\n"
