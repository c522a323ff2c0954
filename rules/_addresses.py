"""Whole-document device address and controller facts, built once per document.

The address and controller rules (VL700-VL749) share one pass over
``<devices>``: the controllers by type and index, every device's
``<address>`` parsed the way libvirt parses it, and the PCI, USB, drive,
virtio-serial, CCW, zPCI and spapr-vio maps libvirt builds when it assigns
addresses (``qemu_domain_address.c``, ``domain_addr.c``). Each map records
the conflicts libvirt would report; the rules only turn them into problems.
The PCI map includes the controllers libvirt adds for the bus numbers the
document names but does not define (``_auto_buses``). Two checks walk the
devices again, only on the documents that need it: an isapc machine's
missing PCI bus, and the USB port assignment when a USB address leaves its
port to libvirt or the addresses given leave no port free.

Facts libvirt decides from things the document does not say (a default
machine, a default USB controller model on an arch whose QEMU decides it)
are left unknown, and the checks that need them stay silent.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.model import Anchor, Context, Problem
from virtlint.linter.units import parse_int, prop_uint
from virtlint.rules._libvirt_enums import MISSING, UINT_MESSAGE

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

# -- machines ---------------------------------------------------------------

X86 = ("x86_64", "i686")
PPC64 = ("ppc64", "ppc64le")
ARM = ("aarch64", "armv7l", "armv6l")


class Platform(FrozenRecord):
    arch: str | None
    machine: str | None

    __slots__ = ("arch", "machine")
    _fields = __slots__

    def __init__(self, arch: str | None, machine: str | None) -> None:
        _set(self, "arch", arch)
        _set(self, "machine", machine)

    @property
    def is_q35(self) -> bool:
        return self.arch in X86 and self.machine is not None and (
            self.machine == "q35" or self.machine.startswith("pc-q35-"))

    @property
    def is_i440fx(self) -> bool:
        m = self.machine
        return self.arch in X86 and m is not None and (
            m == "pc" or m.startswith(("pc-0.", "pc-1.", "pc-i440fx-", "rhel")))

    @property
    def is_arm_virt(self) -> bool:
        return self.arch in ARM and self.machine is not None and (
            self.machine == "virt" or self.machine.startswith("virt-"))

    @property
    def is_pseries(self) -> bool:
        return self.arch in PPC64 and self.machine is not None and (
            self.machine == "pseries" or self.machine.startswith("pseries-"))

    @property
    def is_riscv_virt(self) -> bool:
        return self.arch in ("riscv64", "riscv32") and self.machine is not None and (
            self.machine == "virt" or self.machine.startswith("virt-"))

    @property
    def is_s390(self) -> bool:
        return self.arch in ("s390x", "s390")

    @property
    def root_model(self) -> str | None:
        """The model libvirt insists on for PCI controller 0 (qemuDomainDefAddDefaultDevices), None: no rule."""
        if self.machine is None:
            return None
        if self.is_q35 or self.is_arm_virt or self.is_riscv_virt or self.arch == "loongarch64":
            return "pcie-root"
        if self.is_i440fx or self.arch in PPC64 or self.arch in ("alpha", "ppc", "sh4", "sh4eb", "sparc64"):
            return "pci-root"
        if self.arch in ARM and self.machine == "versatilepb":
            return "pci-root"
        return None

    @property
    def lacks_default_usb(self) -> bool:
        """Machines to which libvirt adds no USB controller (qemuDomainDefAddDefaultDevices)."""
        if self.machine is None:
            return False
        if self.arch in ARM:
            return not (self.machine == "versatilepb" or self.machine.startswith("realview"))
        return (self.arch in ("riscv32", "riscv64", "loongarch64") or self.is_s390
                or (self.arch in X86 and self.machine == "isapc"))

    @property
    def has_pci_map(self) -> bool:
        """Machines on which libvirt builds the PCI address set we model."""
        return self.is_q35 or self.is_i440fx or self.is_arm_virt or self.is_pseries or self.is_riscv_virt


class KnownPlatform(Platform):
    """A Platform whose machine facts are worked out once: the address facts share one per arch and machine,
    and every rule reads these flags, so they are plain attributes here, not properties."""

    is_q35: bool
    is_i440fx: bool
    is_arm_virt: bool
    is_pseries: bool
    is_riscv_virt: bool
    is_s390: bool
    root_model: str | None
    lacks_default_usb: bool
    has_pci_map: bool

    __slots__ = ("is_q35", "is_i440fx", "is_arm_virt", "is_pseries", "is_riscv_virt", "is_s390", "root_model",
                 "lacks_default_usb", "has_pci_map")

    def __init__(self, arch: str | None, machine: str | None) -> None:
        super().__init__(arch, machine)
        plain = Platform(arch, machine)
        for name in KnownPlatform.__slots__:
            _set(self, name, getattr(plain, name))


#: arch and machine -> their KnownPlatform (a handful per fleet)
_PLATFORMS: dict[tuple[str | None, str | None], KnownPlatform] = {}


def known_platform(arch: str | None, machine: str | None) -> KnownPlatform:
    key = (arch, machine)
    found = _PLATFORMS.get(key)
    if found is None:
        if len(_PLATFORMS) > 1024:  # bounded: odd documents must not grow it for ever
            _PLATFORMS.clear()
        found = _PLATFORMS[key] = KnownPlatform(arch, machine)
    return found


# -- addresses --------------------------------------------------------------


def pci_text(domain: int, bus: int, slot: int, function: int) -> str:
    """virPCIDeviceAddressAsString."""
    return f"{domain:04x}:{bus:02x}:{slot:02x}.{function}"


class PciAddress(Record):
    element: etree._Element
    device: etree._Element
    domain: int
    bus: int
    slot: int
    function: int

    __slots__ = ("element", "device", "domain", "bus", "slot", "function")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        device: etree._Element,
        domain: int,
        bus: int,
        slot: int,
        function: int,
    ) -> None:
        self.element = element
        self.device = device
        self.domain = domain
        self.bus = bus
        self.slot = slot
        self.function = function

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.domain, self.bus, self.slot, self.function)

    @property
    def text(self) -> str:
        return pci_text(*self.key)

    @property
    def present(self) -> bool:
        """virDeviceInfoPCIAddressIsPresent: all-zero domain/bus/slot means 'assign one'."""
        return bool(self.domain or self.bus or self.slot)


#: domain, bus, slot, function of a PCI address
PciNumbers = tuple[int, int, int, int]

def int_attr(text: str | None) -> int | None:
    """parse_int, with a short way for the usual plain digits."""
    if text is not None and text.isascii() and text.isdigit():
        value = int(text)
        return value if value < 2**31 else None
    return parse_int(text)


@lru_cache(maxsize=4096)  # address numbers ("0", "1"...) repeat within and across documents
def uint10(text: str | None) -> int | None:
    """prop_uint(text, 10), with a short way for the usual plain digits."""
    if text is not None and text.isascii() and text.isdigit():
        number = int(text)
        return number if number <= 0xFFFFFFFF else None
    return prop_uint(text, 10)


@lru_cache(maxsize=4096)  # PCI address numbers repeat ("0x00", "0x01") within and across documents
def _uint0(text: str) -> int | None:
    """prop_uint(text, 0)."""
    return prop_uint(text, 0)


def pci_numbers(address: etree._Element) -> PciNumbers | None:
    """The address's domain, bus, slot and function as libvirt parses them; None if one does not parse."""
    get = address.get
    domain = _uint0(get("domain", "0"))
    bus = _uint0(get("bus", "0"))
    slot = _uint0(get("slot", "0"))
    function = _uint0(get("function", "0"))
    if domain is None or bus is None or slot is None or function is None:
        return None
    return domain, bus, slot, function


def read_pci(address: etree._Element, device: etree._Element, numbers: PciNumbers | None) -> PciAddress | None:
    """The address (its ``pci_numbers``) if all its numbers parse and lie in range (else the range rule speaks)."""
    if numbers is None:
        return None
    domain, bus, slot, function = numbers
    if (domain or bus or slot) and (bus > 0xFF or slot > 0x1F or function > 7):
        return None
    return PciAddress(address, device, domain, bus, slot, function)


def pci_range_error(numbers: PciNumbers | None) -> tuple[str, str] | None:
    """(attribute, libvirt's message) for a PCI address (its ``pci_numbers``) virPCIDeviceAddressIsValid refuses."""
    if numbers is None:
        return None
    domain, bus, slot, function = numbers
    if not (domain or bus or slot):
        return None
    if bus > 0xFF:
        return "bus", f"Invalid PCI address bus='{bus:#x}', must be <= 0xFF"
    if slot > 0x1F:
        return "slot", f"Invalid PCI address slot='{slot:#x}', must be <= 0x1F"
    if function > 7:
        return "function", f"Invalid PCI address function={function:#x}, must be <= 7"
    return None


#: what a number of each base looks like, for the hints
BASE_WORDS = {0: "a number (decimal, 0x hexadecimal or 0 octal)", 10: "a decimal number",
              16: "a hexadecimal number (with or without 0x)"}


def number_problem(element: etree._Element, attribute: str, base: int, bits: int, required: bool) -> Problem | None:
    """virXMLPropUInt / virXMLPropULongLong (``bits=64``) in ``base``: a missing required attribute, or one that
    does not read."""
    raw = element.get(attribute)
    if raw is None:
        if required:
            return Problem(Anchor(element), MISSING.format(attribute=attribute, element=element.tag),
                           hint=f"add {attribute}='0' ({BASE_WORDS[base]})")
        return None
    if prop_uint(raw, base, bits) is None:
        return Problem(Anchor(element, attribute),
                       UINT_MESSAGE.format(attribute=attribute, element=element.tag, value=raw),
                       hint=f"{attribute} is {BASE_WORDS[base]}")
    return None


def source_pci_problem(address: etree._Element) -> Problem | None:
    """virPCIDeviceAddressParseXML on a source's PCI address (a host device's, an NVMe disk's): each number must
    read, and a non-empty address (domain, bus or slot not 0) pass virPCIDeviceAddressIsValid (the domain has no
    limit)."""
    for attribute in ("domain", "bus", "slot", "function"):
        problem = number_problem(address, attribute, 0, 32, False)
        if problem is not None:
            return problem
    refused = pci_range_error(pci_numbers(address))
    if refused is not None:
        attribute, message = refused
        return Problem(Anchor(address, attribute), message, hint="bus <= 0xFF, slot <= 0x1F, function <= 7")
    return None


class DriveAddress(Record):
    element: etree._Element
    device: etree._Element
    controller: int
    bus: int
    target: int
    unit: int
    derived: bool  # assigned by libvirt from the target name (virDomainDiskDefAssignAddress)

    __slots__ = ("element", "device", "controller", "bus", "target", "unit", "derived")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        device: etree._Element,
        controller: int,
        bus: int,
        target: int,
        unit: int,
        derived: bool = False,
    ) -> None:
        self.element = element
        self.device = device
        self.controller = controller
        self.bus = bus
        self.target = target
        self.unit = unit
        self.derived = derived

    @property
    def key(self) -> tuple[int, int, int, int]:
        return (self.controller, self.bus, self.target, self.unit)


def read_drive(address: etree._Element, device: etree._Element) -> DriveAddress | None:
    get = address.get
    controller = uint10(get("controller", "0"))
    bus = uint10(get("bus", "0"))
    target = uint10(get("target", "0"))
    unit = uint10(get("unit", "0"))
    if controller is None or bus is None or target is None or unit is None:
        return None
    return DriveAddress(address, device, controller, bus, target, unit)


def disk_name_index(name: str) -> int | None:
    """virDiskNameToIndex: 'sda' -> 0, 'hdc' -> 2, 'sdaa' -> 26; None for a name libvirt cannot map."""
    for prefix in ("fd", "hd", "vd", "sd", "xvd", "ubd"):
        if name.startswith(prefix):
            rest = name[len(prefix):]
            break
    else:
        return None
    index = 0
    letters = 0
    for char in rest:
        if not ("a" <= char <= "z"):
            break
        index = (index + (1 if letters else 0)) * 26 + (ord(char) - ord("a"))
        letters += 1
    tail = rest[letters:]
    if not letters or (tail and not tail.isdigit()):
        return None
    return index


#: Target-name prefix -> the bus libvirt gives a disk without <target bus> (virDomainDiskDefPostParse).
DISK_BUS_BY_PREFIX = (("hd", "ide"), ("sd", "scsi"), ("vd", "virtio"), ("xvd", "xen"), ("ubd", "uml"), ("fd", "fdc"))


def disk_bus(disk: etree._Element) -> str | None:
    """The disk's bus: its target's bus attribute, else what libvirt derives from the target name."""
    return disk_bus_of(disk, disk.find("target"))


def disk_bus_of(disk: etree._Element, target: etree._Element | None) -> str | None:
    """``disk_bus`` given the disk's (first) <target>."""
    if target is None:
        return None
    bus = target.get("bus")
    if bus:
        return bus
    if disk.get("device") == "floppy":
        return "fdc"
    dev = target.get("dev") or ""
    for prefix, bus in DISK_BUS_BY_PREFIX:
        if dev.startswith(prefix):
            return bus
    return None


#: Buses whose disks libvirt gives a drive address from the target name.
DERIVED_DRIVE_BUSES = ("scsi", "ide", "sata", "fdc")


def derived_drive(disk: etree._Element, target: etree._Element | None, bus: str) -> DriveAddress | None:
    """The drive address libvirt gives a disk without <address> (QEMU: narrow SCSI, 7 units per controller)."""
    if target is None or bus not in DERIVED_DRIVE_BUSES:
        return None
    index = disk_name_index(target.get("dev") or "")
    if index is None:
        return None
    if bus == "scsi":
        return DriveAddress(target, disk, index // 7, 0, 0, index % 7, True)
    if bus == "ide":
        return DriveAddress(target, disk, index // 4, (index % 4) // 2, 0, index % 2, True)
    if bus == "sata":
        return DriveAddress(target, disk, index // 6, 0, 0, index % 6, True)
    return DriveAddress(target, disk, index // 2, 0, 0, index % 2, True)  # fdc


def parse_usb_port(text: str) -> tuple[int, ...] | None:
    """virDomainDeviceUSBAddressParsePort: up to four dotted decimal numbers, each read by virStrToLong_uip (blanks
    and a '+' before it taken); None if libvirt cannot parse it."""
    if text.isascii() and text.isdigit():
        return (int(text),)
    parts = text.split(".")
    numbers = [prop_uint(part, 10) for part in parts]
    if len(parts) > 4 or None in numbers:
        return None
    return tuple(number for number in numbers if number is not None)


# -- controllers -----------------------------------------------------------


class Controller(Record):
    element: etree._Element
    type: str
    index: int | None  # None: absent (libvirt picks one) or unparseable
    model: str | None
    address: etree._Element | None  # its first <address>, <target>, <model> and <master> children
    target: etree._Element | None
    model_element: etree._Element | None
    master: etree._Element | None  # a USB controller's (None for other types)

    __slots__ = ("element", "type", "index", "model", "address", "target", "model_element", "master")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        type: str,
        index: int | None,
        model: str | None,
        address: etree._Element | None = None,
        target: etree._Element | None = None,
        model_element: etree._Element | None = None,
        master: etree._Element | None = None,
    ) -> None:
        self.element = element
        self.type = type
        self.index = index
        self.model = model
        self.address = address
        self.target = target
        self.model_element = model_element
        self.master = master


#: USB controller model -> ports libvirt counts for it (virDomainUSBAddressControllerModelToPorts).
USB_PORTS: dict[str, int] = {
    "piix3-uhci": 2, "piix4-uhci": 2, "vt82c686b-uhci": 2,
    "ehci": 6, "ich9-ehci1": 6,
    "ich9-uhci1": 0, "ich9-uhci2": 0, "ich9-uhci3": 0,
    "pci-ohci": 3,
    "nec-xhci": 4, "qemu-xhci": 4,
    "none": 0,
}
XHCI_MODELS = ("nec-xhci", "qemu-xhci")
#: ICH9 UHCI companions: they share their EHCI master's bus and have no ports of their own
USB_COMPANIONS = ("ich9-uhci1", "ich9-uhci2", "ich9-uhci3")
XHCI_MAX_PORTS = 15
USB_HUB_PORTS = 8

def is_usb_device(device: etree._Element, facts_: Facts) -> bool:
    """A device libvirt puts on the USB bus (virDomainDeviceIsUSB), hubs aside."""
    tag = device.tag
    if tag == "disk":
        return facts_.disk_buses.get(device) == "usb"
    if tag == "hostdev":
        return device.get("mode", "subsystem") == "subsystem" and device.get("type") == "usb"
    if tag == "interface":
        model = facts_.model_of.get(device)
        return model is not None and model.get("type") == "usb-net"
    if tag == "controller":
        return device.get("type") == "ccid"
    if tag == "input":
        bus = device.get("bus")
        if bus is not None:
            return bus == "usb"
        # (the parser's default bus: a tablet's is USB, a mouse's and a keyboard's PS/2 on x86 and USB elsewhere;
        # checked on 9.0, ARM virt and q35)
        kind = device.get("type")
        arch = facts_.platform.arch
        return kind == "tablet" or kind in ("mouse", "keyboard") and arch is not None and arch not in X86
    if tag == "serial":
        target = facts_.target_of.get(device)
        return target is not None and target.get("type") == "usb-serial"
    if tag == "sound":
        return device.get("model") == "usb"
    if tag == "redirdev":
        return device.get("bus") == "usb"
    if tag == "filesystem":
        driver = device.find("driver")
        return driver is not None and driver.get("type") == "mtp"
    return False


def is_usb_hub(device: etree._Element) -> bool:
    return device.tag == "hub" and device.get("type") == "usb"


class UsbHub(Record):
    """A USB controller's root hub or a <hub>: its port count, its ports taken, the hubs on its ports."""

    ports: int | None  # None: unknown (a default model on an arch whose QEMU picks it)
    taken: set[int]
    hubs: dict[int, "UsbHub"]

    __slots__ = ("ports", "taken", "hubs")
    _fields = __slots__

    def __init__(
        self,
        ports: int | None,
        taken: set[int] | None = None,
        hubs: dict[int, "UsbHub"] | None = None,
    ) -> None:
        self.ports = ports
        self.taken = set() if taken is None else taken
        self.hubs = {} if hubs is None else hubs


class Refusal(Record):
    """A refusal found while building the maps: where, libvirt's message, a hint."""

    element: etree._Element
    attribute: str | None
    message: str
    hint: str | None

    __slots__ = ("element", "attribute", "message", "hint")
    _fields = __slots__

    def __init__(self, element: etree._Element, attribute: str | None, message: str, hint: str | None = None) -> None:
        self.element = element
        self.attribute = attribute
        self.message = message
        self.hint = hint


#: (device, its first <address>) pairs in document order
Addressed = list[tuple[etree._Element, etree._Element]]


class Facts(Record):
    """What the address rules read of <devices>, each part found once, and the maps' refusals.

    The ``*_of`` dicts map an element (a device, a controller's <target>, an <address>) to its first child of
    that name, what ``element.find(name)`` returns; the facts keep the key proxies alive, so lookups by the
    elements the facts hand out find them.
    """

    platform: Platform
    root: etree._Element
    devices_element: etree._Element | None
    controllers: list[Controller]
    by_type: dict[str, list[Controller]]  # controllers by type, in document order
    address_of: dict[etree._Element, etree._Element]
    target_of: dict[etree._Element, etree._Element]
    model_of: dict[etree._Element, etree._Element]
    addressed: list[tuple[etree._Element, etree._Element, str | None]]  # devices with an <address>, its type
    by_kind: dict[str, Addressed]  # the same by address type
    pci_numbers: dict[etree._Element, PciNumbers | None]  # each type='pci' <address>'s numbers
    disk_buses: dict[etree._Element, str | None]  # every disk, in document order: its bus
    disk_drives: dict[etree._Element, DriveAddress | None]  # disks with a bus and a drive or no address
    unaddressed_disks: list[etree._Element]
    mdevs: list[etree._Element]  # <hostdev type='mdev'>
    #: each controller's second <target> or <model> (virDomainControllerDefParseXML refuses them), if any
    repeated_controller_parts: list[etree._Element]
    pci_conflicts: list[Refusal]
    pci_placement: list[Refusal]
    #: an i440fx pci-root whose every slot a device takes (2 to 0x1f): a pci-bridge libvirt places finds no slot there
    pci_root_full: bool
    #: the PCI controllers libvirt adds for buses addresses name (_auto_buses), and the PCI addresses judged
    #: (set on machines with a PCI map)
    auto_buses: dict[int, str] | None
    pci_list: list[PciAddress]
    usb: list[Refusal]
    drive: list[Refusal]
    virtio_serial: list[Refusal]
    s390: list[Refusal]
    spapr_vio: list[Refusal]
    _numa_cells: int | None

    __slots__ = (
        "platform",
        "root",
        "devices_element",
        "controllers",
        "by_type",
        "address_of",
        "target_of",
        "model_of",
        "addressed",
        "by_kind",
        "pci_numbers",
        "disk_buses",
        "disk_drives",
        "unaddressed_disks",
        "mdevs",
        "repeated_controller_parts",
        "pci_conflicts",
        "pci_placement",
        "pci_root_full",
        "auto_buses",
        "pci_list",
        "usb",
        "drive",
        "virtio_serial",
        "s390",
        "spapr_vio",
        "_numa_cells",
    )
    _fields = ("platform", "root", "devices_element")

    def __init__(self, platform: Platform, root: etree._Element, devices_element: etree._Element | None) -> None:
        self.platform = platform
        self.root = root
        self.devices_element = devices_element
        self.controllers = []
        self.by_type = {}
        self.address_of = {}
        self.target_of = {}
        self.repeated_controller_parts = []
        self.model_of = {}
        self.addressed = []
        self.by_kind = {}
        self.pci_numbers = {}
        self.disk_buses = {}
        self.disk_drives = {}
        self.unaddressed_disks = []
        self.mdevs = []
        self.pci_conflicts = []
        self.pci_placement = []
        self.pci_root_full = False
        self.auto_buses = None
        self.pci_list = []
        self.usb = []
        self.drive = []
        self.virtio_serial = []
        self.s390 = []
        self.spapr_vio = []
        self._numa_cells = None

    def devices(self, ctx: Context) -> list[etree._Element]:
        """Every device: the children of <devices> the modelled libvirt parses as devices with an address."""
        if self.devices_element is None:
            return []
        return [device for device in self.devices_element.iterchildren(etree.Element) if _counts(ctx, device.tag)]

    def controllers_of(self, type_: str) -> list[Controller]:
        """The controllers of a type, in document order (a shared list: do not change it)."""
        return self.by_type.get(type_, [])

    def pci_controller(self, index: int) -> Controller | None:
        for c in self.by_type.get("pci", ()):
            if c.index == index:
                return c
        return None

    def controller_of(self, element: etree._Element, type_: str | None = None) -> Controller | None:
        """The record of a <controller> element (among those of ``type_`` when given: fewer to look through)."""
        candidates = self.controllers if type_ is None else self.by_type.get(type_, ())
        return next((c for c in candidates if c.element is element), None)

    @property
    def numa_cells(self) -> int:
        """How many <cpu><numa><cell> the domain defines (counted on first use: few documents need it)."""
        if self._numa_cells is None:
            self._numa_cells = len(self.root.findall("cpu/numa/cell"))
        return self._numa_cells

    @staticmethod
    def zpci(address: etree._Element) -> etree._Element | None:
        """An <address>'s <zpci> (len first: an address seldom has children, and ``find`` costs)."""
        return address.find("zpci") if len(address) else None

    def pci(self, address: etree._Element, device: etree._Element) -> PciAddress | None:
        """``read_pci`` of a type='pci' <address> of a device."""
        return read_pci(address, device, self.pci_numbers[address])


def facts(ctx: Context) -> Facts:
    """The document's address facts, computed on first use and shared by every rule."""
    found = ctx.memo.get("addresses")
    if found is None:
        found = ctx.once("addresses", lambda: _build(ctx))
    return found  # type: ignore[return-value]


#: Elements below <devices> that are not devices with an address of their own.
NOT_DEVICES = frozenset({"emulator", "graphics", "audio", "lease"})

#: <devices> children every modelled libvirt parses as devices (tags seen, bounded): no version to ask
_ALWAYS_PARSED: set[str] = set()


def _counts(ctx: Context, tag: str) -> bool:
    """Whether a <devices> child of this tag is a device here."""
    if tag in _ALWAYS_PARSED:
        return True
    if tag in NOT_DEVICES:
        return False
    from virtlint.rules._devices import DEVICE_SINCE, device_parsed  # here: _devices imports this module

    if tag in DEVICE_SINCE:
        return device_parsed(ctx, tag)
    if len(_ALWAYS_PARSED) < 1024:  # bounded: odd documents must not grow it for ever
        _ALWAYS_PARSED.add(tag)
    return True


#: int_attr by a controller's index text: a handful of texts ("0", "1"...) repeat within and across documents
_controller_index = lru_cache(maxsize=4096)(int_attr)


#: The <devices> children _build looks at beyond their <address>, <target> and <model>
WALKED_TAGS = ("disk", "controller", "hostdev")
#: Devices whose <address> (and the rest of the device info) libvirt does not read with model='none': the
#: memballoon and the USB controller (virDomainMemballoonDefParseXML, virDomainControllerDefParseXML)
_INFO_UNREAD_WITHOUT_MODEL = ("memballoon", "controller")


def _build(ctx: Context) -> Facts:
    root = ctx.root
    # ctx.arch and ctx.machine are <os><type>'s arch and machine (linter/identity.Identity.of)
    platform = known_platform(ctx.arch or ctx.caps.arch, ctx.machine)
    devices_el = next(root.iterchildren("devices"), None)  # the first, as find("devices")
    result = Facts(platform, root, devices_el)
    if devices_el is None:
        return result
    address_of = result.address_of
    target_of = result.target_of
    model_of = result.model_of
    addressed = result.addressed
    by_kind = result.by_kind
    pci_numbers_of = result.pci_numbers
    # one walk files each such element below <devices> under its parent, the first of a name only: deeper ones
    # (a hostdev's <source><address>, a <target><model>) under parents nobody looks up
    for part in devices_el.iter("address", "target", "model"):
        device = part.getparent()
        tag = part.tag
        if tag == "target" or tag == "model":
            first_of = target_of if tag == "target" else model_of
            if device not in first_of:
                first_of[device] = part
            elif device.tag == "controller" and device.getparent() is devices_el:
                result.repeated_controller_parts.append(part)
        elif device not in address_of:  # (a second <address> is not the device's)
            device_tag = device.tag
            if device_tag in _INFO_UNREAD_WITHOUT_MODEL and device.get("model") == "none" and (
                    device_tag == "memballoon" or device.get("type") == "usb"):
                continue  # libvirt does not read its device info ("Ignoring device address for none model")
            address_of[device] = part
            if device.getparent() is devices_el and (device_tag in _ALWAYS_PARSED or _counts(ctx, device_tag)):
                kind = part.get("type")
                addressed.append((device, part, kind))
                if kind is not None:
                    if kind in by_kind:
                        by_kind[kind].append((device, part))
                    else:
                        by_kind[kind] = [(device, part)]
                    if kind == "pci":
                        pci_numbers_of[part] = pci_numbers(part)
    controllers = result.controllers
    unindexed: list[Controller] = []
    disk_buses = result.disk_buses
    walked: tuple[str, ...]
    if _ALWAYS_PARSED.issuperset(WALKED_TAGS):  # (after the first document)
        walked = WALKED_TAGS
    else:
        walked = tuple(tag for tag in WALKED_TAGS if _counts(ctx, tag))
    by_type = result.by_type
    # lxml's tag filter: no proxy is made for the other children
    for device in devices_el.iterchildren(*walked) if walked else ():
        tag = device.tag
        address = address_of.get(device)
        if tag == "disk":
            target = target_of.get(device)
            # (disk_bus_of, its usual <target bus> read here)
            bus = target.get("bus") if target is not None else None
            if not bus:
                bus = disk_bus_of(device, target)
            disk_buses[device] = bus
            if address is None:
                result.unaddressed_disks.append(device)
                if bus is not None:
                    # (derived_drive: None off the buses it derives)
                    result.disk_drives[device] = (derived_drive(device, target, bus) if bus in DERIVED_DRIVE_BUSES
                                                  else None)
            elif bus is not None and address.get("type") == "drive":
                result.disk_drives[device] = read_drive(address, device)
        elif tag == "controller":
            index_text = device.get("index")
            index = None if index_text is None else _controller_index(index_text)
            # no type: virXMLPropEnum leaves 0, VIR_DOMAIN_CONTROLLER_TYPE_IDE
            type_ = device.get("type", "ide")
            c = Controller(device, type_, index, device.get("model"), address, target_of.get(device),
                           model_of.get(device), device.find("master") if type_ == "usb" and len(device) else None)
            controllers.append(c)
            if index_text is None:
                unindexed.append(c)
            if type_ in by_type:
                by_type[type_].append(c)
            else:
                by_type[type_] = [c]
        elif device.get("type") == "mdev":
            result.mdevs.append(device)
    if unindexed:
        _assign_indexes(controllers, unindexed)
    if platform.has_pci_map:
        _pci_map(result, ctx)
    elif platform.arch in X86 and platform.machine in NO_PCI_ROOT_X86:
        _no_pci_buses(result, ctx)
    _usb_map(result, ctx)
    _drive_map(result)
    _virtio_serial_map(result)
    _s390_maps(result)
    _spapr_vio_map(result)
    return result


USB2_MODELS = ("ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3")


def _assign_indexes(controllers: list[Controller], unindexed: list[Controller]) -> None:
    """Controllers without `index` (unindexed, in order) get the lowest free one of their type
    (virDomainAssignControllerIndexes).

    USB2 companions without an index may join the previous controller's; those stay unknown (None).
    """
    for c in unindexed:
        if c.type == "usb" and c.model in USB2_MODELS:
            continue
        taken = {o.index for o in controllers if o.type == c.type and o.index is not None}
        index = 0
        while index in taken:
            index += 1
        c.index = index


def _addressed(facts_: Facts, type_: str) -> Addressed:
    """The devices with an <address> of this type, the console aside (the console libvirt copies from the
    first serial shares its info)."""
    return [(device, address) for device, address in facts_.by_kind.get(type_, ()) if device.tag != "console"]


def device_label(device: etree._Element) -> str:
    """'<interface>' or '<controller type='usb' index='0'>' for messages."""
    if device.tag == "controller":
        return f"<controller type='{device.get('type')}' index='{device.get('index', '?')}'>"
    return f"<{device.tag}> (line {device.sourceline})"


# -- PCI --------------------------------------------------------------------

# Connection types (domain_addr.h VIR_PCI_CONNECT_TYPE_*), by name.
PCI_DEVICE, PCIE_DEVICE = "standard PCI device", "PCI Express device"
ENDPOINTS = frozenset({PCI_DEVICE, PCIE_DEVICE})

#: What a controller model's bus accepts, and its slot range (virDomainPCIAddressBusSetModel).
PCI_BUSES: dict[str, tuple[frozenset[str], int, int]] = {
    "pci-root": (frozenset({PCI_DEVICE, "pci-bridge", "pci-expander-bus"}), 1, 31),
    "pci-bridge": (frozenset({PCI_DEVICE, "pci-bridge"}), 1, 31),
    "pci-expander-bus": (frozenset({PCI_DEVICE, "pci-bridge"}), 0, 31),
    "pcie-root": (frozenset({PCIE_DEVICE, "pcie-root-port", "dmi-to-pci-bridge", "pcie-expander-bus"}), 1, 31),
    "dmi-to-pci-bridge": (frozenset({PCI_DEVICE, "pci-bridge"}), 0, 31),
    "pcie-to-pci-bridge": (frozenset({PCI_DEVICE, "pci-bridge"}), 1, 31),
    "pcie-root-port": (frozenset({PCIE_DEVICE, "pcie-switch-upstream-port", "pcie-to-pci-bridge"}), 0, 0),
    "pcie-switch-downstream-port": (frozenset({PCIE_DEVICE, "pcie-switch-upstream-port", "pcie-to-pci-bridge"}), 0, 0),
    "pcie-switch-upstream-port": (frozenset({"pcie-switch-downstream-port"}), 0, 31),
    "pcie-expander-bus": (frozenset({"pcie-root-port", "dmi-to-pci-bridge"}), 0, 31),
}

#: PCI controllers that plug into another bus: their connection type is their model.
PLUGGED_PCI_CONTROLLERS = frozenset(PCI_BUSES) - {"pci-root", "pcie-root"}


def bus_model(facts_: Facts, bus: int, auto: dict[int, str] | None) -> str | None:
    """The model of a bus: its controller's, the machine's root, or the one libvirt adds (``auto``); None: unknown."""
    controller = facts_.pci_controller(bus)
    root = facts_.platform.root_model if bus == 0 else None
    if controller is not None and controller.model:
        # An index-0 controller that is not the machine's root is refused first (qemuDomainDefAddDefaultDevices,
        # VL709), before any address is assigned: the devices on bus 0 are judged against the root it must be
        return root if root is not None and controller.model != root else controller.model
    if root is None and controller is None and auto is not None:
        return auto.get(bus)
    return root


#: PCI_BUSES' accepted connections as judged for an address from the config: a PCI slot takes a PCIe device
#: and vice versa
_CONFIG_BUS_TYPES = {model: types | ENDPOINTS if types & ENDPOINTS else types
                     for model, (types, _, _) in PCI_BUSES.items()}


def _accepts(bus_types: frozenset[str], device: etree._Element) -> tuple[bool, str]:
    """virDomainPCIAddressFlagsCompatible for an address from the config (bus_types from _CONFIG_BUS_TYPES):
    (accepted, connection wanted)."""
    if device.tag == "controller" and device.get("type") == "pci" and device.get("model") in PLUGGED_PCI_CONTROLLERS:
        wanted = device.get("model", "")
        if wanted == "pci-bridge":
            return bool(bus_types & {"pci-bridge", PCI_DEVICE}), wanted
        return wanted in bus_types, wanted
    return not bus_types.isdisjoint(ENDPOINTS), "standard PCI device or PCI Express device"


def _pci_map(facts_: Facts, ctx: Context) -> None:
    if "pci" not in facts_.by_kind:
        # no PCI address to place or to collide with the chipset's: only unaddressed controllers can fail
        _root_port_capacity(facts_, ctx)
        _unplaceable_controllers(facts_)
        return
    platform = facts_.platform
    used: dict[tuple[int, int, int, int], str] = {}  # key -> the chipset part holding it ('' for a device)
    holders: dict[tuple[int, int, int, int], PciAddress] = {}

    def reserve_user(pci: PciAddress) -> None:
        key = (pci.domain, pci.bus, pci.slot, pci.function)
        if key in used:
            other = holders.get(key)
            facts_.pci_conflicts.append(Refusal(
                pci.element, None, f"Attempted double use of PCI Address {pci.text}",
                f"{device_label(other.device) if other else used[key]} already uses it; "
                "give this device a free slot or drop its <address> so libvirt assigns one"))
            return
        used[key] = ""  # the holder names it
        holders[key] = pci

    def reserve_chipset(key: tuple[int, int, int, int], what: str) -> None:
        pci = holders.get(key)
        if pci is not None:
            facts_.pci_conflicts.append(Refusal(
                pci.element, None, f"Attempted double use of PCI Address {pci.text}",
                f"on this machine type {what} always sits at {pci.text}; move this device elsewhere"))
        used[key] = what

    usb0 = [c for c in facts_.controllers_of("usb") if c.index == 0]
    ide0 = [c for c in facts_.controllers_of("ide") if c.index == 0]
    sata0 = [c for c in facts_.controllers_of("sata") if c.index == 0]
    skipped: set[int] = set()  # ids of devices whose address libvirt leaves out of the collection (PIIX3)
    for c in ide0 + usb0:
        _piix3_function(facts_, c, skipped)

    pcis: list[PciAddress] = []
    pci_numbers = facts_.pci_numbers
    for device, address in facts_.by_kind.get("pci", ()):
        if device.tag == "console":  # the console libvirt copies from the first serial shares its info
            continue
        pci = read_pci(address, device, pci_numbers[address])
        if pci is None or not (pci.domain or pci.bus or pci.slot) or id(device) in skipped:
            continue
        pcis.append(pci)
    if platform.is_i440fx:
        root_slots = {pci.slot for pci in pcis if pci.domain == 0 and pci.bus == 0}
        free = len(set(I440FX_ROOT_SLOTS) - root_slots)
        # (qemuDomainValidateDevicePCISlotsPIIX3 gives an unaddressed primary video slot 2, or the next free one,
        # before any bridge: checked on 9.0, an explicit or graphics-implied one)
        facts_.pci_root_full = free == 0 or free == 1 and _unaddressed_primary_video(facts_)
    auto = _auto_buses(facts_, pcis) if pcis else None
    facts_.auto_buses, facts_.pci_list = auto, pcis
    _root_port_capacity(facts_, ctx)
    if auto and facts_.pci_root_full:
        _bridge_without_slot(facts_, pcis, auto)
    elif facts_.pci_root_full:
        _device_without_slot(facts_)
    for pci in pcis:
        if pci.domain != 0:
            facts_.pci_placement.append(Refusal(
                pci.element, "domain", f"Invalid PCI address {pci.text}. Only PCI domain 0 is available",
                "use domain='0x0000'"))
            continue
        reserve_user(pci)
        _check_placement(facts_, pci, auto)

    if pcis:
        _multifunction(facts_, pcis)
    _unplaceable_controllers(facts_)
    if platform.is_i440fx:
        disks_ide = any(bus == "ide" for bus in facts_.disk_buses.values())
        for c in ide0:
            if _explicit_pci_elsewhere(facts_, c, (0, 0, 1, 1)):
                facts_.pci_placement.append(Refusal(
                    c.address, None, "Primary IDE controller must have PCI address 0:0:1.1",  # type: ignore[arg-type]
                    "remove its <address> or set slot='0x01' function='0x1'"))
        if ide0 or disks_ide:
            reserve_chipset((0, 0, 1, 1), "the PIIX3 IDE controller")
        elif (0, 0, 1, 1) in holders:  # libvirt lets it pass, but QEMU's pc machine always has piix3-ide there
            pci = holders[(0, 0, 1, 1)]
            facts_.pci_conflicts.append(Refusal(
                pci.element, None,
                "PCI: slot 1 function 1 not available for this device, in use by piix3-ide (QEMU, at start)",
                "a pc machine always has its IDE controller at 00:01.1; move this device elsewhere"))
        for c in usb0:
            if c.model is None or c.model == "piix3-uhci":
                if _explicit_pci_elsewhere(facts_, c, (0, 0, 1, 2)):
                    facts_.pci_placement.append(Refusal(
                        c.address, None,  # type: ignore[arg-type]
                        "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2",
                        "remove its <address> or set slot='0x01' function='0x2'"))
                reserve_chipset((0, 0, 1, 2), "the PIIX3 USB controller")
        if not usb0:  # libvirt adds the default USB controller, a PIIX3 UHCI at 00:01.2
            reserve_chipset((0, 0, 1, 2), "the PIIX3 USB controller libvirt adds by default")
        reserve_chipset((0, 0, 1, 0), "the PIIX3 ISA bridge")
        reserve_chipset((0, 0, 1, 3), "the PIIX3 power management bridge")
    elif platform.is_q35:
        for c in sata0:
            if _explicit_pci_elsewhere(facts_, c, (0, 0, 0x1F, 2)):
                facts_.pci_placement.append(Refusal(
                    c.address, None, "Primary SATA controller must have PCI address 0:0:1f.2",  # type: ignore[arg-type]
                    "remove its <address> or set slot='0x1f' function='0x2'"))
        reserve_chipset((0, 0, 0x1F, 0), "the ICH9 LPC/ISA bridge")
        reserve_chipset((0, 0, 0x1F, 3), "the ICH9 SMBus controller")
        explicit_sata0 = any(c.address is not None and c.address.get("type") == "pci" for c in sata0)
        if not explicit_sata0:  # the first SATA controller (always present on q35) is put at 00:1f.2
            reserve_chipset((0, 0, 0x1F, 2), "the ICH9 SATA controller")


NO_PCI_BUSES = "No PCI buses available"
#: x86 machines to which libvirt adds no PCI root (qemuDomainDefAddDefaultDevices: only q35 and i440fx get one;
#: checked on 9.0 with QEMU 7.2; QEMU's other x86 machines, none and the Xen ones, are not judged)
NO_PCI_ROOT_X86 = frozenset(("isapc", "microvm"))


def _no_pci_buses(facts_: Facts, ctx: Context) -> None:
    """An isapc or microvm machine: libvirt adds no PCI root, so, unless the document
    defines a PCI controller, the PCI address set has no bus, and every PCI address from the config
    (virDomainPCIAddressValidate) and every device libvirt gives one (qemuDomainAssignDevicePCISlots,
    virDomainPCIAddressGetNextAddr) is refused, the USB controller it adds to every such machine but isapc
    (qemuDomainDefAddDefaultDevices: the PIIX3 UHCI, a PCI device) included. The PIIX3's own IDE and USB functions
    at 0:0:1.1 and 0:0:1.2 are left out."""
    if facts_.controllers_of("pci"):
        return  # (a PCI controller gives the set its buses)
    no_pci = f"a{'n' if facts_.platform.machine == 'isapc' else ''} {facts_.platform.machine} machine has no PCI bus"
    refusals = facts_.pci_placement
    skipped: set[int] = set()
    for c in facts_.controllers:
        if c.index == 0 and c.type in ("ide", "usb"):
            _piix3_function(facts_, c, skipped)
    pci_numbers = facts_.pci_numbers
    for device, address in facts_.by_kind.get("pci", ()):
        if device.tag == "console" or id(device) in skipped:
            continue
        pci = read_pci(address, device, pci_numbers[address])
        if pci is not None and pci.present:
            refusals.append(Refusal(address, None, NO_PCI_BUSES,
                                    f"{no_pci}: remove the device, or use a pc or q35 machine"))
    # the devices that want a PCI address, and libvirt's implicit ones
    controllers = {id(c.element): c for c in facts_.controllers}
    defined = {(c.type, c.index) for c in facts_.controllers}
    implicit: dict[str, int] = {}  # controller type -> the highest index its disks or host devices name
    memballoon = video = False
    for device in facts_.devices(ctx):
        tag = device.tag
        if tag == "memballoon":
            memballoon = True
        elif tag == "video":
            video = True
        elif tag == "disk" or tag == "hostdev" and device.get("type") == "scsi":
            bus = "scsi" if tag == "hostdev" else facts_.disk_buses.get(device)
            if bus in ("scsi", "sata"):
                drive = facts_.disk_drives.get(device) if tag == "disk" else None
                if tag == "hostdev":
                    address = facts_.address_of.get(device)
                    number = uint10(address.get("controller", "0")) if address is not None else 0
                else:
                    number = drive.controller if drive is not None else None
                if number is not None and number > implicit.get(bus, -1):
                    implicit[bus] = number
        address = facts_.address_of.get(device)
        if address is not None:
            if address.get("type") != "pci":
                continue
            numbers = pci_numbers.get(address)
            if numbers is None or any(numbers[:3]):
                continue  # (given, or unreadable)
        if _wants_pci_slot(facts_, device, controllers.get(id(device))):
            refusals.append(Refusal(device, None, NO_PCI_BUSES,
                                    f"{no_pci}, and libvirt gives this device a PCI address: remove it, or "
                                    "use a pc or q35 machine"))
    devices_element = facts_.devices_element
    assert devices_element is not None
    for type_, highest in implicit.items():
        if any((type_, index) not in defined for index in range(highest + 1)):
            refusals.append(Refusal(devices_element, None, NO_PCI_BUSES,
                                    f"{no_pci}, and libvirt adds a {type_} controller, a PCI device, for the "
                                    f"{type_} disks: remove them"))
    for index in _added_virtio_serial_controllers(facts_):
        if ("virtio-serial", index) not in defined:
            refusals.append(Refusal(devices_element, None, NO_PCI_BUSES,
                                    f"{no_pci}, and libvirt adds a virtio-serial controller, a PCI device, for "
                                    "the virtio consoles and channels: remove them"))
            break
    if not memballoon:
        refusals.append(Refusal(devices_element, None, NO_PCI_BUSES,
                                f"{no_pci}, and libvirt adds a virtio memballoon, a PCI device: add "
                                "<memballoon model='none'/>"))
    if facts_.platform.machine != "isapc" and ("usb", 0) not in defined:
        refusals.append(Refusal(devices_element, None, NO_PCI_BUSES,
                                f"{no_pci}, and libvirt adds a USB controller, a PCI device: add <controller "
                                "type='usb' model='none'/>"))
    if not video and devices_element.find("graphics") is not None:
        refusals.append(Refusal(devices_element, None, NO_PCI_BUSES,
                                f"{no_pci}, and for <graphics> without <video> libvirt adds a video device, "
                                "a PCI device: add <video><model type='none'/></video>"))


def _wants_pci_slot(facts_: Facts, device: etree._Element, controller: Controller | None) -> bool:
    """Whether libvirt gives this device a PCI address when it has none (qemuDomainAssignDevicePCISlots)."""
    tag = device.tag
    if tag == "controller":
        if controller is None:
            return False
        type_, model = controller.type, controller.model
        return not (type_ in ("fdc", "ccid", "pci") or type_ == "usb" and model == "none"
                    or type_ == "ide" and controller.index == 0 or type_ == "scsi" and model == "ncr53c90")
    if tag == "interface":
        model = facts_.model_of.get(device)
        return device.get("type") != "hostdev" and (model is None or model.get("type") != "usb-net")
    if tag == "disk":
        return facts_.disk_buses.get(device) == "virtio"
    if tag == "hostdev":
        type_ = device.get("type")
        return device.get("mode", "subsystem") == "subsystem" and (
            type_ in ("pci", "scsi_host") or type_ == "mdev" and device.get("model") == "vfio-pci")
    if tag == "filesystem":
        driver = device.find("driver")
        return driver is None or driver.get("type") != "mtp"
    if tag == "sound":
        return device.get("model") not in ("sb16", "pcspk", "usb")
    if tag == "memballoon":
        return device.get("model") != "none"
    if tag == "video":
        model = facts_.model_of.get(device)
        return model is None or model.get("type") not in ("none", "ramfb")
    if tag == "watchdog":
        return device.get("model") == "i6300esb"
    if tag == "input":
        return device.get("bus") == "virtio"
    if tag == "serial":
        target = facts_.target_of.get(device)
        return target is not None and target.get("type") == "pci-serial"
    if tag == "iommu":
        return device.get("model") == "virtio"
    if tag == "memory":
        return device.get("model") in ("virtio-pmem", "virtio-mem")
    if tag == "panic":
        return device.get("model") == "pvpanic"
    return tag in ("rng", "shmem", "vsock", "crypto", "pstore")


def _multifunction(facts_: Facts, pcis: list[PciAddress]) -> None:
    """Function 0 declared single-function while another function of its slot is used: QEMU refuses at start."""
    if all(pci.function == 0 for pci in pcis):
        return  # no slot has another function used
    functions: dict[tuple[int, int, int], list[PciAddress]] = {}
    for pci in pcis:
        functions.setdefault((pci.domain, pci.bus, pci.slot), []).append(pci)
    for (_, _, slot), uses in functions.items():
        zero = [u for u in uses if u.function == 0 and u.element.get("multifunction") == "off"]
        others = sorted({u.function for u in uses if u.function != 0})
        if zero and others:
            facts_.pci_placement.append(Refusal(
                zero[0].element, "multifunction",
                f"PCI: single function device can't be populated in function {slot:x}.{others[0]} "
                "(QEMU, at start)",
                "set multifunction='on' on function 0, or remove the attribute and libvirt sets it"))


#: PCI controllers that plug only into PCI Express buses, which a pc (i440fx) machine cannot have.
PCIE_ONLY_CONTROLLERS = ("pcie-root-port", "dmi-to-pci-bridge", "pcie-switch-upstream-port",
                         "pcie-switch-downstream-port", "pcie-to-pci-bridge")
#: Controllers libvirt never adds to make room (virDomainPCIAddressSetGrow): model -> the controllers that take it.
NOT_AUTO_ADDED = {"pcie-to-pci-bridge": ("pcie-root-port", "pcie-switch-downstream-port"),
                  "pcie-switch-downstream-port": ("pcie-switch-upstream-port",)}


#: Models _unplaceable_controllers may refuse.
UNPLACEABLE_MODELS = frozenset(PCIE_ONLY_CONTROLLERS) | frozenset(NOT_AUTO_ADDED)


def _slot_refusal(model: str) -> str:
    """libvirt's message when no bus can take an unaddressed controller of this model."""
    if model == "pcie-to-pci-bridge":  # no controller model for its connect type: libvirt prints the flags
        return "Cannot automatically add a new PCI bus for a device with connect flags 2000"
    # for an upstream port libvirt first adds a root port, and that is what finds no slot
    wanted = "pcie-root-port" if model == "pcie-switch-upstream-port" else model
    return (f"a PCI slot is needed to connect a PCI controller model='{wanted}', but none is available, "
            "and it cannot be automatically added")


#: The pcie-root-ports a q35 pcie-root takes: slots 1 to 0x1e, eight functions each (0 is the host bridge, 0x1f
#: the ICH9's)
PCIE_ROOT_PORT_FUNCTIONS = 30 * 8
#: Conventional PCI devices libvirt must add a pcie-to-pci-bridge (and a root port for it) for on q35, when
#: unaddressed and no bus takes them: NICs and sound cards of these models (checked on 9.0: e1000, ich6)
_LEGACY_SOUND_MODELS = frozenset({"ich6", "ac97", "es1370"})
#: Controllers whose bus takes conventional PCI devices on q35
_LEGACY_BUSES = frozenset({"pcie-to-pci-bridge", "pci-bridge", "dmi-to-pci-bridge"})


#: A <devices> with fewer children than this, and no PCI index or bus this high, is far from filling q35's root
#: ports (the usual: _root_port_capacity returns at once)
_FEW = PCIE_ROOT_PORT_FUNCTIONS // 2
#: QEMU releases from which libvirt's default USB controller on q35 is qemu-xhci, a PCI Express device (QEMU has
#: had qemu-xhci since 2.12; libvirt 9.0 needs QEMU 4.2 or later)
_XHCI_DEFAULT_FROM = (4, 2)


def _root_port_capacity(facts_: Facts, ctx: Context) -> None:
    """q35's pcie-root has room for 240 root ports (slots 1 to 0x1e, eight functions each), and libvirt plugs into
    it every root port it must have (qemuDomainAssignPCIAddresses, virDomainPCIAddressSetGrow): the unaddressed
    ones of the document, one for each PCI index below the highest that no controller defines and for each bus up to
    the highest a PCI Express device's address names, one more for each unaddressed PCI Express device no empty
    port takes, and, on a domain that defines no PCI controller beyond index 0 but needed ports added, one kept empty
    for hotplug when none is left. A slot another device takes whole is lost to them; an unaddressed primary video
    keeps slot 1, an unaddressed dmi-to-pci-bridge slot 0x1e. One port more than that room is refused (checked on
    9.0: 240 ports defined and 241 refused, as explicit ports, as a PCI index or a device's bus, and as 238
    virtio-serial controllers with the default USB controller and balloon; 232 with a VGA video or a device on a
    slot of bus 0). With no bus left for a pcie-to-pci-bridge, an unaddressed conventional PCI device needs one
    more (240 ports and an ich6 or e1000 refused; 239 defined).

    The ports counted are a lower bound (only devices whose connection and placement are certain), so what is
    refused is refused by libvirt too."""
    if not facts_.platform.is_q35:
        return
    ports = facts_.controllers_of("pci")
    devices = facts_.devices_element
    pcis = facts_.pci_list
    max_index = _highest_index(ports)
    if max_index is None:
        return  # (libvirt picks an index, or refuses a duplicate first)
    max_bus = max((pci.bus for pci in pcis if pci.domain == 0), default=0)
    if len(ports) < _FEW and max_index < _FEW and max_bus < _FEW and (devices is None or len(devices) < _FEW):
        return  # (the usual: far from full)
    explicit = _root_ports_on_root(facts_)
    if explicit is None:
        return
    others = [c for c in ports if c.index != 0 and c.model != "pcie-root-port"]
    on_root = [pci for pci in pcis if pci.domain == 0 and pci.bus == 0]
    port_elements = {c.element for c in explicit}
    unaddressed = [c for c in explicit if c.address is None]
    # the places left: a slot any other device takes is lost whole (root ports fill a slot's functions only where
    # root ports are; virDomainPCIAddressFindUnusedFunctionOnBus)
    functions: dict[int, set[int]] = {}
    whole: set[int] = set()
    for pci in on_root:
        if 1 <= pci.slot <= 0x1E:
            if pci.device in port_elements:
                functions.setdefault(pci.slot, set()).add(pci.function)
            else:
                whole.add(pci.slot)
    taken_slots = set(functions) | whole
    room = sum(8 - len(functions.get(slot, ())) if slot not in whole or slot in functions else 0
               for slot in range(1, 0x1F))
    if _unaddressed_primary_video(facts_) and 1 not in taken_slots:
        room -= 8
    if any(c.model == "dmi-to-pci-bridge" and c.address is None for c in ports) and 0x1E not in taken_slots:
        room -= 8
    needed = len(unaddressed)
    culprit: etree._Element | None = unaddressed[room].element if needed > room else None
    legacy_bus = any(c.model in _LEGACY_BUSES for c in ports)
    if culprit is None and not others:
        needed, culprit = _root_ports_needed(facts_, ctx, explicit, max_index, room)
    if culprit is not None:
        facts_.pci_placement.append(Refusal(culprit, None, _slot_refusal("pcie-root-port"),
                                            f"q35's pcie-root takes {PCIE_ROOT_PORT_FUNCTIONS} root ports (slots 1 to "
                                            "0x1e, eight functions each) and this domain needs more: add a "
                                            "pcie-switch, or use fewer ports and PCI buses"))
        return
    if needed < room or legacy_bus or devices is None:
        return
    for device in devices.iterchildren("interface", "sound"):
        if device in facts_.address_of:
            continue
        model = facts_.model_of.get(device) if device.tag == "interface" else None
        legacy = (model is not None and (model.get("type") or "").lower() in _PCI_NET_MODELS if model is not None
                  else device.tag == "sound" and device.get("model") in _LEGACY_SOUND_MODELS)
        if legacy:
            facts_.pci_placement.append(Refusal(
                device, None, _slot_refusal("pcie-root-port"),
                f"this conventional PCI device needs a pcie-to-pci-bridge, which libvirt plugs into a new root port, "
                f"and the pcie-root's {PCIE_ROOT_PORT_FUNCTIONS} root-port places are taken: use a PCI Express model "
                "(virtio), or fewer ports"))
            return


class _PortGrowth:
    """The root ports of a q35 domain whose PCI controllers are root ports, as libvirt assigns addresses (a lower
    bound; see _root_port_capacity): the buses before unaddressed devices are placed (``buses``: the document's
    ports, the indexes below the highest it leaves out, the buses addresses name; a port libvirt adds for its own
    pcie-to-pci-bridge included), then ``extra`` ports for the unaddressed PCI Express devices (``endpoints``) no
    empty port takes, and the one kept empty for hotplug."""

    __slots__ = ("buses", "extra", "endpoints")

    def __init__(self, facts_: Facts, ctx: Context, explicit: list[Controller], max_index: int) -> None:
        auto = facts_.auto_buses
        # (a port libvirt adds for its pcie-to-pci-bridge takes nothing else)
        plain: set[int | None]  # the buses of root ports that take a device
        if auto is None:
            bridge_ports = 0
            plain = set(range(1, max_index + 1))
        else:
            bridge_ports = sum(1 for model in auto.values() if model == BRIDGE_PORT)
            plain = {c.index for c in explicit} | {i for i, model in auto.items() if model == "pcie-root-port"}
        self.buses = len(plain) + bridge_ports
        occupied = {pci.bus for pci in facts_.pci_list if pci.domain == 0 and pci.bus in plain}
        self.endpoints = unaddressed_endpoints(facts_, ctx)
        free = max(self.buses - bridge_ports - len(occupied), 0)
        self.extra = max(len(self.endpoints) - free, 0)
        if max_index <= 0 and self.buses + self.extra > 0 and len(self.endpoints) >= free:
            self.extra += 1  # (the port kept empty for hotplug: none is left)


def _root_ports_needed(facts_: Facts, ctx: Context, explicit: list[Controller], max_index: int,
                       room: int) -> tuple[int, etree._Element | None]:
    """The root-port places on pcie-root a q35 domain whose PCI controllers are root ports needs (a lower bound; see
    _root_port_capacity), and the element to blame when that is more than ``room``."""
    growth = _PortGrowth(facts_, ctx, explicit, max_index)
    total = growth.buses + growth.extra
    on_root = sum(1 for c in explicit if c.address is not None)
    needed = total - on_root
    if needed <= room:
        return needed, None
    highest = max(facts_.pci_list, key=lambda pci: pci.bus, default=None)
    if highest is not None and highest.bus >= max_index and highest.bus > 0:
        return needed, highest.element
    if max_index > 0 and total == growth.buses:
        return needed, next(c.element for c in facts_.controllers_of("pci") if c.index == max_index)
    return needed, growth.endpoints[-1] if growth.endpoints else facts_.devices_element


def added_root_ports(facts_: Facts, ctx: Context) -> list[int]:
    """The indexes of the pcie-root-ports libvirt adds to a q35 domain, each of chassis = its index (a lower bound:
    qemuDomainPCIAddressSetCreate's default model for an index below the highest, virDomainPCIAddressSetGrow's ports
    for a bus an address names and, when every PCI controller is a root port, for unaddressed PCI Express devices
    and hotplug, numbered after the highest bus)."""
    ports = facts_.controllers_of("pci")
    max_index = _highest_index(ports) if facts_.platform.is_q35 else None
    if max_index is None:
        return []
    auto = facts_.auto_buses
    if auto is None:
        indexes = {c.index for c in ports}
        added = [i for i in range(1, max_index) if i not in indexes]
    else:
        added = [i for i, model in auto.items() if model in ("pcie-root-port", BRIDGE_PORT)]
    if any(c.index != 0 and c.model != "pcie-root-port" for c in ports):
        return added
    explicit = _root_ports_on_root(facts_)
    if explicit is None:
        return added  # (the growth is not modelled)
    growth = _PortGrowth(facts_, ctx, explicit, max_index)
    top = max([max_index, *(auto or {})])
    return added + list(range(top + 1, top + 1 + growth.extra))


def _highest_index(ports: list[Controller]) -> int | None:
    """The highest index of these PCI controllers (0 without any); None when one has none (libvirt picks it) or two
    share one."""
    indexes = [c.index for c in ports if c.index is not None]
    if len(indexes) != len(ports) or len(set(indexes)) != len(indexes):
        return None
    return max(indexes, default=0)


def _root_ports_on_root(facts_: Facts) -> list[Controller] | None:
    """The document's pcie-root-ports, when each is unaddressed or on pcie-root; None when one sits elsewhere (an
    expander bus, or an address the facts do not read)."""
    explicit = [c for c in facts_.controllers_of("pci") if c.model == "pcie-root-port"]
    on_root = {pci.device for pci in facts_.pci_list if pci.domain == 0 and pci.bus == 0}
    if any(c.address is not None and c.element not in on_root for c in explicit):
        return None
    return explicit


def unaddressed_endpoints(facts_: Facts, ctx: Context) -> list[etree._Element]:
    """The unaddressed PCI Express devices libvirt places on a q35 or ARM virt domain, each on a root port of its
    own: those of the document whose connection is certain, and on q35 the balloon and USB controller libvirt adds
    (qemuDomainDefAddDefaultDevices, which adds neither on ARM; the <devices> element stands for them)."""
    devices = facts_.devices_element
    if devices is None:
        return []
    found: list[etree._Element] = []
    address_of = facts_.address_of
    for device in devices.iterchildren("disk", "interface", "controller", "memballoon", "rng"):
        if device in address_of:
            continue
        tag = device.tag
        if tag == "disk" and facts_.disk_buses.get(device) != "virtio":
            continue
        if tag == "interface" and device.get("type") == "hostdev":
            continue
        if tag == "controller":
            type_ = device.get("type", "ide")
            if type_ == "usb" and device.get("model") is None:
                continue  # (the default model is QEMU's to decide)
            if type_ not in ("usb", "scsi", "virtio-serial"):
                continue
        if _connect_kind(facts_, device, True) == PCIE_DEVICE:
            found.append(device)
    if not facts_.platform.is_q35:
        return found
    if next(devices.iterchildren("memballoon"), None) is None:
        found.append(devices)
    if not any(c.index == 0 for c in facts_.controllers_of("usb")):
        from virtlint.rules._devices import caps_qemu_release  # here: _devices imports this module

        release = caps_qemu_release(ctx)
        if release is not None and release[0] >= _XHCI_DEFAULT_FROM:
            found.append(devices)
    return found


def _unplaceable_controllers(facts_: Facts) -> None:
    """Unaddressed PCI controllers no bus of the machine can take, and libvirt cannot add one for."""
    pci_controllers = facts_.controllers_of("pci")
    models = {c.model for c in pci_controllers}
    if not models & UNPLACEABLE_MODELS:
        return
    i440fx = facts_.platform.is_i440fx
    if not i440fx and models.isdisjoint(NOT_AUTO_ADDED):
        return  # off pc machines only the models libvirt never adds can be refused
    for c in pci_controllers:
        if c.model is None or c.address is not None:
            continue
        if i440fx and c.model in PCIE_ONLY_CONTROLLERS:
            hint = "a pc (i440fx) machine has conventional PCI only: use model='pci-bridge', or a q35 machine"
        elif c.model in NOT_AUTO_ADDED and not models & set(NOT_AUTO_ADDED[c.model]):
            hint = f"add a {' or '.join(NOT_AUTO_ADDED[c.model])} controller for it to plug into"
        else:
            continue
        facts_.pci_placement.append(Refusal(c.element, "model", _slot_refusal(c.model), hint))


def _piix3_function(facts_: Facts, c: Controller, skipped: set[int]) -> None:
    """qemuDomainCollectPCIAddress: the first IDE controller at 0:0:1.1 and the first USB controller at 0:0:1.2,
    when it is (or defaults to, on x86) the PIIX3 UHCI, are the PIIX3's own functions: libvirt leaves their address
    out of the collection (``skipped``), and refuses them when bus 0 does not take standard PCI devices (pcie-root)."""
    address = c.address
    if address is None or address.get("type") != "pci":
        return
    pci = facts_.pci(address, c.element)
    if pci is None or not pci.present:
        return
    if c.type == "ide":
        if pci.key != (0, 0, 1, 1):
            return
    elif pci.key != (0, 0, 1, 2) or not (
            c.model == "piix3-uhci" or c.model is None and facts_.platform.arch in X86):
        return  # (a default model off x86 is whatever the arch's QEMU has: unknown)
    skipped.add(id(c.element))  # device proxies live as long as the facts: stable ids
    if bus_model(facts_, 0, None) == "pcie-root":
        facts_.pci_placement.append(Refusal(
            address, None, "Bus 0 must be PCI for integrated PIIX3 USB or IDE controllers",
            "0:0:1.1 and 0:0:1.2 are the PIIX3's IDE and USB functions, which only a pc (i440fx) machine has; "
            "on this machine drop the <address> (or use another slot) so it becomes a device of its own"))


#: The order libvirt visits devices in (virDomainDeviceInfoIterateFlags), by tag.
DEVICE_ORDER = {tag: rank for rank, tag in enumerate((
    "disk", "interface", "sound", "hostdev", "video", "controller", "smartcard", "serial", "parallel", "channel",
    "console", "input", "filesystem", "watchdog", "memballoon", "rng", "nvram", "hub", "shmem", "tpm", "panic",
    "memory", "redirdev", "iommu", "vsock", "crypto", "pstore"))}

#: virtio models that are PCI Express devices on a pcie-root machine (virtioFlags, with a QEMU that has the
#: transitional models); the transitional model only works in a conventional PCI slot
_VIRTIO_PCIE = (None, "virtio", "virtio-non-transitional")


#: The NIC models libvirt knows (virDomainNetModel) that are not PCI Express devices (usb-net: none, so standard)
_PCI_NET_MODELS = frozenset({
    "netfront", "rtl8139", "e1000", "virtio-transitional", "usb-net", "spapr-vlan", "lan9118", "scm91c111", "vlance",
    "vmxnet", "vmxnet2", "vmxnet3", "am79c970a", "am79c973", "82540em", "82545em", "82543gc"})


def _connect_kind(facts_: Facts, device: etree._Element, pcie_root: bool) -> str | None:
    """How a device with a PCI address connects (qemuDomainDeviceCalculatePCIConnectFlags): PCI_DEVICE,
    PCIE_DEVICE, or a PCI controller's model; a device libvirt gives no connection counts as a standard PCI device
    (qemuDomainCollectPCIAddress). None: unknown (a default model libvirt picks from what QEMU has)."""
    tag = device.tag
    if tag == "controller" and device.get("type") == "pci":
        model = device.get("model")
        if model not in PCI_BUSES:
            return None
        return PCI_DEVICE if model in ("pci-root", "pcie-root") else model
    if not pcie_root:  # (pcieFlags are pciFlags)
        return PCI_DEVICE
    if tag == "disk":
        if facts_.disk_buses.get(device) != "virtio":
            return PCI_DEVICE
        return PCIE_DEVICE if device.get("model") in _VIRTIO_PCIE else PCI_DEVICE
    if tag == "interface":
        type_ = device.get("type")
        if type_ == "hostdev":
            return None
        model_element = facts_.model_of.get(device)
        model = model_element.get("type") if model_element is not None else None
        if model is None:
            return PCIE_DEVICE if type_ == "vdpa" else None  # (else the arch's and QEMU's default)
        # (virDomainNetSetModelString: a model libvirt does not know, igb in 9.0, is 'unknown': PCI Express)
        return PCI_DEVICE if model.lower() in _PCI_NET_MODELS else PCIE_DEVICE
    if tag == "hostdev":
        # an address given: PCI and mdev host devices and vhost-scsi are PCI Express devices
        if device.get("mode", "subsystem") == "subsystem" and device.get("type") in ("pci", "mdev", "scsi_host"):
            return PCIE_DEVICE
        return PCI_DEVICE
    if tag == "video":
        model_element = facts_.model_of.get(device)
        model = model_element.get("type") if model_element is not None else None
        if model is None:
            return None
        return PCIE_DEVICE if model in ("virtio", "bochs") else PCI_DEVICE
    if tag == "controller":
        type_ = device.get("type", "ide")
        model = device.get("model")
        if type_ == "usb":
            if model is None:
                return PCI_DEVICE if facts_.platform.arch in X86 else None  # (piix3-uhci on x86)
            return PCIE_DEVICE if model in XHCI_MODELS else PCI_DEVICE
        if type_ == "scsi":
            if model is None:
                return None
            return PCIE_DEVICE if model in ("virtio-scsi", "virtio-non-transitional") else PCI_DEVICE
        if type_ == "virtio-serial":
            return PCIE_DEVICE if model in _VIRTIO_PCIE else PCI_DEVICE
        return PCI_DEVICE
    if tag == "filesystem":
        driver = device.find("driver")
        driver_type = driver.get("type") if driver is not None else None
        if driver_type == "virtiofs":
            return PCIE_DEVICE
        if driver_type in (None, "path", "handle"):
            return PCIE_DEVICE if device.get("model") in _VIRTIO_PCIE else PCI_DEVICE
        return PCI_DEVICE
    if tag in ("memballoon", "rng", "vsock"):  # (a vsock without model is virtio)
        model = device.get("model")
        return PCIE_DEVICE if model in _VIRTIO_PCIE and (model or tag == "vsock") else PCI_DEVICE
    if tag == "input":
        if device.get("bus") != "virtio":
            return PCI_DEVICE
        return PCIE_DEVICE if device.get("model") in _VIRTIO_PCIE else PCI_DEVICE
    if tag == "sound":
        return PCIE_DEVICE if device.get("model") == "virtio" else PCI_DEVICE
    if tag == "iommu":
        return PCIE_DEVICE if device.get("model") == "virtio" else PCI_DEVICE
    if tag == "memory":
        return PCIE_DEVICE if device.get("model") in ("virtio-pmem", "virtio-mem") else PCI_DEVICE
    return PCI_DEVICE if tag in DEVICE_ORDER else None


#: The pcie-root-port libvirt adds for the pcie-to-pci-bridge it adds (virDomainPCIAddressSetGrow): its one slot
#: takes nothing else
BRIDGE_PORT = "pcie-root-port for the pcie-to-pci-bridge"
#: (it takes no endpoint, so an address from the config is judged against these connections as they are)
_AUTO_BUSES: dict[str, tuple[frozenset[str], int, int]] = {BRIDGE_PORT: (frozenset({"pcie-to-pci-bridge"}), 0, 0)}
#: Buses whose slots take a pci-bridge (VIR_PCI_CONNECT_TYPE_PCI_BRIDGE)
BRIDGE_BUSES = frozenset(model for model, (types, _, _) in PCI_BUSES.items() if "pci-bridge" in types)


class MovedPciAddress(PciAddress):
    """A PCI address libvirt moves to the next bus (virDomainPCIAddressSetGrow); its messages still show the
    address as written."""

    written: str

    __slots__ = ("written",)

    def __init__(self, pci: PciAddress) -> None:
        super().__init__(pci.element, pci.device, pci.domain, pci.bus + 1, pci.slot, pci.function)
        self.written = pci.text

    @property
    def text(self) -> str:
        return self.written


#: The slots of an i440fx pci-root a device can take (0 is the host bridge, 1 the PIIX3)
I440FX_ROOT_SLOTS = range(2, 32)


#: Video models libvirt gives no PCI slot
SLOTLESS_VIDEO = frozenset(("none", "ramfb"))


def _unaddressed_primary_video(facts_: Facts) -> bool:
    """Whether the domain's primary video (its first <video>, or the one libvirt adds for a <graphics>) is a PCI
    device without an <address>, which libvirt places before other devices."""
    devices = facts_.devices_element
    if devices is None:
        return False
    video = next(devices.iterchildren("video"), None)
    if video is None:
        return next(devices.iterchildren("graphics"), None) is not None
    model = facts_.model_of.get(video)
    return video not in facts_.address_of and (model is None or model.get("type") not in SLOTLESS_VIDEO)


def _bridge_without_slot(facts_: Facts, pcis: list[PciAddress], auto: dict[int, str]) -> None:
    """On an i440fx machine whose pci-root devices fill: the first pci-bridge libvirt adds for a bus an address names
    takes a slot on a lower bus that takes one; with none but the full root, libvirt plugs it into its own bus and
    refuses it (qemuDomainAssignPCIAddresses; checked on 9.0: a device on bus 1 or 2 and no bridge)."""
    bridges = sorted(index for index, model in auto.items() if model == "pci-bridge")
    if not bridges:
        return
    first = bridges[0]
    if any(c.index is not None and c.index < first and c.model == "pci-bridge" for c in facts_.controllers_of("pci")):
        return  # (it plugs into that one)
    culprit = next((pci for pci in pcis if pci.bus >= first), None)
    if culprit is None:
        return
    facts_.pci_placement.append(Refusal(
        culprit.element, "bus", f"PCI controller at index {first} (0x{first:02x}) has bus='0x{first:02x}', but index "
        "must be larger than bus", "libvirt adds a pci-bridge for this bus, and the pci-root has no free slot for it "
        "(every slot from 2 to 0x1f is taken): free one, or add the pci-bridge with an address"))


#: NIC models that certainly take a PCI slot of an i440fx machine (the default model is QEMU's and libvirt's to pick)
_SLOT_NIC_MODELS = frozenset({"virtio", "virtio-transitional", "virtio-non-transitional", "e1000", "e1000e",
                              "rtl8139"})
#: Sound models that are PCI cards
_PCI_SOUND_MODELS = frozenset({"ich6", "ich9", "ac97", "es1370"})


def _takes_pci_slot(facts_: Facts, device: etree._Element) -> bool:
    """Whether an unaddressed device certainly takes a PCI slot of its own on an i440fx machine (the PIIX3's
    functions, ISA and USB devices do not; devices whose model libvirt or QEMU picks are left out; checked on 9.0:
    each kind below with its twin)."""
    tag = device.tag
    if tag == "controller":
        type_ = device.get("type", "ide")
        return type_ == "virtio-serial" or type_ == "scsi" and device.get("model") in ("virtio-scsi", "lsilogic")
    if tag == "disk":
        return facts_.disk_buses.get(device) == "virtio"
    if tag == "interface":
        model = facts_.model_of.get(device)
        return device.get("type") != "hostdev" and model is not None and model.get("type") in _SLOT_NIC_MODELS
    if tag == "memballoon":
        return (device.get("model") or "").startswith("virtio")
    if tag == "rng":
        return device.get("model") == "virtio"
    if tag == "sound":
        return device.get("model") in _PCI_SOUND_MODELS
    if tag == "input":
        return device.get("bus") == "virtio"
    return tag == "watchdog" and device.get("model") == "i6300esb"


def _device_without_slot(facts_: Facts) -> None:
    """On an i440fx machine whose pci-root devices fill, with no PCI controller but the root: an unaddressed device
    that takes a PCI slot (the balloon libvirt adds by default too) makes libvirt add a pci-bridge, which finds no
    slot but on its own bus, and is refused (qemuDomainAssignPCIAddresses; checked on 9.0: slots 2 to 0x1f taken
    and an unaddressed virtio-serial controller, or the default balloon, refused; one slot free, defined)."""
    devices = facts_.devices_element
    if devices is None or any(c.index != 0 for c in facts_.controllers_of("pci")):
        return
    address_of = facts_.address_of
    culprit = next((device for device in devices.iterchildren(
        "controller", "disk", "interface", "memballoon", "rng", "sound", "watchdog", "input")
        if device not in address_of and _takes_pci_slot(facts_, device)), None)
    if culprit is None and next(devices.iterchildren("memballoon"), None) is None:
        culprit = devices  # (the balloon libvirt adds)
    if culprit is None:
        return
    facts_.pci_placement.append(Refusal(
        culprit, None, "PCI controller at index 1 (0x01) has bus='0x01', but index must be larger than bus",
        "this device needs a PCI slot and every slot of the pci-root (2 to 0x1f) is taken: libvirt adds a pci-bridge "
        "for it, which finds no slot either; free a slot, or add a pci-bridge with an address"))


def _auto_buses(facts_: Facts, pcis: list[PciAddress]) -> dict[int, str] | None:
    """The PCI controllers libvirt adds for the buses PCI addresses name but the document does not define
    (qemuDomainPCIAddressSetCreate, virDomainPCIAddressSetGrow), by bus: None when there are none, or they are
    unknown.

    The buses up to the highest index defined get the machine's default (pcie-root-port on a pcie-root machine,
    pci-root on pSeries, else pci-bridge). Beyond, the devices are collected in libvirt's order, and the first one
    naming a bus beyond the set grows it up to that bus: root ports for a PCI Express device, pci-bridges for a
    standard PCI device (on a pcie-root machine with no bus for a pci-bridge yet, first a root port and a
    pcie-to-pci-bridge; when that is a single new bus, libvirt moves the device to the next one, the bridge); a PCI
    controller that needs another bus refuses (``pcis`` gets the moved addresses, the refusals go to the facts).
    """
    defined: dict[int, str | None] = {}
    for c in facts_.controllers_of("pci"):
        if c.index is None:
            return None
        defined[c.index] = c.model
    platform = facts_.platform
    if 0 not in defined and platform.root_model is not None:
        defined[0] = platform.root_model
    if not defined:
        return None
    nbuses = max(defined) + 1
    if max(pci.bus for pci in pcis) < nbuses and len(defined) == nbuses:
        return None  # (the usual) every bus named is defined
    pcie_root = "pcie-root" in defined.values()
    default = "pci-root" if platform.is_pseries else "pcie-root-port" if pcie_root else "pci-bridge"
    auto = {index: default for index in range(1, nbuses) if index not in defined}
    models = set(defined.values()) | set(auto.values())
    # whether a bus takes a pci-bridge (None: a bus of unknown model)
    bridge_ok: bool | None = True if models & BRIDGE_BUSES else None if None in models else False
    types: dict[str, int] = {}
    for c in facts_.controllers:
        types.setdefault(c.type, len(types))

    def collected(item: tuple[int, PciAddress]) -> tuple[int, int, int, int]:
        at, pci = item
        device = pci.device
        if device.tag == "controller":  # (kept by type, in their first one's place, then by index)
            c_type = device.get("type", "ide")
            controller = facts_.controller_of(device, c_type)
            index = controller.index if controller is not None else None
            return DEVICE_ORDER["controller"], types.get(c_type, 0), index if index is not None else -1, at
        return DEVICE_ORDER.get(device.tag, len(DEVICE_ORDER)), 0, 0, at

    beyond = sorted(((at, pci) for at, pci in enumerate(pcis) if pci.bus >= nbuses), key=collected)
    for at, pci in beyond:
        if pci.bus < nbuses:
            continue
        kind = _connect_kind(facts_, pci.device, pcie_root)
        if kind is None:
            break  # (the buses from here on are unknown)
        add = pci.bus - nbuses + 1
        new: list[str]
        if kind == PCI_DEVICE:
            if platform.is_pseries:
                new = ["pci-root"] * add
            elif bridge_ok is None:
                break
            else:
                new = [] if bridge_ok else [BRIDGE_PORT, "pcie-to-pci-bridge"]
                if new and add == 1:
                    pcis[at] = MovedPciAddress(pci)
                    add = 2
                new += ["pci-bridge"] * (add - len(new))
                bridge_ok = True
        elif kind in (PCIE_DEVICE, "pcie-switch-upstream-port"):
            new = ["pcie-root-port"] * add
        else:
            facts_.pci_placement.append(Refusal(
                pci.element, "bus", _slot_refusal(kind),
                f"no PCI controller with index='{pci.bus}' is defined, and libvirt does not add a bus for a "
                f"{kind}: define the controller it plugs into"))
            break
        for model in new:
            auto[nbuses] = model
            nbuses += 1
    return auto or None


def _explicit_pci_elsewhere(facts_: Facts, c: Controller, key: tuple[int, int, int, int]) -> bool:
    address = c.address
    if address is None or address.get("type") != "pci":
        return False
    pci = facts_.pci(address, c.element)
    return pci is not None and pci.present and pci.key != key


def _is_integrated(device: etree._Element) -> bool:
    """Devices QEMU builds into the root bus itself (VIR_PCI_CONNECT_INTEGRATED)."""
    return (device.tag == "iommu" and device.get("model") == "virtio") or (
        device.tag == "panic" and device.get("model") == "pvpanic")


def _start_order(facts_: Facts, pci: PciAddress, auto: dict[int, str] | None) -> None:
    """At start: QEMU creates each bus with its controller's -device, which libvirt writes in its controller list's
    order, by index, the controllers it adds for missing indexes after those of the document; a PCI controller
    plugged into a bus of a higher index, or one libvirt adds, names a bus that does not exist yet (checked on 9.0
    with QEMU 7.2: a pcie-to-pci-bridge or pci-bridge on an added bus 1, an upstream port on an added bus, a
    bridge of index 1 on the root port of index 2; the same on a bus defined below it starts)."""
    bus = pci.bus
    defined = facts_.pci_controller(bus)
    if defined is None and (auto is None or bus not in auto):
        return
    controller = facts_.controller_of(pci.device, "pci")
    own = controller.index if controller is not None else None
    if own is None or defined is not None and bus < own:
        return
    where = (f"controller {bus} comes after it" if defined is not None else
             f"no controller with index='{bus}' is defined, and the one libvirt adds comes after it")
    facts_.pci_placement.append(Refusal(
        pci.element, "bus", f"Bus 'pci.{bus}' not found (QEMU refuses to start the domain)",  # (_devices.QEMU_START)
        f"QEMU creates the buses in the controllers' index order and {where}: plug this controller into a bus "
        "of a lower index, or define that bus with a lower index"))


def _check_placement(facts_: Facts, pci: PciAddress, auto: dict[int, str] | None) -> None:
    if _is_integrated(pci.device) and pci.bus != 0:
        facts_.pci_placement.append(Refusal(
            pci.element, "bus", f"The device at PCI address {pci.text} needs to be an integrated device (bus=0)",
            "put it on bus 0, or drop the <address>"))
        return
    model = bus_model(facts_, pci.bus, auto)
    if model in PCI_BUSES:
        _, min_slot, max_slot = PCI_BUSES[model]
        bus_types = _CONFIG_BUS_TYPES[model]
    elif model in _AUTO_BUSES:
        bus_types, min_slot, max_slot = _AUTO_BUSES[model]
    else:
        return
    accepted, wanted = _accepts(bus_types, pci.device)
    if accepted and min_slot <= pci.slot <= max_slot:
        if pci.bus and pci.device.tag == "controller":
            _start_order(facts_, pci, auto)
        return  # (the usual)
    added = auto is not None and pci.bus in auto and facts_.pci_controller(pci.bus) is None
    name = "pcie-root-port" if model == BRIDGE_PORT else model
    where = (f"no controller with index='{pci.bus}' is defined, so libvirt adds a {model} as bus {pci.bus}"
             if added else f"controller {pci.bus} is a {name}")
    if isinstance(pci, MovedPciAddress):
        where += f" (and moves this device there from bus {pci.bus - 1}, a root port for that bridge)"
    if not accepted:
        facts_.pci_placement.append(Refusal(
            pci.element, "bus",
            f"The device at PCI address {pci.text} cannot be plugged into the PCI controller with "
            f"index='{pci.bus}'. It requires a controller that accepts a {wanted}.",
            f"{where}; put the device on a bus that takes it"))
    elif pci.slot < min_slot:
        facts_.pci_placement.append(Refusal(
            pci.element, "slot", f"Invalid PCI address {pci.text}. slot must be >= {min_slot}",
            f"{where}, whose slot 0 is not usable: use slot='0x01' or above" if added
            else f"slot 0 of a {model} is not usable"))
    else:
        facts_.pci_placement.append(Refusal(
            pci.element, "slot", f"Invalid PCI address {pci.text}. slot must be <= {max_slot}",
            f"{where}, which has only slot 0: use slot='0x00'" if added
            else f"a {model} has a single slot, 0: use slot='0x00'"))


# -- USB --------------------------------------------------------------------


def _usb_ports(facts_: Facts, c: Controller) -> int | None:
    """Ports of a USB controller, None when unknown."""
    model = c.model
    if model is None:
        return 2 if facts_.platform.arch in X86 else None  # x86: piix3-uhci by default
    if model in XHCI_MODELS:
        ports = int_attr(c.element.get("ports"))
        return ports if ports is not None else 4
    return USB_PORTS.get(model)


def _usb_map(facts_: Facts, ctx: Context) -> None:
    usb = facts_.controllers_of("usb")
    for c in usb:
        if c.model == "none":
            return  # the disabled-USB rule speaks; libvirt stops before addresses
    buses: dict[int, UsbHub | None] = {}  # index -> root hub; None: may exist with unknown ports
    for c in usb:
        if c.index is None or c.index < 0:
            return
        ports = _usb_ports(facts_, c)
        if ports == 0:
            continue
        if c.index in buses:
            facts_.usb.append(Refusal(c.element, "index", f"Duplicate USB controllers with index {c.index}",
                                      "companion controllers share an index; other USB controllers need their own"))
            continue
        buses[c.index] = UsbHub(ports) if ports is not None else None
    usb_addressed = facts_.by_kind.get("usb")
    if not usb_addressed:
        if usb and not buses and any(c.index == 0 for c in usb) and not any(
                c.model in USB_COMPANIONS for c in usb):
            # every controller has ports='0' (a companion without its master is refused before): a USB device,
            # or the hub libvirt adds for it, finds no port
            _assign_usb_ports(facts_, ctx, {})
        return  # the rest places devices with a USB address
    platform = facts_.platform
    if 0 not in buses and not any(c.index == 0 for c in usb):
        if platform.is_i440fx:
            buses[0] = UsbHub(2)
        elif platform.is_q35:
            buses[0] = UsbHub(4)  # qemu-xhci
        else:
            buses[0] = None  # whether libvirt adds one, and which, depends on the machine and QEMU

    # only devices with a type='usb' address take a port; they come in document order
    for device, address in usb_addressed:  # hubs first (virDomainUSBAddressSetAddControllers)
        if device.tag != "hub" or device.get("type") != "usb":  # (is_usb_hub)
            continue
        parsed = _usb_address(facts_, address)
        if parsed is None or parsed[2] is None or parsed[2][0] == 0:
            continue
        address, bus, port, text = parsed
        found = _find_port(facts_, buses, bus, port, address, text)  # type: ignore[arg-type]
        if found is None:
            continue
        hub, target = found
        if target in hub.hubs:
            facts_.usb.append(Refusal(address, "port", f"Duplicate USB hub on bus {bus} port {text}"))
            continue
        hub.taken.add(target)
        hub.hubs[target] = UsbHub(USB_HUB_PORTS)

    requested = False  # whether a device or hub names its bus but not its port
    for device, address in usb_addressed:
        is_hub = device.tag == "hub" and device.get("type") == "usb"  # (is_usb_hub)
        if not (is_hub or _takes_usb_port(device, facts_)):
            continue
        if is_hub:  # a hub with a port was placed above; one without gets a port on its bus later
            if (port_path := parse_usb_port(address.get("port", "0"))) is not None and port_path[0] != 0:
                continue
            bus_number = uint10(address.get("bus", "0"))
            parsed = (address, bus_number, None, "") if bus_number is not None else None
        else:
            parsed = _usb_address(facts_, address)
        if parsed is None:
            continue
        address, bus, port, text = parsed
        if port is None or port[0] == 0:
            if bus not in buses:
                facts_.usb.append(Refusal(
                    address, "bus", f"USB bus {bus} requested but no controller with that index is present",
                    f"add <controller type='usb' index='{bus}'/> or use an existing bus"))
            requested = True
            continue
        found = _find_port(facts_, buses, bus, port, address, text)
        if found is None:
            continue
        hub, target = found
        if target in hub.taken:
            facts_.usb.append(Refusal(address, "port", f"Duplicate USB address bus {bus} port {text}",
                                      "another USB device or hub already uses this port"))
            continue
        hub.taken.add(target)
    if facts_.usb or None in buses.values():
        return  # (refused already, or ports unknown)
    if requested or not any(_free_port(hub, []) for hub in buses.values()):  # type: ignore[arg-type]
        _assign_usb_ports(facts_, ctx, buses)  # type: ignore[arg-type]


def _takes_usb_port(device: etree._Element, facts_: Facts) -> bool:
    """``is_usb_device``, and the devices without bus that libvirt puts on USB: a redirdev, an input
    (virDomainInputDefPostParse: all but a mouse or keyboard on x86, a passthrough, an evdev, any on s390)."""
    if device.get("bus") is None:
        tag = device.tag
        if tag == "redirdev":
            return True
        if tag == "input":
            kind = device.get("type")
            if kind in ("passthrough", "evdev") or facts_.platform.is_s390:
                return False
            return not (kind in ("mouse", "keyboard") and facts_.platform.arch in X86)
    return is_usb_device(device, facts_)


#: How deep libvirt looks for a free port (virDomainUSBAddressFindFreePort, VIR_DOMAIN_DEVICE_USB_MAX_PORT_DEPTH)
USB_MAX_PORT_DEPTH = 4


def _free_port(hub: UsbHub, path: list[int]) -> list[int] | None:
    """virDomainUSBAddressFindFreePort: the first free port of the hub, else (depth first) of the hubs on its ports,
    as the path of 0-based ports from ``path``; None if there is none."""
    for port in range(hub.ports or 0):
        if port not in hub.taken:
            return path + [port]
    if len(path) >= USB_MAX_PORT_DEPTH - 1:
        return None
    for port in sorted(hub.hubs):
        found = _free_port(hub.hubs[port], path + [port])
        if found is not None:
            return found
    return None


def _assign_usb_ports(facts_: Facts, ctx: Context, buses: dict[int, UsbHub]) -> None:
    """qemuDomainAssignUSBAddresses after the addresses from the config are reserved: libvirt adds hubs when the USB
    devices outnumber the ports (qemuDomainUSBAddressAddHubs), gives each hub without a port one (the hubs first),
    then each device, in its order (virDomainUSBAddressAssign): the first free port of the bus its address names,
    else of the first bus with one; none free: "No free USB ports"."""
    count = hubs = 0
    unplaced: list[tuple[etree._Element, int | None]] = []  # user hubs without a port: (anchor, bus named)
    wanting: list[tuple[int, int, etree._Element, int | None]] = []  # (order, position, anchor, bus named)
    for position, device in enumerate(facts_.devices(ctx)):
        is_hub = is_usb_hub(device)
        if not (is_hub or _takes_usb_port(device, facts_)):
            continue
        count += 1
        hubs += is_hub
        address = facts_.address_of.get(device)
        if address is None:
            bus = None
        elif address.get("type") != "usb":
            continue
        else:
            given = parse_usb_port(address.get("port", "0"))
            if given is not None and given[0] != 0:
                continue  # (placed already)
            bus = uint10(address.get("bus", "0"))
            if bus is None:
                return
        anchor = device if address is None else address
        if is_hub:
            unplaced.append((anchor, bus))
        else:
            wanting.append((DEVICE_ORDER.get(device.tag, len(DEVICE_ORDER)), position, anchor, bus))
    ccids = {c.index for c in facts_.controllers_of("ccid")}
    devices_element = facts_.devices_element
    assert devices_element is not None
    for smartcard in devices_element.iterchildren("smartcard"):
        address = facts_.address_of.get(smartcard)
        index = uint10(address.get("controller", "0")) if address is not None and address.get("type") == "ccid" \
            else 0
        if index is not None and index not in ccids:  # (virDomainDefMaybeAddSmartcardController)
            ccids.add(index)
            count += 1
            wanting.append((DEVICE_ORDER["controller"], -1, smartcard, None))
    ports = sum(_usb_ports(facts_, c) or 0 for c in facts_.controllers_of("usb"))
    if not any(c.index == 0 for c in facts_.controllers_of("usb")):
        ports += buses[0].ports or 0 if 0 in buses else 0  # (the controller libvirt adds)
    available = ports + USB_HUB_PORTS * hubs
    needed = -(-(count - available + 1) // (USB_HUB_PORTS - 1)) if count > available else 0
    if needed:
        first = min(wanting, key=lambda w: (w[0], w[1]))[2] if wanting else None
        unplaced += [(first if first is not None else devices_element, None)] * needed

    def assign(bus: int | None) -> tuple[UsbHub, int] | None:
        for index in sorted(buses) if bus is None else (bus,):
            root = buses.get(index)
            path = _free_port(root, []) if root is not None else None
            if path is not None:
                hub = root
                for port in path[:-1]:
                    hub = hub.hubs[port]  # type: ignore[union-attr]
                return hub, path[-1]  # type: ignore[return-value]
        return None

    for number, (anchor, bus) in enumerate(unplaced):
        found = assign(bus)
        if found is None:
            if number >= len(unplaced) - needed:  # (a hub libvirt adds)
                hint = (f"the USB devices outnumber the ports, and libvirt adds {needed} USB hub(s) for them, but "
                        "no port is free for a hub: give fewer devices an explicit port, or add a USB controller")
                anchor, bus = anchor if anchor.tag != "address" else anchor.getparent(), None
            elif bus is not None:
                hint = f"every port of USB bus {bus} is taken: name another bus, or raise the controller's ports"
            else:
                hint = "every USB port is taken: add a USB controller"
            facts_.usb.append(_no_free_usb_port(anchor, bus, hint))
            return
        hub, port = found
        hub.taken.add(port)
        hub.hubs[port] = UsbHub(USB_HUB_PORTS)
    for _, _, anchor, bus in sorted(wanting, key=lambda w: (w[0], w[1])):
        found = assign(bus)
        if found is None:
            facts_.usb.append(_no_free_usb_port(
                anchor, bus,
                f"every port of USB bus {bus} and of the hubs on it is taken (a hub libvirt adds goes on the first "
                "free port, not on this bus): name another bus, drop bus= or raise the controller's ports"
                if bus is not None else "every USB port is taken: add a USB controller or a <hub type='usb'>"))
            return
        hub, port = found
        hub.taken.add(port)


def _no_free_usb_port(anchor: etree._Element, bus: int | None, hint: str) -> Refusal:
    attribute = "bus" if bus is not None and anchor.tag == "address" and anchor.get("bus") is not None else None
    return Refusal(anchor, attribute, "No free USB ports", hint)


def _find_port(facts_: Facts, buses: dict[int, UsbHub | None], bus: int, port: tuple[int, ...],
               element: etree._Element, text: str) -> tuple[UsbHub, int] | None:
    """The hub and port (0-based) a USB address names, None (a refusal filed, or unknown ports) if none."""
    if bus not in buses:
        facts_.usb.append(Refusal(element, "bus", f"Missing USB bus {bus}",
                                  f"add <controller type='usb' index='{bus}'/> or use an existing bus"))
        return None
    hub = buses[bus]
    if hub is None:
        return None
    last = len(port) - 1  # the last non-zero part (0 if none)
    while last and port[last] == 0:
        last -= 1
    for i in range(last):
        if hub.ports is None:
            return None
        if port[i] - 1 >= hub.ports or port[i] == 0:
            facts_.usb.append(Refusal(element, "port",
                                      f"port {port[i]} out of range in USB address bus: {bus} port: {text}"))
            return None
        nested = hub.hubs.get(port[i] - 1)
        if nested is None:
            facts_.usb.append(Refusal(
                element, "port", f"there is no hub at port {port[i]} in USB address bus: {bus} port: {text}",
                f"add a <hub type='usb'> with <address type='usb' bus='{bus}' "
                f"port='{'.'.join(map(str, port[:i + 1]))}'/> before this device"))
            return None
        hub = nested
    target = port[last] - 1
    if hub.ports is not None and target >= hub.ports:
        facts_.usb.append(Refusal(element, "port", f"requested USB port {text} not present on USB bus {bus}",
                                  f"this hub or controller has {hub.ports} ports"))
        return None
    return hub, target

def _usb_address(facts_: Facts,
                 address: etree._Element) -> tuple[etree._Element, int, tuple[int, ...] | None, str] | None:
    """A USB <address>: (it, bus, port path or None, port text); None (a refusal filed if it cannot be parsed) if
    its bus does not parse."""
    bus = uint10(address.get("bus", "0"))
    text = address.get("port")
    if bus is None:
        return None
    if text is None:
        return address, bus, None, ""
    port = parse_usb_port(text)
    if port is None:
        facts_.usb.append(Refusal(address, "port", "Cannot parse <address> 'port' attribute",
                                  "a port is up to four dot-separated numbers, e.g. port='1.2'"))
        return None
    return address, bus, port, text


# -- drive addresses --------------------------------------------------------


def _is_scsi_hostdev(device: etree._Element) -> bool:
    return device.tag == "hostdev" and device.get("mode", "subsystem") == "subsystem" and device.get("type") == "scsi"


def _drive_map(facts_: Facts) -> None:
    disk_buses = facts_.disk_buses
    # a disk has a drive only when it has a bus
    disks = [(disk_buses[disk] or "", drive) for disk, drive in facts_.disk_drives.items() if drive is not None]
    hostdevs = []
    for device, address in facts_.by_kind.get("drive", ()):
        if _is_scsi_hostdev(device):
            drive = read_drive(address, device)
            if drive is not None:
                hostdevs.append(drive)
    if len(disks) + len(hostdevs) < 2:
        return  # nothing to conflict with
    scsi_hostdev_keys = {h.key: h for h in hostdevs}
    # disks named into a SCSI hostdev's address (virDomainDiskDefAssignAddress)
    for bus, drive in disks:
        if drive.derived and bus == "scsi" and drive.key in scsi_hostdev_keys:
            dev = drive.element.get("dev")
            facts_.drive.append(Refusal(
                drive.element, "dev",
                f"using disk target name '{dev}' conflicts with SCSI host device address controller="
                f"'{drive.controller}' bus='0' target='0' unit='{drive.unit}'",
                "give the disk an explicit <address type='drive'> or the host device another unit"))
    # hostdevs on a SCSI disk's address (virDomainHostdevDefPostParse)
    scsi_disk_keys = {d.key for b, d in disks if b == "scsi" and not (d.derived and d.key in scsi_hostdev_keys)}
    for h in hostdevs:
        if h.key in scsi_disk_keys:
            facts_.drive.append(Refusal(
                h.element, None,
                f"SCSI host address controller='{h.controller}' bus='{h.bus}' target='{h.target}' "
                f"unit='{h.unit}' in use by a SCSI disk", "give the host device a free unit"))
    # two disks on one bus and address (virDomainDefDuplicateDriveAddressesValidate)
    seen: dict[tuple[str, tuple[int, int, int, int]], DriveAddress] = {}
    for bus, drive in disks:
        key = (bus, drive.key)
        if key in seen:
            first = seen[key]
            dev = first.device.find("target")
            name = dev.get("dev") if dev is not None else "?"
            facts_.drive.append(Refusal(
                drive.element, "dev" if drive.derived else None,
                f"Found duplicate drive address for disk with target name '{name}' controller="
                f"'{drive.controller}' bus='{drive.bus}' target='{drive.target}' unit='{drive.unit}'",
                f"the disk on line {first.device.sourceline} has the same {bus} address; use another unit"))
        else:
            seen[key] = drive
    seen_hostdevs: dict[tuple[int, int, int, int], DriveAddress] = {}
    for h in hostdevs:
        if h.key in seen_hostdevs:
            # libvirt prints bus and controller swapped in this message
            facts_.drive.append(Refusal(
                h.element, None,
                f"SCSI host address controller='{h.bus}' bus='{h.controller}' target='{h.target}' "
                f"unit='{h.unit}' in use by another SCSI host device", "give each SCSI host device its own unit"))
        else:
            seen_hostdevs[h.key] = h


# -- virtio-serial ------------------------------------------------------------

DEFAULT_VIRTIO_SERIAL_PORTS = 31


def _virtio_serial_map(facts_: Facts) -> None:
    addressed = facts_.by_kind.get("virtio-serial")
    if not addressed:
        return
    ports: dict[int, int | None] = {}
    for c in facts_.controllers_of("virtio-serial"):
        if c.index is None:
            continue
        ports_text = c.element.get("ports")
        count = int_attr(ports_text) if ports_text is not None else DEFAULT_VIRTIO_SERIAL_PORTS
        ports[c.index] = count if count is not None and count >= 0 else None
    taken: set[tuple[int, int]] = set()
    added: set[int] | None = None
    # libvirt reserves the complete address (a port) of every device (virDomainVirtioSerialAddrSetCreateFromDomain)
    for device, address in addressed:
        controller = uint10(address.get("controller", "0"))
        port = uint10(address.get("port", "0"))
        if controller is None or port is None or port == 0:
            continue
        if controller in ports:
            count = ports[controller]
        else:
            if added is None:
                added = _added_virtio_serial_controllers(facts_)
            if controller not in added:
                facts_.virtio_serial.append(Refusal(
                    address, "controller", f"virtio serial controller {controller} is missing",
                    f"add <controller type='virtio-serial' index='{controller}'/>, or drop the <address>"))
                continue
            count = DEFAULT_VIRTIO_SERIAL_PORTS  # added by libvirt with the default port count
        if count is not None and port >= count:
            facts_.virtio_serial.append(Refusal(
                address, "port", f"virtio serial controller {controller} does not have port {port}",
                f"its ports are 1..{count - 1}; raise ports= on the controller or pick a lower port"))
            continue
        if (controller, port) in taken:
            facts_.virtio_serial.append(Refusal(
                address, "port", f"virtio serial port {port} on controller {controller} is already occupied",
                "give each channel its own port, or drop port= so libvirt picks one"))
            continue
        taken.add((controller, port))
    if not facts_.virtio_serial and any(uint10(address.get("port", "0")) == 0 for _, address in addressed):
        # (a device names its controller but not its port: libvirt picks one, and may find none free)
        if added is None:
            added = _added_virtio_serial_controllers(facts_)
        for index in added - set(ports):
            ports[index] = DEFAULT_VIRTIO_SERIAL_PORTS
        _assign_virtio_serial_ports(facts_, ports, taken)


def _assign_virtio_serial_ports(facts_: Facts, ports: dict[int, int | None], taken: set[tuple[int, int]]) -> None:
    """qemuDomainAssignVirtioSerialAddresses, after the complete addresses are reserved: each virtio console, then
    each virtio channel, without a port gets one. One naming its controller gets the first free port above 0 there,
    or is refused (virDomainVirtioSerialAddrNextFromController); one without a virtio-serial address gets the first
    free port of the first controller that has one (from 0 for a console), or a new controller."""
    assert facts_.devices_element is not None
    devices = facts_.devices_element
    for tag in ("console", "channel"):
        for device in devices.iterchildren(tag):
            target = facts_.target_of.get(device)
            if target is None or target.get("type") != "virtio":
                continue
            address = facts_.address_of.get(device)
            if address is not None and address.get("type") == "virtio-serial":  # (it names its controller)
                if uint10(address.get("port", "0")) != 0:
                    continue  # (complete: reserved above)
                controller = uint10(address.get("controller", "0"))
                count = ports.get(controller) if controller is not None else None
                if controller is None or count is None:
                    return  # (a controller this model cannot count: nothing to say)
                port = next((p for p in range(1, count) if (controller, p) not in taken), None)
                if port is None:
                    facts_.virtio_serial.append(Refusal(
                        address, "controller", f"Unable to find a free port on virtio-serial controller {controller}",
                        f"raise ports= on virtio-serial controller {controller}, or name another controller"))
                    return
                taken.add((controller, port))
                continue
            start = 0 if tag == "console" else 1  # (port 0 is the virtio console's)
            for index in sorted(ports):
                count = ports[index]
                if count is None:
                    return
                port = next((p for p in range(start, count) if (index, p) not in taken), None)
                if port is not None:
                    taken.add((index, port))
                    break
            else:  # (virDomainVirtioSerialAddrSetAutoaddController: the first free index, default ports)
                index = next(i for i in range(len(ports) + 1) if i not in ports)
                ports[index] = DEFAULT_VIRTIO_SERIAL_PORTS
                taken.add((index, start))


def _added_virtio_serial_controllers(facts_: Facts) -> set[int]:
    """The virtio-serial controllers libvirt adds (virDomainDefMaybeAddVirtioSerialController): one for each virtio
    channel and console, of the index its virtio-serial address names (0 without one)."""
    added: set[int] = set()
    if facts_.devices_element is None:
        return added
    for device in facts_.devices_element.iterchildren("channel", "console"):
        target = facts_.target_of.get(device)
        if target is None or target.get("type") != "virtio":
            continue
        address = facts_.address_of.get(device)
        index = uint10(address.get("controller", "0")) if address is not None and \
            address.get("type") == "virtio-serial" else 0
        if index is not None:
            added.add(index)
    return added


# -- s390: CCW and zPCI -------------------------------------------------------


def _s390_maps(facts_: Facts) -> None:
    if "ccw" not in facts_.by_kind and not facts_.platform.is_s390:
        return  # (the usual) no CCW address, and zPCI only counts on s390
    devnos: dict[tuple[int, int, int], etree._Element] = {}
    for device, address in _addressed(facts_, "ccw"):
        values = [prop_uint(address.get(n), 0) if address.get(n) is not None else None
                  for n in ("cssid", "ssid", "devno")]
        if any(v is None for v in values):
            continue
        key = tuple(values)
        if key in devnos:
            cssid, ssid, devno = values
            facts_.s390.append(Refusal(address, "devno",
                                       f"The CCW devno '{cssid:x}.{ssid:x}.{devno:04x}' is in use already",
                                       "give each device its own devno"))
        else:
            devnos[key] = address  # type: ignore[index]
    if not facts_.platform.is_s390:
        return
    for what in ("uid", "fid"):
        seen: set[int] = set()
        for device, address in _addressed(facts_, "pci"):
            zpci = facts_.zpci(address)
            if zpci is None or zpci.get(what) is None:
                continue
            value = prop_uint(zpci.get(what), 0)
            if value is None or (what == "uid" and not 0 < value <= 0xFFFF):
                continue
            if value in seen:
                facts_.s390.append(Refusal(zpci, what, f"zPCI {what} {value:o} is already reserved",
                                           f"give each zPCI device its own {what}"))
            seen.add(value)


# -- pSeries: spapr-vio -------------------------------------------------------


def _spapr_vio_map(facts_: Facts) -> None:
    if facts_.platform.arch not in PPC64:
        return
    seen: set[int] = set()
    for device, address in _addressed(facts_, "spapr-vio"):
        if address.get("reg") is None:
            continue
        reg = prop_uint(address.get("reg"), 16)  # strtoull base 16: an optional 0x
        if reg is None:
            continue
        if reg in seen:
            facts_.spapr_vio.append(Refusal(address, "reg", f"spapr-vio address {reg:#x} already in use",
                                            "give each spapr-vio device its own reg"))
        seen.add(reg)


#: What a rule with nothing to report returns: an exhausted iterator, shared (it stays exhausted)
NOTHING: Iterator[Problem] = iter(())


def as_problems(found: list[Refusal]) -> Iterator[Problem]:
    for item in found:
        yield Problem(Anchor(item.element, item.attribute), item.message, hint=item.hint)
