"""Mutation audit against a real libvirt: libvirt's own accepted test inputs (../shared/corpus/libvirt-qemuxml/accepted)
that the lab's libvirt defines, each attribute and each element text set to one value at a time, every mutant
linted (virtlint modelling the daemon's release, against the daemon's own `virsh domcapabilities`) and defined.

Each (element path, attribute) is mutated once, in the first input that has it, so a run covers every attribute
libvirt's suite writes. libvirt refusing a mutant virtlint passes is a miss; libvirt defining a mutant virtlint
gives a new error is a false error, unless libvirt refuses to start it: such a mutant is started (paused), and a
refusal at start is libvirt's verdict, where its input starts on this host and QEMU did not abort for nested
KVM's sake (else the verdict is undetermined, and not held against either).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from lxml import etree

import libvirt_oracle
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Severity

#: Mutants whose verdicts differ for a stated reason: (element path, attribute or None for the text) -> why.
KNOWN: dict[tuple[str, str | None], str] = {
    ("devices/emulator", None): "libvirt checks the binary exists on this host; virtlint warns (VL104): the host "
                                "that runs the domain may have it",
}
#: The same for elements written twice (TWICE).
KNOWN_TWICE: dict[tuple[str, str | None], str] = {
    ("devices", None): "not modelled: a second <devices> (libvirt reads the children of every <devices> as one "
                       "list; the rules count each <devices> apart, and the schema allows one: VL901)",
    ("os", None): "not modelled: a second <os> (libvirt reads some of its parts, such as ACPI tables, from every "
                  "<os>; the schema allows one: VL901)",
}


@dataclass(slots=True)
class Mutant:
    source: str  # the input file's name
    path: str  # the element's path below <domain>
    attribute: str | None  # None: the element's text (the element itself, removed or written twice)
    value: str
    errors: list[str]  # virtlint's errors the mutation added
    #: libvirt's message at define ("at start: ..." when it defined the mutant but did not start it), None when it
    #: defined it (and, where virtlint gave an error, started it too)
    refusal: str | None

    @property
    def known(self) -> str | None:
        """Why this mutant's verdicts may differ (KNOWN, KNOWN_TWICE), None if they may not."""
        key = (self.path, self.attribute)
        return KNOWN.get(key) or (KNOWN_TWICE.get(key) if self.value == TWICE else None)

    @property
    def problem(self) -> str | None:
        if self.known is not None or self.refusal == UNDETERMINED:
            return None
        if self.refusal is not None and not self.errors:
            return f"missed: libvirt refuses it ({self.refusal})"
        if self.refusal is None and self.errors:
            return f"false error: libvirt defines it ({self.errors[0]})"
        return None


class _Linters:
    """One linter per (virt type, arch, machine): the daemon's own caps, its host document and release."""

    def __init__(self) -> None:
        self._host = HostCaps(Document(libvirt_oracle.capabilities(), "virsh capabilities"))
        self._linters: dict[tuple[str, str, str], Linter | None] = {}

    def __call__(self, root: etree._Element) -> Linter | None:
        os_type = root.find("os/type")
        assert os_type is not None
        key = (root.get("type") or "qemu", os_type.get("arch") or "x86_64", os_type.get("machine") or "pc")
        if key not in self._linters:
            try:
                caps = DomainCaps(Document(libvirt_oracle.domcapabilities(*key), "virsh domcapabilities"))
            except Exception:  # (a machine this QEMU lacks: no caps, the input is skipped)
                self._linters[key] = None
            else:
                self._linters[key] = Linter([caps], hosts=[self._host], fixes=False,
                                            libvirt_version=libvirt_oracle.library_version())
        return self._linters[key]


def _errors(linter: Linter, xml: str) -> Counter[tuple[str, str]]:
    findings = linter.lint_document(Document(xml, "mutant.xml")).findings
    return Counter((f.code, f.message) for f in findings if f.severity is Severity.ERROR)


def _path(element: etree._Element) -> str:
    parts = []
    while element.getparent() is not None:
        parts.append(element.tag)
        element = element.getparent()
    return "/".join(reversed(parts))


#: Structural mutations (``mutants``'s ``value``): the attribute or element removed, the element written twice.
DROP, TWICE = "(dropped)", "(twice)"


def mutants(folders: Sequence[Path], value: str) -> Iterator[Mutant]:
    """Every first (path, attribute) of the inputs libvirt defines (the folders' in turn), set to ``value``, with
    both verdicts.

    With ``DROP``, each attribute and each element is removed instead (the text's target stands for the
    element); with ``TWICE``, each element is written twice in a row (its attributes are not targets)."""
    linter_for = _Linters()
    seen: set[tuple[str, str | None]] = set()
    for source in (source for folder in folders for source in sorted(folder.glob("*.xml"))):
        text = source.read_text()
        root = etree.fromstring(text.encode())
        if root.find("os/type") is None or (linter := linter_for(root)) is None:
            continue
        targets = []
        for index, element in enumerate(root.iter()):
            if not isinstance(element.tag, str) or element is root or element.tag == "name" and \
                    element.getparent() is root:
                continue
            path = _path(element)
            names: list[str | None] = [] if value == TWICE else list(element.keys())
            if value in (DROP, TWICE) or not len(element) and (element.text or "").strip():
                names.append(None)
            targets += [(index, path, name) for name in names if (path, name) not in seen]
            seen.update((path, name) for name in names)  # (one mutant per path and attribute, the first)
        if not targets or libvirt_oracle.define_refusal(text) is not None:
            for _index, path, name in targets:  # (an input this libvirt does not define: another may have them)
                seen.discard((path, name))
            continue
        base = _errors(linter, text)
        starts: list[bool] = []  # (whether the input itself starts here, asked once, when a mutant needs it)
        for index, path, name in targets:
            copy = etree.fromstring(text.encode())
            element = next(e for i, e in enumerate(copy.iter()) if i == index)
            if value == DROP:
                if name is None:
                    element.getparent().remove(element)  # (its tail goes with it: only whitespace in these inputs)
                else:
                    del element.attrib[name]
            elif value == TWICE:
                element.addnext(etree.fromstring(etree.tostring(element)))
            elif name is None:
                element.text = value
            else:
                element.set(name, value)
            xml = etree.tostring(copy, encoding="unicode")
            added = _errors(linter, xml) - base
            refusal = libvirt_oracle.define_refusal(xml)
            if refusal is None and added:  # (libvirt defines it, virtlint calls it an error: does it start?)
                if not starts:
                    starts.append(libvirt_oracle.verdict(text).accepted)
                refusal = _start_refusal(xml) if starts[0] else UNDETERMINED
            yield Mutant(source.name, path, name, value, [f"{code}: {message}" for code, message in added], refusal)


#: A mutant's verdict at start that this host cannot give: its input does not start here (a host device, an image
#: or a CPU this machine lacks), or nested KVM made QEMU abort.
UNDETERMINED = "undetermined: not startable on this host"


def _start_refusal(xml: str) -> str | None:
    """libvirt's refusal to start a domain it defines (a mutant virtlint gives an error whose input starts here),
    None when it starts, UNDETERMINED when this host's nested KVM made QEMU abort."""
    verdict = libvirt_oracle.verdict(xml)
    if verdict.accepted:
        return None
    if verdict.phase != "start" or libvirt_oracle.host_cpu_abort(verdict) or \
            verdict.message == libvirt_oracle.START_HUNG:
        return UNDETERMINED
    return f"at start: {verdict.message}"


def table(rows: list[Mutant]) -> str:
    lines = ["# virtlint and a real libvirt: every part of libvirt's accepted test inputs, mutated", "",
             f"Each attribute and element text set to `x`, to nothing, to ` 1`, `-1`, `-0`, `on`, `no`, `none` and "
             f"`default`; each attribute and element "
             f"removed (value `{DROP}`); each "
             f"element written twice (value `{TWICE}`). libvirt's x86_64 inputs, then the other arches' for the paths "
             "only they write (those whose QEMU is here: aarch64).", "",
             f"{len(rows)} mutants against {libvirt_oracle.versions()}; libvirt refused "
             f"{sum(r.refusal not in (None, UNDETERMINED) for r in rows)} ("
             f"{sum(1 for r in rows if (r.refusal or '').startswith('at start: '))} at start), "
             f"{sum(r.refusal == UNDETERMINED for r in rows)} undetermined here; "
             f"{sum(1 for r in rows if r.problem)} disagreements "
             f"({sum(1 for r in rows if r.known is not None)} known, listed in tests/oracle/mutations.py).",
             "", "| input | path | attribute | value | libvirt | virtlint's new errors |", "|---|---|---|---|---|---|"]
    for r in rows:
        cell = (r.refusal or "defined").replace("|", "\\|")
        errors = "; ".join(r.errors).replace("|", "\\|")
        target = r.attribute or ("(element)" if r.value in (DROP, TWICE) else "(text)")
        lines.append(f"| {r.source} | {r.path} | {target} | {r.value} | {cell} | {errors} |")
    return "\n".join(lines) + "\n"
