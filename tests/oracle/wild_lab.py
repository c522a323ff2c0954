"""Define every real-world domain of ../shared/corpus/wild on the libvirt here, and compare with virtlint.

    python tests/oracle/wild_lab.py [--output wild-lab.md] [--start]

Each document is fitted to this host first (its emulator becomes this host's binary for its arch, a machine this
QEMU lacks becomes its family's alias, other arches than x86 run under TCG; the rest is as written), then
checked by virtlint against this host's `virsh domcapabilities` and `virsh capabilities`, modelling this
libvirt's release, and defined (then undefined at once). Rows where the two disagree are printed: a document
libvirt refuses at define that virtlint passes is a miss; one libvirt defines that virtlint calls an error is
either a refusal at start or a false error. tests/oracle/test_wild_lab.py holds both to what the last run showed.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path
from typing import NamedTuple

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

import libvirt_oracle  # noqa: E402

from virtlint.linter.caps import DomainCaps  # noqa: E402
from virtlint.linter.document import Document  # noqa: E402
from virtlint.linter.engine import Linter  # noqa: E402
from virtlint.linter.host import HostCaps  # noqa: E402
from virtlint.linter.model import Severity  # noqa: E402

WILD = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "wild"
BINARIES = {"x86_64": "/usr/bin/qemu-system-x86_64", "i686": "/usr/bin/qemu-system-i386",
            "aarch64": "/usr/bin/qemu-system-aarch64", "armv7l": "/usr/bin/qemu-system-arm"}


def fitted(root: etree._Element, machines: dict[str, set[str]], kvm: bool) -> tuple[str, str, str] | None:
    """Fit the domain to this host in place: (virt type, arch, machine), or None when it cannot run here (another
    arch or driver; a KVM domain on a host without usable KVM, whose verdicts TCG would not give)."""
    os_type = root.find("os/type")
    arch = (os_type.get("arch") or "x86_64") if os_type is not None else None
    if arch not in BINARIES or root.get("type") not in ("kvm", "qemu"):
        return None
    if root.get("type") == "kvm" and arch in ("x86_64", "i686") and not kvm:
        return None
    assert os_type is not None
    if arch not in ("x86_64", "i686"):
        root.set("type", "qemu")
    os_type.set("arch", arch)
    machine = os_type.get("machine")
    if machine not in machines.get(arch, ()):
        machine = ("q35" if machine and "q35" in machine else "pc") if arch in ("x86_64", "i686") else "virt"
        os_type.set("machine", machine)
    devices = root.find("devices")
    if devices is None:
        devices = etree.SubElement(root, "devices")
    emulator = devices.find("emulator")
    if emulator is None:
        emulator = etree.Element("emulator")
        devices.insert(0, emulator)
    emulator.text = BINARIES[arch]
    return root.get("type", ""), arch, machine


class Row(NamedTuple):
    document: str
    refusal: str | None  # libvirt's refusal at define, None when it defined the domain
    errors: list[tuple[str, str]]  # virtlint's errors: (code, message)
    xml: str  # the domain as fitted and defined


#: <devices> children that need the host's files or devices, taken out before a start
HOST_BOUND = ("disk", "filesystem", "hostdev", "smartcard", "redirdev", "shmem")


def startable(xml: str) -> str:
    """The domain with what ties it to its own host taken out, under TCG: disks and other host-bound devices,
    host networks (a user-mode NIC instead), file and socket character devices (a pty instead), a direct kernel,
    NVRAM, and a host CPU model (TCG gives none)."""
    root = etree.fromstring(xml.encode())
    devices = root.find("devices")
    for device in list(devices if devices is not None else ()):
        if device.tag in HOST_BOUND:
            device.getparent().remove(device)
        elif device.tag == "interface":
            for child in list(device):
                if child.tag not in ("mac", "model", "address", "boot", "rom", "alias"):
                    device.remove(child)
            device.attrib.clear()
            device.set("type", "user")
        elif device.tag in ("serial", "console", "channel", "parallel") and device.get("type") in (
                "unix", "file", "dev", "pipe", "tcp", "udp"):
            for source in device.findall("source"):
                device.remove(source)
            device.set("type", "pty")
    if root.get("type") == "kvm":
        root.set("type", "qemu")
        cpu = root.find("cpu")
        if cpu is not None and cpu.get("mode") in ("host-passthrough", "host-model", "maximum", None):
            for attribute in ("mode", "match", "check", "migratable"):
                cpu.attrib.pop(attribute, None)
            for child in list(cpu):
                if child.tag in ("model", "feature", "cache", "maxphysaddr"):
                    cpu.remove(child)
    for part in [*root.findall("os/kernel"), *root.findall("os/initrd"), *root.findall("os/dtb"),
                 *root.findall("os/cmdline"), *root.findall("os/nvram")]:
        part.getparent().remove(part)
    return etree.tostring(root, encoding="unicode")


def run() -> list[Row]:
    """Each wild domain that can run here, fitted, with libvirt's verdict at define and virtlint's errors."""
    host_text = libvirt_oracle.capabilities()
    machines: dict[str, set[str]] = {}
    for guest in etree.fromstring(host_text.encode()).iter("guest"):
        arch = guest.find("arch")
        if arch is not None:
            names = machines.setdefault(arch.get("name", ""), set())
            names.update(m.text or "" for m in arch.iter("machine"))
            names.update(m.get("canonical", "") for m in arch.iter("machine"))
    host = HostCaps(Document(host_text, "virsh capabilities"))
    kvm = libvirt_oracle.kvm_usable()
    linters: dict[tuple[str, str, str], Linter] = {}
    rows = []
    with open(WILD / "wild.tsv", newline="") as handle:
        entries = list(csv.DictReader(handle, delimiter="\t"))
    for entry in entries:
        try:
            root = etree.fromstring((WILD / entry["file"]).read_bytes(),
                                    etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        key = fitted(root, machines, kvm) if root.tag == "domain" else None
        if key is None:
            continue
        if key not in linters:
            caps = DomainCaps(Document(libvirt_oracle.domcapabilities(*key), "virsh domcapabilities"))
            linters[key] = Linter([caps], hosts=[host], libvirt_version=libvirt_oracle.library_version())
        xml = etree.tostring(root, encoding="unicode")
        errors = [(f.code, f.message) for f in linters[key].lint_document(Document(xml, entry["file"])).findings
                  if f.severity is Severity.ERROR]
        rows.append(Row(entry["file"], libvirt_oracle.define_refusal(xml), errors, xml))
    return rows


def table(rows: list[Row]) -> str:
    """The rows where libvirt's verdict at define and virtlint's differ, as a Markdown table."""
    lines = [f"{libvirt_oracle.versions()}: {len(rows)} domains, {sum(r.refusal is not None for r in rows)} refused "
             "at define", "", "| document | row | libvirt at define | virtlint's errors |", "|---|---|---|---|"]
    for row in rows:
        if (row.refusal is None) != (not row.errors):
            kind = "miss" if row.refusal else "error, defined"
            errors = "; ".join(f"{code} {message}" for code, message in row.errors)
            lines.append(f"| {row.document} | {kind} | {row.refusal or ''} | {errors[:300]} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path)
    parser.add_argument("--start", action="store_true",
                        help="also start (paused, under TCG) each domain libvirt defined and virtlint passed, with "
                             "what ties it to its host taken out (startable), and list those that do not start")
    args = parser.parse_args()
    if not libvirt_oracle.available() or not WILD.is_dir():
        sys.exit("needs a running libvirt (bash .ci/libvirt.sh start) and ../shared/corpus/wild")
    rows = run()
    text = table(rows)
    if args.start:
        passed = [row for row in rows if row.refusal is None and not row.errors]
        failed = [(row.document, verdict) for row in passed
                  if not (verdict := libvirt_oracle.verdict(startable(row.xml))).accepted]
        text += (f"\n\n{len(passed) - len(failed)} of the {len(passed)} domains virtlint passed started\n\n"
                 "| document | libvirt at start |\n|---|---|\n")
        text += "\n".join(f"| {document} | {str(verdict)[:300]} |" for document, verdict in failed)
    print(text)
    if args.output:
        args.output.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
