"""The domain's identity on this host (VL101-VL104, VL201) and CPU models by evidence (VL603).

Decided with the host's `virsh capabilities` as libvirt's QEMU driver does: i686 runs on the x86_64 binary,
machine aliases resolve to the binary's machines, each machine has its vCPU limit, KVM is per binary.
"""

from __future__ import annotations

from cases import Case

X86_64 = "/usr/bin/qemu-system-x86_64"


def cases(kvm: bool) -> list[Case]:
    def case(name: str, rule: str | None, arch: str = "x86_64", machine: str = "q35", virttype: str = "qemu",
             **parts: str) -> Case:
        return Case(f"identity-{name}", virttype, arch, machine, rule, **parts)

    return [
        # virQEMUCapsIsArchSupported: the x86_64 binary runs i686, not aarch64
        case("i686-on-x86_64-binary", None, arch="i686", emulator=X86_64),
        case("i686-default-binary", None, arch="i686", emulator="/usr/bin/qemu-system-i386"),
        case("x86_64-on-i386-binary", "VL102", emulator="/usr/bin/qemu-system-i386"),
        case("x86_64-on-aarch64-binary", "VL102", emulator="/usr/bin/qemu-system-aarch64"),
        # virQEMUCapsIsVirtTypeSupported: no KVM for the aarch64 binary on an x86_64 host
        case("aarch64-kvm", "VL101", arch="aarch64", machine="virt", domain_type="kvm"),
        case("aarch64-tcg", None, arch="aarch64", machine="virt"),
        # virQEMUCapsIsMachineSupported after virQEMUCapsGetCanonicalMachine
        case("machine-alias-pc", None, machine="pc"),
        case("machine-pseries-on-x86", "VL103", domain_machine="pseries"),
        case("machine-rhel-flavour", "VL103", domain_machine="pc-q35-rhel9.4.0"),
        # qemuValidateDomainVCpuTopology: the machine's maxCpus from the host document (pc: 255)
        case("pc-255-vcpus", None, machine="pc", top="<vcpu current='1'>255</vcpu>"),
        case("pc-256-vcpus", "VL201", machine="pc", top="<vcpu current='1'>256</vcpu>"),
        # virCPUTranslate and x86ModelFromCPU
        case("cpu-forbid-missing-model", "VL603",
             after="<cpu mode='custom'><model fallback='forbid'>GraniteRapids</model></cpu>"),
        case("cpu-model-unknown-to-libvirt", "VL603", after="<cpu mode='custom'><model>Foobar-Lake</model></cpu>"),
        case("cpu-model-listed", None, after="<cpu mode='custom'><model>qemu64</model></cpu>"),
    ]
