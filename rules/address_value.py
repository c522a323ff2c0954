"""VL700 address-value: an <address> whose numbers libvirt refuses for its type or bus."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, prop_uint
from virtlint.rules._addresses import (NOTHING, DriveAddress, Facts, facts, number_problem, pci_range_error,
                                      read_drive)
from virtlint.rules._devices import QEMU_START, signed_copy_message
from virtlint.rules._libvirt_enums import PROP, SWITCH_OR_ABSENT, VIRTIO_SCSI_MODELS

#: A virtio-scsi bus's highest target and LUN (QEMU's VIRTIO_SCSI_MAX_TARGET, VIRTIO_SCSI_MAX_LUN)
VIRTIO_SCSI_MAX_TARGET, VIRTIO_SCSI_MAX_LUN = 255, 16383
#: SCSI controller model -> (the highest target, the highest unit) QEMU's bus takes (scsi_qdev_realize: "bad scsi
#: device id/lun"; checked on 9.0 with QEMU 7.2 on both sides); a model whose device takes the unit as its SCSI id
#: (libvirt writes scsi-id=unit and no target for lsilogic and QEMU's ESP chips) has the id limit on the unit
SCSI_LIMITS: dict[str, tuple[int | None, int]] = {
    "lsisas1068": (8, 1), "lsisas1078": (64, 255), "vmpvscsi": (64, 0),
    **{model: (None, 7) for model in ("lsilogic", "am53c974", "dc390", "ncr53c90")},
}
#: QEMU's floppy controller: units 0 and 1
FLOPPY_UNITS = 2
#: Drive address fields each disk bus allows (qemuValidateDomainDeviceDefAddressDrive): (field, allowed, message).
DRIVE_LIMITS: dict[str, tuple[tuple[str, str], ...]] = {
    "scsi": (("bus", "SCSI controller only supports 1 bus"),),
    "ide": (("controller", "Only 1 IDE controller is supported"), ("target", "target must be 0 for ide controller")),
    "fdc": (("controller", "Only 1 fdc controller is supported"), ("bus", "Only 1 fdc bus is supported"),
            ("target", "target must be 0 for controller fdc")),
    "sata": (("bus", "bus must be 0 for sata controller"), ("target", "target must be 0 for sata controller")),
}

#: The numbers virDomainDeviceAddressParseXML reads for each address type, in its order: (attribute, base, bits,
#: required), each with virXMLPropUInt (64 bits: virXMLPropULongLong). A USB address's port is VL705's; a PCI
#: address's numbers are read once for every rule (``Facts.pci_numbers``), then its multifunction and <zpci>.
ADDRESS_NUMBERS: dict[str, tuple[tuple[str, int, int, bool], ...]] = {
    "pci": tuple((name, 0, 32, False) for name in ("domain", "bus", "slot", "function")),
    "drive": tuple((name, 10, 32, False) for name in ("controller", "bus", "target", "unit")),
    "virtio-serial": tuple((name, 10, 32, False) for name in ("controller", "bus", "port")),
    "ccid": (("controller", 10, 32, False), ("slot", 10, 32, False)),
    "usb": (("bus", 10, 32, False),),
    "spapr-vio": (("reg", 16, 64, False),),
    "ccw": tuple((name, 0, 32, False) for name in ("cssid", "ssid", "devno")),
    "isa": (("iobase", 16, 32, False), ("irq", 16, 32, False)),
    "dimm": (("slot", 10, 32, True), ("base", 16, 64, False)),
}
def parse_problem(address: etree._Element, kind: str | None) -> Problem | None:
    """The first number (or PCI multifunction switch) of a device's <address> libvirt's parser cannot read."""
    get = address.get
    for attribute, base, bits, required in ADDRESS_NUMBERS.get(kind, ()):  # type: ignore[arg-type]
        text = get(attribute)
        # (the usual value, a few plain digits, is readable in base 10 and 16: tested without a call; not in base
        # 0, where '08' is a bad octal number)
        if text is None and required or text is not None and not (
                base != 0 and len(text) < 8 and text.isascii() and text.isdigit()):
            problem = number_problem(address, attribute, base, bits, required)
            if problem is not None:
                return problem
    if kind != "pci":
        return None
    multifunction = address.get("multifunction")
    if multifunction not in SWITCH_OR_ABSENT:
        return Problem(Anchor(address, "multifunction"),
                       PROP.format(attribute="multifunction", element="address", value=multifunction),
                       replacements=("on", "off"))
    zpci = Facts.zpci(address)
    if zpci is not None:
        for attribute in ("uid", "fid"):
            problem = number_problem(zpci, attribute, 0, 32, False)
            if problem is not None:
                return problem
    return None


@register
class AddressValue(Rule):
    """
    ## What it does
    Checks the numbers of each device's `<address>` the way libvirt parses
    and validates them:

    - every number the parser reads for the address's type, in that type's
      base: `pci` `domain`, `bus`, `slot`, `function` (decimal, `0x` hex or
      `0` octal) and its `<zpci>` `uid` and `fid`; `drive` `controller`,
      `bus`, `target`, `unit`, `virtio-serial` `controller`, `bus`, `port`,
      `ccid` `controller`, `slot`, `usb` `bus` and `dimm` `slot` (decimal;
      `slot` is required); `isa` `iobase`, `irq`, `spapr-vio` `reg` and
      `dimm` `base` (hexadecimal); `ccw` `cssid`, `ssid`, `devno`; and a PCI
      address's `multifunction` (`on` or `off`). libvirt stops at the first
      it cannot read, so nothing else of that address is checked;
    - `pci`: `bus` at most `0xFF`, `slot` at most `0x1F`, `function` at most
      7 (numbers may be decimal, `0x` hex or `0` octal, as libvirt reads
      them); a `<zpci>` `uid` between `0x0001` and `0xffff`;
    - `ccw`: `cssid` at most `0xfe`, `ssid` at most 3, `devno` at most
      `0xffff`, and all three or none;
    - `spapr-vio`: `reg` at most `0xffffffff`;
    - `drive`: the fields each bus has only one of: SCSI has bus 0 only (and
      target 0 on an `lsilogic` controller; a warning on a SCSI controller
      without a model, or none written, which libvirt makes `lsilogic` where
      QEMU has the device, as upstream QEMU does and RHEL's does not), IDE
      controller 0 and target 0,
      the floppy controller controller 0, bus 0 and target 0, SATA bus 0
      and target 0 (disks, and SCSI host devices, which count as SCSI); a
      disk without `<address>` is checked with the address libvirt derives
      from its name (`hde` is IDE controller 1, which QEMU does not have);
    - at start QEMU refuses SATA units above 5 (an AHCI controller has 6
      ports), and IDE buses and units above 1 on an i440fx machine (its
      piix3-ide has buses 0 and 1 of two units each: `Bus 'ide.2' not
      found`, `Can't create IDE unit 2, bus supports only 2 units`; libvirt's
      own test suite counts such definitions as valid, since it stops before
      QEMU runs; a warning on other machines, whose IDE controllers are not
      modelled); floppy units above 1 (`Can't create floppy
      unit 2, bus supports only 2 units`); on a virtio-scsi controller, a
      target above 255 or a unit above 16383 (`bad scsi device id: 300`,
      scsi_qdev_realize), and each other model's limits (`lsisas1068`
      targets 0-8 and units 0-1, `lsisas1078` 0-64 and 0-255, `vmpvscsi`
      0-64 and unit 0; `lsilogic` and QEMU's ESP chips `am53c974`, `dc390`,
      `ncr53c90` take the unit as the SCSI id, 0-7); a `bus`, `target` or
      `unit` above 2147483647, which libvirt writes with `%d` on the copy it
      parses again to start (`Invalid value for attribute 'unit' in element
      'address': '-2147483648'`); each checked on 9.0 with QEMU 7.2.

    ## Why is this bad?
    libvirt refuses the domain at define time: `Invalid value for attribute
    'iobase' in element 'address': 'x'. Expected non-negative integer value`,
    `Missing required attribute 'slot' in element 'address'`
    (virDomainDeviceAddressParseXML and the readers of each type: the
    parser every driver shares, checked here, with the rest of the rule, for
    QEMU domains; each type's checked with libvirt 9.0), `Invalid PCI address
    bus='0x100', must be <= 0xFF` (`virPCIDeviceAddressIsValid`), `Invalid PCI
    address uid='0x0000', must be > 0x0000 and <= 0xffff`
    (`qemuValidateDomainDeviceDefZPCIAddress`), `Invalid specification for
    virtio ccw address`, `Invalid partial specification for virtio ccw
    address` (`virCCWDeviceAddressParseXML`), `spapr-vio reg='0x...' exceeds
    maximum possible value (0xffffffff)`, `target must be 0 for ide
    controller` (`qemuValidateDomainDeviceDefAddressDrive`). Same in libvirt
    9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memballoon model='virtio'><address type='pci' bus='0x00' slot='0x20' function='0x0'/></memballoon>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memballoon model='virtio'><address type='pci' bus='0x00' slot='0x1e' function='0x0'/></memballoon>
      </devices></domain>
    ```
    """

    code = "VL700"
    name = "address-value"
    severity = Severity.ERROR
    summary = "An address number out of the range libvirt accepts for its type or bus."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        disk_drives = found.disk_drives
        # the usual document: disks' drive addresses within every bus's limits (units 0 and 1 on controller,
        # bus and target 0), PCI addresses without <zpci> that parse in range, no address of another checked type
        for device in found.unaddressed_disks:
            drive = disk_drives.get(device)
            if drive is not None and (drive.controller or drive.bus or drive.target or drive.unit > 1):
                return self._problems(found)
        pci_numbers = found.pci_numbers
        for device, address, kind in found.addressed:
            if kind == "pci":
                numbers = pci_numbers[address]
                if numbers is None or len(address) or pci_range_error(numbers) or \
                        address.get("multifunction") not in SWITCH_OR_ABSENT:
                    return self._problems(found)
            elif kind == "drive":
                # (a disk's drive address whose numbers do not parse has no DriveAddress)
                drive = disk_drives.get(device) if device.tag == "disk" else None
                if drive is None or drive.controller or drive.bus or drive.target or drive.unit > 1 or \
                        drive.unit == 1 and found.disk_buses.get(device) == "scsi":
                    return self._problems(found)
            elif kind in ("ccw", "spapr-vio") or kind in ADDRESS_NUMBERS and parse_problem(address, kind):
                return self._problems(found)
        return NOTHING

    def _problems(self, found: Facts) -> Iterator[Problem]:
        disk_drives = found.disk_drives
        for device in found.unaddressed_disks:  # the address libvirt derives from the name is validated the same way
            if disk_drives.get(device) is not None:
                yield from self._drive(found, device, None)
        for device, address, kind in found.addressed:
            problem = parse_problem(address, kind)
            if problem is not None:  # the parser stops there: nothing else of this address is checked
                yield problem
                continue
            if kind == "pci":
                yield from self._pci(found, address)
            elif kind == "ccw":
                yield from self._ccw(address)
            elif kind == "spapr-vio":
                reg = prop_uint(address.get("reg"), 16) if address.get("reg") else None
                text = (address.get("reg") or "").strip().lower().removeprefix("0x")
                if reg is None and text and all(c in "0123456789abcdef" for c in text):
                    yield Problem(Anchor(address, "reg"),
                                  f"spapr-vio reg='0x{int(text, 16):x}' exceeds maximum possible value (0xffffffff)",
                                  hint="use a reg of at most 0xffffffff")
            elif kind == "drive":
                yield from self._drive(found, device, address)

    @staticmethod
    def _pci(found: Facts, address: etree._Element) -> Iterator[Problem]:
        error = pci_range_error(found.pci_numbers[address])
        if error:
            attribute, message = error
            limit = {"bus": "0xff", "slot": "0x1f", "function": "7"}[attribute]
            yield Problem(Anchor(address, attribute), message, hint=f"use a {attribute} of at most {limit}")
        zpci = found.zpci(address)
        if zpci is not None and zpci.get("uid") is not None:
            uid = prop_uint(zpci.get("uid"), 0)
            if uid is not None and not 0 < uid <= 0xFFFF:
                yield Problem(Anchor(zpci, "uid"),
                              f"Invalid PCI address uid='0x{uid:04x}', must be > 0x0000 and <= 0xffff",
                              hint="use a uid from 0x0001 to 0xffff, or leave it out for libvirt to pick")

    def _ccw(self, address: etree._Element) -> Iterator[Problem]:
        names = ("cssid", "ssid", "devno")
        values = {n: prop_uint(address.get(n), 0) if address.get(n) is not None else 0 for n in names}
        if any(v is None for v in values.values()):
            return
        cssid, ssid, devno = (values[n] for n in names)
        if cssid > 254 or ssid > 3 or devno > 0xFFFF:  # type: ignore[operator]
            yield Problem(Anchor(address),
                          f"Invalid specification for virtio ccw address: cssid='{cssid:#x}' ssid='{ssid:#x}' "
                          f"devno='0x{devno:04x}'", hint="cssid is at most 0xfe, ssid at most 3, devno at most 0xffff")
            return
        present = [address.get(n) is not None for n in names]
        if any(present) and not all(present):
            yield Problem(Anchor(address), "Invalid partial specification for virtio ccw address",
                          hint="give cssid, ssid and devno together, or none of them")

    @staticmethod
    def _drive(found: Facts, device: etree._Element, address: etree._Element | None) -> Iterator[Problem]:
        if device.tag == "disk":
            bus = found.disk_buses[device]
        elif device.tag == "hostdev":
            bus = "scsi"
        else:
            return
        if bus not in DRIVE_LIMITS:
            return
        drive: DriveAddress | None = (found.disk_drives.get(device) if device.tag == "disk"
                                      else read_drive(address, device))  # type: ignore[arg-type]
        if drive is None:
            return
        if not (drive.controller or drive.bus or drive.target) and (
                drive.unit == 0 or drive.unit == 1 and bus != "scsi"):
            return  # every limit below allows it (a SCSI unit 1 is refused by vmpvscsi)
        for name, message in DRIVE_LIMITS[bus]:
            if getattr(drive, name) != 0:
                if drive.derived:
                    yield Problem(Anchor(drive.element, "dev"), message,
                                  hint=f"the name '{drive.element.get('dev')}' means {bus} {name} "
                                       f"{getattr(drive, name)}; use an earlier name or an explicit <address>")
                else:
                    yield Problem(Anchor(address, name), message, hint=f"use {name}='0'")
                return
        if address is not None:
            for name in ("bus", "target", "unit"):  # (a huge controller index: libvirt adds controllers up to it)
                if getattr(drive, name) > INT_MAX:
                    # (virDomainDeviceInfoFormat writes them with %d on the copy the start parses again)
                    yield Problem(Anchor(address, name), signed_copy_message(name, "address", getattr(drive, name)),
                                  hint=f"a {name} up to {INT_MAX}")
                    return
        anchor = Anchor(drive.element, "dev" if drive.derived else "unit")
        # i440fx's piix3-ide has buses ide.0 and ide.1 of two units each, which QEMU refuses to exceed at start
        # (checked on 9.0 with QEMU 7.2; libvirt's own suite keeps such disks among its valid configurations: its
        # tests never start QEMU). Other machines' IDE controllers are not modelled: a warning there.
        ide_severity = None if found.platform.is_i440fx else Severity.WARNING
        if bus == "ide" and drive.bus > 1:
            yield Problem(Anchor(drive.element, "dev" if drive.derived else "bus"),
                          f"Bus 'ide.{drive.bus}' not found" + QEMU_START,
                          hint="an IDE controller has buses 0 and 1", severity=ide_severity)
        elif bus == "ide" and drive.unit > 1:
            yield Problem(anchor, f"Can't create IDE unit {drive.unit}, bus supports only 2 units" + QEMU_START,
                          hint="use unit 0 or 1", severity=ide_severity)
        elif bus == "fdc" and drive.unit >= FLOPPY_UNITS:
            yield Problem(anchor, f"Can't create floppy unit {drive.unit}, bus supports only {FLOPPY_UNITS} units"
                          + QEMU_START, hint="a floppy controller has units 0 and 1 (fda and fdb)")
        elif bus == "sata" and drive.unit > 5:
            yield Problem(anchor, f"SATA unit {drive.unit} does not exist: an AHCI controller has 6 ports, units 0-5 "
                          f"(QEMU refuses it at start: Bus 'ide.{drive.unit}' not found)",
                          hint="use a unit from 0 to 5, or another SATA controller")
        if bus == "scsi" and (drive.target != 0 or drive.unit > 0):
            model = next((c.model for c in found.controllers_of("scsi") if c.index == drive.controller), None)
            if model in VIRTIO_SCSI_MODELS:
                # (scsi_qdev_realize, at start: virtio-scsi's VIRTIO_SCSI_MAX_TARGET and VIRTIO_SCSI_MAX_LUN; checked
                # on 9.0 with QEMU 7.2: target 256 and unit 16384 refused, 255 and 16383 taken; libvirt checks neither)
                if drive.target > VIRTIO_SCSI_MAX_TARGET:
                    yield Problem(Anchor(address, "target"), f"bad scsi device id: {drive.target}" + QEMU_START,
                                  hint=f"a virtio-scsi controller has targets 0-{VIRTIO_SCSI_MAX_TARGET}")
                elif drive.unit > VIRTIO_SCSI_MAX_LUN:
                    yield Problem(Anchor(address, "unit"), f"bad scsi device lun: {drive.unit}" + QEMU_START,
                                  hint=f"a virtio-scsi target has units 0-{VIRTIO_SCSI_MAX_LUN}")
            elif model in SCSI_LIMITS and not drive.derived and _scsi_limit(drive, model, address) is not None:
                yield _scsi_limit(drive, model, address)  # type: ignore[misc]
            elif drive.target and model == "lsilogic":
                yield Problem(Anchor(address, "target"), "target must be 0 for controller model 'lsilogic'",
                              hint="use target='0' and tell disks apart by unit")
            elif drive.target and model in (None, "auto") and found.platform.arch != "loongarch64" and not (
                    found.platform.is_pseries or found.platform.is_s390):
                # a controller without a model, or the one libvirt adds, gets lsilogic where QEMU has the device
                # (qemuDomainGetSCSIControllerModel): upstream QEMU does, RHEL's builds do not (virtio-scsi then)
                yield Problem(Anchor(address, "target"), "target must be 0 for controller model 'lsilogic' (where "
                              f"QEMU has it, libvirt gives SCSI controller {drive.controller} lsilogic, as it has no "
                              "model)", hint="give the controller model='virtio-scsi', or use target='0'",
                              severity=Severity.WARNING)


def _scsi_limit(drive: DriveAddress, model: str, address: etree._Element | None) -> Problem | None:
    """A SCSI address beyond what the controller model's QEMU bus takes (at start)."""
    max_target, max_unit = SCSI_LIMITS[model]
    if max_target is not None and drive.target > max_target:
        return Problem(Anchor(address, "target"), f"bad scsi device id: {drive.target}" + QEMU_START,
                       hint=f"a {model} controller has targets 0-{max_target}")
    if drive.unit > max_unit:
        if max_target is None:  # (the unit is the device's SCSI id)
            return Problem(Anchor(address, "unit"), f"bad scsi device id: {drive.unit}" + QEMU_START,
                           hint=f"a {model} controller has SCSI ids 0-{max_unit}, written as the unit")
        return Problem(Anchor(address, "unit"), f"bad scsi device lun: {drive.unit}" + QEMU_START,
                       hint=f"a {model} target has units 0-{max_unit}")
    return None
