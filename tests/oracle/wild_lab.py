"""Define every real-world domain of ../shared/corpus/wild on the libvirt here, and compare with virtlint.

    python tests/oracle/wild_lab.py [--output wild-lab.md]

Each document is fitted to this host first (its emulator becomes this host's binary for its arch, a machine this
QEMU lacks becomes its family's alias, other arches than x86 run under TCG; the rest is as written), then
checked by virtlint against this host's `virsh domcapabilities` and `virsh capabilities`, modelling this
libvirt's release, and defined (then undefined at once). Rows where the two disagree are printed: a document
libvirt refuses at define that virtlint passes is a miss; one libvirt defines that virtlint calls an error is
either a refusal at start (the error says so) or a false error. Not a test: the corpus's hosts are not this one,
and starting its domains needs their disks and networks.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

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


def fitted(root: etree._Element, machines: dict[str, set[str]]) -> tuple[str, str, str] | None:
    """Fit the domain to this host in place: (virt type, arch, machine), or None when it cannot run here."""
    os_type = root.find("os/type")
    arch = (os_type.get("arch") or "x86_64") if os_type is not None else None
    if arch not in BINARIES or root.get("type") not in ("kvm", "qemu"):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    if not libvirt_oracle.available() or not WILD.is_dir():
        sys.exit("needs a running libvirt (bash .ci/libvirt.sh start) and ../shared/corpus/wild")
    host_text = libvirt_oracle.capabilities()
    machines: dict[str, set[str]] = {}
    for guest in etree.fromstring(host_text.encode()).iter("guest"):
        arch = guest.find("arch")
        if arch is not None:
            names = machines.setdefault(arch.get("name", ""), set())
            names.update(m.text or "" for m in arch.iter("machine"))
            names.update(m.get("canonical", "") for m in arch.iter("machine"))
    host = HostCaps(Document(host_text, "virsh capabilities"))
    linters: dict[tuple[str, str, str], Linter] = {}
    rows, counts = [], {"agree": 0, "miss": 0, "error, defined": 0}
    with open(WILD / "wild.tsv", newline="") as handle:
        entries = list(csv.DictReader(handle, delimiter="\t"))
    for entry in entries:
        try:
            root = etree.fromstring((WILD / entry["file"]).read_bytes(),
                                    etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
        key = fitted(root, machines) if root.tag == "domain" else None
        if key is None:
            continue
        if key not in linters:
            caps = DomainCaps(Document(libvirt_oracle.domcapabilities(*key), "virsh domcapabilities"))
            linters[key] = Linter([caps], hosts=[host], libvirt_version=libvirt_oracle.library_version())
        xml = etree.tostring(root, encoding="unicode")
        errors = [f"{f.code} {f.message}" for f in linters[key].lint_document(Document(xml, entry["file"])).findings
                  if f.severity is Severity.ERROR]
        refusal = libvirt_oracle.define_refusal(xml)
        if (refusal is None) == (not errors):
            counts["agree"] += 1
            continue
        kind = "miss" if refusal else "error, defined"
        counts[kind] += 1
        rows.append(f"| {entry['file']} | {kind} | {refusal or ''} | {'; '.join(errors)[:300]} |")
    table = "\n".join([f"{libvirt_oracle.versions()}: {counts}", "",
                       "| document | row | libvirt at define | virtlint's errors |", "|---|---|---|---|", *rows])
    print(table)
    if args.output:
        args.output.write_text(table + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
