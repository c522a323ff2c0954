"""What the character device rules (VL760, VL761, VL763) share: which <devices> children hold a character device
source, the console libvirt makes an alias of a serial, and the ISA serial port check."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.model import Anchor, Context, Problem
from virtlint.linter.units import parse_int
from virtlint.rules._devices import is_arm_virt, is_loongarch_virt, is_pseries, is_riscv_virt, is_s390, is_x86
from virtlint.rules._support import first_child

CHARDEVS = ("serial", "parallel", "console", "channel")
#: The <devices> children that hold a character device source.
SOURCE_HOLDERS = (*CHARDEVS, "redirdev", "rng", "smartcard")
#: VIR_MAX_ISA_SERIAL_PORTS
ISA_PORTS = 4
#: Each character device's target types in libvirt's enum order (virDomainChr{Serial,Channel,Console}Target; a
#: parallel port has none: its target type is always 0).
TARGET_TYPES = {
    "serial": ("none", "isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial", "system-serial", "sclp-serial",
               "isa-debug"),
    "channel": ("none", "guestfwd", "virtio", "xen"),
    "console": ("none", "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm"),
}
#: VIR_DOMAIN_CHR_CHANNEL_TARGET_TYPE_VIRTIO, which virDomainChrDefParseXML compares every device's target type
#: with when the source is spicevmc: the value stands for usb-serial on a serial and xen on a console
SPICEVMC_TARGET_VALUE = 2


def _serial_console_devices(element: etree._Element) -> etree._Element | None:
    """The <devices> of the first <console> of an HVM domain whose target is serial (or none, which
    virDomainChrDefPostParse makes serial): virDomainDefAddConsoleCompat's subject; None for another console."""
    parent = element.getparent()
    root = parent.getparent() if parent is not None else None
    if root is None or parent.find("console") is not element:
        return None
    os_type = root.find("os/type")
    if os_type is None or (os_type.text or "").strip() != "hvm":
        return None
    target = element.find("target")
    return parent if target is None or target.get("type") in (None, "serial", "none") else None


def serial_alias_console(element: etree._Element) -> bool:
    """The first <console> of an HVM domain with a serial target (or none) while a <serial> exists: libvirt
    makes it an alias of the first serial, dropping its own source (virDomainDefAddConsoleCompat), so its
    source is never validated."""
    devices = _serial_console_devices(element)
    return devices is not None and devices.find("serial") is not None


def console_made_serial(element: etree._Element) -> bool:
    """The first <console> of an HVM domain with a serial target (or none) and no <serial>: libvirt moves it,
    address and all, to a new serial port with the default target type (virDomainDefAddConsoleCompat), which the
    QEMU driver makes the arch's (qemuDomainChrDefPostParse), and validates it as that serial port."""
    devices = _serial_console_devices(element)
    return devices is not None and devices.find("serial") is None


def serial_type(written: str | None, ctx: Context) -> str | None:
    """A serial port's target type as the QEMU driver keeps it (qemuDomainChrDefPostParse): none written, 'none'
    (the enum's 0) and isa-serial become the arch's default; None when that is unknown."""
    return default_serial_type(ctx) if written in (None, "none", "isa-serial") else written


def default_serial_type(ctx: Context) -> str | None:
    """The target type the QEMU driver gives a serial port without one, or with isa-serial
    (qemuDomainChrDefPostParse): the arch's and machine's; None when libvirt leaves it unset or it is unknown."""
    if is_x86(ctx):
        return "isa-serial"
    if is_pseries(ctx):
        return "spapr-vio-serial"
    if is_arm_virt(ctx) or is_loongarch_virt(ctx) or is_riscv_virt(ctx):
        return "system-serial"
    if is_s390(ctx):
        return "sclp-serial"
    return None


def source_holders(element: etree._Element, keep_alias: bool = False) \
        -> Iterator[tuple[etree._Element, etree._Element | None, etree._Element]]:
    """(the device, its char device or None, the element holding type and <source>) for each character device
    source a <devices> child holds, as libvirt keeps them (the console aliasing a serial holds none, unless
    ``keep_alias``)."""
    if not keep_alias and element.tag == "console" and serial_alias_console(element):
        return
    if element.tag in CHARDEVS:
        yield element, element, element
    elif element.tag == "redirdev":
        yield element, None, element
    elif element.tag == "rng":
        backend = first_child(element, "backend")
        if backend is not None and backend.get("model") == "egd":
            yield element, None, backend
    elif element.tag == "smartcard" and element.get("mode") == "passthrough":
        yield element, None, element


def isa_serial_ports(targets: list[etree._Element]) -> Problem | None:
    """virDomainChrIsaSerialDefPostParse. It runs before the device post-parse that gives a serial without a target
    type its arch's default, so it counts the serials whose <target type='isa-serial'> is written (checked on 9.0:
    five plain serials are defined, five isa-serial ones are not)."""
    entries = []
    for target in targets:
        written = target.get("port")
        port = parse_int(written) if written is not None else -1
        if port is None:
            continue  # unreadable: the parser's (VL851)
        entries.append((target, port, written is not None))
    return isa_serial_problem(entries)


def written_isa_serial_problem(serials: list[etree._Element]) -> Problem | None:
    """``isa_serial_ports`` on the serials whose target is written isa-serial: what libvirt refuses at define."""
    return isa_serial_ports([found for serial in serials if (found := first_child(serial, "target")) is not None
                             and found.get("type") == "isa-serial"])


def isa_serial_problem(serials: list[tuple[etree._Element, int, bool]], suffix: str = "") -> Problem | None:
    """virDomainChrIsaSerialDefPostParse's verdict on the ISA serials, as (element to anchor on, port (-1: none),
    whether the port is written) in document order; ``suffix`` ends the message (the start-time rule's note)."""
    used: set[int] = set()
    for count, (element, port, written) in enumerate(serials):
        if count >= ISA_PORTS or port >= ISA_PORTS:
            return Problem(Anchor(element, "port") if port >= ISA_PORTS and written else Anchor(element),
                           f"Maximum supported number of ISA serial ports is '{ISA_PORTS}'{suffix}",
                           hint="ISA serial ports are numbered 0 to 3; use <target type='pci-serial'> or "
                                "'usb-serial' for more")
        if port != -1:
            if port in used:
                return Problem(Anchor(element, "port") if written else Anchor(element),
                               f"target port '{port}' already allocated{suffix}",
                               hint="give each ISA serial its own port, or leave port out")
            used.add(port)
    return None


def spicevmc_target_problem(chardev: etree._Element) -> Problem | None:
    """virDomainChrDefParseXML: a spicevmc character device (serial, parallel, console or channel) on a target whose
    enum value is not the virtio channel's; None when that is not libvirt's first refusal of it."""
    target = first_child(chardev, "target")
    types = TARGET_TYPES.get(chardev.tag, ("none",))
    written = target.get("type") if target is not None else None
    if written is not None and written not in types:
        return None  # a target type the parser refuses first (VL850)
    if chardev.tag == "channel" and written is None:
        return None  # 'target type must be specified' first (VL761)
    if (types.index(written) if written is not None else 0) == SPICEVMC_TARGET_VALUE:
        return None
    return Problem(Anchor(target, "type") if written is not None else Anchor(chardev, "type"),
                   "spicevmc device type only supports virtio",
                   hint="use spicevmc on a <channel> with <target type='virtio' name='com.redhat.spice.0'/>, "
                        "or another source type (pty) here")
