"""VL789 hostdev-config: host device sources, attributes, ROM and ACPI settings, teaming and models libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import UINT_MAX, c_number0, parse_uint, prop_uint
from virtlint.rules._addresses import number_problem, source_pci_problem
from virtlint.rules._devices import LIBVIRT_START, effective_arch, qemu_driver
from virtlint.rules._storage import SECRET_USAGES, iscsi_lun, network_hosts, storage_auth
from virtlint.rules._support import first_child

#: (hostdev type, mdev model or None) -> the kind of device libvirt names when refusing its boot order.
NO_BOOT = {("mdev", "vfio-pci"): "mediated devices of model vfio-pci", ("mdev", "vfio-ap"): "mediated devices of model "
           "vfio-ap", ("scsi_host", None): "vhost SCSI devices"}


#: virValidateWWN as the vhost-scsi parser applies it: 'naa.' and 16 hex digits, '0x' allowed before them
_WWPN = lazy_compile(r"naa\.(0x)?[0-9A-Fa-f]{16}")

#: the mdev models QEMU has on s390x only, and the validation message a guest of another arch gets
S390_MDEV = {"vfio-ccw": "VFIO CCW device assignment is not supported by this version of QEMU",
             "vfio-ap": "VFIO AP device assignment is not supported by this version of QEMU"}

#: the address types a device's <rom> options and <acpi index> are allowed with (qemuValidateDomainDeviceInfo)
ROM_ADDRESSES = (None, "pci", "unassigned")
ACPI_ADDRESSES = (None, "pci")
#: the address libvirt's post-parse gives a host device without one, where it is not PCI
IMPLIED_ADDRESS = {"usb": "usb", "scsi": "drive"}


def _iscsi(source: etree._Element) -> Problem | None:
    """virDomainHostdevSubsysSCSIiSCSIDefParseXML: a name, exactly one host, an <auth> with an iscsi secret; then,
    at start, the name's LUN."""
    if source.get("name") is None:
        return Problem(Anchor(source), "missing iSCSI hostdev source path name", hint="add name='iqn...'/LUN")
    hosts = source.findall("host")
    problem = network_hosts(source, "iscsi")
    if problem is not None:
        return problem
    if not hosts:
        return Problem(Anchor(source), "missing the host address for the iSCSI hostdev",
                       hint="add <host name='...'/>")
    if len(hosts) > 1:
        return Problem(Anchor(hosts[1]), "only one source host address may be specified for the iSCSI hostdev",
                       hint="keep one <host>")
    auth = first_child(source, "auth")
    if auth is None:
        return iscsi_lun(source)  # (at start)
    problem = storage_auth(auth)
    if problem is not None:
        return problem
    secret = first_child(auth, "secret")
    if secret is None:
        return Problem(Anchor(auth), "Missing <secret> element in auth",
                       hint="add <secret type='iscsi' usage='...'/>")
    usage = secret.get("type")
    if usage not in SECRET_USAGES:
        return Problem(Anchor(secret, "type") if usage is not None else Anchor(secret),
                       f"invalid secret type {usage if usage is not None else '(null)'}",
                       hint="use <secret type='iscsi' .../>", replacements=("iscsi",) if usage is not None else ())
    if usage != "iscsi":
        return Problem(Anchor(secret, "type"), f"hostdev invalid secret type '{usage}'", replacements=("iscsi",))
    return iscsi_lun(source)  # (at start)


def _source(hostdev: etree._Element, kind: str | None) -> Problem | None:
    """virDomainHostdevDefParseXMLSubsys and the per-type source parsers: what a source must hold."""
    if kind not in ("usb", "pci", "scsi", "scsi_host", "mdev"):
        return None  # no type, or one the parser refuses (VL850's)
    source = first_child(hostdev, "source")
    if source is None:
        return Problem(Anchor(hostdev), "Missing <source> element in hostdev device",
                       hint="add the <source> naming the host device")
    if kind != "usb" and source.get("startupPolicy") is not None:
        return Problem(Anchor(source, "startupPolicy"), "Setting startupPolicy is only allowed for USB devices",
                       hint="remove startupPolicy=")
    for attribute in ("sgio", "rawio"):
        if hostdev.get(attribute) is not None and kind != "scsi":
            return Problem(Anchor(hostdev, attribute), f"{attribute} is only supported for scsi host device",
                           hint=f"remove {attribute}=")
    if kind not in ("mdev", "scsi_host") and hostdev.get("model") is not None:
        # (libvirt's message names the device's own type)
        return Problem(Anchor(hostdev, "model"),
                       f"'model' attribute in <hostdev> is only supported when type='{kind}'",
                       hint="remove model= (it is for mdev and scsi_host host devices)")
    if kind == "pci":
        address = first_child(source, "address")
        return source_pci_problem(address) if address is not None else None
    if kind == "usb":
        vendor, product = first_child(source, "vendor"), first_child(source, "product")
        if vendor is not None and product is None:
            return Problem(Anchor(vendor), "missing product", hint="add <product id='0x...'/> beside <vendor>")
        if product is not None and vendor is None:
            return Problem(Anchor(product), "missing vendor", hint="add <vendor id='0x...'/> beside <product>")
        address = first_child(source, "address")
        if address is not None:
            return number_problem(address, "bus", 0, 32, True) or number_problem(address, "device", 0, 32, True)
    elif kind == "scsi" and source.get("protocol", "adapter") == "adapter":
        address = first_child(source, "address")
        if address is None:
            return Problem(Anchor(source), "'address' must be specified for scsi hostdev source",
                           hint="add <address bus='0' target='0' unit='0'/>")
        problem = (number_problem(address, "bus", 0, 32, True) or number_problem(address, "target", 0, 32, True)
                   or number_problem(address, "unit", 0, 64, True))
        if problem is not None:
            return problem
        adapter = first_child(source, "adapter")
        if adapter is None or not adapter.get("name"):
            return Problem(Anchor(adapter if adapter is not None else source),
                           "'adapter' name must be specified for scsi hostdev source",
                           hint="add <adapter name='scsi_host0'/>")
    elif kind == "scsi" and source.get("protocol") == "iscsi":
        return _iscsi(source)
    elif kind == "scsi_host" and source.get("protocol") == "vhost":
        wwpn = source.get("wwpn")
        if wwpn is None:
            return Problem(Anchor(source), "missing vhost-scsi hostdev source wwpn",
                           hint="add wwpn='naa.' followed by 16 hexadecimal digits")
        if not _WWPN.fullmatch(wwpn):
            return Problem(Anchor(source, "wwpn"), "malformed 'wwpn' value",
                           hint="'naa.' followed by 16 hexadecimal digits, e.g. naa.5001405df3e54061")
    return None


def _rom_disabled(hostdev: etree._Element) -> Problem | None:
    """virDomainDeviceInfoParseXML: a disabled ROM takes no bar or file."""
    rom = first_child(hostdev, "rom")
    if rom is not None and rom.get("enabled") == "no" and (rom.get("bar") in ("on", "off")
                                                           or rom.get("file") is not None):
        return Problem(Anchor(rom), "ROM tuning is not supported when ROM is disabled",
                       hint="remove bar= and file=, or enable the ROM")
    return None


def _teaming(hostdev: etree._Element, kind: str | None) -> Problem | None:
    """virDomainNetTeamingInfoParseXML's type, then virDomainHostdevDefValidate: a teaming host device is the
    transient side of a pair, and a PCI device."""
    teaming = first_child(hostdev, "teaming")
    if teaming is None:
        return None
    kind_of_team = teaming.get("type") or None  # (virXPathString reads an empty string as none)
    persistent = teaming.get("persistent") or None
    if kind_of_team is None and persistent is None:
        return None  # (nothing to read: virDomainNetTeamingInfoParseXML ignores the element)
    if kind_of_team not in ("persistent", "transient"):  # (the parser's virDomainNetTeamingInfoParseXML)
        return Problem(Anchor(teaming, "type") if kind_of_team else Anchor(teaming),
                       f"unknown teaming type '{kind_of_team if kind_of_team else '(null)'}'",
                       replacements=("transient",) if kind_of_team else ())
    if kind_of_team != "transient":
        return Problem(Anchor(teaming, "type"), "teaming hostdev devices must have type='transient'",
                       replacements=("transient",))
    if persistent is None:
        return Problem(Anchor(teaming), "missing required persistent attribute in hostdev teaming element",
                       hint="add persistent='ALIAS' naming the virtio interface it backs up")
    if hostdev.get("mode", "subsystem") != "subsystem" or kind != "pci":
        return Problem(Anchor(teaming), "teaming is only supported for pci hostdev devices", hint="remove <teaming>")
    return None


def _earlier_vfio_ap(hostdev: etree._Element) -> bool:
    """Whether a host device before this one is a vfio-ap mediated device too."""
    for other in hostdev.itersiblings("hostdev", preceding=True):
        if (other.get("mode", "subsystem") == "subsystem" and other.get("type") == "mdev"
                and other.get("model") == "vfio-ap"):
            return True
    return False


def _qemu(hostdev: etree._Element, kind: str | None, ctx: Context) -> Problem | None:
    """qemuValidateDomainDeviceInfo and qemuValidateDomainDeviceDefHostdev (QEMU driver)."""
    address = first_child(hostdev, "address")
    address_type = address.get("type") if address is not None else IMPLIED_ADDRESS.get(kind or "")
    acpi = first_child(hostdev, "acpi")
    if acpi is not None and parse_uint(acpi.get("index")) and address_type not in ACPI_ADDRESSES:
        return Problem(Anchor(acpi), "ACPI index is only supported for PCI devices", hint="remove <acpi>")
    rom = first_child(hostdev, "rom")
    if rom is not None and address_type not in ROM_ADDRESSES and (
            rom.get("enabled") in ("yes", "no") or rom.get("bar") in ("on", "off") or rom.get("file") is not None):
        return Problem(Anchor(rom), "ROM tuning is only supported for PCI devices", hint="remove <rom>")
    if kind == "pci":
        source = first_child(hostdev, "source")
        if source is not None and source.get("writeFiltering") in ("yes", "no"):
            return Problem(Anchor(source, "writeFiltering"),
                           "Write filtering of PCI device configuration space is not supported by qemu",
                           hint="remove writeFiltering= (a Xen setting)")
    if kind == "scsi" and hostdev.get("sgio") == "unfiltered":
        return Problem(Anchor(hostdev, "sgio"), "unfiltered sgio is no longer supported", replacements=("filtered",))
    if kind == "mdev":
        message = S390_MDEV.get(hostdev.get("model") or "")
        arch = effective_arch(ctx)
        if message is not None and arch is not None and arch != "s390x":
            return Problem(Anchor(hostdev, "model"), message,
                           hint=f"{hostdev.get('model')} mediated devices exist on s390x guests only")
        if hostdev.get("model") == "vfio-ap" and hostdev.find("boot") is None and _earlier_vfio_ap(hostdev):
            return Problem(Anchor(hostdev, "model"), "Only one hostdev of model vfio-ap is supported",
                           hint="keep one vfio-ap mediated device: it carries all the guest's crypto adapters")
    problem = _start_copy(hostdev, kind)
    if problem is not None:
        return problem
    if kind == "scsi" and hostdev.get("managed") == "yes":
        source = first_child(hostdev, "source")
        if source is not None and source.get("protocol", "adapter") == "adapter":
            # (virHostdevPrepareSCSIHostDevices, at start, before it looks at the host: libvirt neither detaches
            # nor reattaches a SCSI adapter's device)
            return Problem(Anchor(hostdev, "managed"), "SCSI host device doesn't support managed mode" + LIBVIRT_START,
                           hint="remove managed='yes'", replacements=("no",))
    return None


def _adapter_id(name: str) -> int | None:
    """The SCSI host number of an adapter name as libvirt reads it at start (virSCSIDeviceGetAdapterId: 'scsi_host'
    and the rest read whole by virStrToLong_ui in base 0), None when it cannot."""
    rest = name[len("scsi_host"):]
    found = c_number0(rest) if name.startswith("scsi_host") else None
    if found is None or found[1] != len(rest):
        return None
    return abs(found[0]) if abs(found[0]) <= UINT_MAX else None  # (a '-' wraps as strtoul does, within 32 bits)


def _start_copy(hostdev: etree._Element, kind: str | None) -> Problem | None:
    """At start: what libvirt's copy of the definition (formatted, then parsed again in qemuProcessInit) and its
    preparation of the host device refuse (checked on 9.0; the formatter and parser are the same in 10.7)."""
    source = first_child(hostdev, "source")
    if source is None:
        return None
    if kind == "usb":
        # (virDomainHostdevDefFormatSubsysUSB writes <source> only with a policy, a reset mode, a vendor, or a bus
        # or device set)
        address = first_child(source, "address")
        located = address is not None and any(prop_uint(address.get(name) or "0", 0) for name in ("bus", "device"))
        if not located and first_child(source, "vendor") is None and source.get("startupPolicy") is None \
                and source.get("guestReset") is None:
            return Problem(Anchor(source), "Missing <source> element in hostdev device" + LIBVIRT_START,
                           hint="name the USB device: <vendor id='0x...'/><product id='0x...'/>, or a bus and device")
    elif kind == "scsi" and source.get("protocol", "adapter") == "adapter":
        adapter = first_child(source, "adapter")
        name = adapter.get("name") if adapter is not None else None
        if name and _adapter_id(name) is None:
            return Problem(Anchor(adapter, "name"), f"Cannot parse adapter '{name}'" + LIBVIRT_START,
                           hint="name the adapter scsi_hostN, N its number", replacements=("scsi_host0",))
    elif kind == "scsi" and source.get("protocol") == "iscsi":
        host = first_child(source, "host")
        if host is not None and host.get("transport") == "unix":
            # (the formatter writes a host's name and port only; a unix host has a socket instead of a name)
            return Problem(Anchor(host, "transport"), "missing name for host" + LIBVIRT_START,
                           hint="an iSCSI host device is reached over TCP: remove transport='unix'")
    return None


#: virDomainHostdevSubsysType, the source address types an <interface type='hostdev'> may give
SUBSYSTEM_TYPES = ("usb", "pci", "scsi", "scsi_host", "mdev")
#: every interface type but hostdev (and none: the parser's own error, VL850's): the screen of the interface path
NOT_HOSTDEV_INTERFACES = frozenset((None, "user", "ethernet", "vhostuser", "server", "client", "mcast", "network",
                                    "bridge", "internal", "direct", "udp", "vdpa", "null", "vds"))


def _interface_source(interface: etree._Element) -> Problem | None:
    """virDomainNetDefParseXML for type='hostdev': the host device's type is its source address's (a source
    <vendor> without one means USB), then virDomainHostdevDefParseXMLSubsys reads the source as a <hostdev>'s."""
    source = first_child(interface, "source")
    address = first_child(source, "address") if source is not None else None
    kind = address.get("type") if address is not None else None
    if kind is None and source is not None and first_child(source, "vendor") is not None:
        kind = "usb"
    if kind not in SUBSYSTEM_TYPES:
        return Problem(Anchor(address, "type") if kind is not None else Anchor(source if source is not None
                                                                                  else interface),
                       f"unknown host device source address type '{kind if kind is not None else '(null)'}'",
                       hint="give the source an <address type='pci' domain=... bus=... slot=... function=.../>",
                       replacements=("pci",) if kind is not None else ())
    return _source(interface, kind)


@register
class HostdevConfig(Rule):
    """
    ## What it does
    Checks what libvirt's parser and validation refuse in a `<hostdev>`:

    - its `<source>` (an `<interface type='hostdev'>`'s too, whose host
      device type is its source address's: `pci`, `usb`, `scsi`,
      `scsi_host` or `mdev`): a subsystem host device must have one; `startupPolicy`
      is for USB sources only; a USB vendor needs its product (and the
      reverse), a USB source `<address>` its `bus` and `device`; a PCI source
      `<address>` must have readable numbers (decimal, `0x` hex, `0` octal)
      and, unless domain, bus and slot are all 0, bus at most `0xFF`, slot
      at most `0x1F` and function at most 7 (the domain has no limit); a SCSI
      adapter source needs an `<address>` with `bus`, `target` and `unit` and
      an adapter name; an iSCSI source a `name`, exactly one `<host>` and,
      with `<auth>`, a `<secret type='iscsi'>` (and, at start, a name whose
      LUN after the '/' is a number); a vhost-scsi `wwpn` is `naa.`
      and 16 hex digits;
    - attributes of other host device types: `sgio` and `rawio` outside SCSI,
      `model` outside mdev and scsi_host, `writeFiltering` (Xen only), and
      `sgio='unfiltered'`, which libvirt no longer supports;
    - `<rom enabled='no'>` with `bar` or `file`, and `<rom>` options or an
      `<acpi index>` on a host device whose address is not PCI (USB and SCSI
      host devices get a USB and a drive address);
    - `<teaming>`: only `type='transient'`, with `persistent`, on a PCI host
      device;
    - mdev models `vfio-ccw` and `vfio-ap` on a guest that is not s390x (QEMU
      has those devices on s390x only), a second `vfio-ap` mediated device,
      and a `<boot order>` on a host device
      QEMU cannot boot from (vfio-pci and vfio-ap mdevs, vhost-scsi);
    - at start, a SCSI host device of an adapter with `managed='yes'`
      (`SCSI host device doesn't support managed mode`,
      virHostdevPrepareSCSIHostDevices, before the host device is looked at;
      checked on 9.0); a USB host device named by nothing libvirt's
      formatter writes (no vendor, bus and device 0 or absent, no
      `startupPolicy` or `guestReset`: the copy the start parses has no
      `<source>`, `Missing <source> element in hostdev device`); a SCSI
      adapter name that is not `scsi_host` and a number (`Cannot parse adapter
      'host0'`, virSCSIDeviceGetAdapterId); an iSCSI `<host transport='unix'>`
      (the copy's host has no name: `missing name for host`); each checked on
      9.0. A USB host device's `startupPolicy` of `default` (libvirt's parser
      refuses it) is VL850's.

    ## Why is this bad?
    libvirt refuses the domain when it is defined (one message per host
    device, the first libvirt meets). Parse (virDomainHostdevDefParseXML and
    its helpers; all drivers): `unknown host device source address type
    'bogus'` (virDomainNetDefParseXML, an interface's; libvirt 9.0 says
    `missing source address type` when there is none), `Missing <source>
    element in hostdev device`,
    `Setting startupPolicy is only allowed for USB devices`, `sgio is only
    supported for scsi host device`, `rawio is only supported for scsi host
    device`, `'model' attribute in <hostdev> is only supported when
    type='pci'` (libvirt names the device's own type),
    `Invalid value for attribute 'bus' in element 'address': 'zz'. Expected
    non-negative integer value`, `Invalid PCI address function=0x8, must be
    <= 7` (virPCIDeviceAddressParseXML, virPCIDeviceAddressIsValid), `missing
    product`, `missing vendor`, `Missing required attribute 'device' in
    element 'address'` (virDomainHostdevSubsysUSBDefParseXML), `'address'
    must be specified for scsi hostdev source`, `'adapter' name must be
    specified for scsi hostdev source`
    (virDomainHostdevSubsysSCSIHostDefParseXML), `missing iSCSI hostdev
    source path name`, `missing the host address for the iSCSI hostdev`,
    `only one source host address may be specified for the iSCSI hostdev`,
    `Missing <secret> element in auth`, `invalid secret type bogus`,
    `hostdev invalid secret type 'ceph'`
    (virDomainHostdevSubsysSCSIiSCSIDefParseXML, virStorageAuthDefParse),
    `missing vhost-scsi hostdev source wwpn`, `malformed 'wwpn' value`,
    `ROM tuning is not supported when ROM is disabled`
    (virDomainDeviceInfoParseXML), `unknown teaming type 'x'`
    (virDomainNetTeamingInfoParseXML). Validation: `unfiltered sgio is no longer
    supported`, `teaming hostdev devices must have type='transient'`,
    `missing required persistent attribute in hostdev teaming element`,
    `teaming is only supported for pci hostdev devices`
    (virDomainHostdevDefValidate; all drivers); `ACPI index is only supported
    for PCI devices`, `ROM tuning is only supported for PCI devices`
    (qemuValidateDomainDeviceInfo), `Write filtering of PCI device
    configuration space is not supported by qemu`, `VFIO CCW device
    assignment is not supported by this version of QEMU` (and `VFIO AP`),
    `Only one hostdev of model vfio-ap is supported`, `booting from assigned devices is not supported by vhost SCSI devices`
    (and by `mediated devices of model vfio-pci`/`vfio-ap`;
    qemuValidateDomainDeviceDefHostdev, qemuValidateDomainMdevDef; QEMU).
    At start: `cannot parse target for lunStr 'iqn.2013-07.com.example:t'`
    (qemuBlockStorageSourceGetISCSIProps). Same conditions and messages in
    libvirt 9.0, 9.8 and 10.7; each was
    checked with libvirt 9.0 except the s390x-only vfio-ap count (no s390x
    QEMU on the lab host). (The host device type, sgio, rawio,
    guestReset, model and protocol values are VL850's.)

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='scsi_host' rawio='yes'>
        <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><hostdev mode='subsystem' type='scsi_host'>
        <source protocol='vhost' wwpn='naa.5123456789abcde0'/></hostdev></devices></domain>
    ```
    """

    code = "VL789"
    name = "hostdev-config"
    severity = Severity.ERROR
    summary = "A host device source, attribute, ROM, ACPI index, teaming or model libvirt refuses."
    elements = ("devices/hostdev", "devices/interface")
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # an interface is a host device only with type='hostdev' (the others pass, at no call)
        if path == "devices/interface":
            return (("type", NOT_HOSTDEV_INTERFACES),), None
        return None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag == "interface":
            problem = _interface_source(element) if element.get("type") == "hostdev" else None
            return iter((problem,)) if problem is not None else iter(())
        return self._hostdev(element, ctx)

    def _hostdev(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        kind = element.get("type")
        subsystem = element.get("mode", "subsystem") == "subsystem"
        # in libvirt's order: the parser's source, <rom> and teaming checks, then validation's
        problem = _source(element, kind) if subsystem else None
        problem = problem or _rom_disabled(element) or _teaming(element, kind if subsystem else None)
        if problem is None and subsystem and qemu_driver(ctx):
            problem = _qemu(element, kind, ctx)
        if problem is not None:
            yield problem
            return
        if not subsystem:
            return
        boot = element.find("boot")
        if boot is None or not boot.get("order") or not qemu_driver(ctx):
            return
        what = NO_BOOT.get((kind, element.get("model") if kind == "mdev" else None))
        if what:
            yield Problem(Anchor(boot), f"booting from assigned devices is not supported by {what}",
                          hint="remove <boot order>")
