"""VL302 device-value: device attributes vs the caps' device enums, one table for all."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._addresses import DISK_BUS_BY_PREFIX
from virtlint.rules._binding import EnumBinding, Implied
from virtlint.rules._devices import disk_facts, with_first_children
from virtlint.rules._support import NOTHING, children_by_tag


def _implied_disk_bus(disk: etree._Element) -> Implied | None:
    target = disk.find("target")
    dev = target.get("dev", "") if target is not None else ""
    for prefix, bus in DISK_BUS_BY_PREFIX:
        if dev.startswith(prefix):
            return bus, target, "dev", f"implied by target dev '{dev}'"
    return None


def _implied_pci_backend(hostdev: etree._Element) -> Implied | None:
    source = hostdev.find("source")
    anchor = source if source is not None else hostdev
    return "default", anchor, "", "no <driver name>, so libvirt picks its default backend"


def _subsystem(hostdev: etree._Element) -> bool:
    return hostdev.get("mode", "subsystem") == "subsystem"


DEVICE_ENUMS: tuple[EnumBinding, ...] = (
    EnumBinding("devices/disk", "diskDevice", "device", "disk device"),
    # sd and uml are buses the enum never lists
    EnumBinding("devices/disk", "bus", "bus", "disk bus", child="target", implied=_implied_disk_bus,
                vocabulary=frozenset({"ide", "fdc", "scsi", "virtio", "xen", "usb", "sata", "nvme"})),
    EnumBinding("devices/disk", "model", "model", "disk model"),
    EnumBinding("devices/graphics", "type", "type", "graphics type"),
    EnumBinding("devices/video", "modelType", "type", "video model", child="model"),
    EnumBinding("devices/hostdev", "mode", "mode", "hostdev mode"),
    EnumBinding("devices/hostdev", "startupPolicy", "startupPolicy", "hostdev startupPolicy", child="source"),
    # mdev and scsi_host are subsystem types the enum never lists
    EnumBinding("devices/hostdev", "subsysType", "type", "hostdev subsystem type", applies=_subsystem,
                vocabulary=frozenset({"usb", "pci", "scsi"})),
    EnumBinding("devices/hostdev", "capsType", "type", "hostdev capabilities type",
                applies=lambda hostdev: hostdev.get("mode") == "capabilities"),
    EnumBinding("devices/hostdev", "pciBackend", "name", "PCI passthrough backend", child="driver",
                applies=lambda hostdev: _subsystem(hostdev) and hostdev.get("type") == "pci",
                implied=_implied_pci_backend),
    EnumBinding("devices/rng", "model", "model", "rng model"),
    EnumBinding("devices/rng", "backendModel", "model", "rng backend model", child="backend"),
    # mtp, and the LXC-only loop, nbd and ploop, are driver types the enum never lists
    EnumBinding("devices/filesystem", "driverType", "type", "filesystem driver type", child="driver",
                vocabulary=frozenset({"path", "handle", "virtiofs"})),
    EnumBinding("devices/tpm", "model", "model", "TPM model"),
    EnumBinding("devices/tpm", "backendModel", "type", "TPM backend type", child="backend"),
    EnumBinding("devices/tpm", "backendVersion", "version", "TPM backend version", child="backend"),
    EnumBinding("devices/redirdev", "bus", "bus", "redirdev bus"),
    # libvirt does not check channel types against this enum; only the three it lists are judged
    EnumBinding("devices/channel", "type", "type", "channel type", vocabulary=frozenset({"pty", "unix", "spicevmc"})),
    EnumBinding("devices/crypto", "model", "model", "crypto model"),
    EnumBinding("devices/crypto", "type", "type", "crypto type"),
    EnumBinding("devices/crypto", "backendModel", "model", "crypto backend model", child="backend"),
    EnumBinding("devices/interface", "backendType", "type", "interface backend type", child="backend"),
    EnumBinding("devices/panic", "model", "model", "panic model"),
    EnumBinding("devices/console", "type", "type", "console type"),
)

_BY_DEVICE: dict[str, tuple[EnumBinding, ...]] = {}
for _row in DEVICE_ENUMS:
    _device = str(_row.caps).split("/")[-1]
    _BY_DEVICE[_device] = (*_BY_DEVICE.get(_device, ()), _row)
for _device, _rows in _BY_DEVICE.items():
    binding.publish(f"devices/{_device}", _rows)

#: Devices whose children the disk and interface rules index anyway (``with_first_children``): their screens
#: read child attributes there; other devices' screens look their few children over.
_INDEXED = frozenset({"disk", "interface"})

#: caps.memo key of the devices' screens
_PLAN_KEY = "device-value:plan"

#: A device to screen: (tag, its table, its path, its screens, whether its children are indexed).
_Entry = tuple[str, tuple[EnumBinding, ...], str, tuple[binding.Screen, ...], bool]
#: The disks' screens when one reads the target bus: (the others, and the bus's: values, whether they are the
#: suspect ones, whether an absent bus is suspect). The bus comes from ``disk_facts``, which the disk rules
#: read anyway.
_DiskScreens = tuple[tuple[binding.Screen, ...], frozenset[str], bool, bool]
#: (the devices the loop screens, the disks' screens or None when the loop screens them, every device)
_Plan = tuple[tuple[_Entry, ...], _DiskScreens | None, tuple[_Entry, ...]]


def _plan(caps: DomainCaps) -> _Plan:
    """The devices to screen and how, computed once per caps document (only devices whose screens can suspect
    anything with these caps)."""
    plan: _Plan | None = caps.memo.get(_PLAN_KEY)  # type: ignore[assignment]
    if plan is None:
        entries: list[_Entry] = []
        for device, rows in _BY_DEVICE.items():
            path = f"devices/{device}"
            screens = binding.screens_at(rows, caps, path)
            if screens:
                entries.append((device, rows, path, screens, device in _INDEXED))
        disks: _DiskScreens | None = None
        for device, _rows, _path, screens, _indexed in entries:
            if device == "disk":
                for child, attribute, values, suspects, implied in screens:
                    if child == "target" and attribute == "bus":
                        others = tuple(screen for screen in screens if screen[:2] != ("target", "bus"))
                        disks = (others, values, suspects, implied)
        looped = tuple(entry for entry in entries if disks is None or entry[0] != "disk")
        plan = caps.memo[_PLAN_KEY] = (looped, disks, tuple(entries))
    return plan


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
    #: the devices below (one visit for all of them)
    elements = ("devices",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        # the common case first: every device passes its screens (a suspect one gets the full check)
        looped, disks, _entries = _plan(ctx.caps)
        children = children_by_tag(ctx, element)
        if disks is not None and "disk" in children:
            others, values, suspects, implied = disks
            facts = disk_facts(ctx, element)
            for _disk, _firsts, _device, _kind, _target, _dev, bus, _more in facts:
                if bus is None:
                    if implied:
                        return self._problems(element, ctx)
                elif (bus in values) is suspects:
                    return self._problems(element, ctx)
            if others and binding.any_suspect(children["disk"], others):
                return self._problems(element, ctx)
        for device, _rows, _path, screens, indexed in looped:
            devices = children.get(device)
            if devices is not None:
                if indexed:
                    if binding.any_suspect_indexed(with_first_children(ctx, element, device), screens):
                        return self._problems(element, ctx)
                elif binding.any_suspect(devices, screens):
                    return self._problems(element, ctx)
        return NOTHING

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The devices' problems (some device is suspect)."""
        children = children_by_tag(ctx, element)
        for device, rows, path, screens, _indexed in _plan(ctx.caps)[2]:
            for holder in children.get(device, ()):
                if binding.suspect(holder, screens, None):
                    yield from binding.problems(holder, rows, ctx, path)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return bool(_plan(caps)[2])
