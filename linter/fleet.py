"""Fleets: which of several hosts can run a domain, why the others cannot, and the CPU every host can give it.

A host is a domcapabilities file or a live libvirt (`--connect URI`, its caps fetched for each domain's virt
type, arch and machine). Every domain is linted per host (libvirt's defaults are per host, so this is the sound
verdict); for families of more than one host, the domain is also checked against their baseline for what only
a fleet has (VL670: a host-dependent CPU mode in a template that must migrate).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence
from urllib.parse import urlsplit

from virtlint.linter.baseline import Baseline, BaselineError, CpuAdvice, build
from virtlint.linter.caps import CapsError, DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter, matches_selector
from virtlint.linter.machines import ALIASES, parse_machine
from virtlint.linter.model import Finding, Severity

if TYPE_CHECKING:
    from virtlint.linter.project import Project

#: Rules that need a fleet: checked against the baseline of a family of hosts, not against one host.
FLEET_RULES = ("VL670",)

Fetch = Callable[[str, str | None, str | None, str | None, str | None], DomainCaps]


@dataclass(slots=True)
class Host:
    """One host of a fleet: a caps file, or a live libvirt at ``uri``."""

    name: str
    caps: DomainCaps | None = None
    uri: str | None = None
    _live: dict[tuple, DomainCaps] = field(default_factory=dict)

    def caps_for(self, document: Document, fetch: Fetch | None = None) -> DomainCaps:
        if self.caps is not None:
            return self.caps
        assert self.uri is not None and fetch is not None
        root = document.root
        os_type = root.find("os/type") if root is not None else None
        key = (root.get("type") if root is not None else None,
               os_type.get("arch") if os_type is not None else None,
               os_type.get("machine") if os_type is not None else None)
        if key not in self._live:
            self._live[key] = fetch(self.uri, *key, None)
        return self._live[key]


def name_from_uri(uri: str) -> str:
    """qemu+ssh://root@node1/system -> node1; qemu:///system -> localhost."""
    host = urlsplit(uri).hostname
    return host or "localhost"


def parse_connect(value: str) -> tuple[str, str]:
    """NAME=URI or URI (named after its host)."""
    name, sep, uri = value.partition("=")
    if sep and name and not re.search(r"[:/]", name):
        return name, uri
    return name_from_uri(value), value


def unique_names(names: Sequence[str]) -> list[str]:
    """Names made unique with -2, -3 ... (two URIs of one host, or two files of one name)."""
    seen: dict[str, int] = {}
    result = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        result.append(name if seen[name] == 1 else f"{name}-{seen[name]}")
    return result


def file_hosts(caps: Sequence[DomainCaps]) -> list[Host]:
    names = unique_names([Path(c.path).stem for c in caps])
    return [Host(name, caps=c) for name, c in zip(names, caps)]


@dataclass(slots=True)
class HostVerdict:
    host: Host
    caps: DomainCaps | None
    errors: list[Finding]
    warnings: list[Finding] = field(default_factory=list)
    problem: str | None = None  # the host's caps could not be fetched

    @property
    def runs(self) -> bool:
        return not self.errors and self.problem is None

    @property
    def colour(self) -> str:
        if not self.runs:
            return "red"
        return "amber" if self.warnings else "green"


@dataclass(slots=True)
class DomainVerdict:
    path: str
    hosts: list[HostVerdict]
    problem: str | None = None  # the domain itself could not be checked
    #: Findings against the fleet's baseline (VL670), not against one host.
    fleet: list[Finding] = field(default_factory=list)
    #: The family of more than one host the domain was checked against, if any.
    family: "Family | None" = None

    def satisfied(self, require: str) -> bool:
        if self.problem is not None or not self.hosts:
            return False
        runs = [host.runs for host in self.hosts]
        return all(runs) if require == "all" else any(runs)


@dataclass(slots=True)
class Family:
    """Hosts of one (virt type, arch, machine family), their baseline and CPU advice."""

    label: str
    hosts: list[str]
    baseline: Baseline | None
    #: The baseline as a caps document (for the fleet's rules).
    caps: DomainCaps | None = None

    @property
    def cpu(self) -> CpuAdvice:
        return self.baseline.cpu if self.baseline else CpuAdvice()


class Fleet:
    """The hosts, and the project whose settings (selection, severities, per-file ignores, schema) apply."""

    def __init__(self, hosts: Sequence[Host], project: Project, fetch: Fetch | None = None) -> None:
        self.hosts = list(hosts)
        self.project, self.fetch = project, fetch
        self._linters: dict[tuple, Linter] = {}
        self._families: dict[tuple, Family] = {}

    def _linter(self, caps: DomainCaps, path: str, fleet_rules: bool) -> Linter:
        """A host's linter leaves the fleet's rules to the family's baseline; the baseline's runs only them."""
        settings = self.project.settings
        ignore = self.project.ignored_for(path)
        select = settings.select
        if fleet_rules:
            select = [code for code in FLEET_RULES
                      if (not select or matches_selector(code, select)) and not matches_selector(code, ignore)]
            if not select:
                return None  # type: ignore[return-value]
        else:
            ignore = [*ignore, *FLEET_RULES]
        key = (id(caps), tuple(select), tuple(ignore))
        if key not in self._linters:
            severity = {code: Severity(level) for code, level in settings.severity.items()}
            self._linters[key] = Linter([caps], select=select, ignore=ignore, severity=severity,
                                        schema=None if fleet_rules else self.project.schema(),
                                        hosts=self.project.hosts(), libvirt_version=settings.libvirt_version,
                                        cpu_maps=self.project.cpu_maps())
        return self._linters[key]

    def judge(self, document: Document) -> DomainVerdict:
        """Check one domain against every host of its arch (all hosts when the domain names no arch)."""
        if document.root is None or document.root_name != "domain":
            reason = document.syntax_error.message if document.syntax_error else "not a <domain> document"
            return DomainVerdict(document.path, [], reason)
        os_type = document.root.find("os/type")
        arch = os_type.get("arch") if os_type is not None else None
        verdicts, family_caps = [], []
        for host in self.hosts:
            try:
                caps = host.caps_for(document, self.fetch)
            except CapsError as err:
                verdicts.append(HostVerdict(host, None, [], problem=str(err)))
                continue
            if arch and caps.arch and caps.arch != arch:
                continue
            findings = self._linter(caps, document.path, False).lint_document(document).findings
            # a host whose caps do not describe the domain (VL004) is not shown to run it
            errors = [f for f in findings if f.severity is Severity.ERROR or f.code == "VL004"]
            warnings = [f for f in findings if f.severity is Severity.WARNING and f.code != "VL004"]
            verdicts.append(HostVerdict(host, caps, errors, warnings))
            family_caps.append((host, caps))
        verdict = DomainVerdict(document.path, verdicts)
        family = self.family(family_caps, document)
        verdict.family = family
        if family is not None and family.caps is not None:
            linter = self._linter(family.caps, document.path, True)
            if linter is not None:
                verdict.fleet = linter.lint_document(document).findings
        return verdict

    def family(self, members: Sequence[tuple[Host, DomainCaps]], document: Document | None = None) -> Family | None:
        """The family of the hosts whose caps fit the domain's machine (None for fewer than two)."""
        machine = None
        if document is not None and document.root is not None:
            os_type = document.root.find("os/type")
            machine = os_type.get("machine") if os_type is not None else None
        groups: dict[tuple, list[tuple[Host, DomainCaps]]] = {}
        for host, caps in members:
            groups.setdefault(family_key(caps), []).append((host, caps))
        if machine:
            wanted = parse_machine(machine).family
            groups = {key: value for key, value in groups.items() if key[2] in (wanted, None)}
        if not groups:
            return None
        key, group = max(groups.items(), key=lambda item: len(item[1]))
        ids = tuple(id(caps) for _, caps in group)
        if (key, ids) not in self._families:
            self._families[(key, ids)] = make_family(key, group)
        found = self._families[(key, ids)]
        return found if len(group) > 1 else None

    def families(self) -> list[Family]:
        return [family for family in self._families.values() if len(family.hosts) > 1]


def family_key(caps: DomainCaps) -> tuple[str | None, str | None, str | None]:
    machine = parse_machine(caps.machine).family if caps.machine else None
    return (caps.domain_type, caps.arch, machine)


def make_family(key: tuple, group: Sequence[tuple[Host, DomainCaps]]) -> Family:
    label = ", ".join(part for part in key if part)
    names = [host.name for host, _ in group]
    try:
        baseline = build([caps for _, caps in group], names)
    except BaselineError:
        return Family(label, names, None)
    caps = DomainCaps(Document(baseline.xml(), f"baseline of {', '.join(names)}")) if len(group) > 1 else None
    return Family(label, names, baseline, caps)


def machine_alias(family: str | None) -> str | None:
    """pc-q35 -> q35: what to ask a live host for when the rest of the fleet is that family."""
    return next((alias for alias, name in ALIASES.items() if name == family), family)


# -- text and JSON ---------------------------------------------------------------------------------------------

def format_advice(families: Sequence[Family]) -> list[str]:
    lines = []
    for family in families:
        advice = family.cpu
        lines.append(f"CPU models every host of {family.label} can run ({', '.join(family.hosts)}), newest first: "
                     + advice.describe())
        for model, disabled in advice.with_disabled[:3]:
            lines.append(f"  newer, with features disabled: {model} without {', '.join(disabled)}")
    return lines


def format_table(verdicts: Sequence[DomainVerdict], require: str, families: Sequence[Family] = ()) -> str:
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
            where = host.caps.path if host.caps is not None and host.caps.path != host.host.name else host.host.name
            identity = host.caps.identity if host.caps is not None else "no capabilities"
            lines.append(f"  {status}  {where} ({identity})")
            if host.problem:
                lines.append(f"         {host.problem}")
            for error in host.errors[:3]:
                lines.append(f"         {error.code} line {error.line}: {error.message}")
            if len(host.errors) > 3:
                lines.append(f"         ... and {len(host.errors) - 3} more")
        for finding in verdict.fleet:
            lines.append(f"  fleet: {finding.code} line {finding.line}: {finding.message}")
            if finding.hint:
                lines.append(f"         {finding.hint}")
    passed = sum(v.satisfied(require) for v in verdicts)
    lines.extend(format_advice(families))
    lines.append(f"{passed} of {len(verdicts)} domains run on {require} of their hosts.")
    return "\n".join(lines) + "\n"


def as_json(verdicts: Sequence[DomainVerdict], require: str) -> list[dict[str, object]]:
    from virtlint.linter.formatters import as_dict

    return [{
        "path": v.path,
        "satisfied": v.satisfied(require),
        "problem": v.problem,
        "hosts": [{"host": h.host.name, "caps": h.caps.path if h.caps is not None else None,
                   "identity": h.caps.identity if h.caps is not None else None, "runs": h.runs,
                   "problem": h.problem, "errors": [as_dict(e) for e in h.errors],
                   "warnings": [as_dict(w) for w in h.warnings]} for h in v.hosts],
        "fleet": [as_dict(f) for f in v.fleet],
        "cpu_models": None if v.family is None else {
            "hosts": v.family.hosts, "usable_everywhere": v.family.cpu.usable,
            "with_disabled_features": [{"model": m, "disable": list(d)} for m, d in v.family.cpu.with_disabled]},
    } for v in verdicts]
