"""Refusals of libvirt's QEMU validation (qemu_validate.c) no rule gave, found by probing libvirt 9.0 with each of its
messages: emulated CPU address bits above the host's, NVRAM on storage QEMU cannot keep it on, ACPI S3/S4 off x86,
qxl sizes libvirt rounds up past QEMU's limit, PCI controller options their model does not take, a 64-bit PCI hole
off i440fx and q35, a pci-bridge libvirt plugs into itself, TPM 1.2 off x86, a virtio IOMMU without ACPI or with a
non-PCI address. Each with its valid twin, checked on the real libvirt 9.0 (aarch64 with the lab's aarch64 QEMU)."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import ARM, Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Severity


def qemu(devices: str = "", *, extra: str = "", os: str = "", machine: str = "q35", arch: str = "x86_64") -> str:
    return dom(devices, extra=extra, os=os, machine=machine, arch=arch, dtype="qemu")


def arm(devices: str = "", *, extra: str = "") -> str:
    return qemu(devices, extra=extra, machine="virt", arch="aarch64")


LOADER = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
ACPI = "<features><acpi/></features>"


def nvram(inner: str) -> str:
    return qemu(extra=ACPI, os=LOADER + inner)


def qxl(attrs: str, kind: str = "qxl") -> str:
    return qemu(f"<video><model type='{kind}' {attrs}/></video>")


def pci(index: int, model: str, inner: str = "") -> str:
    return f"<controller type='pci' index='{index}' model='{model}'>{inner}</controller>"


def target(attrs: str) -> str:
    return f"<target {attrs}/>"


HOLE = "<pcihole64 unit='KiB'>1048576</pcihole64>"
OPTION = "Option '{}' is not valid for PCI controller with index '{}', model '{}' and modelName '{}'"
BUS = "PCI controller at index {0} (0x0{0}) has bus='0x0{0}', but index must be larger than bus"

CASES = [
    # VL507: qemuValidateDomainDefNvram
    ("nvram-volume", nvram("<nvram type='volume'><source pool='default' volume='x'/></nvram>"), "VL507",
     "unsupported nvram disk type 'volume'"),
    ("nvram-dir", nvram("<nvram type='dir'><source dir='/tmp'/></nvram>"), "VL507",
     "unsupported nvram disk type 'dir'"),
    ("nvram-file", nvram("<nvram type='file'><source file='/var/lib/libvirt/qemu/nvram/t.fd'/></nvram>"), None, ""),
    ("nvram-slices", nvram("<nvram type='file'><source file='/var/lib/libvirt/qemu/nvram/t.fd'><slices><slice "
                           "type='storage' offset='0' size='131072'/></slices></source></nvram>"), "VL507",
     "slices are not supported with NVRAM"),
    ("nvram-reservations", nvram("<nvram type='block'><source dev='/dev/null'><reservations managed='yes'/></source>"
                                 "</nvram>"), "VL507", "persistent reservations are not supported with NVRAM"),
    ("nvram-block", nvram("<nvram type='block'><source dev='/dev/null'/></nvram>"), None, ""),
    ("nvram-untyped", nvram("<nvram>/var/lib/libvirt/qemu/nvram/t.fd</nvram>"), None, ""),
    # VL406: <pm> states exist on x86 only
    ("pm-mem-on-aarch64", arm(extra="<pm><suspend-to-mem enabled='no'/></pm>"), "VL406",
     "setting ACPI S3/S4 not supported"),
    ("pm-disk-on-aarch64", arm(extra="<pm><suspend-to-disk enabled='yes'/></pm>"), "VL406",
     "setting ACPI S3/S4 not supported"),
    ("pm-unset-on-aarch64", arm(extra="<pm><suspend-to-mem/></pm>"), None, ""),
    ("pm-on-q35", qemu(extra="<pm><suspend-to-mem enabled='no'/><suspend-to-disk enabled='yes'/></pm>"), None, ""),
    # VL765: the post-parse rounds qxl ram/vram (and vga vram) up to a power of two before validation
    ("qxl-vram-rounds-over", qxl("vram='2097153'"), "VL765", "value for 'vram' must be less than '4194303'"),
    ("qxl-vram-at-limit", qxl("vram='4194303'"), "VL765", "value for 'vram' must be less than '4194303'"),
    ("qxl-ram-rounds-over", qxl("ram='2097153'"), "VL765", "value for 'ram' must be less than '4194303'"),
    ("qxl-ram-2-31", qxl("ram='2147483648'"), "VL765", "value for 'ram' must be less than '4194303'"),
    ("qxl-vram-2-gib", qxl("vram='2097152'"), None, ""),
    ("qxl-ram-2-gib", qxl("ram='2097152'"), None, ""),
    ("qxl-vram-rounds-to-0", qxl("vram='3000000000'"), None, ""),
    ("qxl-ram-above-2-31", qxl("ram='2147483649'"), None, ""),
    ("vga-vram-rounds-to-1-mib", qxl("vram='1000'", "vga"), None, ""),
    ("vga-vram-512", qxl("vram='500'", "vga"), "VL765", "value for 'vram' must be at least 1 MiB (1024 KiB)"),
    # VL710: the options each PCI controller model takes
    ("chassisNr-on-root-port", qemu(pci(1, "pcie-root-port", target("chassisNr='1'"))), "VL710",
     OPTION.format("chassisNr", 1, "pcie-root-port", "pcie-root-port")),
    ("chassisNr-on-dmi-bridge", qemu(pci(1, "dmi-to-pci-bridge", target("chassisNr='3'"))), "VL710",
     OPTION.format("chassisNr", 1, "dmi-to-pci-bridge", "i82801b11-bridge")),
    ("chassis-on-pci-bridge", qemu(pci(1, "pci-bridge", target("chassis='1'")), machine="pc"), "VL710",
     OPTION.format("chassis", 1, "pci-bridge", "pci-bridge")),
    ("port-on-pci-bridge", qemu(pci(1, "pci-bridge", target("port='3'")), machine="pc"), "VL710",
     OPTION.format("port", 1, "pci-bridge", "pci-bridge")),
    ("chassis-on-expander", qemu(pci(1, "pcie-expander-bus", target("busNr='200' chassis='2'"))), "VL710",
     OPTION.format("chassis", 1, "pcie-expander-bus", "pxb-pcie")),
    ("hotplug-on-pci-bridge", qemu(pci(1, "pci-bridge", target("hotplug='off'")), machine="pc"), "VL710",
     OPTION.format("hotplug", 1, "pci-bridge", "pci-bridge")),
    ("hotplug-on-pcie-root", qemu(pci(0, "pcie-root", target("hotplug='off'"))), "VL710",
     OPTION.format("hotplug", 0, "pcie-root", "none")),
    ("hotplug-on-pcie-to-pci-bridge", qemu(pci(1, "pcie-to-pci-bridge", target("hotplug='on'"))
                                           + pci(2, "pcie-root-port")), "VL710",
     OPTION.format("hotplug", 1, "pcie-to-pci-bridge", "pcie-pci-bridge")),
    ("chassisNr-on-pci-bridge", qemu(pci(1, "pci-bridge", target("chassisNr='5'")), machine="pc"), None, ""),
    ("chassis-port-on-root-port", qemu(pci(1, "pcie-root-port", target("chassis='7' port='0x10'"))), None, ""),
    ("hotplug-on-root-port", qemu(pci(1, "pcie-root-port", target("hotplug='off'"))), None, ""),
    ("hotplug-on-pci-root", qemu(pci(0, "pci-root", target("hotplug='off'")), machine="pc"), None, ""),
    ("memReserve-on-root-port", qemu(pci(1, "pcie-root-port", target("memReserve='2048'"))), None, ""),
    ("memReserve-on-upstream-port", qemu(pci(1, "pcie-switch-upstream-port", target("memReserve='1024'"))
                                         + pci(2, "pcie-root-port")), "VL710",
     OPTION.format("memReserve", 1, "pcie-switch-upstream-port", "x3130-upstream")),
    # VL710: the 64-bit PCI hole is i440fx's pci-root's and q35's pcie-root's
    ("pcihole64-on-arm-virt", arm(pci(0, "pcie-root", HOLE)), "VL710",
     "Setting the 64-bit PCI hole size is not supported for machine 'virt'"),
    ("pcihole64-on-q35", qemu(pci(0, "pcie-root", HOLE)), None, ""),
    ("pcihole64-on-pc", qemu(pci(0, "pci-root", HOLE), machine="pc"), None, ""),
    # VL708: a pci-bridge without an address on a pcie-root machine is plugged into its own bus
    ("lone-pci-bridge-on-q35", qemu(pci(1, "pci-bridge")), "VL708", BUS.format(1)),
    ("pci-bridge-behind-root-port", qemu(pci(1, "pcie-root-port") + pci(2, "pci-bridge")), "VL708", BUS.format(2)),
    ("two-pci-bridges-on-q35", qemu(pci(1, "pci-bridge") + pci(2, "pci-bridge")), "VL708", BUS.format(1)),
    ("lone-pci-bridge-on-arm-virt", arm(pci(1, "pci-bridge")), "VL708", BUS.format(1)),
    ("pci-bridge-on-dmi-bridge", qemu(pci(1, "dmi-to-pci-bridge") + pci(2, "pci-bridge")), None, ""),
    ("pci-bridge-on-pcie-to-pci-bridge", qemu(pci(1, "pcie-root-port") + pci(2, "pcie-to-pci-bridge")
                                              + pci(3, "pci-bridge")), None, ""),
    ("lone-pci-bridge-on-pc", qemu(pci(1, "pci-bridge"), machine="pc"), None, ""),
    # VL784: TPM 1.2 is x86's
    ("tpm-1.2-on-aarch64", arm("<tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>"), "VL784",
     "TPM 1.2 is not supported on architecture 'aarch64'"),
    ("tpm-2.0-on-aarch64", arm("<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>"), None, ""),
    ("tpm-default-on-aarch64", arm("<tpm model='tpm-tis'><backend type='emulator'/></tpm>"), None, ""),
    ("tpm-1.2-on-q35", qemu("<tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>"), None, ""),
    # VL792: a virtio IOMMU needs ACPI and a PCI address
    ("virtio-iommu-mmio-address", qemu("<iommu model='virtio'><address type='virtio-mmio'/></iommu>", extra=ACPI),
     "VL792", "IOMMU device: 'virtio' needs a PCI address"),
    ("virtio-iommu-without-acpi", qemu("<iommu model='virtio'/>"), "VL792", "IOMMU device: 'virtio' requires ACPI"),
    ("virtio-iommu", qemu("<iommu model='virtio'/>", extra=ACPI), None, ""),
    # (a domain that names no arch gets the host's: its q35 is the caps' x86_64 q35, as libvirt reads it)
    ("virtio-iommu-without-acpi-nor-arch", qemu("<iommu model='virtio'/>").replace(" arch='x86_64'", ""), "VL792",
     "IOMMU device: 'virtio' requires ACPI"),
    ("virtio-iommu-without-arch", qemu("<iommu model='virtio'/>", extra=ACPI).replace(" arch='x86_64'", ""), None, ""),
    ("virtio-iommu-pci-address", qemu("<iommu model='virtio'><address type='pci' domain='0' bus='0' slot='5' "
                                      "function='0'/></iommu>", extra=ACPI), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_probing_qemu_validation(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def _errors(xml: str, version: tuple[int, int], caps: str = Q35, host: str | None = None) -> list[tuple[str, str]]:
    hosts = [HostCaps(Document(host, "host.xml"))] if host is not None else []
    linter = Linter([caps_from_text(caps)], hosts=hosts, libvirt_version=version)
    findings = linter.lint_document(Document(xml, "t.xml")).findings
    return [(f.code, f.message) for f in findings if f.severity is Severity.ERROR]


HOST = ("<capabilities><host><cpu><arch>x86_64</arch><maxphysaddr mode='emulate' bits='48'/></cpu></host>"
        "<guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>"
        "<emulator>/usr/bin/qemu-system-x86_64</emulator><machine>q35</machine><domain type='qemu'/>"
        "</arch></guest></capabilities>")
ADDRESS_BITS = "The number of virtual CPU address bits cannot exceed the number supported by the host CPU"


@pytest.mark.parametrize(("bits", "host", "refused"), [
    ("50", HOST, True), ("49", HOST, True), ("48", HOST, False), ("46", HOST, False),
    ("50", None, False),  # (no host document: nothing to compare with)
    ("50", HOST.replace("<maxphysaddr mode='emulate' bits='48'/>", ""), False),  # (a host that reports none)
])
def test_emulated_address_bits_are_compared_with_the_host_cpu(bits: str, host: str | None, refused: bool) -> None:
    xml = qemu(extra=f"<cpu><maxphysaddr mode='emulate' bits='{bits}'/></cpu>")
    errors = _errors(xml, (9, 0), host=host)
    assert errors == ([("VL212", ADDRESS_BITS)] if refused else [])


@pytest.mark.parametrize(("version", "refused"), [((9, 0), False), ((10, 2), False), ((10, 3), True), ((10, 7), True)])
def test_memreserve_is_judged_from_the_release_that_reads_it(version: tuple[int, int], refused: bool) -> None:
    xml = qemu(pci(1, "pcie-switch-upstream-port", target("memReserve='1024'")) + pci(2, "pcie-root-port"))
    errors = [message for code, message in _errors(xml, version) if code == "VL710"]
    assert errors == ([OPTION.format("memReserve", 1, "pcie-switch-upstream-port", "x3130-upstream")]
                      if refused else [])


@pytest.mark.parametrize(("version", "arch", "machine", "refused"), [
    ((9, 0), "aarch64", "virt", True), ((10, 7), "aarch64", "virt", True),
    ((9, 0), "riscv64", "virt", False),  # (9.x refuses ARM virt only)
    ((10, 7), "riscv64", "virt", True),
])
def test_tpm_1_2_off_x86_follows_the_release(version: tuple[int, int], arch: str, machine: str, refused: bool) -> None:
    xml = qemu("<tpm model='tpm-tis'><backend type='emulator' version='1.2'/></tpm>", machine=machine, arch=arch)
    errors = [message for code, message in _errors(xml, version, caps=ARM) if code == "VL784"]
    assert errors == ([f"TPM 1.2 is not supported on architecture '{arch}'"] if refused else [])


def test_a_clean_shape_seen_on_q35_does_not_hide_the_pci_hole_on_arm_virt() -> None:
    """VL710 remembers clean documents by their controllers' shape; a <pcihole64> is judged by the machine, so a
    document with one is never taken from that memory."""
    assert _errors(qemu(pci(0, "pcie-root", HOLE)), (9, 0)) == []
    assert ("VL710", "Setting the 64-bit PCI hole size is not supported for machine 'virt'") in \
        _errors(arm(pci(0, "pcie-root", HOLE)), (9, 0), caps=ARM)
