"""ACPI and flash on machines that lack them: `<acpi/>` on a machine type QEMU reports without ACPI (libvirt 9.2 and
later with QEMU 8.0 and later refuse it at define, VL506), a pflash loader on an ARM board without flash properties
(QEMU refuses it at start, VL226), and libvirt 9.0's `acpi=` on every aarch64 machine (VL226); each with its twins."""

from __future__ import annotations

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Finding

BINARY = {"aarch64": "qemu-system-aarch64", "armv7l": "qemu-system-arm", "s390x": "qemu-system-s390x",
          "sparc": "qemu-system-sparc"}
PFLASH = "<loader readonly='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>"
ROM = "<loader type='rom'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>"


def _caps(arch: str, machine: str) -> DomainCaps:
    return DomainCaps(Document(f"<domainCapabilities><path>/usr/bin/{BINARY[arch]}</path><domain>qemu</domain>"
                               f"<machine>{machine}</machine><arch>{arch}</arch></domainCapabilities>", "caps.xml"))


def _host(arch: str, newest: str) -> HostCaps:
    """A host document whose machines for this arch are QEMU ``newest``'s (its virt or s390-ccw-virtio machine)."""
    family = "s390-ccw-virtio" if arch == "s390x" else "virt"
    return HostCaps(Document(f"""<capabilities><host><cpu><arch>x86_64</arch></cpu></host>
  <guest><os_type>hvm</os_type><arch name='{arch}'><emulator>/usr/bin/{BINARY[arch]}</emulator>
    <machine>{family}-{newest}</machine><domain type='qemu'/></arch></guest></capabilities>""", "host.xml"))


def findings(arch: str, machine: str, *, features: str = "", os_extra: str = "", vcpu: int = 1, memory: int = 1024,
             caps_machine: str | None = None, host: str | None = None,
             libvirt: tuple[int, int] | None = None) -> list[Finding]:
    xml = (f"<domain type='qemu'><name>t</name><memory unit='MiB'>{memory}</memory><vcpu>{vcpu}</vcpu><os>"
           f"<type arch='{arch}' machine='{machine}'>hvm</type>{os_extra}</os>{features}<devices>"
           f"<emulator>/usr/bin/{BINARY[arch]}</emulator><memballoon model='none'/></devices></domain>")
    linter = Linter([_caps(arch, caps_machine or machine)], hosts=[_host(arch, host)] if host else [],
                    libvirt_version=libvirt)
    return linter.lint_document(Document(xml, "d.xml")).findings


def _of(found: list[Finding], code: str) -> list[tuple[str, str]]:
    return [(f.severity.value, f.message) for f in found if f.code == code]


ACPI = "<features><acpi/></features>"


@pytest.mark.parametrize(("arch", "machine", "caps_machine", "host", "libvirt", "expected"), [
    # libvirt 10.7's own tests: s390x-ccw-acpi (refused by `virsh define`), aarch64-noacpi-acpi (borzoi)
    ("s390x", "s390-ccw-virtio", "s390-ccw-virtio-8.2", None, None,
     ("error", "machine type 's390-ccw-virtio' does not support ACPI")),
    ("s390x", "s390-ccw-virtio-8.0", None, None, None,
     ("error", "machine type 's390-ccw-virtio-8.0' does not support ACPI")),
    ("aarch64", "raspi3b", None, "8.2", None, ("error", "machine type 'raspi3b' does not support ACPI")),
    ("armv7l", "vexpress-a9", None, "8.0", None, ("error", "machine type 'vexpress-a9' does not support ACPI")),
    ("aarch64", "sbsa-ref", None, "9.1", None, ("error", "machine type 'sbsa-ref' does not support ACPI")),
    # the QEMU release unknown (an unversioned board, no host document): a warning
    ("aarch64", "borzoi", None, None, None, ("warning", "machine type 'borzoi' does not support ACPI (with QEMU 8.0")),
    ("sparc", "SS-5", None, None, None, ("warning", "machine type 'SS-5' does not support ACPI")),
    # twins: QEMU 7.2 reports nothing (libvirt accepts, and ignores <acpi/>); libvirt 9.0 does not ask; virt has ACPI
    ("s390x", "s390-ccw-virtio", "s390-ccw-virtio-7.2", None, None, None),
    ("aarch64", "raspi3b", None, "7.2", None, None),
    ("s390x", "s390-ccw-virtio", "s390-ccw-virtio-8.2", None, (9, 0), None),
    ("s390x", "s390-ccw-virtio", "s390-ccw-virtio-8.2", None, (9, 1), None),
    ("aarch64", "virt", "virt-8.2", None, None, None),
    ("armv7l", "virt-8.2", None, None, None, None),
    ("aarch64", "virt-noble", None, "8.2", None, None),  # (a distribution's virt machine is virt: virt-*)
])
def test_acpi_on_a_machine_without_it(arch: str, machine: str, caps_machine: str | None, host: str | None,
                                      libvirt: tuple[int, int] | None, expected: tuple[str, str] | None) -> None:
    found = [(severity, message) for severity, message in _of(findings(
        arch, machine, features=ACPI, caps_machine=caps_machine, host=host, libvirt=libvirt,
        vcpu=4 if machine.startswith("raspi") else 1), "VL506") if "does not support ACPI" in message]
    assert len(found) == (expected is not None)
    if expected is not None:
        assert found[0][0] == expected[0] and found[0][1].startswith(expected[1])


def test_the_machine_is_reported_before_uefi() -> None:
    # (libvirt's order: the machine's ACPI, then aarch64's ACPI-needs-UEFI; an error stops there, a warning does not)
    certain = _of(findings("aarch64", "raspi3b", features=ACPI, host="8.2", vcpu=4), "VL506")
    assert [message for _, message in certain] == ["machine type 'raspi3b' does not support ACPI"]
    unsure = _of(findings("aarch64", "raspi3b", features=ACPI, vcpu=4), "VL506")
    assert [severity for severity, _ in unsure] == ["warning", "error"]
    assert unsure[1][1].startswith("ACPI requires UEFI")


def test_no_acpi_element_no_finding() -> None:
    assert _of(findings("s390x", "s390-ccw-virtio", caps_machine="s390-ccw-virtio-8.2"), "VL506") == []


@pytest.mark.parametrize(("arch", "machine", "os_extra", "refused"), [
    # the lab (libvirt 9.0, QEMU 7.2): each board refused the loader with this message, virt started it
    ("aarch64", "vexpress-a15", PFLASH, "Property 'vexpress-a15-machine.pflash0' not found"),
    ("aarch64", "xlnx-zcu102", PFLASH, "Property 'xlnx-zcu102-machine.pflash0' not found"),
    ("armv7l", "vexpress-a9", PFLASH, "Property 'vexpress-a9-machine.pflash0' not found"),
    ("armv7l", "versatilepb", PFLASH, "Property 'versatilepb-machine.pflash0' not found"),
    ("armv7l", "virt", PFLASH, None),
    ("aarch64", "virt", PFLASH, None),
    ("aarch64", "sbsa-ref", PFLASH, None),  # (sbsa-ref has flash properties)
    ("armv7l", "vexpress-a9", ROM, None),
    ("armv7l", "vexpress-a9", "<loader readonly='yes'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>", None),
])
def test_pflash_loader_on_a_board_without_flash(arch: str, machine: str, os_extra: str, refused: str | None) -> None:
    memory = 256 if machine == "versatilepb" else 1024
    found = _of(findings(arch, machine, os_extra=os_extra, memory=memory), "VL226")
    assert found == ([] if refused is None else [("error", found[0][1])])
    if refused is not None:
        assert found[0][1].startswith(refused) and found[0][1].endswith("(QEMU refuses to start the domain)")


@pytest.mark.parametrize(("arch", "machine", "features", "libvirt", "host", "refused"), [
    # the lab (libvirt 9.0, QEMU 7.2): every aarch64 board refused, with <acpi/> or without; armv7l's started
    ("aarch64", "sbsa-ref", "", (9, 0), "7.2", "Property 'sbsa-ref-machine.acpi' not found"),
    ("aarch64", "vexpress-a15", "", (9, 0), "7.2", "Property 'vexpress-a15-machine.acpi' not found"),
    ("aarch64", "xlnx-zcu102", "", (9, 0), "7.2", "Property 'xlnx-zcu102-machine.acpi' not found"),
    ("aarch64", "virt", "", (9, 0), "7.2", None),
    ("armv7l", "vexpress-a9", "", (9, 0), "7.2", None),
    ("armv7l", "vexpress-a9", ACPI, (9, 0), "7.2", None),
    # libvirt 9.2 and later give acpi= only to machines with ACPI; the QEMU release unknown or not checked: silent
    ("aarch64", "sbsa-ref", "", None, "7.2", None),
    ("aarch64", "sbsa-ref", "", (9, 2), "7.2", None),
    ("aarch64", "sbsa-ref", "", (9, 0), None, None),
    ("aarch64", "sbsa-ref", "", (9, 0), "6.2", None),
])
def test_libvirt_9_0_gives_every_aarch64_machine_acpi(arch: str, machine: str, features: str,
                                                      libvirt: tuple[int, int] | None, host: str | None,
                                                      refused: str | None) -> None:
    found = _of(findings(arch, machine, features=features, libvirt=libvirt, host=host), "VL226")
    assert found == ([] if refused is None else [("error", found[0][1])])
    if refused is not None:
        assert found[0][1].startswith(refused) and found[0][1].endswith("(QEMU refuses to start the domain)")


def test_qemu_order_cpus_then_flash_then_acpi() -> None:
    # (the lab: raspi3b with 3 vCPUs and a pflash loader gave the vCPU refusal; with 4, the pflash one)
    three = _of(findings("aarch64", "raspi3b", os_extra=PFLASH, vcpu=3, libvirt=(9, 0), host="7.2"), "VL226")
    four = _of(findings("aarch64", "raspi3b", os_extra=PFLASH, vcpu=4, libvirt=(9, 0), host="7.2"), "VL226")
    assert [m.split(".")[0] for _, m in three] == ["Invalid SMP CPUs 3"]
    assert [m.split(" not found")[0] for _, m in four] == ["Property 'raspi3b-machine.pflash0'"]
