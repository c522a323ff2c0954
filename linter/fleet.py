"""Fleets: which of several hosts can run a domain, and why the others cannot."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.model import Finding, Severity
from virtlint.linter.project import Project


@dataclass(slots=True)
class HostVerdict:
    caps: DomainCaps
    errors: list[Finding]

    @property
    def runs(self) -> bool:
        return not self.errors


@dataclass(slots=True)
class DomainVerdict:
    path: str
    hosts: list[HostVerdict]
    problem: str | None = None  # the domain itself could not be checked

    def satisfied(self, require: str) -> bool:
        if self.problem is not None or not self.hosts:
            return False
        runs = [host.runs for host in self.hosts]
        return all(runs) if require == "all" else any(runs)


def judge(document: Document, hosts: Sequence[DomainCaps], project: Project) -> DomainVerdict:
    """Check one domain against every host of its arch (all hosts when the domain names no arch), with the
    project's linter for the file (selection, severities, per-file ignores, schema), as `check` does."""
    if document.root is None or document.root_name != "domain":
        reason = document.syntax_error.message if document.syntax_error else "not a <domain> document"
        return DomainVerdict(document.path, [], reason)
    os_type = document.root.find("os/type")
    arch = os_type.get("arch") if os_type is not None else None
    verdicts = []
    for caps in hosts:
        if arch and caps.arch and caps.arch != arch:
            continue
        findings = project.linter_for(document, [caps]).lint_document(document).findings
        verdicts.append(HostVerdict(caps, [f for f in findings if f.severity is Severity.ERROR]))
    return DomainVerdict(document.path, verdicts)


def format_table(verdicts: Sequence[DomainVerdict], require: str) -> str:
    lines = []
    for verdict in verdicts:
        runnable = sum(host.runs for host in verdict.hosts)
        mark = "ok" if verdict.satisfied(require) else "FAIL"
        lines.append(f"{verdict.path}: runs on {runnable} of {len(verdict.hosts)} hosts [{mark}]")
        if verdict.problem:
            lines.append(f"  cannot be checked: {verdict.problem}")
        if not verdict.hosts and not verdict.problem:
            lines.append("  no host of its arch")
        for host in verdict.hosts:
            status = "yes" if host.runs else "no "
            lines.append(f"  {status}  {host.caps.path} ({host.caps.identity})")
            for error in host.errors[:3]:
                lines.append(f"         {error.code} line {error.line}: {error.message}")
            if len(host.errors) > 3:
                lines.append(f"         ... and {len(host.errors) - 3} more")
    passed = sum(v.satisfied(require) for v in verdicts)
    lines.append(f"{passed} of {len(verdicts)} domains run on {require} of their hosts.")
    return "\n".join(lines) + "\n"


def as_json(verdicts: Sequence[DomainVerdict], require: str) -> list[dict[str, object]]:
    from virtlint.linter.formatters import as_dict

    return [{
        "path": v.path,
        "satisfied": v.satisfied(require),
        "problem": v.problem,
        "hosts": [{"caps": h.caps.path, "identity": h.caps.identity, "runs": h.runs,
                   "errors": [as_dict(e) for e in h.errors]} for h in v.hosts],
    } for v in verdicts]
