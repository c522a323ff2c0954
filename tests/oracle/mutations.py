"""Mutation audit against a real libvirt: libvirt's own accepted test inputs (../shared/corpus/libvirt-qemuxml/accepted)
that the lab's libvirt defines, each attribute and each element text set to one value at a time, every mutant
linted (virtlint modelling the daemon's release, against the daemon's own `virsh domcapabilities`) and defined.

Each (element path, attribute) is mutated once, in the first input that has it, so a run covers every attribute
libvirt's suite writes. libvirt refusing a mutant virtlint passes is a miss; libvirt defining a mutant virtlint
gives a new error is a false error, unless that error is one libvirt gives at start (this audit only defines).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

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
    ("cpu/model", None): "an unknown CPU model is refused at start (VL603), not at define",
    ("cpu/feature", "name"): "an unknown CPU feature is refused at start (VL213)",
    **{(path, "model"): "a security driver the host does not run is refused at start (VL255)"
       for path in ("seclabel", "devices/disk/source/seclabel", "devices/serial/source/seclabel",
                    "devices/console/source/seclabel")},
    ("os/nvram/source/host", "port"): "not modelled: an NVRAM network source's host port",
    **{("devices/interface/source/ip", name): "not modelled: an ethernet interface's host-side IP"
       for name in ("peer",)},
    **{("devices/interface/source/route", name): "not modelled: an ethernet interface's host-side routes"
       for name in ("family", "address", "prefix", "gateway")},
    **{(f"cpu/numa/cell/cache/{part}", "value"): "not modelled: HMAT cache sizes (libvirt reads their unit from a "
                                                 "child element, so the attribute's unit is ignored)"
       for part in ("size", "line")},
}
#: libvirt's QEMU command-line passthrough namespace: not modelled
QEMU_NAMESPACE = "{http://libvirt.org/schemas/domain/qemu/1.0}"


@dataclass(slots=True)
class Mutant:
    source: str  # the input file's name
    path: str  # the element's path below <domain>
    attribute: str | None  # None: the element's text
    value: str
    errors: list[str]  # virtlint's errors the mutation added
    refusal: str | None  # libvirt's message, None when it defined the mutant

    @property
    def problem(self) -> str | None:
        if (self.path, self.attribute) in KNOWN or self.path.startswith(QEMU_NAMESPACE):
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


def mutants(inputs: Path, value: str) -> Iterator[Mutant]:
    """Every first (path, attribute) of the inputs libvirt defines, set to ``value``, with both verdicts."""
    linter_for = _Linters()
    seen: set[tuple[str, str | None]] = set()
    for source in sorted(inputs.glob("*.xml")):
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
            names: list[str | None] = list(element.keys())
            if not len(element) and (element.text or "").strip():
                names.append(None)
            targets += [(index, path, name) for name in names if (path, name) not in seen]
            seen.update((path, name) for name in names)  # (one mutant per path and attribute, the first)
        if not targets or libvirt_oracle.define_refusal(text) is not None:
            for _index, path, name in targets:  # (an input this libvirt does not define: another may have them)
                seen.discard((path, name))
            continue
        base = _errors(linter, text)
        for index, path, name in targets:
            copy = etree.fromstring(text.encode())
            element = next(e for i, e in enumerate(copy.iter()) if i == index)
            if name is None:
                element.text = value
            else:
                element.set(name, value)
            xml = etree.tostring(copy, encoding="unicode")
            added = _errors(linter, xml) - base
            yield Mutant(source.name, path, name, value, [f"{code}: {message}" for code, message in added],
                         libvirt_oracle.define_refusal(xml))


def table(rows: list[Mutant]) -> str:
    lines = ["# virtlint and a real libvirt: every attribute of libvirt's accepted test inputs, mutated", "",
             f"{len(rows)} mutants against {libvirt_oracle.versions()}; libvirt refused "
             f"{sum(r.refusal is not None for r in rows)}; {sum(1 for r in rows if r.problem)} disagreements "
             f"({sum(1 for r in rows if (r.path, r.attribute) in KNOWN)} known, listed in tests/oracle/mutations.py).",
             "", "| input | path | attribute | value | libvirt | virtlint's new errors |", "|---|---|---|---|---|---|"]
    for r in rows:
        cell = (r.refusal or "defined").replace("|", "\\|")
        errors = "; ".join(r.errors).replace("|", "\\|")
        lines.append(f"| {r.source} | {r.path} | {r.attribute or '(text)'} | {r.value} | {cell} | {errors} |")
    return "\n".join(lines) + "\n"
