"""VL302 device-value: device attributes vs the caps' device enums, one table for all."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import value_problem

#: Target-name prefixes whose bus libvirt infers when `<target bus>` is absent.
DISK_BUS_BY_PREFIX = (("hd", "ide"), ("vd", "virtio"), ("xvd", "xen"), ("fd", "fdc"), ("sd", "scsi"))


def _implied_disk_bus(disk: etree._Element) -> tuple[str, etree._Element, str, str] | None:
    target = disk.find("target")
    dev = target.get("dev", "") if target is not None else ""
    for prefix, bus in DISK_BUS_BY_PREFIX:
        if dev.startswith(prefix):
            return bus, target, "dev", f"implied by target dev '{dev}'"
    return None


def _implied_pci_backend(hostdev: etree._Element) -> tuple[str, etree._Element, str, str] | None:
    source = hostdev.find("source")
    anchor = source if source is not None else hostdev
    return "default", anchor, "", "no <driver name>, so libvirt picks its default backend"


def _subsystem(hostdev: etree._Element) -> bool:
    return hostdev.get("mode", "subsystem") == "subsystem"


@dataclass(frozen=True, slots=True)
class DeviceEnum:
    """One device attribute constrained by one caps enum of `<devices>`."""

    device: str  # element under <devices>, and the caps block of the same name
    enum: str  # caps enum name
    attribute: str  # domain attribute holding the value
    label: str  # how messages name it
    child: str | None = None  # sub-element holding the attribute, when not the device itself
    applies: Callable[[etree._Element], bool] | None = None
    #: libvirt's default when the attribute is absent, where it is certain:
    #: (value, element to point at, its attribute or '', why).
    implied: Callable[[etree._Element], tuple[str, etree._Element, str, str] | None] | None = None
    #: Values this enum can ever list; others are valid by other means and not judged.
    vocabulary: frozenset[str] | None = None


DEVICE_ENUMS: tuple[DeviceEnum, ...] = (
    DeviceEnum("disk", "diskDevice", "device", "disk device"),
    # sd and uml are buses the enum never lists
    DeviceEnum("disk", "bus", "bus", "disk bus", child="target", implied=_implied_disk_bus,
               vocabulary=frozenset({"ide", "fdc", "scsi", "virtio", "xen", "usb", "sata", "nvme"})),
    DeviceEnum("disk", "model", "model", "disk model"),
    DeviceEnum("graphics", "type", "type", "graphics type"),
    DeviceEnum("video", "modelType", "type", "video model", child="model"),
    DeviceEnum("hostdev", "mode", "mode", "hostdev mode"),
    DeviceEnum("hostdev", "startupPolicy", "startupPolicy", "hostdev startupPolicy", child="source"),
    # mdev and scsi_host are subsystem types the enum never lists
    DeviceEnum("hostdev", "subsysType", "type", "hostdev subsystem type", applies=_subsystem,
               vocabulary=frozenset({"usb", "pci", "scsi"})),
    DeviceEnum("hostdev", "capsType", "type", "hostdev capabilities type",
               applies=lambda hostdev: hostdev.get("mode") == "capabilities"),
    DeviceEnum("hostdev", "pciBackend", "name", "PCI passthrough backend", child="driver",
               applies=lambda hostdev: _subsystem(hostdev) and hostdev.get("type") == "pci",
               implied=_implied_pci_backend),
    DeviceEnum("rng", "model", "model", "rng model"),
    DeviceEnum("rng", "backendModel", "model", "rng backend model", child="backend"),
    # mtp, and the LXC-only loop, nbd and ploop, are driver types the enum never lists
    DeviceEnum("filesystem", "driverType", "type", "filesystem driver type", child="driver",
               vocabulary=frozenset({"path", "handle", "virtiofs"})),
    DeviceEnum("tpm", "model", "model", "TPM model"),
    DeviceEnum("tpm", "backendModel", "type", "TPM backend type", child="backend"),
    DeviceEnum("tpm", "backendVersion", "version", "TPM backend version", child="backend"),
    DeviceEnum("redirdev", "bus", "bus", "redirdev bus"),
    # libvirt does not check channel types against this enum; only the three it lists are judged
    DeviceEnum("channel", "type", "type", "channel type", vocabulary=frozenset({"pty", "unix", "spicevmc"})),
    DeviceEnum("crypto", "model", "model", "crypto model"),
    DeviceEnum("crypto", "type", "type", "crypto type"),
    DeviceEnum("crypto", "backendModel", "model", "crypto backend model", child="backend"),
    DeviceEnum("interface", "backendType", "type", "interface backend type", child="backend"),
    DeviceEnum("panic", "model", "model", "panic model"),
    DeviceEnum("console", "type", "type", "console type"),
)

_BY_DEVICE: dict[str, list[DeviceEnum]] = {}
for _entry in DEVICE_ENUMS:
    _BY_DEVICE.setdefault(_entry.device, []).append(_entry)


@register
class DeviceValue(Rule):
    """
    ## What it does
    Checks each device attribute that domcapabilities constrain against its
    enum, from one table: disk `device`, `target/@bus` and `model`; graphics
    `type`; video `model/@type`; hostdev `mode`, `source/@startupPolicy`,
    `type` and `driver/@name`; rng `model` and `backend/@model`; filesystem
    `driver/@type`; tpm `model`, `backend/@type` and `backend/@version`;
    redirdev `bus`; channel `type`; crypto `model`, `type` and
    `backend/@model`; interface `backend/@type`; panic `model`; console
    `type`. An omitted block or enum means *unknown* and is never reported; an
    empty enum allows nothing. Where the attribute is absent, libvirt's
    default is checked only where it is certain: the disk bus implied by the
    target name (`hd` ide, `vd` virtio, `xvd` xen, `fd` fdc, `sd` scsi) and
    the default PCI passthrough backend.

    ## Why is this bad?
    libvirt rejects the value at define time (`IDE controllers are
    unsupported for this QEMU binary or machine type`, `domain configuration
    does not support video model 'qxl'`) or the domain fails at start (a PCI
    passthrough backend the host lacks).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <devices><disk supported='yes'><enum name='bus'><value>fdc</value><value>scsi</value>
        <value>virtio</value><value>usb</value><value>sata</value></enum></disk></devices>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='cdrom'><target dev='sdc' bus='sata'/></disk></devices></domain>
    ```
    """

    code = "VL302"
    name = "device-value"
    severity = Severity.ERROR
    summary = "A device attribute has a value the capabilities' device enum does not list."
    elements = tuple(f"devices/{device}" for device in _BY_DEVICE)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for entry in _BY_DEVICE.get(element.tag, ()):
            if entry.applies is not None and not entry.applies(element):
                continue
            holder = element.find(entry.child) if entry.child else element
            value = holder.get(entry.attribute) if holder is not None else None
            anchor, implied = Anchor(holder, entry.attribute) if holder is not None else None, None
            if value is None:
                guess = entry.implied(element) if entry.implied else None
                if guess is None:
                    continue
                value, anchored, attribute, implied = guess
                anchor = Anchor(anchored, attribute or None)
            if entry.vocabulary is not None and value not in entry.vocabulary:
                continue
            answer = ctx.caps.enum(f"devices/{entry.device}", entry.enum)
            if answer.unsupported:
                continue  # VL301 reports the whole device
            if answer.allows(value) is False and anchor is not None:
                yield value_problem(anchor, entry.label, value, answer, ctx.caps,
                                    attribute=entry.attribute, implied=implied)
