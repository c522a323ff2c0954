"""VL704 address-type: an <address> type the device cannot have, or that this machine does not have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_uint, prop_uint
from virtlint.rules._addresses import X86, Facts, Platform, device_label, facts, is_usb_device, is_usb_hub
from virtlint.rules._chardev import console_made_serial, serial_type
from virtlint.rules._devices import (ISA_IRQ_HINT, ISA_IRQ_REFUSAL, ISA_IRQS, LIBVIRT_START, QEMU_START, qemu_driver,
                                     scanned)
from virtlint.rules import _net
from virtlint.rules._libvirt_enums import VIRTIO_MODELS
from virtlint.rules._support import first_child, parse_uuid

#: Disk buses whose disks take only drive addresses (virDomainDiskAddressDiskBusCompatibility).
DRIVE_BUSES = ("ide", "fdc", "scsi", "sata")
#: mdev model -> the address type it needs (virDomainHostdevDefPostParse).
MDEV_ADDRESS = {"vfio-pci": "pci", "vfio-ccw": "ccw"}
#: Host device type -> (address types it may have, libvirt's message) (virDomainHostdevDefValidate).
HOSTDEV_ADDRESS = {
    "pci": (("pci", "unassigned"), "PCI host devices must use 'pci' or 'unassigned' address type"),
    "scsi": (("drive",), "SCSI host device must use 'drive' address type"),
    "scsi_host": (("pci", "ccw"), "SCSI_host host device must use 'pci' or 'ccw' address type"),
    "usb": (("usb",), "USB host device must use 'usb' address type"),
}
#: Watchdog model -> (address types it may have, libvirt's message) (qemuValidateDomainWatchdogDef).
WATCHDOG_ADDRESS: dict[str, tuple[tuple[str, ...], str]] = {
    "i6300esb": (("pci",), "{model} model of watchdog can go only on PCI bus"),
    "ib700": ((), "{model} model of watchdog does not support configuring the address"),
    "diag288": ((), "{model} model of watchdog is virtual and cannot go on any bus."),
    "itco": ((), "{model} model of watchdog is part of the machine and cannot have any address set."),
}
#: Serial target type -> the address type it needs, None: no address at all (qemuValidateDomainChrTargetDef).
SERIAL_ADDRESS: dict[str, str | None] = {
    "isa-serial": "isa", "isa-debug": "isa", "usb-serial": "usb", "pci-serial": "pci",
    "spapr-vio-serial": "spapr-vio", "system-serial": None, "sclp-serial": None,
}


#: Address types no virtio transport has (qemuBuildVirtioDevGetConfig).
NOT_VIRTIO_TRANSPORTS = frozenset({"drive", "virtio-serial", "ccid", "usb", "spapr-vio", "isa", "dimm"})
VIRTIO_INPUTS = {"mouse": "virtio-mouse", "tablet": "virtio-tablet", "keyboard": "virtio-keyboard",
                 "passthrough": "virtio-input-host"}


def virtio_base_name(device: etree._Element, found: Facts) -> str | None:
    """The virtio device QEMU gets for this element (qemuBuildVirtioDevGetConfigDev), None if not virtio."""
    tag = device.tag
    if tag not in VIRTIO_TAGS:
        return None
    if tag == "disk":
        if found.disk_buses.get(device) != "virtio":
            return None
        return "vhost-user-blk" if device.get("type") == "vhostuser" else "virtio-blk"
    if tag == "interface":
        model_el = found.model_of.get(device)
        return "virtio-net" if model_el is not None and model_el.get("type") in VIRTIO_MODELS else None
    if tag == "rng":
        return "virtio-rng" if device.get("model") in VIRTIO_MODELS else None
    if tag == "memballoon":
        return "virtio-balloon" if device.get("model") in VIRTIO_MODELS else None
    if tag == "vsock":
        return "vhost-vsock"
    if tag == "input":
        return VIRTIO_INPUTS.get(device.get("type", "")) if device.get("bus") == "virtio" else None
    if tag == "filesystem":
        driver = device.find("driver")
        kind = driver.get("type") if driver is not None else None
        return "vhost-user-fs" if kind == "virtiofs" else "virtio-9p" if kind in (None, "path", "handle") else None
    if tag == "controller":
        type_ = device.get("type")
        if type_ == "virtio-serial":
            return "virtio-serial"
        if type_ == "scsi" and device.get("model") in ("virtio-scsi", "virtio-transitional",
                                                        "virtio-non-transitional"):
            return "virtio-scsi"
    if tag == "crypto" and device.get("model") == "virtio":
        return "virtio-crypto"
    return None


def virtio_video_name(video: etree._Element, platform: Platform) -> str | None:
    """The QEMU device of a virtio <video> (qemuDeviceVideoGetModel): the primary one is virtio-vga where the
    machine has VGA (x86), else virtio-gpu; with 3D acceleration the -gl one, with a vhost-user backend vhost-user-;
    None for another video model."""
    model = first_child(video, "model")
    if model is None or model.get("type") != "virtio":
        return None
    devices = video.getparent()
    first = next(devices.iterchildren("video"), None) if devices is not None else video
    primary = model.get("primary") == "yes" or first is video and not any(
        (m := first_child(v, "model")) is not None and m.get("primary") == "yes" for v in devices.iterchildren("video"))
    kind = "vga" if primary and platform.arch in X86 else "gpu"
    driver = first_child(video, "driver")
    if driver is not None and driver.get("name") == "vhostuser":
        return f"vhost-user-{kind}"
    acceleration = first_child(model, "acceleration")
    gl = acceleration is not None and acceleration.get("accel3d") == "yes"
    return f"virtio-{kind}" + ("-gl" if gl else "")


def non_pci_device(device: etree._Element, platform: Platform) -> str | None:
    """The QEMU device of an element that is no PCI device although libvirt takes a PCI address for it: an
    emulated TPM, a USB or ISA sound card, a CCID controller (checked on 9.0 with QEMU 7.2, q35, i440fx and ARM
    virt)."""
    tag = device.tag
    if tag == "tpm":
        model = device.get("model", "tpm-tis")
        if model == "tpm-tis":
            return "tpm-tis-device" if platform.is_arm_virt else "tpm-tis"
        return model if model == "tpm-crb" else None
    if tag == "sound":
        model = device.get("model")
        return "usb-audio" if model == "usb" else "sb16" if model == "sb16" else None
    if tag == "controller" and device.get("type") == "ccid":
        return "usb-ccid"
    return None


#: PCI controller models whose bus QEMU types PCIE (the others' is PCI)
PCIE_BUSES = frozenset({"pcie-root", "pcie-root-port", "pcie-switch-downstream-port", "pcie-switch-upstream-port",
                        "pcie-expander-bus"})


def _pci_bus_type(device: etree._Element, address: etree._Element, found: Facts) -> str:
    """QEMU's name for the type of the bus a PCI address names: PCIE on a PCI Express bus (q35's and ARM virt's
    root, a root port), PCI on i440fx's root and behind a PCI bridge; the machine's root's when the bus is unknown."""
    pci = found.pci(address, device)
    controller = found.pci_controller(pci.bus) if pci is not None and pci.bus else None
    model = controller.model if controller is not None and controller.model else found.platform.root_model
    return "PCIE" if model in PCIE_BUSES else "PCI"


#: Tags of the devices virtio_base_name names.
VIRTIO_TAGS = frozenset({"disk", "interface", "rng", "memballoon", "vsock", "input", "filesystem", "controller",
                         "crypto"})


#: the highest x86 I/O port, which QEMU's ISA devices take as their 16-bit ioport
ISA_PORT_MAX = 0xFFFF
#: Address type -> the property of QEMU's device libvirt sets from it (qemuBuildDeviceAddressProps): `iobase` (and
#: `irq` when not 0) from an isa address, `reg` from a spapr-vio one that has one, `slot` from a dimm one.
ADDRESS_PROPERTY = {"isa": "iobase", "spapr-vio": "reg", "dimm": "slot"}
#: The devices whose spapr-vio address libvirt gives a reg where none is written (qemuDomainAssignSpaprVIOAddresses)
SPAPR_VIO_ASSIGNED = frozenset({"interface", "controller", "serial", "nvram", "tpm"})
#: The QEMU devices of the devices judged by property_problem that have such a property.
HAS_PROPERTY = {"iobase": frozenset({"ne2k_isa", "sb16"}), "reg": frozenset({"spapr-vlan", "spapr-vscsi", "tpm-spapr"}),
                "slot": frozenset()}
#: NIC models libvirt passes QEMU as the device's name (qemuBuildNicDevProps; libvirt's virtio models are judged as
#: virtio): QEMU's network devices and pSeries' spapr-vlan
NIC_DEVICES = _net.QEMU_NICS_X86 | {"spapr-vlan"}
#: Sound model -> QEMU's device (qemuBuildSoundDevProps; the PC speaker is no -device, ich7 is not built there)
SOUND_DEVICES = {"es1370": "ES1370", "ac97": "AC97", "ich6": "intel-hda", "usb": "usb-audio",
                 "ich9": "ich9-intel-hda", "sb16": "sb16"}
#: TPM model -> QEMU's device, where the arch does not change it
TPM_DEVICES = {"tpm-crb": "tpm-crb", "tpm-spapr": "tpm-spapr"}
#: Controller model -> QEMU's device as QEMU names it in the refusal (libvirt's `lsi` and `ahci` are aliases)
CONTROLLER_DEVICES = {
    "lsilogic": "lsi53c895a", "lsisas1068": "mptsas1068", "lsisas1078": "megasas", "vmpvscsi": "pvscsi",
    "am53c974": "am53c974", "dc390": "dc390", "ibmvscsi": "spapr-vscsi",
    "qemu-xhci": "qemu-xhci", "nec-xhci": "nec-usb-xhci", "ich9-ehci1": "ich9-usb-ehci1",
    "ich9-uhci1": "ich9-usb-uhci1", "ich9-uhci2": "ich9-usb-uhci2", "ich9-uhci3": "ich9-usb-uhci3",
    "piix3-uhci": "piix3-usb-uhci", "piix4-uhci": "piix4-usb-uhci", "pci-ohci": "pci-ohci",
    "pci-bridge": "pci-bridge", "dmi-to-pci-bridge": "i82801b11-bridge", "pcie-root-port": "pcie-root-port",
    "pcie-switch-upstream-port": "x3130-upstream", "pcie-switch-downstream-port": "xio3130-downstream",
    "pci-expander-bus": "pxb", "pcie-expander-bus": "pxb-pcie", "pcie-to-pci-bridge": "pcie-pci-bridge",
}
#: Controller types (and the device a controller without a model gets) judged by property_problem: the ones always built
#: with -device (ide, fdc, virtio ones and the chipset's own are not; the machine's root has no address)
CONTROLLER_DEFAULT_DEVICE = {"sata": "ich9-ahci", "ccid": "usb-ccid", "scsi": None, "usb": None, "pci": None}


def property_device(device: etree._Element, found: Facts) -> str | None:
    """QEMU's device for a device libvirt builds with -device and its address's properties, as QEMU's refusal names
    it; '' where QEMU's name is not known here; None where the device is not judged."""
    tag = device.tag
    if tag == "interface":
        model = found.model_of.get(device)
        name = model.get("type") if model is not None else None
        # (a type='network' interface takes its actual type from the network: maybe a host device)
        return name if name in NIC_DEVICES and device.get("type") not in ("hostdev", "network") else None
    if tag == "sound":
        return SOUND_DEVICES.get(device.get("model", ""))
    if tag == "tpm":
        model = device.get("model")
        if model == "tpm-tis":
            return "tpm-tis-device" if found.platform.arch == "aarch64" else "tpm-tis"
        return TPM_DEVICES.get(model or "")
    if tag == "video":
        model = found.model_of.get(device)
        kind = model.get("type") if model is not None else None
        return {"cirrus": "cirrus-vga", "bochs": "bochs-display", "vga": "VGA", "vmvga": "vmware-svga"}.get(
            kind or "", "") if kind not in (None, "none", "ramfb", "virtio") else None
    if tag == "controller":
        kind = device.get("type")
        if kind not in CONTROLLER_DEFAULT_DEVICE:
            return None
        model = device.get("model")
        if kind == "pci" and model in (None, "pci-root", "pcie-root") or model in ("none", "virtio-scsi", "auto",
                                                                                  "virtio-transitional",
                                                                                  "virtio-non-transitional"):
            return None
        if model is None:
            return CONTROLLER_DEFAULT_DEVICE[kind] or None
        return CONTROLLER_DEVICES.get(model, "")
    return None


def property_problem(device: etree._Element, address: etree._Element, kind: str, found: Facts) -> Problem | None:
    """qemuBuildDeviceAddressProps, at start: libvirt gives the device the property its address type becomes,
    whatever the device (nothing at define checks the pair), and QEMU refuses a property its device lacks
    (`Property 'e1000.iobase' not found`; checked on 9.0 with QEMU 7.2 for NICs, sound cards, USB, SCSI, SATA, PCI
    and CCID controllers, video, TPMs; a parallel port's address is not used)."""
    prop = ADDRESS_PROPERTY.get(kind)
    if device.tag == "serial":
        # isa-debugcon has an iobase but no irq
        irq = address.get("irq")
        target = found.target_of.get(device)
        if kind != "isa" or target is None or target.get("type") != "isa-debug":
            return None
        if not prop_uint(irq, 16):
            return None  # (0 is none; a value libvirt cannot read is address_value's)
        return Problem(Anchor(address, "irq"), "Property 'isa-debugcon.irq' not found" + QEMU_START,
                       hint="the debug console port takes no IRQ: remove irq")
    if kind in BUS_ADDRESS:
        return _bus_problem(device, address, kind, found)
    if kind == "spapr-vio" and address.get("reg") is None and device.tag not in SPAPR_VIO_ASSIGNED:
        return None  # (no reg, so no property: QEMU places the device itself)
    name = property_device(device, found)
    if kind == "isa" and name in HAS_PROPERTY["iobase"]:
        # (libvirt passes a non-zero irq as the device's irq: QEMU's ISA bus has 16; checked on 9.0 with QEMU 7.2,
        # sb16 and ne2k_isa: '10' and '0x10' refused, 'f' started)
        irq = prop_uint(address.get("irq"), 16)
        if irq is not None and irq >= ISA_IRQS:
            return Problem(Anchor(address, "irq"), ISA_IRQ_REFUSAL, hint=ISA_IRQ_HINT)
        return None
    if name is None or prop is None or name in HAS_PROPERTY[prop]:
        return None
    refusal = f"Property '{name}.{prop}' not found" if name else \
        f"Property '{prop}' not found (QEMU's device for this <{device.tag}> has none)"
    return Problem(Anchor(address, "type"), refusal + QEMU_START,
                   hint=f"libvirt turns a {kind} address into the device's '{prop}' property: use type='pci' "
                        "or remove the <address>", replacements=("pci",))


#: Address type -> the bus libvirt puts the device on (qemuBuildDeviceAddressProps), as QEMU names its type
BUS_ADDRESS = {"usb": "usb-bus", "drive": "SCSI", "virtio-serial": "virtio-serial-bus"}
#: The QEMU devices of the devices judged by property_problem that go on a USB bus
USB_DEVICES = frozenset({"usb-net", "usb-audio", "usb-ccid"})


def _bus_problem(device: etree._Element, address: etree._Element, kind: str, found: Facts) -> Problem | None:
    """qemuBuildDeviceAddressProps, at start: a usb, drive or virtio-serial address puts any device on that bus
    (`bus=usb.0`), and QEMU refuses a device of another kind there (`Device 'e1000' can't go on usb-bus bus`);
    a drive address of a device that is not a disk names a SCSI controller (libvirt: `unable to find a SCSI
    controller for idx=0`). Checked on 9.0 with QEMU 7.2, q35 and i440fx."""
    name = property_device(device, found)
    if name is None or kind == "usb" and name in USB_DEVICES:
        return None
    try:
        index = int(address.get("controller" if kind != "usb" else "bus", "0"))
    except ValueError:
        return None  # (the parse checks' finding)
    on_bus = found.controllers_of({"usb": "usb", "drive": "scsi", "virtio-serial": "virtio-serial"}[kind])
    if kind == "drive" and not any(c.index == index for c in on_bus):
        return Problem(Anchor(address, "type"), f"unable to find a SCSI controller for idx={index}" + LIBVIRT_START,
                       hint="a drive address is for disks and SCSI host devices: use type='pci' or remove the "
                            "<address>", replacements=("pci",))
    if kind == "usb" and any(c.model == "none" for c in on_bus):
        return None  # (USB disabled: refused at define)
    if kind == "usb" and not any(c.index == index for c in on_bus) and (
            on_bus or index != 0 or found.platform.lacks_default_usb):  # (else libvirt adds USB controller 0)
        return Problem(Anchor(address, "type"), f"Could not find usb controller with index {index} required for "
                       "device" + LIBVIRT_START, hint="a usb address is for USB devices: use type='pci' or remove "
                       "the <address>", replacements=("pci",))
    if kind == "virtio-serial" and not any(c.index == index for c in on_bus):
        return None  # (no such controller: refused at define)
    bus = BUS_ADDRESS[kind]
    if name in ("pcie-root-port", "xio3130-downstream") and kind == "usb":
        refusal = "duplicate key 'port'" + LIBVIRT_START  # (the port's own property and the USB port)
    else:
        refusal = (f"Device '{name}' can't go on {bus} bus" if name and device.tag != "controller" else
                   f"QEMU's device for this <{device.tag}> cannot go on a {bus} bus") + QEMU_START
    return Problem(Anchor(address, "type"), refusal,
                   hint=f"a {kind} address puts the device on that bus: use type='pci' or remove the <address>",
                   replacements=("pci",))


#: Serial target type -> the address type libvirt assigns it (usb-serial: is_usb_device's; the others get none)
SERIAL_ASSIGNED = {"pci-serial": "pci", "spapr-vio-serial": "spapr-vio"}


def assigned_address_type(device: etree._Element, found: Facts) -> str | None:
    """The address type a device without an <address> gets from libvirt's post-parse assignment (drive addresses,
    qemuDomainAssignAddresses: USB, virtio-serial, PCI), for the kinds whose type is plain; None: none, or PCI."""
    if is_usb_device(device, found) or is_usb_hub(device):
        return "usb"  # (an input without a bus gets one by machine: not judged)
    tag = device.tag
    if tag == "disk":
        return "drive" if found.disk_buses.get(device) in DRIVE_BUSES else None
    if tag == "smartcard":
        return "ccid"
    if tag in ("channel", "console"):
        target = found.target_of.get(device)
        return "virtio-serial" if target is not None and target.get("type") == "virtio" else None
    if tag == "serial":
        target = found.target_of.get(device)
        return SERIAL_ASSIGNED.get(target.get("type", "")) if target is not None else None
    return None


def _acpi_index(acpi: etree._Element, device: etree._Element, found: Facts) -> Problem | None:
    """qemuValidateDomainDeviceInfo (define): an ACPI index on a device whose address, as written or as libvirt
    assigns it first, is neither PCI nor none (a SATA disk's drive address, a USB input's; checked on 9.0).
    Interfaces and host devices have their own checks (_net, hostdev_config)."""
    if device.tag in ("interface", "hostdev"):
        return None
    if not parse_uint(acpi.get("index")):
        return None  # (0 is none; a value libvirt cannot read is the parse checks')
    address = device.find("address")
    kind = address.get("type") if address is not None else assigned_address_type(device, found)
    if kind in (None, "pci") or address is not None and replaced_at_assignment(device, kind, found) and \
            device.tag == "controller":
        return None  # (a chipset controller's address becomes its PCI slot)
    return Problem(Anchor(acpi), "ACPI index is only supported for PCI devices",
                   hint="remove <acpi>: only a PCI device has an ACPI index")


#: QEMU's largest acpi-index (pci_qdev_realize: ONBOARD_INDEX_MAX, 16 * 1024 - 1)
ACPI_INDEX_MAX = 16383


def _acpi_index_range(acpi: etree._Element, device: etree._Element, found: Facts) -> Problem | None:
    """QEMU at start: a PCI device's acpi-index is at most 16383 (`acpi-index should be less or equal to 16383`;
    checked on 9.0 with QEMU 7.2). Only on a device whose address, written or assigned, is PCI: libvirt refuses
    another at define (above, _net, hostdev_config)."""
    index = parse_uint(acpi.get("index"))
    if index is None or index <= ACPI_INDEX_MAX or not _is_pci_device(device, found):
        return None
    return Problem(Anchor(acpi, "index"), f"acpi-index should be less or equal to {ACPI_INDEX_MAX}" + QEMU_START,
                   hint=f"an index from 1 to {ACPI_INDEX_MAX}")


def _is_pci_device(device: etree._Element, found: Facts) -> bool:
    """A device whose address is PCI, written or as libvirt assigns it on pc and q35."""
    address = device.find("address")
    if address is not None:
        return address.get("type") == "pci"
    return bool(found.platform.is_q35 or found.platform.is_i440fx) and _gets_pci_slot(device, found)


def _acpi_index_twice(acpi: etree._Element, device: etree._Element, found: Facts,
                      seen: dict[int, etree._Element]) -> Problem | None:
    """QEMU at start: two PCI devices of one acpi-index (pci_qdev_realize: `a PCI device with acpi-index = 3 already
    exist`; libvirt checks nothing; checked on 9.0 with QEMU 7.2: two NICs, a NIC and an RNG, on q35 and pc)."""
    index = parse_uint(acpi.get("index"))
    if not index or index > ACPI_INDEX_MAX or not _is_pci_device(device, found):
        return None
    if index not in seen:
        seen[index] = device
        return None
    return Problem(Anchor(acpi, "index"), f"a PCI device with acpi-index = {index} already exist" + QEMU_START,
                   hint=f"{device_label(seen[index])} has acpi index {index}: give each device its own")


#: NIC models that are PCI devices on x86 (an interface of another model, or of type hostdev, is not judged)
_PCI_NIC_MODELS = frozenset(("virtio", "virtio-transitional", "virtio-non-transitional", "e1000", "e1000e", "igb",
                             "rtl8139", "vmxnet3"))


def _gets_pci_slot(device: etree._Element, found: Facts) -> bool:
    """Whether libvirt certainly gives this address-less device a PCI slot on a PC machine: a virtio disk, a NIC of
    a PCI model, a virtio RNG, a PCI host device (the kinds an ACPI index is written on; others are not judged)."""
    if device.tag == "disk":
        return found.disk_buses.get(device) == "virtio"
    if device.tag == "interface":
        model = device.find("model")
        return device.get("type") != "hostdev" and model is not None and model.get("type") in _PCI_NIC_MODELS
    if device.tag == "rng":
        return device.get("model") == "virtio"
    return device.tag == "hostdev" and device.get("type") == "pci"


#: Tags _for_device or virtio_base_name look at; for any other device only the address types in
#: _MACHINE_TYPES can be reported (and only from the type and the machine).
_DEVICE_TAGS = VIRTIO_TAGS | {"hostdev", "input", "redirdev", "smartcard", "serial", "console", "panic", "watchdog",
                              "iommu", "sound", "video", "tpm"}
_MACHINE_TYPES = frozenset({"unassigned", "ccw", "virtio-s390", "pci"})
#: The address types judged here on a device whose address libvirt may replace (replaced_at_assignment): the
#: others are not judged on such devices, and virtio-s390 the parser refuses before any assignment.
_REPLACED_TYPES = frozenset({"unassigned", "ccw", "pci"})




def replaced_at_assignment(device: etree._Element, kind: str, found: Facts) -> bool:
    """Whether libvirt gives this device an address of its own in place of the one written, whatever its type:
    its address assignment (qemuDomainAssignAddresses) ends post-parse, before validation looks at the type.

    - a virtio channel's, when not virtio-serial: a port of the virtio-serial controller
      (qemuDomainAssignVirtioSerialAddresses; a console's is only reserved, not replaced);
    - a USB hub's, when not USB: a USB port (qemuDomainAssignUSBHubs);
    - on pc, the first IDE controller's and the first USB controller's of model piix3-uhci (or none), on q35
      the first SATA controller's, when not PCI: the chipset's own slot (qemuDomainValidateDevicePCISlotsPIIX3,
      ...Q35; a PCI address elsewhere is refused there).

    Checked with the real libvirt 9.0 (virsh define of each, with a ccw, unassigned, isa and pci address, and
    of their twins, a guestfwd channel, a console, a second controller, which keep theirs); 10.7's code does the
    same."""
    tag = device.tag
    if tag == "channel":
        target = found.target_of.get(device)
        return kind != "virtio-serial" and target is not None and target.get("type") == "virtio"
    if tag == "hub":
        return kind != "usb" and device.get("type") == "usb"
    if tag != "controller" or kind == "pci":
        return False
    platform = found.platform
    controller = found.controller_of(device)
    if controller is None or controller.index != 0:
        return False
    if platform.is_i440fx:
        return controller.type == "ide" or controller.type == "usb" and controller.model in (None, "piix3-uhci")
    return platform.is_q35 and controller.type == "sata"


@register
class AddressType(Rule):
    """
    ## What it does
    Reports an `<address>` whose `type` the device or the machine cannot use:

    - a disk on the `ide`, `fdc`, `scsi` or `sata` bus with an address that
      is not `drive`; a `usb` disk with one that is not `usb`;
    - a mediated device (`<hostdev type='mdev'>`) of model `vfio-pci` with an
      address that is not `pci`, of model `vfio-ccw` with one that is not
      `ccw`;
    - a PCI host device with an address that is not `pci` or `unassigned`, a
      SCSI one with one that is not `drive`, a `scsi_host` (vhost-scsi) one
      with one that is neither `pci` nor `ccw`, a USB one with one that is
      not `usb`; `unassigned` on anything but a host device;
    - a USB input or redirected device with an address that is not `usb`;
    - a mediated device whose `<source><address>` lacks the `uuid` naming it
      (or has one that is not a UUID);
    - a smartcard with an address that is not `ccid`;
    - a serial port whose target type needs another address type
      (`isa-serial` and `isa-debug`: `isa`, `usb-serial`: `usb`,
      `pci-serial`: `pci`, `spapr-vio-serial`: `spapr-vio`), or one of type
      `system-serial` or `sclp-serial` with any address;
    - an `intel` or `smmuv3` IOMMU with any address;
    - a panic device of model `s390`, `hyperv` or `pseries` with any address,
      an `isa` one (the default off pSeries and s390) with one that is not
      `isa`, a `pvpanic` one with one that is not `pci`; at start, an `isa`
      panic's `iobase` above 0xffff (`Parameter 'ioport' expects uint16_t`,
      QEMU; checked on 9.0 with QEMU 7.2);
    - an `i6300esb` watchdog with an address that is not `pci`; an `ib700`,
      `diag288` or `itco` watchdog with any address;
    - a virtio device (disk, interface, balloon, RNG, vsock, input,
      filesystem, virtio-serial or virtio-scsi controller, crypto) with an
      address no virtio transport has (`drive`, `usb`, `isa`, `spapr-vio`,
      `virtio-serial`, `ccid`, `dimm`): libvirt refuses it when it builds the
      QEMU command line at start; on `pc` and `q35` also `virtio-mmio`, a
      transport these machines lack (QEMU refuses at start);
    - a `ccw` address on a machine other than `s390-ccw-virtio`, a `<zpci>`
      address extension off s390, a `virtio-s390` address anywhere;
    - at start (QEMU), an `isa`, `dimm` or `spapr-vio` address on a NIC,
      sound card, USB, SCSI, SATA, PCI or CCID controller, video device or
      TPM whose QEMU device lacks the property libvirt makes of it (`iobase`,
      `slot`, `reg`): every one but the `ne2k_isa` NIC and the `sb16` sound
      card (which have an `iobase`) and the sPAPR VIO devices (which have a
      `reg`); a spapr-vio address without `reg` only where libvirt assigns
      one (NICs, controllers, TPMs); and an `irq` on an `isa-debug` serial
      port's ISA address (`isa-debugcon` has none);
    - at start, a `usb`, `drive` or `virtio-serial` address on those devices
      (a `usb` one only where the device is no USB device: not `usb-net`,
      the `usb` sound card, a CCID controller): libvirt puts the device on
      that bus and QEMU refuses it there (or libvirt finds no SCSI or USB
      controller of the address's index);
    - an `<acpi index>` on a device whose address, as written or as libvirt
      assigns it before validating (a SATA or USB disk's, a USB input's, a
      redirected device's, a virtio channel's), is neither PCI nor none.

    Not reported: the address of a virtio channel, of a USB hub, and of the
    chipset's own controllers (on `pc` the first IDE controller and the
    first `piix3-uhci` USB controller, on `q35` the first SATA controller)
    when it is not PCI: libvirt's address assignment replaces it with one of
    its own before it validates the type (checked with libvirt 9.0; 10.7's
    code does the same), so a `ccw` or `unassigned` address there is
    accepted.

    Devices the modelled libvirt does not parse are left out: `<crypto>`
    before libvirt 9.1 (9.0 drops the element).

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `Invalid address type 'pci'
    for the disk 'sda' with the bus type 'sata'` (`virDomainDiskDefValidate`),
    `unexpected address type for usb disk` (`qemuValidateDomainDeviceDefDisk`),
    `Invalid address for a USB device` (`virDomainInputDefParseXML`),
    `Unsupported address type 'drive' with mediated device model 'vfio-pci'`
    (`virDomainHostdevDefPostParse`), `SCSI_host host device must use 'pci' or
    'ccw' address type`, `USB host device must use 'usb' address type`
    (`virDomainHostdevDefValidate`), `Controllers must use the 'ccid' address
    type` (`virDomainSmartcardDefValidate`), `iommu model 'intel' can't have
    address`, `Target type 'pci-serial' requires address type 'pci'`
    (`qemuValidateDomainChrTargetDef`), `setting the panic device address is
    not supported for model 'pseries'`, `pvpanic is supported only with PCI
    address type` (`qemuValidateDomainDefPanic`), `itco model of watchdog is
    part of the machine and cannot have any address set.`
    (`qemuValidateDomainWatchdogDef`), at define `virtio disk cannot have an
    address of type 'drive'` (qemuDomainAssignPCIAddresses, machines with PCI),
    at start `Unexpected address type for
    'virtio-balloon'` (`qemuBuildVirtioDevGetConfig`, also for a virtio video:
    `'virtio-vga'` when primary on x86, else `'virtio-gpu'`; a primary virtio
    video on microvm with a virtio-mmio address is still virtio-vga, which
    QEMU refuses there at start, `No 'PCI' bus found for device
    'virtio-vga'`, checked on 9.0; the `pvpanic` panic and `itco`
    watchdog models are newer than libvirt 9.0, which refuses them as
    unknown models); `CCW addresses are not supported by machine type
    'pc'`, `This QEMU binary doesn't support zPCI`, `'virtio-s390' addresses
    are no longer supported` (`qemuValidateDomainDeviceDefAddress`); at
    start, QEMU's `Device 'tpm-tis' can't go on PCIE bus` (a PCI address on
    an emulated TPM, a USB or sb16 sound card or a CCID controller, on q35,
    i440fx and ARM virt; QEMU names the bus's type, `PCI` on i440fx's root
    and behind a PCI bridge; checked on 9.0), an ISA address whose irq (read
    in hexadecimal) is 0x10 or more on the sb16 sound card or the ne2k_isa
    NIC (`isa_get_irq: Assertion 'isairq < ISA_NUM_IRQS' failed`: QEMU
    aborts; checked on 9.0 with QEMU 7.2), `Property 'e1000.iobase' not found`, `Property
    'qemu-xhci.slot' not found`, `Property 'isa-debugcon.irq' not found`,
    `Device 'e1000' can't go on usb-bus bus`, and libvirt's `unable to find a
    SCSI controller for idx=0`, `Could not find usb controller with index 1
    required for device` (libvirt's `qemuBuildDeviceAddressProps` sets the
    property or bus whatever the device; checked on 9.0 with QEMU 7.2 on q35
    and i440fx); at define, `ACPI index is only supported for PCI devices`
    (`qemuValidateDomainDeviceInfo`); at start, QEMU's bound on a PCI
    device's ACPI index on a PC machine (`acpi-index should be less or equal
    to 16383`, pci_qdev_realize; an explicit PCI address, a virtio disk, a
    NIC of a PCI model, a virtio RNG, a PCI host device; checked on 9.0 with
    QEMU 7.2) and two such devices of one index (`a PCI device with
    acpi-index = 3 already exist`; libvirt checks nothing). libvirt 9.0 words the CCW refusal
    `cannot use CCW address type for device '...'
    using machine type 'pc-q35-7.2'`; the others read the same in 9.0 and
    10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='sda' bus='sata'/>
        <address type='pci' bus='0x00' slot='0x05' function='0x0'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='sda' bus='sata'/>
        <address type='drive' controller='0' bus='0' target='0' unit='0'/></disk></devices></domain>
    ```
    """

    code = "VL704"
    name = "address-type"
    severity = Severity.ERROR
    summary = "An address type the device or the machine cannot use."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        platform = found.platform
        qemu = qemu_driver(ctx)
        for device in found.mdevs:
            problem = self._mdev_source(device)
            if problem:
                yield problem
        if qemu:
            indexes: dict[int, etree._Element] = {}
            for acpi in scanned(ctx, "acpi"):  # (the walk's scan: <os><acpi> and <features><acpi> are not devices')
                device = acpi.getparent()
                if device is not None and device.getparent() is element:
                    problem = _acpi_index(acpi, device, found) or _acpi_index_range(acpi, device, found) or \
                        _acpi_index_twice(acpi, device, found, indexes)
                    if problem:
                        yield problem
        for device, address, kind in found.addressed:
            if not kind or kind not in _MACHINE_TYPES and device.tag not in _DEVICE_TAGS:
                continue  # (a channel's virtio-serial address and the like: nothing to check)
            if kind in _REPLACED_TYPES and replaced_at_assignment(device, kind, found):
                continue
            problem = self._for_device(device, address, kind, found, ctx)
            if problem:
                yield problem
                continue
            if kind == "pci" and qemu and (platform.is_q35 or platform.is_arm_virt or platform.is_i440fx):
                name = non_pci_device(device, platform)
                if name is not None:
                    # (libvirt writes the PCI address as bus and addr properties; QEMU's device is not a PCI one,
                    # and QEMU names the bus's type: PCIE for a PCI Express bus, else PCI)
                    bus_type = _pci_bus_type(device, address, found)
                    yield Problem(Anchor(address, "type"), f"Device '{name}' can't go on {bus_type} bus" + QEMU_START,
                                  hint="remove the <address>: the device is not a PCI device")
                    continue
            if kind in NOT_VIRTIO_TRANSPORTS or kind == "virtio-mmio":
                base = virtio_base_name(device, found)
            else:
                base = None
            if base is None and kind in NOT_VIRTIO_TRANSPORTS and device.tag == "video" and qemu:
                name = virtio_video_name(device, platform)
                if name is not None:
                    yield Problem(Anchor(address, "type"), f"Unexpected address type for '{name}'" + LIBVIRT_START,
                                  hint="a virtio video device sits on PCI: use type='pci' or drop the <address>",
                                  replacements=("pci",))
                    continue
            if kind == "virtio-mmio" and device.tag == "video" and qemu and platform.machine == "microvm":
                name = virtio_video_name(device, platform)
                if name is not None and "-vga" in name:
                    # (libvirt writes the primary virtio video as virtio-vga, a PCI device, whatever its address;
                    # microvm has no PCI bus: QEMU, at start, checked on 9.0)
                    yield Problem(Anchor(address, "type"), f"No 'PCI' bus found for device '{name}'" + QEMU_START,
                                  hint="microvm has no PCI bus for the primary virtio video (virtio-vga): use a "
                                       "machine with PCI, or no video")
                    continue
            if base and kind in NOT_VIRTIO_TRANSPORTS:
                # qemuDomainAssignPCIAddresses refuses a virtio disk first, at define, on a machine with PCI
                message = (f"virtio disk cannot have an address of type '{kind}'"
                           if device.tag == "disk" and platform.has_pci_map
                           else f"Unexpected address type for '{base}' (libvirt, at start)")
                yield Problem(Anchor(address, "type"), message,
                              hint="a virtio device sits on PCI (or CCW on s390, virtio-mmio on ARM virt): "
                                   "use type='pci' or drop the <address>", replacements=("pci",))
                continue
            if base and kind == "virtio-mmio" and (platform.is_i440fx or platform.is_q35):
                yield Problem(Anchor(address, "type"),
                              f"No 'virtio-bus' bus found for device '{base}-device' (QEMU, at start)",
                              hint="pc and q35 machines have no virtio-mmio transport: use type='pci'",
                              replacements=("pci",))
                continue
            if (kind in ADDRESS_PROPERTY or kind in BUS_ADDRESS) and not base and qemu and \
                    not replaced_at_assignment(device, kind, found):
                problem = property_problem(device, address, kind, found)
                if problem:
                    yield problem
                    continue
            if kind == "ccw" and platform.arch is not None and not platform.is_s390:
                machine = platform.machine or platform.arch
                yield Problem(Anchor(address, "type"), f"CCW addresses are not supported by machine type '{machine}'",
                              hint="remove the <address> (libvirt assigns a PCI one) or use type='pci'")
            elif kind == "virtio-s390":
                yield Problem(Anchor(address, "type"), "'virtio-s390' addresses are no longer supported",
                              hint="use type='ccw'")
            elif kind == "pci" and platform.arch is not None and not platform.is_s390:
                zpci = found.zpci(address)
                if zpci is not None and (zpci.get("uid") is not None or zpci.get("fid") is not None):
                    yield Problem(Anchor(zpci), "This QEMU binary doesn't support zPCI",
                                  hint="zPCI exists on s390 only: remove <zpci>")

    @staticmethod
    def _panic(device: etree._Element, address: etree._Element, kind: str, platform: Platform) -> Problem | None:
        """qemuValidateDomainDefPanic; a panic without a model gets pseries, s390 or isa by machine."""
        model = device.get("model")
        if model is None:
            if platform.arch is None:
                return None
            model = "pseries" if platform.is_pseries else "s390" if platform.is_s390 else "isa"
        if model in ("s390", "hyperv", "pseries"):
            return Problem(Anchor(address), f"setting the panic device address is not supported for model '{model}'",
                           hint="remove the <address>: the machine or hypervisor provides this panic device")
        if model == "isa" and kind != "isa":
            return Problem(Anchor(address, "type"), "panic is supported only with ISA address type",
                           hint="use <address type='isa' iobase='0x505'/> or none", replacements=("isa",))
        if model == "pvpanic" and kind != "pci":
            return Problem(Anchor(address, "type"), "pvpanic is supported only with PCI address type",
                           hint="use a PCI address or none", replacements=("pci",))
        if model == "isa":
            # (at start: libvirt gives QEMU's pvpanic the iobase, read as 32 bits, as its 16-bit ioport; checked on
            # 9.0 with QEMU 7.2, q35 and i440fx: 0xffff starts)
            iobase = prop_uint(address.get("iobase"), 16)
            if iobase is not None and iobase > ISA_PORT_MAX:
                return Problem(Anchor(address, "iobase"), f"Parameter 'ioport' expects uint16_t (iobase "
                               f"0x{iobase:x} is beyond the ISA I/O ports)" + QEMU_START,
                               hint="use an I/O port up to 0xffff (0x505 is the usual one), or no iobase",
                               replacements=("0x505",))
        return None

    @staticmethod
    def _mdev_source(device: etree._Element) -> Problem | None:
        """A mediated device is named by its UUID: <source><address uuid='...'/>.

        (virDomainHostdevSubsysMediatedDevDefParseXML)
        """
        source = device.find("source/address")
        if source is None:
            anchor = device.find("source")
            return Problem(Anchor(anchor if anchor is not None else device), "Missing <address> element",
                           hint="add <source><address uuid='...'/></source> naming the mediated device")
        uuid = source.get("uuid")
        if uuid is None:
            return Problem(Anchor(source), "Missing 'uuid' attribute for element <address>",
                           hint="a mediated device is named by its UUID: <address uuid='...'/>")
        if parse_uuid(uuid) is None:  # (virUUIDParse: a '-' or blank between two hex pairs only)
            return Problem(Anchor(source, "uuid"), "Cannot parse uuid attribute of element <address>",
                           hint="use the mdev's UUID, e.g. c2177883-f1bb-47f0-914d-32a22e3a8804")
        return None

    def _for_device(self, device: etree._Element, address: etree._Element, kind: str, found: Facts,
                    ctx: Context) -> Problem | None:
        """(The found facts and ctx are passed, not kept on the rule: kept, they would hold the last document.)"""
        tag = device.tag
        if tag == "disk":
            bus = found.disk_buses[device]
            if bus in DRIVE_BUSES and kind != "drive":
                target = found.target_of.get(device)
                name = target.get("dev") if target is not None else "?"
                return Problem(Anchor(address, "type"),
                               f"Invalid address type '{kind}' for the disk '{name}' with the bus type '{bus}'",
                               hint="use <address type='drive' .../> or remove the <address>",
                               replacements=("drive",))
            if bus == "usb" and kind != "usb":
                return Problem(Anchor(address, "type"), "unexpected address type for usb disk",
                               hint="use <address type='usb' .../> or remove the <address>", replacements=("usb",))
        elif tag == "hostdev" and device.get("mode", "subsystem") == "subsystem":
            if device.get("type") == "mdev":
                model = device.get("model")
                wanted = MDEV_ADDRESS.get(model or "")
                if wanted and kind != wanted:
                    return Problem(Anchor(address, "type"),
                                   f"Unsupported address type '{kind}' with mediated device model '{model}'",
                                   hint=f"use type='{wanted}'", replacements=(wanted,))
            elif device.get("type") in HOSTDEV_ADDRESS:
                allowed, message = HOSTDEV_ADDRESS[device.get("type", "")]
                if kind not in allowed:
                    return Problem(Anchor(address, "type"), message, hint=f"use type='{allowed[0]}'",
                                   replacements=allowed)
        elif tag in ("input", "redirdev") and kind != "usb" and device.get("bus") == "usb":
            return Problem(Anchor(address, "type"), "Invalid address for a USB device",
                           hint="use <address type='usb' .../> or remove the <address>", replacements=("usb",))
        elif tag == "smartcard" and kind != "ccid":
            return Problem(Anchor(address, "type"), "Controllers must use the 'ccid' address type",
                           hint="use type='ccid'", replacements=("ccid",))
        elif tag == "serial" or tag == "console" and console_made_serial(device):
            target = found.target_of.get(device) if tag == "serial" else None
            target_type = target.get("type") if target is not None else None
            if qemu_driver(ctx):
                target_type = serial_type(target_type, ctx)  # (a console's serial has none)
            if target_type in SERIAL_ADDRESS:
                wanted = SERIAL_ADDRESS[target_type]
                if wanted is None:
                    return Problem(Anchor(address), f"Target type '{target_type}' cannot have an associated address",
                                   hint="remove the <address>")
                if kind != wanted:
                    return Problem(Anchor(address, "type"),
                                   f"Target type '{target_type}' requires address type '{wanted}'",
                                   hint=f"use type='{wanted}'", replacements=(wanted,))
        elif tag == "panic":
            return self._panic(device, address, kind, found.platform)
        elif tag == "watchdog" and device.get("model") in WATCHDOG_ADDRESS:
            model = device.get("model", "")
            allowed, message = WATCHDOG_ADDRESS[model]
            if kind not in allowed:
                return Problem(Anchor(address), message.format(model=model),
                               hint="remove the <address>" if not allowed else "use type='pci' or no <address>")
        elif tag == "iommu" and device.get("model") in ("intel", "smmuv3"):
            return Problem(Anchor(address), f"iommu model '{device.get('model')}' can't have address",
                           hint="remove the <address>")
        if kind == "unassigned" and tag != "hostdev":
            return Problem(Anchor(address, "type"), "address of type 'unassigned' is supported only for hostdevs")
        return None
