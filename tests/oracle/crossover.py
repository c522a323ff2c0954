"""Crossover audit against a real libvirt: every distinct device of libvirt's accepted test inputs (a child of their
<devices>), and every other child of their <domain> (<os>, <cpu>, <clock>...), put into other domains, linted
(virtlint modelling the daemon's release, against the daemon's own `virsh domcapabilities`) and defined.

A device libvirt accepts in its own input meets, in another domain, another machine, arch, address layout and set
of devices: the implicit controllers, default models, audio and serial ports libvirt adds there, and the checks that
read several devices at once. The mutation audit changes one value in place; this moves whole devices between
contexts. Donors whose own input this libvirt refuses (a backend this build lacks, a qemu.conf setting) are left
out. libvirt refusing a transplant virtlint passes is a miss, unless virtlint warns with libvirt's message (a
refusal that depends on what the capabilities do not say, such as the SCSI controller model QEMU's build gives);
libvirt defining one virtlint gives a new error is a false error, unless libvirt refuses to start it.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from lxml import etree

import libvirt_oracle
from mutations import UNDETERMINED, _Linters, _start_refusal
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

#: (the base input, the folder it is in, whether the donors keep their <address>): a q35 domain of virt-manager's
#: with the donors' addresses as written (they meet its devices' addresses), and a bare ARM virt domain with the
#: donors' addresses removed (libvirt assigns them on another arch and machine)
BASES = (("q35-virt-manager-basic.xml", "accepted", True), ("aarch64-virt-minimal.xml", "arches", False))


@dataclass(slots=True)
class Transplant:
    base: str
    donor: str  # the input the device comes from
    device: str  # its serialization
    errors: list[str]  # virtlint's errors the transplant added
    warnings: list[str]  # and its warnings
    #: libvirt's message at define ("at start: ..." when it defined the domain but did not start it), None when it
    #: defined it (and, where virtlint gave an error, started it too)
    refusal: str | None

    @property
    def warned(self) -> bool:
        """A refusal virtlint warns of in libvirt's words (what it cannot decide offline)."""
        said = (self.refusal or "").removeprefix("at start: ").split(": ", 1)[-1]
        return bool(said) and any(said.startswith(w.split(": ", 1)[1].split(" (")[0]) for w in self.warnings)

    @property
    def problem(self) -> str | None:
        if self.refusal == UNDETERMINED:
            return None
        if self.refusal is not None and not self.errors and not self.warned:
            return f"missed: libvirt refuses it ({self.refusal})"
        if self.refusal is None and self.errors:
            return f"false error: libvirt defines and starts it ({self.errors[0]})"
        return None


def _findings(linter: Linter, xml: str, severity: Severity) -> Counter[tuple[str, str]]:
    findings = linter.lint_document(Document(xml, "transplant.xml")).findings
    return Counter((f.code, f.message) for f in findings if f.severity is severity)


#: The top-level elements not transplanted: the domain's identity, its notes, and <devices> (whose children are)
NOT_TOP = frozenset(("devices", "name", "uuid", "title", "description", "metadata"))


def donors(folder: Path) -> Iterator[tuple[str, etree._Element, bool]]:
    """Each distinct device, and each distinct other child of <domain>, of the inputs this libvirt defines, with
    its input's name (aliases removed: a user alias must be unique in a domain)."""
    seen: set[bytes] = set()
    for source in sorted(folder.glob("*.xml")):
        text = source.read_text()
        root = etree.fromstring(text.encode())
        devices = root.find("devices")
        found = []
        children = [*((device, False) for device in (devices.iterchildren(etree.Element) if devices is not None
                                                     else ()) if device.tag != "emulator"),
                    *((child, True) for child in root.iterchildren(etree.Element) if child.tag not in NOT_TOP)]
        for device, top in children:
            device = copy.deepcopy(device)
            device.tail = None
            for alias in list(device.iter("alias")):
                alias.getparent().remove(alias)
            key = etree.tostring(device, method="c14n")
            if key not in seen:
                seen.add(key)
                found.append((device, top))
        if found and libvirt_oracle.define_refusal(text) is None:
            yield from ((source.name, device, top) for device, top in found)


def _ensure_images(base: etree._Element) -> None:
    """The images the base's disks name, made when missing (a fresh machine has none, and a base that does not
    start leaves every start-time verdict undetermined): qcow2 ones with qemu-img, the rest raw."""
    for disk in base.iterfind("devices/disk"):
        source, driver = disk.find("source"), disk.find("driver")
        path = source.get("file") if source is not None else None
        if not path or Path(path).exists():
            continue
        if driver is not None and driver.get("type") == "qcow2" and shutil.which("qemu-img"):
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, "16M"], check=True)
        else:
            libvirt_oracle.ensure_image(path)


def transplants(corpus: Path) -> Iterator[Transplant]:
    """Every donor of ``corpus``'s accepted inputs in each base, with both verdicts."""
    linter_for = _Linters()
    pool = list(donors(corpus / "accepted"))
    for name, folder, keep_address in BASES:
        text = (corpus / folder / name).read_text()
        base = etree.fromstring(text.encode())
        _ensure_images(base)
        if linter_for(base) is None:
            continue
        before: dict[int, tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]] = {}  # per linter: the base's
        starts: list[bool] = []  # (whether the base starts here, asked once, when a transplant needs it)
        for donor, device, top in pool:
            device = copy.deepcopy(device)
            if not keep_address:
                for address in device.findall("address"):
                    device.remove(address)
            domain = copy.deepcopy(base)
            if not top:
                domain.find("devices").append(device)
            else:  # (a top-level element replaces the base's own, or comes before its <devices>)
                own = domain.find(device.tag)
                if own is not None:
                    own.addnext(device)
                    domain.remove(own)
                else:
                    domain.find("devices").addprevious(device)
            xml = etree.tostring(domain, encoding="unicode")
            # (the linter of the transplant's own virt type, arch and machine, which an <os> may change)
            linter = (linter_for(domain) if domain.find("os/type") is not None else None) or linter_for(base)
            assert linter is not None
            if id(linter) not in before:
                before[id(linter)] = (_findings(linter, text, Severity.ERROR), _findings(linter, text, Severity.WARNING))
            errors, warnings = before[id(linter)]
            added = _findings(linter, xml, Severity.ERROR) - errors
            refusal = libvirt_oracle.define_refusal(xml)
            if refusal is None and added:  # (libvirt defines it, virtlint calls it an error: does it start?)
                if not starts:
                    starts.append(libvirt_oracle.verdict(text).accepted)
                refusal = _start_refusal(xml) if starts[0] else UNDETERMINED
            yield Transplant(name, donor, etree.tostring(device, encoding="unicode"),
                             [f"{code}: {message}" for code, message in added],
                             [f"{code}: {message}" for code, message in
                              _findings(linter, xml, Severity.WARNING) - warnings], refusal)


def table(rows: list[Transplant]) -> str:
    refused = [r for r in rows if r.refusal not in (None, UNDETERMINED)]
    lines = ["# virtlint and a real libvirt: every device and part of libvirt's accepted test inputs, put into other "
             "domains", "", "Each distinct device (a child of `<devices>`) of the inputs this libvirt defines, appended "
             "to " + " and to ".join(f"`{name}` ({'its address kept' if keep else 'its address removed'})"
                                     for name, _, keep in BASES) + ", and each distinct other child of `<domain>` "
             "(`<os>`, `<cpu>`, `<clock>`, `<features>`...) in place of the base's own.", "",
             f"{len(rows)} transplants against {libvirt_oracle.versions()}; libvirt refused {len(refused)} ("
             f"{sum(1 for r in refused if (r.refusal or '').startswith('at start: '))} at start, "
             f"{sum(1 for r in refused if r.warned and not r.errors)} of them where virtlint warns in libvirt's "
             f"words), {sum(r.refusal == UNDETERMINED for r in rows)} undetermined here; "
             f"{sum(1 for r in rows if r.problem)} disagreements.", "",
             "| base | device from | libvirt | virtlint's new errors (or warnings) |", "|---|---|---|---|"]
    for r in rows:
        if r.refusal is None and not r.errors and not r.warnings:
            continue  # (defined, and virtlint says nothing new: the bulk, counted above)
        cell = (r.refusal or "defined").replace("|", "\\|")
        said = "; ".join(r.errors or [f"(warning) {w}" for w in r.warnings]).replace("|", "\\|")
        lines.append(f"| {r.base} | {r.donor} | {cell} | {said} |")
    return "\n".join(lines) + "\n"
