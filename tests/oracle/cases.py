"""Generated domain XMLs for the differential test: valid ones, and one mismatch each.

Each case names the host it is meant for (virt type, arch, machine), the
domain-specific part of its XML, and the rule that should catch it (None for
a domain that should be accepted). The real libvirt's verdict decides.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

EMULATORS = {"x86_64": "/usr/bin/qemu-system-x86_64", "aarch64": "/usr/bin/qemu-system-aarch64",
             "armv7l": "/usr/bin/qemu-system-arm"}
IMAGE = "/var/lib/libvirt/images/empty.raw"
SECBOOT = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    virttype: str
    arch: str
    machine: str
    rule: str | None  # the rule meant to catch it; None: a valid domain
    devices: str = ""
    os: str = ""  # children of <os> after <type>
    os_attrs: str = ""
    top: str = ""  # elements before <os>: vcpu, iothreads, memoryBacking
    after: str = ""  # elements after <os>: features, cpu, launchSecurity
    domain_type: str | None = None  # when the domain asks for another virt type than the host's caps
    domain_machine: str | None = None
    emulator: str | None = None

    def xml(self) -> str:
        machine = self.domain_machine or self.machine
        vcpu = "" if "<vcpu" in self.top else "<vcpu>1</vcpu>"
        cpu = ""
        if self.arch == "aarch64" and "<cpu" not in self.after:
            cpu = "<cpu mode='custom'><model>cortex-a57</model></cpu>"
        emulator = self.emulator or EMULATORS[self.arch]
        return (
            f"<domain type='{self.domain_type or self.virttype}'>\n"
            f"  <name>{self.id}</name>\n  <memory unit='MiB'>128</memory>\n  {vcpu}{self.top}\n"
            f"  <os{self.os_attrs}>\n    <type arch='{self.arch}' machine='{machine}'>hvm</type>{self.os}\n  </os>\n"
            f"  {self.after}{cpu}\n"
            f"  <devices>\n    <emulator>{emulator}</emulator>\n    {self.devices}\n  </devices>\n"
            f"</domain>\n"
        )


def disk(target: str, bus: str | None = None, device: str = "disk", driver: str = "", model: str = "") -> str:
    bus_attr = f" bus='{bus}'" if bus else ""
    model_attr = f" model='{model}'" if model else ""
    return (f"<disk type='file' device='{device}'{model_attr}><driver name='qemu' type='raw'{driver}/>"
            f"<source file='{IMAGE}'/><target dev='{target}'{bus_attr}/>"
            + ("<readonly/>" if device == "cdrom" else "") + "</disk>")


def case_maker(prefix: str, virttype: str = "qemu", arch: str = "x86_64",
               machine: str = "q35") -> Callable[..., Case]:
    """A family's case builder for one host: ``make(name, rule, **parts)`` is the Case '<prefix>-<name>'."""

    def make(name: str, rule: str | None, **parts: str) -> Case:
        return Case(f"{prefix}-{name}", virttype, arch, machine, rule, **parts)

    return make


def virtiofs(extra: str = "") -> str:
    """A virtiofs <filesystem> sharing the images folder; ``extra`` goes inside it (<readonly/>, <boot/>)."""
    return ("<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/>"
            f"<source dir='/var/lib/libvirt/images'/><target dir='images'/>{extra}</filesystem>")


VIRTIOFS = virtiofs()
SHARED_MEMFD = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
ACPI = "<features><acpi/></features>"
SPICE_CHANNEL = "<channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>"


def _x86(virttype: str, machine: str) -> list[Case]:
    tag = f"{virttype}-{machine}"

    def case(name: str, rule: str | None, **parts: str) -> Case:
        return Case(f"{tag}-{name}", virttype, "x86_64", machine, rule, **parts)

    cases = [
        case("minimal", None),
        case("virtio-disk", None, devices=disk("vda", "virtio")),
        case("sata-cdrom", None, devices=disk("sdc", "sata", "cdrom")),
        case("scsi-disk", None, devices="<controller type='scsi' model='virtio-scsi'/>" + disk("sda", "scsi")),
        case("usb-disk", None, devices=disk("sdb", "usb")),
        case("vnc-virtio-video", None, devices="<graphics type='vnc'/><video><model type='virtio'/></video>"),
        case("spice-qxl", None, devices="<graphics type='spice'/><video><model type='qxl'/></video>" + SPICE_CHANNEL),
        case("vga-video", None, devices="<video><model type='vga'/></video>"),
        case("tpm-tis", None, devices="<tpm model='tpm-tis'><backend type='emulator' version='2.0'/></tpm>"),
        case("rng-random", None, devices="<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"),
        case("rng-builtin", None, devices="<rng model='virtio'><backend model='builtin'/></rng>"),
        case("virtiofs-shared", None, top=SHARED_MEMFD, devices=VIRTIOFS),
        case("cpu-maximum", None, after="<cpu mode='maximum'/>"),
        case("cpu-host-model", None, after="<cpu mode='host-model'/>"),
        case("cpu-pentium3", None, after="<cpu mode='custom'><model>pentium3</model></cpu>"),
        case("iothread-virtio", None, top="<iothreads>1</iothreads>", devices=disk("vda", "virtio", driver=" iothread='1'")),
        case("iothread-virtio-scsi", None, top="<iothreads>1</iothreads>",
             devices="<controller type='scsi' model='virtio-scsi'><driver iothread='1'/></controller>"),
        case("vmcoreinfo", None, after="<features><vmcoreinfo state='on'/></features>"),
        case("vcpu-current", None, top="<vcpu current='1'>4</vcpu>"),
        case("redirdev-spice", None, devices="<graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>"),
        case("efi-acpi", None, os_attrs=" firmware='efi'", after=ACPI),
        case("memfd-backing", None, top="<memoryBacking><source type='memfd'/></memoryBacking>"),
        case("loader-listed", None, os="<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>",
             after=ACPI),
        case("loader-unlisted", None, os="<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader>",
             after=ACPI),
        # mismatches
        case("graphics-rdp", "VL302", devices="<graphics type='rdp'/>"),
        case("video-xen", "VL302", devices="<video><model type='xen'/></video>"),
        case("tpm-spapr", "VL302", devices="<tpm model='tpm-spapr'><backend type='emulator' version='2.0'/></tpm>"),
        case("disk-xen-bus", "VL302", devices=disk("xvda")),
        case("hostdev-pci", "VL302", devices="<hostdev mode='subsystem' type='pci' managed='yes'><source>"
                                             "<address domain='0x0000' bus='0x07' slot='0x00' function='0x0'/>"
                                             "</source></hostdev>"),
        case("tpm-crb-1.2", "VL804", devices="<tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm>"),
        case("firmware-bios", "VL501", os_attrs=" firmware='bios'"),
        case("efi-no-acpi", "VL506", os_attrs=" firmware='efi'"),
        case("nvram-bios", "VL507", os_attrs=" firmware='bios'", os="<nvram>/tmp/virtlint-oracle-VARS.fd</nvram>"),
        case("vcpu-over-max", "VL201", top="<vcpu current='1'>300</vcpu>"),
        case("vcpu-256-no-iommu", "VL805", top="<vcpu current='1'>256</vcpu>", after="<features><acpi/><ioapic driver='qemu'/></features>"),
        case("virtiofs-private", "VL204", devices=VIRTIOFS),
        case("vhostuser-disk-private", "VL204",
             devices="<disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/>"
                     "<source type='unix' path='/tmp/virtlint-vhost.sock'><reconnect enabled='yes' timeout='10'/>"
                     "</source><target dev='vda' bus='virtio'/></disk>"),
        case("gic", "VL401", after="<features><gic version='2'/></features>"),
        case("sev", "VL401", after="<launchSecurity type='sev'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>"
                                   "<policy>0x0003</policy></launchSecurity>"),
        case("sgx-epc", "VL401", devices="<memory model='sgx-epc'><target><size unit='KiB'>16384</size></target></memory>"),
        case("iothread-undefined", "VL801", top="<iothreads>1</iothreads>", devices=disk("vda", "virtio", driver=" iothread='2'")),
        case("iothread-none", "VL801", devices=disk("vda", "virtio", driver=" iothread='1'")),
        case("iothread-sata", "VL802", top="<iothreads>1</iothreads>", devices=disk("sda", "sata", driver=" iothread='1'")),
        case("iothread-lsilogic", "VL802", top="<iothreads>1</iothreads>",
             devices="<controller type='scsi' model='lsilogic'><driver iothread='1'/></controller>"),
        case("transitional-on-sata", "VL803", devices=disk("sda", "sata", model="virtio-transitional")),
        case("duplicate-target", "VL806", devices=disk("vda", "virtio") + disk("vda", "virtio")),
        case("spicevmc-no-spice", "VL807", devices="<graphics type='vnc'/>" + SPICE_CHANNEL),
        case("spiceport-no-spice", "VL807", devices="<channel type='spiceport'><source channel='org.qemu.console.serial.0'/>"
                                                    "<target type='virtio' name='org.qemu.console.serial.0'/></channel>"),
        case("cpu-unknown-model", "VL603", after="<cpu mode='custom'><model>GraniteRapids</model></cpu>"),
        case("cpu-check-full", "VL604", after="<cpu mode='custom' check='full'><model>Haswell</model></cpu>"),
        case("machine-newer", "VL103", domain_machine="pc-q35-8.0" if machine == "q35" else "pc-i440fx-8.0"),
        case("emulator-missing", "VL104", emulator="/usr/libexec/qemu-kvm"),
        case("domain-type-hvf", "VL101", domain_type="hvf"),
    ]
    if machine == "q35":
        cases += [
            case("ide-cdrom", "VL302", devices=disk("hdc", "ide", "cdrom")),
            case("ide-implied", "VL302", devices=disk("hda")),
            case("secure-boot-smm", None, os=f"<loader readonly='yes' secure='yes' type='pflash'>{SECBOOT}</loader>",
                 after="<features><acpi/><smm state='on'/></features>"),
            case("secure-boot-feature", None, os_attrs=" firmware='efi'",
                 os="<firmware><feature enabled='yes' name='secure-boot'/></firmware>", after=ACPI),
            case("secure-boot-no-smm", "VL505", os=f"<loader readonly='yes' secure='yes' type='pflash'>{SECBOOT}</loader>",
                 after=ACPI),
            case("secure-boot-smm-off", "VL505", os_attrs=" firmware='efi'",
                 os="<firmware><feature enabled='yes' name='secure-boot'/></firmware>",
                 after="<features><acpi/><smm state='off'/></features>"),
        ]
    else:
        cases += [
            case("ide-cdrom", None, devices=disk("hdc", "ide", "cdrom")),
            case("floppy", None, devices=disk("fda", "fdc", "floppy")),
            case("secure-boot-on-pc", "VL505", os=f"<loader readonly='yes' secure='yes' type='pflash'>{SECBOOT}</loader>",
                 after="<features><acpi/><smm state='on'/></features>"),
            # (keys are enrolled only in a secure-boot firmware, which needs SMM: none for pc, caps secure 'no')
            case("enrolled-keys-on-pc", "VL502", os_attrs=" firmware='efi'",
                 os="<firmware><feature enabled='yes' name='enrolled-keys'/></firmware>", after=ACPI),
            case("no-enrolled-keys-on-pc", None, os_attrs=" firmware='efi'",
                 os="<firmware><feature enabled='no' name='enrolled-keys'/></firmware>", after=ACPI),
        ]
    if virttype == "qemu":
        cases += [
            case("cpu-host-passthrough", "VL601", after="<cpu mode='host-passthrough'/>"),
            case("cpu-unusable-tcg", None, after="<cpu mode='custom'><model>Haswell</model></cpu>"),
            case("hyperv-tcg", None, after="<features><hyperv mode='custom'><relaxed state='on'/><vapic state='on'/>"
                                           "</hyperv></features>"),
        ]
    else:
        cases += [
            case("cpu-host-passthrough", None, after="<cpu mode='host-passthrough'/>"),
            case("cpu-passthrough-migratable", None, after="<cpu mode='host-passthrough' migratable='on'/>"),
            case("cpu-unusable-check-none", None, after="<cpu mode='custom' check='none'><model>Haswell</model></cpu>"),
            # (libvirt compares the model with the host CPU at start, in its CPU map: VL606 with the host document)
            case("cpu-unusable-kvm", "VL606", after="<cpu mode='custom'><model>Haswell</model></cpu>"),
            case("cpu-unusable-qemu64", "VL606", after="<cpu mode='custom'><model>qemu64</model></cpu>"),
        ]
    return cases


def _aarch64() -> list[Case]:
    def case(name: str, rule: str | None, **parts: str) -> Case:
        return Case(f"qemu-virt-aarch64-{name}", "qemu", "aarch64", "virt", rule, **parts)

    return [
        case("minimal", None),
        case("efi-no-acpi", None, os_attrs=" firmware='efi'"),
        case("efi-acpi", None, os_attrs=" firmware='efi'", after=ACPI),
        case("gic-2", None, after="<features><gic version='2'/></features>"),
        case("gic-3", None, after="<features><gic version='3'/></features>"),
        case("virtio-disk", None, devices=disk("vda", "virtio")),
        case("cpu-maximum", None, after="<cpu mode='maximum'/>"),
        case("acpi-no-efi", "VL506", after=ACPI),
        case("ide-cdrom", "VL302", devices=disk("hdc", "ide", "cdrom")),
        case("cpu-host-passthrough", "VL601", after="<cpu mode='host-passthrough'/>"),
        case("loader-secure", "VL503", after=ACPI,
             os="<loader readonly='yes' secure='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader>"),
    ]


def all_cases(kvm: bool) -> list[Case]:
    cases = _x86("qemu", "q35") + _x86("qemu", "pc") + _aarch64()
    if kvm:
        cases += _x86("kvm", "q35")
    return cases + family_cases(kvm)


def family_cases(kvm: bool) -> list[Case]:
    """Cases of each family of libvirt checks: every ``families/*.py`` module's ``cases(kvm)``.

    One module per family keeps each family's rejected cases next to their accepted twins.
    """
    import importlib
    import pkgutil
    from pathlib import Path

    folder = Path(__file__).resolve().parent / "families"
    cases: list[Case] = []
    for module in sorted(pkgutil.iter_modules([str(folder)]), key=lambda m: m.name):
        if not module.name.startswith("_"):
            cases += importlib.import_module(f"families.{module.name}").cases(kvm)
    return cases
