"""VL225 guest-address-space: QEMU (7.1 and later) bounds the highest guest physical address by the CPU's address
bits at start. Each refusal below was put to libvirt 9.0 with QEMU 7.2 on the lab (the message's last address
included), with its accepted twin."""

from __future__ import annotations

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter

Q35 = "<domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>"
PC = "<domainCapabilities><domain>qemu</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>"
OLD_QEMU = Q35.replace("pc-q35-7.2", "pc-q35-7.0")
KIB = "unit='KiB'"
NUMA = "<numa><cell id='0' cpus='0' memory='128' unit='MiB'/></numa>"


def domain(*, machine: str = "q35", virt: str = "qemu", memory: str = "<memory unit='MiB'>128</memory>",
           max_memory: str = "", cpu: str = "", root: str = "") -> str:
    return (f"<domain type='{virt}'><name>t</name>{max_memory}{memory}<vcpu>1</vcpu><os><type arch='x86_64' "
            f"machine='{machine}'>hvm</type></os><cpu>{cpu}</cpu><devices>{root}</devices></domain>")


def hole(kib: int, model: str = "pci-root") -> str:
    return f"<controller type='pci' index='0' model='{model}'><pcihole64 {KIB}>{kib}</pcihole64></controller>"


def maximum(text: str, slots: int = 4) -> str:
    return f"<maxMemory slots='{slots}' {KIB}>{text}</maxMemory>"


def messages(xml: str, caps: str = Q35) -> list[str]:
    linter = Linter([DomainCaps(Document(caps, "caps.xml"))], select=("VL225",))
    return [f.message for f in linter.lint_document(Document(xml, "d.xml")).findings]


GIB = 1024 * 1024  # KiB


@pytest.mark.parametrize(("xml", "caps", "highest"), [
    # the memory-hotplug region: 1 TiB, four slots, qemu64 (AMD): the RAM above 4 GiB moves to 1 TiB
    (domain(max_memory=maximum(str(1024 * GIB)), cpu=NUMA), Q35, "0x208ffffffff"),
    (domain(max_memory=maximum(str(1000 * GIB)), cpu=NUMA), Q35, "0x202ffffffff"),
    (domain(max_memory=maximum(str(972 * GIB + 129 * 1024)), cpu=NUMA), Q35, "0x1fc3fffffff"),
    (domain(max_memory=maximum(str(1002 * GIB + 129 * 1024)), cpu=NUMA, machine="pc"), PC, "0x1fc3fffffff"),
    # an Intel model: no move
    (domain(max_memory=maximum(str(984 * GIB + 129 * 1024)), cpu="<model>kvm64</model>" + NUMA), Q35,
     "0x1003fffffff"),
    # the 64-bit PCI hole as given
    (domain(root=hole(1024 * GIB), machine="pc"), PC, "0x1ffffffffff"),
    (domain(root=hole(1008 * GIB + 1), machine="pc"), PC, "0x1fc000003ff"),
    (domain(root=hole(1020 * GIB + 1), machine="pc-i440fx-7.0"), PC, "0x100000003ff"),  # 7.0: no move
    (domain(root=hole(1020 * GIB + 1), machine="pc", cpu="<model>Conroe</model>"), PC, "0x100000003ff"),
    (domain(root=hole(1024 * GIB + 1), machine="pc", cpu="<model>qemu64</model><maxphysaddr mode='emulate' "
            "bits='41'/>"), PC, "0x200000003ff"),
    # 4 GiB of RAM on i440fx: 3 GiB below 4 GiB, one above
    (domain(root=hole(1008 * GIB + 1), machine="pc", memory="<memory unit='GiB'>4</memory>"), PC, "0x1fc400003ff"),
    (domain(root=hole(1020 * GIB), machine="pc-i440fx-7.0", memory="<memory unit='GiB'>4</memory>"), PC,
     "0x1003fffffff"),
    (domain(root=hole(1024 * GIB, "pcie-root")), Q35, "0x1ffffffffff"),
])
def test_refused(xml: str, caps: str, highest: str) -> None:
    found = messages(xml, caps)
    assert len(found) == 1 and f"< {highest} phys-bits too low" in found[0], found


@pytest.mark.parametrize(("xml", "caps"), [
    (domain(max_memory=maximum(str(512 * GIB)), cpu=NUMA), Q35),
    (domain(max_memory=maximum(str(972 * GIB + 128 * 1024)), cpu=NUMA), Q35),
    (domain(max_memory=maximum(str(1002 * GIB + 128 * 1024)), cpu=NUMA, machine="pc"), PC),
    (domain(max_memory=maximum(str(984 * GIB + 128 * 1024)), cpu="<model>kvm64</model>" + NUMA), Q35),
    (domain(root=hole(1008 * GIB), machine="pc"), PC),
    (domain(root=hole(1008 * GIB + 1), machine="pc-i440fx-7.0"), PC),
    (domain(root=hole(1020 * GIB), machine="pc", cpu="<model>Conroe</model>"), PC),
    (domain(root=hole(1024 * GIB), machine="pc", cpu="<model>qemu64</model><maxphysaddr mode='emulate' "
            "bits='41'/>"), PC),
    (domain(root=hole(1017 * GIB), machine="pc-i440fx-7.0", memory="<memory unit='GiB'>4</memory>"), PC),
    (domain(root=hole(2**54 - 1), machine="pc"), PC),  # QEMU's sum wraps round 2^64
    # not judged: QEMU before 7.1, a KVM CPU's bits, host CPU modes, a 32-bit model
    (domain(max_memory=maximum(str(1024 * GIB)), cpu=NUMA), OLD_QEMU),
    (domain(virt="kvm", max_memory=maximum(str(1024 * GIB)), cpu=NUMA), Q35.replace("qemu", "kvm")),
    (domain(max_memory=maximum(str(1024 * GIB)), cpu=NUMA).replace("<cpu>", "<cpu mode='host-passthrough'>"), Q35),
    (domain(root=hole(1024 * GIB), machine="pc", cpu="<model>qemu32</model>"), PC),
])
def test_accepted(xml: str, caps: str) -> None:
    assert messages(xml, caps) == []


def test_kvm_with_its_bits_given() -> None:
    kvm = Q35.replace("qemu", "kvm")
    bits = "<maxphysaddr mode='emulate' bits='40'/>"
    # (a KVM CPU takes the host's vendor: the RAM is not taken to move, the lower address is judged)
    assert messages(domain(virt="kvm", root=hole(1024 * GIB, "pcie-root"), cpu=bits), kvm)
    assert messages(domain(virt="kvm", root=hole(1000 * GIB, "pcie-root"), cpu=bits), kvm) == []


def test_the_finding_is_on_what_makes_the_space() -> None:
    linter = Linter([DomainCaps(Document(Q35, "caps.xml"))], select=("VL225",))
    xml = domain(max_memory=maximum(str(1024 * GIB)), cpu=NUMA)
    (finding,) = linter.lint_document(Document(xml, "d.xml")).findings
    assert xml[finding.offsets[0]:].startswith("maxMemory")
    xml = domain(root=hole(1024 * GIB, "pcie-root"))
    (finding,) = linter.lint_document(Document(xml, "d.xml")).findings
    assert xml[finding.offsets[0]:].startswith("pcihole64")
