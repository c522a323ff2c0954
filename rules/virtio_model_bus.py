"""VL803 virtio-model-bus: virtio disk models only on the virtio bus; (non-)transitional models only on PCI."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.rules._addresses import bus_model, facts
from virtlint.rules._devices import QEMU_START, qemu_driver
from virtlint.rules._support import NOTHING, children_by_tag, first_child

#: the models qemuBuildVirtioDevGetConfig suffixes with -transitional / -non-transitional (PCI devices only)
TRANSITIONAL = ("virtio-transitional", "virtio-non-transitional")
#: device tags whose own model attribute may name one (an interface's is its <model type>)
MODEL_HOLDERS = ("disk", "controller", "hostdev", "rng", "filesystem", "memballoon", "vsock")
#: address type -> the QEMU device name's bus part (virtio-blk-device, virtio-blk-ccw)
NON_PCI = {"virtio-mmio": "device", "ccw": "ccw"}
#: The <driver> of the devices whose virtio-pci device QEMU builds transitional (legacy and modern) unless told
#: otherwise: virtio-blk, virtio-net, virtio-scsi, virtio-serial, virtio-rng, virtio-balloon, virtio-9p (QEMU's
#: modern-only ones, virtio-gpu, -input, -crypto, vhost-vsock and vhost-user-fs, are not among them)
IOMMU_DRIVERS = ("devices/disk/driver", "devices/interface/driver", "devices/controller/driver",
                 "devices/rng/driver", "devices/memballoon/driver", "devices/filesystem/driver")
#: PCI controllers whose bus is conventional PCI, or a root bus: QEMU leaves a virtio device there transitional
#: (virtio_pci_realize: legacy is off by default only on a PCI Express port)
LEGACY_BUSES = frozenset({"pci-root", "pcie-root", "pci-bridge", "pcie-to-pci-bridge", "dmi-to-pci-bridge",
                          "pci-expander-bus"})


def _base_name(device: etree._Element) -> str | None:
    """qemuBuildVirtioDevGetConfigDev's base name of a device with a (non-)transitional model; None for a device
    that has none."""
    tag = device.tag
    if tag == "disk":
        return "vhost-user-blk" if device.get("type") == "vhostuser" else "virtio-blk"
    if tag == "interface":
        return "virtio-net"
    if tag == "controller":
        return {"scsi": "virtio-scsi", "virtio-serial": "virtio-serial"}.get(device.get("type") or "")
    if tag == "hostdev":
        return "vhost-scsi" if device.get("type") == "scsi_host" else None
    if tag == "filesystem":
        driver = first_child(device, "driver")
        return "vhost-user-fs" if driver is not None and driver.get("type") == "virtiofs" else "virtio-9p"
    return {"rng": "virtio-rng", "memballoon": "virtio-balloon", "vsock": "vhost-vsock"}.get(tag)


def _transitional_off_pci(device: etree._Element, model: str) -> Problem | None:
    """qemuBuildVirtioDevGetConfig (at start): a (non-)transitional model on a virtio-mmio or ccw address. libvirt
    reports it and goes on; QEMU then refuses the device name it gets ('virtio-blk-device-transitional')."""
    address = first_child(device, "address")
    kind = address.get("type") if address is not None else None
    bus = NON_PCI.get(kind or "")
    base = _base_name(device)
    if bus is None or base is None:
        return None
    return Problem(Anchor(address, "type"), f"virtio (non-)transitional models are not supported for address "
                   f"type={kind}" + QEMU_START,
                   hint=f"QEMU has no device '{base}-{bus}-{model.removeprefix('virtio-')}': use model='virtio' "
                        "(transitional devices are PCI ones), or a PCI address")


def _virtio_model(device: etree._Element) -> str | None:
    """The virtio model of a device IOMMU_DRIVERS holds ('virtio', 'virtio-transitional', ...), None when it is not
    a virtio device (an e1000 NIC, a SATA disk, a USB controller, a virtiofs share)."""
    tag = device.tag
    if tag == "interface":
        if device.get("type") == "hostdev":
            return None  # (the host's device, passed through: no virtio-net device)
        model_element = first_child(device, "model")
        model = model_element.get("type") if model_element is not None else None
        return model if model in ("virtio", *TRANSITIONAL) else None
    model = device.get("model")
    if tag == "disk":
        return (model or "virtio") if _disk_bus(device) == "virtio" and device.get("type") != "vhostuser" else None
    if tag == "controller":
        kind = device.get("type")
        if kind == "scsi":
            return "virtio" if model == "virtio-scsi" else model if model in TRANSITIONAL else None
        return (model or "virtio") if kind == "virtio-serial" else None
    if tag == "filesystem":
        driver = first_child(device, "driver")
        if driver is not None and driver.get("type") == "virtiofs":
            return None
        model = model or "virtio"  # (QEMU's 9p device is virtio's)
    return model if model in ("virtio", *TRANSITIONAL) else None


#: The newest q35 machine QEMU gives its virtio-pci devices' legacy interface by default (hw_compat_2_6:
#: disable-modern=on, disable-legacy=off), wherever they are plugged
LEGACY_Q35 = (2, 6)


def _legacy_q35(ctx: Context) -> bool:
    """An upstream q35 machine of version 2.6 or older."""
    if not ctx.machine:
        return False
    machine = parse_machine(ctx.machine)
    return machine.family == "pc-q35" and not machine.flavor and machine.version is not None \
        and machine.version <= LEGACY_Q35


def _iommu_on_legacy(driver: etree._Element, ctx: Context) -> Problem | None:
    """virtio_device_plugged (QEMU, at start): iommu='on' is VIRTIO_F_IOMMU_PLATFORM, which a virtio-pci device
    with its legacy interface cannot offer. The device has one when its model is virtio-transitional, or when it is
    plain virtio and not on a PCI Express port: an i440fx machine's (whose buses are all conventional PCI), or one
    its address puts on a conventional or root bus; or plain virtio on a q35 machine up to 2.6, whose compat
    properties keep the legacy interface even on a root port (checked on 9.0 with QEMU 7.2)."""
    device = driver.getparent()
    if device is None or first_child(device, "driver") is not driver or not qemu_driver(ctx):
        return None
    model = _virtio_model(device)
    if model is None or model == "virtio-non-transitional":
        return None
    address = first_child(device, "address")
    kind = address.get("type") if address is not None else None
    if address is not None and kind != "pci":
        return None  # (virtio-mmio, ccw: no legacy PCI interface; another address, or none: another check's)
    if model == "virtio":
        address_facts = facts(ctx)
        if not address_facts.platform.is_i440fx and not _legacy_q35(ctx):
            pci = address_facts.pci(address, device) if address in address_facts.pci_numbers else None
            if pci is None:
                return None  # (libvirt puts it on a PCI Express root port where the machine has them)
            if bus_model(address_facts, pci.bus, None) not in LEGACY_BUSES:
                return None
    return Problem(Anchor(driver, "iommu"), "VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor "
                   "transitional device" + QEMU_START,
                   hint="a transitional virtio device cannot use the IOMMU: use the model "
                        "virtio-non-transitional, or place it on a PCI Express root port (q35)")


@register
class VirtioModelBus(Rule):
    """
    ## What it does
    A disk `model` of `virtio`, `virtio-transitional` or
    `virtio-non-transitional` needs the disk on the `virtio` bus. For QEMU,
    a `virtio-transitional` or `virtio-non-transitional` model (of a disk,
    an interface's `<model type>`, a virtio-scsi or virtio-serial controller,
    a vhost-scsi hostdev, an RNG, a filesystem, a memballoon or a vsock) on
    a `virtio-mmio` or `ccw` address: transitional devices are PCI devices.
    For QEMU, `<driver iommu='on'>` on a virtio device QEMU builds with its
    legacy interface (virtio-blk, -net, -scsi, -serial, -rng, -balloon,
    -9p): one whose model is `virtio-transitional`, or plain `virtio` on an
    i440fx machine (all of its buses are conventional PCI) or with an address
    on a conventional PCI bus or the q35 root bus (a PCI Express root port
    leaves it modern only), or plain `virtio` anywhere on an upstream q35
    machine up to `pc-q35-2.6` (its compat properties keep the legacy
    interface).

    ## Why is this bad?
    libvirt refuses the domain: `disk model 'virtio-transitional' not
    supported for bus 'sata'`. The other case is refused at start (stage:
    start, QEMU driver): libvirt reports `virtio (non-)transitional models
    are not supported for address type=virtio-mmio`
    (qemuBuildVirtioDevGetConfig) but goes on, and QEMU refuses the device
    name it gets: `'virtio-blk-device-transitional' is not a valid device
    model name` (checked on libvirt 9.0; 10.7's code is the same). The IOMMU
    option is refused by QEMU at start (`VIRTIO_F_IOMMU_PLATFORM was
    supported by neither legacy nor transitional device`, virtio_device_plugged;
    checked on 9.0 with QEMU 7.2 for each of the seven devices on i440fx, as
    transitional models on q35, and on q35's root bus, a root port and a
    bridge).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' model='virtio-transitional'><target dev='sda' bus='sata'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' model='virtio-transitional'><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL803"
    name = "virtio-model-bus"
    severity = Severity.ERROR
    summary = ("A virtio disk model on a bus other than virtio, a (non-)transitional model off PCI, or an IOMMU "
               "option on a transitional virtio device.")
    #: the devices below (one visit for all of them), and the virtio drivers' iommu option
    elements = ("devices", *IOMMU_DRIVERS)
    uses_caps = False
    drivers = ALL_DRIVERS

    def screen(self, path: str) -> Screen | None:
        return ((("iommu", frozenset({None, "off"})),), None) if path != "devices" else None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path != "devices":
            problem = _iommu_on_legacy(element, ctx)
            return iter((problem,)) if problem is not None else NOTHING
        by_tag = children_by_tag(ctx, element)
        for disk in by_tag.get("disk", ()):
            model = disk.get("model")
            if model and model.startswith("virtio"):
                return self._problems(element, ctx)
        if not qemu_driver(ctx):
            return NOTHING
        by_kind = facts(ctx).by_kind  # (the devices' addresses by type, from the address facts' one pass)
        if not any(kind in by_kind for kind in NON_PCI):
            return NOTHING  # the common case: no device names a virtio disk model, none has an address off PCI
        return self._off_pci(by_kind)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """Disk models off the virtio bus, then (QEMU) transitional models off PCI."""
        for disk in children_by_tag(ctx, element).get("disk", ()):
            model = disk.get("model")
            if not model or not model.startswith("virtio"):
                continue
            bus = _disk_bus(disk)
            if bus and bus != "virtio":
                yield Problem(Anchor(disk, "model"), f"disk model '{model}' is not supported for bus '{bus}'",
                              hint="use bus='virtio', or remove the model")
        if qemu_driver(ctx):
            yield from self._off_pci(facts(ctx).by_kind)

    @staticmethod
    def _off_pci(by_kind: dict[str, list[tuple[etree._Element, etree._Element]]]) -> Iterator[Problem]:
        """The devices on a virtio-mmio or ccw address whose model is (non-)transitional."""
        for kind in NON_PCI:
            for device, _address in by_kind.get(kind, ()):
                if device.tag == "interface":
                    model_element = first_child(device, "model")
                    model = model_element.get("type") if model_element is not None else None
                else:
                    model = device.get("model") if device.tag in MODEL_HOLDERS else None
                if model not in TRANSITIONAL:
                    continue
                if device.tag == "disk" and (_disk_bus(device) or "virtio") != "virtio":
                    continue  # (refused for its bus first, above)
                problem = _transitional_off_pci(device, model)  # type: ignore[arg-type]
                if problem is not None:
                    yield problem


def _disk_bus(disk: etree._Element) -> str | None:
    target = disk.find("target")  # (libvirt reads a disk's first <target>)
    return target.get("bus") if target is not None else None
