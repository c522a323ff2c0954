"""VL770 interface-config: MAC addresses, tap paths, port forwards, backends and queue sizes libvirt refuses."""

from __future__ import annotations

import re
from typing import Iterable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_ullong, prop_uint
from virtlint.rules._devices import (LIBVIRT_START, QEMU_START, SPAPR_ARCHES, effective_arch, is_power_of_two, is_s390,
                                     qemu_driver, refused_since, run_checks, with_first_children)
from virtlint.rules import _net
from virtlint.rules._libvirt_enums import VIRTIO_MODELS
from virtlint.rules._support import NOTHING, first_child, numeric_host

#: virMacAddrParse: six 1-2 digit hex bytes separated by ':' (anything after a blank is ignored).
_MAC = lazy_compile(r"^[0-9A-Fa-f]{1,2}(?::[0-9A-Fa-f]{1,2}){5}(?:[\x00-\x20].*)?$", re.S)
#: What ``_MAC`` accepts with an even first octet (unicast, the multicast bit clear): one match in the pre-test
_UNICAST_MAC = lazy_compile(r"^[0-9A-Fa-f]?[02468AaCcEe](?::[0-9A-Fa-f]{1,2}){5}(?:[\x00-\x20].*)?$", re.S)
#: Interface types libvirt gives a tap device: one it creates from <target dev>, or takes from <backend tap>
#: (qemuDomainValidateActualNetDef).
TAP_TYPES = ("network", "bridge", "ethernet")


def _mac_text(interface: etree._Element) -> str:
    mac = interface.find("mac")
    return (mac.get("address") if mac is not None else None) or "(generated MAC)"


def mac_address(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefParseXML: the MAC must parse and be unicast."""
    mac = interface.find("mac")
    address = mac.get("address") if mac is not None else None
    if address is None:
        return
    if not _MAC.match(address):
        yield Problem(Anchor(mac, "address"), f"unable to parse mac address '{address}'",
                      hint="write it as six hex bytes, e.g. 52:54:00:12:34:56")
    elif int(address.split(":")[0], 16) & 1:
        first = int(address.split(":")[0], 16) & 0xFE
        fixed = f"{first:02x}" + address[address.index(":"):]
        yield Problem(Anchor(mac, "address"), f"expected unicast mac address, found multicast '{address}'",
                      hint=f"use {fixed}: the lowest bit of the first byte must be 0 (52:54:00:... is QEMU's prefix)",
                      replacements=(fixed,))


def port_forwards(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetPortForwardDefParseXML (since 9.0): a <portForward> address is read by virSocketAddrParse."""
    for forward in interface.iterchildren("portForward"):
        address = forward.get("address")
        if address is not None and numeric_host(address) is None and refused_since(ctx, 9, 0):
            yield Problem(Anchor(forward, "address"), f"Invalid address '{address}' in <portForward>",
                          hint="write a numeric IPv4 or IPv6 address (a host name is not looked up), or remove "
                               "address=")
            return


def backends(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefValidate: passt and portForward belong to type='user'; vhostuser needs virtio."""
    kind = interface.get("type")
    backend = interface.find("backend")
    passt = backend is not None and backend.get("type") == "passt"
    if kind != "user" and passt:
        yield Problem(Anchor(backend, "type"), "The 'passt' backend can only be used with interface type='user'")
        return
    forward = interface.find("portForward")
    if forward is not None and not (kind == "user" and passt) and refused_since(ctx, 10, 7):
        yield Problem(Anchor(forward), "The <portForward> element can only be used with <interface type='user'> "
                                       "and its 'passt' backend",
                      hint="add <backend type='passt'/> to a type='user' interface, or remove <portForward>")
        return
    if kind == "user" and passt and forward is not None:
        for each_forward in interface.iterchildren("portForward"):
            for port_range in each_forward.iterchildren("range"):
                if port_range.get("start") is None and any(port_range.get(name) is not None
                                                           for name in ("end", "to", "exclude")):
                    yield Problem(Anchor(port_range), "The 'range' of a 'portForward' requires 'start' attribute if "
                                                      "'end', 'to', or 'exclude' is specified",
                                  hint="add start='...': the first host port of the range")
                    return
    model = interface.find("model")
    if kind == "vhostuser" and (model is None or model.get("type") not in VIRTIO_MODELS):
        yield Problem(Anchor(model, "type") if model is not None and model.get("type") else Anchor(interface, "type"),
                      "Wrong or no <model> 'type' attribute specified with <interface type='vhostuser'/>. "
                      "vhostuser requires the virtio-net* frontend", replacements=("virtio",) if model is not None else ())


def tap_path(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuDomainValidateActualNetDef: only tap-based types take a custom tap device."""
    kind = interface.get("type")
    backend = interface.find("backend")
    if not qemu_driver(ctx) or backend is None or not backend.get("tap") or kind in TAP_TYPES or kind is None:
        return
    yield Problem(Anchor(backend, "tap"), f"interface {_mac_text(interface)} - custom tap device path is not "
                                          f"supported for network interfaces of type {kind}",
                  hint="remove tap= from <backend>")


def queue_sizes(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefNetwork: virtio rx/tx queue sizes are powers of two."""
    model, driver = interface.find("model"), interface.find("driver")
    if not qemu_driver(ctx) or driver is None or model is None or model.get("type") not in VIRTIO_MODELS:
        return
    for attribute in ("rx_queue_size", "tx_queue_size"):
        value = prop_uint(driver.get(attribute), 10)
        if value and not is_power_of_two(value):
            lower = 1 << (value.bit_length() - 1)
            yield Problem(Anchor(driver, attribute), f"{attribute} has to be a power of two",
                          replacements=(str(lower), str(lower * 2)))
            return


#: Interface types whose parser requires a <source> (virDomainNetDefParseXMLRequireSource)
SOURCE_TYPES = frozenset({"network", "vds", "internal", "bridge", "direct", "vhostuser", "vdpa", "client", "server",
                          "mcast", "udp"})


def source(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefParseXML: the types that name what they connect to need a <source>, a direct one its dev."""
    kind = interface.get("type")
    if kind not in SOURCE_TYPES:
        return
    element = interface.find("source")
    if element is None:
        yield Problem(Anchor(interface, "type"), f"interface type='{kind}' requires a 'source' element",
                      hint="add the <source> naming what it connects to (network=, bridge=, dev=, path=...)")
    elif kind == "direct" and element.get("dev") is None:
        yield Problem(Anchor(element), "Missing required attribute 'dev' in element 'source'",
                      hint="name the host interface: <source dev='eth0' mode='bridge'/>")


#: Interface types the QEMU driver sets an MTU on (qemuDomainNetSupportsMTU; user only with the passt backend)
MTU_TYPES = frozenset({"network", "bridge", "ethernet", "vhostuser"})


def mtu(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuValidateDomainDeviceDefNetwork: an MTU on a type whose backend QEMU cannot tell one."""
    element = interface.find("mtu")
    size = prop_uint(element.get("size"), 10) if element is not None else None
    kind = interface.get("type")
    if not size or kind in MTU_TYPES or not qemu_driver(ctx):
        return
    backend = interface.find("backend")
    if kind == "user" and backend is not None and backend.get("type") == "passt":
        return
    yield Problem(Anchor(element), f"setting MTU on interface type {kind} is not supported yet",
                  hint="an MTU applies to network, bridge, ethernet and vhostuser interfaces (user with passt)")


#: virNetDevBandwidthRateValidate's bounds (libvirt 10.7; 9.8 has none): rates in KiB/s, burst in KiB
RATE_MAX = 1 << 54
BURST_MAX = 0xFFFFFFFF >> 10


def _bandwidth_rate(rate: etree._Element, allow_floor: bool, ctx: Context) -> Problem | None:
    """virNetDevBandwidthParseRate, then (10.7) virNetDevBandwidthRateValidate, for one <inbound>/<outbound>
    (its unreadable numbers are VL851's)."""
    names = rate.keys()
    if "average" not in names and "floor" not in names:
        return Problem(Anchor(rate), "Missing mandatory average or floor attributes",
                       hint="add average='...' (KiB/s)")
    if "average" not in names and ("peak" in names or "burst" in names):
        return Problem(Anchor(rate), "'peak' and 'burst' require 'average' attribute", hint="add average='...'")
    if "floor" in names and not allow_floor:
        return Problem(Anchor(rate, "floor"), "floor attribute is not supported for this config",
                       hint="a floor applies to the <inbound> of an interface of type 'network' only")
    if refused_since(ctx, 10, 7):
        for name, bound in (("average", RATE_MAX), ("peak", RATE_MAX), ("floor", RATE_MAX), ("burst", BURST_MAX)):
            value = parse_ullong(rate.get(name))
            if value is not None and value > bound:
                return Problem(Anchor(rate, name),
                               f"value '{value}' is too big for '{name}' parameter, maximum is '{bound}'",
                               replacements=(str(bound),))
    return None


def bandwidth(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virNetDevBandwidthParse (from virDomainNetDefParseXML): the first <inbound> and <outbound> it reads."""
    element = interface.find("bandwidth")
    if element is None:
        return
    if element.get("classID") is not None:
        yield Problem(Anchor(element, "classID"),
                      "classID attribute not supported on <bandwidth> in this usage context", hint="remove classID=")
        return
    for tag, allow_floor in (("inbound", interface.get("type") == "network"), ("outbound", False)):
        rate = first_child(element, tag)
        # (9.0 counted them; 10.7 reads the first: the release between that changed it is unknown, so a second is
        # reported only when modelling 9.0 or older)
        second = next(rate.itersiblings(tag), None) if rate is not None else None
        if second is not None and not ctx.libvirt_at_least(9, 1):
            yield Problem(Anchor(second), f"Only one child <{tag}> element allowed", hint="merge it into the first")
            return
        problem = _bandwidth_rate(rate, allow_floor, ctx) if rate is not None else None
        if problem is not None:
            yield problem
            return


#: interface types libvirt knows (the others are VL850's)
KNOWN_TYPES = frozenset(("user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal",
                         "direct", "hostdev", "udp", "vdpa", "null", "vds"))


def _script_path(interface: etree._Element) -> etree._Element | None:
    """The <script> whose path libvirt reads (string(./script/@path): the first path in document order; an empty
    one is none)."""
    for script in interface.iterchildren("script"):
        path = script.get("path")
        if path is not None:
            return script if path else None
    return None


def start_refusals(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuBuildInterfaceCommandLine, at start: qemuDomainValidateActualNetDef's VLAN check
    (virDomainActualNetDefValidate), multiqueue and filterref checks, then qemuBuildHostNetProps' script and type
    checks. A type='network'
    interface takes its actual type from the network (bridge, direct or hostdev): not judged here."""
    kind = interface.get("type")
    if kind == "network" or kind not in KNOWN_TYPES or not qemu_driver(ctx):
        return
    vlan = first_child(interface, "vlan")
    if vlan is not None and first_child(vlan, "tag") is not None:
        source, port = first_child(interface, "source"), first_child(interface, "virtualport")
        if not (kind == "hostdev" or
                kind == "direct" and source is not None and source.get("mode") == "passthrough" or
                kind == "bridge" and port is not None and port.get("type") == "openvswitch"):
            yield Problem(Anchor(vlan), f"interface {_mac_text(interface)} - vlan tag not supported for this "
                          "connection type" + LIBVIRT_START,
                          hint="a VLAN tag applies to hostdev interfaces, direct ones in mode='passthrough' and "
                               "bridges with <virtualport type='openvswitch'/>: remove <vlan>")
            return
    if kind == "hostdev":
        return  # (its command line is the hostdev's: qemuBuildHostNetProps is not called)
    driver = _virtio_driver(interface) if kind not in MULTIQUEUE_TYPES else None
    if driver is not None and (prop_uint(driver.get("queues"), 10) or 0) > 1:  # (1 is the default single pair)
        yield Problem(Anchor(driver, "queues"), f"interface {_mac_text(interface)} - multiqueue is not supported for "
                      f"network interfaces of type {kind}" + LIBVIRT_START,
                      hint="only tap-based interfaces (network, bridge, direct, ethernet) and vhost-user or vDPA ones "
                           "have several queues: remove queues=", replacements=("1",))
        return
    filterref = first_child(interface, "filterref") if kind == "bridge" else None
    port = first_child(interface, "virtualport") if filterref is not None else None
    if filterref is not None and port is not None and filterref.get("filter") is not None and port.get("type"):
        # (libvirt reads a <filterref> on network, bridge and ethernet interfaces only; a network interface gets its
        # virtualport from the network at start: the bridge's is the one the document spells)
        yield Problem(Anchor(filterref), f"interface {_mac_text(interface)} - filterref is not supported for network "
                      f"interfaces with virtualport type {port.get('type')}" + LIBVIRT_START,
                      hint="nwfilter rules apply to plain Linux bridges only: remove <filterref>, or the "
                           "<virtualport>")
        return
    script = _script_path(interface)
    if script is not None and kind != "ethernet":
        yield Problem(Anchor(script, "path"), f"scripts are not supported on interfaces of type {kind}" + LIBVIRT_START,
                      hint="a script sets up an ethernet interface's tap device: remove <script>, or use "
                           "type='ethernet'")
        return
    if kind in ("null", "vds") and refused_since(ctx, 8, 7):
        # (libvirt 9.0's daemon dies at this start; 10.7 refuses it with these words; before 8.7 the parser knows
        # neither type)
        yield Problem(Anchor(interface, "type"), f"network device type '{kind}' is not supported by this hypervisor"
                      + LIBVIRT_START, hint="QEMU has no backend for it: use type='user', 'network' or 'bridge'")


#: The interface types with several queue pairs (qemuDomainValidateActualNetDef): tap-based ones, vhost-user, vDPA
MULTIQUEUE_TYPES = frozenset(("network", "bridge", "direct", "ethernet", "vhostuser", "vdpa"))


def _virtio_driver(interface: etree._Element) -> etree._Element | None:
    """The <driver> whose virtio settings (queues, ring sizes) virDomainNetDefParseDriver reads: a virtio model's,
    not on a hostdev interface."""
    driver = first_child(interface, "driver")
    model = first_child(interface, "model") if driver is not None else None
    if model is None or model.get("type") not in VIRTIO_MODELS or interface.get("type") == "hostdev":
        return None
    return driver


def usb_net_address(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """Before libvirt 10.3 ("Proper support for USB network device", its NEWS), address assignment gave a usb-net
    interface without an <address> a PCI slot for connect flags that no bus has (qemuDomainAssignDevicePCISlots):
    only an explicit USB address let it be defined (checked on 9.0; 10.3's NEWS: a USB address is now assigned)."""
    model = first_child(interface, "model")
    if model is None or model.get("type") != "usb-net" or interface.get("type") == "hostdev" or \
            first_child(interface, "address") is not None or not qemu_driver(ctx) or is_s390(ctx) is not False or \
            ctx.libvirt_at_least(10, 3):
        return
    yield Problem(Anchor(model, "type"), "Cannot automatically add a new PCI bus for a device with connect flags 00",
                  hint="before libvirt 10.3 a usb-net interface needs an explicit USB address: add <address "
                       "type='usb' bus='0' port='1'/> (a free port)")


def mcast_address(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """QEMU's socket netdev (net_socket_mcast_create, at start): an mcast interface's IPv4 address must be a
    multicast one (224.0.0.0/4; a name is resolved on the host, and not judged)."""
    if interface.get("type") != "mcast" or not qemu_driver(ctx):
        return
    source = first_child(interface, "source")
    text = source.get("address") if source is not None else None
    import ipaddress  # (on first use: few domains have an mcast interface)

    try:
        address = ipaddress.IPv4Address(text or "")
    except ValueError:
        return
    if not address.is_multicast:
        yield Problem(Anchor(source, "address"), f"specified mcastaddr {text} (0x{int(address):08x}) does not contain a "
                      "multicast address" + QEMU_START, hint="use a multicast group address, 224.0.0.0 to "
                      "239.255.255.255 (for a point-to-point link, type='udp' or 'server'/'client')")


#: The most queues the kernel's tun driver gives one tap device (MAX_TAP_QUEUES)
MAX_TAP_QUEUES = 256
#: The interface types whose tap device libvirt creates itself, with a queue per virtio queue pair
#: (virNetDevTapCreate; a network's may be a macvtap or a host device, not judged)
QUEUED_TAP_TYPES = ("ethernet", "bridge")


def tap_queues(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virNetDevTapCreate (at start): more queues than the kernel's tun driver takes (E2BIG; checked on 9.0: 256
    started, 257 refused)."""
    kind = interface.get("type")
    if kind not in QUEUED_TAP_TYPES or not qemu_driver(ctx):
        return
    driver = _virtio_driver(interface)
    queues = prop_uint(driver.get("queues"), 10) if driver is not None else None
    if queues is not None and queues > MAX_TAP_QUEUES:
        target = first_child(interface, "target")
        dev = target.get("dev") if target is not None else None
        yield Problem(Anchor(driver, "queues"), f"Unable to create tap device {dev or 'vnetN'}: Argument list too long"
                      + LIBVIRT_START, hint=f"a tap device has at most {MAX_TAP_QUEUES} queues",
                      replacements=(str(MAX_TAP_QUEUES),))


#: The socket interface types, whose addresses libvirt writes as QEMU's host:port
SOCKET_TYPES = ("server", "client", "mcast", "udp")


def _inet_aton(text: str) -> bool:
    """Whether the C library's inet_aton reads the text as an IPv4 address (1 to 4 parts, each decimal, 0-octal
    or 0x-hexadecimal, the last filling the remaining bytes)."""
    parts = text.split(".")
    if not 1 <= len(parts) <= 4:
        return False
    values = []
    for part in parts:
        try:
            values.append(int(part, 16) if part[:2].lower() == "0x" else int(part, 8) if part[:1] == "0" and
                          len(part) > 1 else int(part, 10) if part.isdigit() else -1)
        except ValueError:
            return False
        if values[-1] < 0:
            return False
    *head, last = values
    return all(value <= 255 for value in head) and last < 256 ** (5 - len(values))


def socket_address(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """QEMU's socket netdev (at start): libvirt writes a socket interface's address as 'address:port' without
    brackets (qemuBuildHostNetSocketAddr), QEMU reads the host up to the first ':' and takes a host that begins
    with a digit for an IPv4 address: an IPv6 address never works, and a digit-led name that is no IPv4 address
    is refused (checked on 9.0 with QEMU 7.2: ::1, ff02::1, [::1], 127.0.0.256, 1host refused; 127.1, 0.0.0.0,
    localhost started)."""
    if interface.get("type") not in SOCKET_TYPES or not qemu_driver(ctx):
        return
    for element in (first_child(interface, "source"), _local(interface)):
        text = element.get("address") if element is not None else None
        if not text:
            continue  # (none, or empty: any address)
        if ":" in text or "[" in text:
            yield Problem(Anchor(element, "address"), f"QEMU cannot use the socket address '{text}': libvirt writes it "
                          "as address:port without brackets, and QEMU takes an IPv4 address or a host name only"
                          + QEMU_START, hint="use an IPv4 address (or a host name) for a socket interface")
            return
        if text[0].isdigit() and not _inet_aton(text):
            yield Problem(Anchor(element, "address"), f"host address '{text}' is not a valid IPv4 address"
                          + QEMU_START, hint="write a dotted IPv4 address, or a host name not starting with a digit")
            return


def _local(interface: etree._Element) -> etree._Element | None:
    """A udp interface's <source><local>."""
    source = first_child(interface, "source") if interface.get("type") == "udp" else None
    return first_child(source, "local") if source is not None else None


def absent_device(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuBuildNicDevProps, at start: libvirt hands QEMU the model as the device's name, and QEMU refuses one its
    binary has no network device of: `netfront`, Xen's PV NIC, on every arch; `spapr-vlan`, pSeries' sPAPR VIO NIC,
    off ppc64; on x86 and aarch64, any name _net.QEMU_NICS lacks (libvirt's VMware and VirtualBox names among them:
    vlance, vmxnet, Am79C973...), and `ne2k_isa` without an address or with a PCI one (libvirt gives it a PCI
    slot). libvirt
    checks none of them; each checked on 9.0 with QEMU 7.2, q35 and ARM virt. (A model libvirt knows is read
    without regard to case, as libvirt reads it; `unknown` is none.)"""
    model = first_child(interface, "model")
    name = model.get("type") if model is not None else None
    if not name or interface.get("type") == "hostdev" or not qemu_driver(ctx):
        return  # (an empty model is none)
    name = _net.MODEL_SPELLING.get(name.lower(), name)
    if name in ("unknown", "igb") or name in VIRTIO_MODELS:
        return
    if name == "netfront":
        yield Problem(Anchor(model, "type"), "'netfront' is not a valid device model name (it is Xen's paravirtual "
                      "NIC)" + QEMU_START, hint="use model type='virtio' (or e1000e, rtl8139)",
                      replacements=("virtio",))
        return
    arch = effective_arch(ctx)
    if name == "spapr-vlan":
        if arch is not None and arch not in SPAPR_ARCHES:
            yield Problem(Anchor(model, "type"), "'spapr-vlan' is not a valid device model name (it is pSeries' "
                          f"sPAPR VIO NIC; the {arch} QEMU has none)" + QEMU_START, hint="use model type='virtio'",
                          replacements=("virtio",))
        return
    nics = _net.QEMU_NICS.get(arch or "")
    if nics is None or not _net.MODEL_NAME.fullmatch(name):
        return  # (a name libvirt cannot take is refused at define: _net's check)
    if name not in nics:
        yield Problem(Anchor(model, "type"), f"QEMU has no network device '{name}' (the {arch} QEMU's: "
                      "virtio, e1000e, e1000, rtl8139, vmxnet3...)" + QEMU_START,
                      hint="use model type='virtio'", replacements=("virtio",))
    elif name == "ne2k_isa":
        # (libvirt gives a PCI slot to the NIC without an address or with a PCI one; other types give QEMU no bus,
        # and it puts the card on its ISA bus, or are VL704's)
        address = first_child(interface, "address")
        if address is None or address.get("type") == "pci":
            yield Problem(Anchor(model, "type"), "Device 'ne2k_isa' can't go on PCI bus (libvirt gives the NIC a PCI "
                          "slot unless it has an ISA address)" + QEMU_START,
                          hint="add <address type='isa' iobase='0x300' irq='9'/>, or use model type='virtio'")


#: QEMU's bounds of a virtio NIC's ring sizes (virtio_net_device_realize: VIRTIO_NET_RX_QUEUE_MIN_SIZE and
#: VIRTIO_NET_TX_QUEUE_MIN_SIZE, VIRTQUEUE_MAX_SIZE; the same since QEMU added the properties)
QUEUE_SIZE_RANGE = (256, 1024)


def queue_size_ranges(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virtio_net_device_realize (QEMU), at start: a ring size libvirt takes (a power of two: queue_sizes) outside
    256..1024 (checked on 9.0 with QEMU 7.2: 128, 2048 and 4096 refused, 256 and 1024 taken, on a user interface
    too, whose larger tx ring QEMU then cuts to 256)."""
    driver = _virtio_driver(interface)
    if driver is None or not qemu_driver(ctx):
        return
    low, high = QUEUE_SIZE_RANGE
    for attribute in ("rx_queue_size", "tx_queue_size"):
        value = prop_uint(driver.get(attribute), 10)
        if value and is_power_of_two(value) and not low <= value <= high:
            if value > 0xFFFF:  # (the 16-bit property refuses it before the device's check)
                message = f"Parameter '{attribute}' expects uint16_t"
            else:
                period = "." if attribute == "rx_queue_size" else ""  # (QEMU's two messages differ so)
                message = f"Invalid {attribute} (= {value}), must be a power of 2 between {low} and {high}{period}"
            yield Problem(Anchor(driver, attribute), message + QEMU_START,
                          replacements=(str(low if value < low else high),))
            return


#: The names libvirt makes itself: a managed target named so is dropped at parse, and gets a name of libvirt's
GENERATED_PREFIXES = ("vnet", "macvtap", "macvlan")
#: The kernel's interface name length (IFNAMSIZ less the NUL), and a tap device's MTU range (ETH_MIN_MTU, and the
#: tun driver's 65535 less the Ethernet header)
IFNAME_MAX = 15
TAP_MTU = (68, 65521)


def _tap_name_problem(dev: str) -> str | None:
    """What creating a device of this name gives (virNetDevSetupControlFull, virNetDevTapCreate; the kernel's
    dev_valid_name and dev_alloc_name), None when it takes it."""
    if len(dev.encode()) > IFNAME_MAX:
        return f"Network interface name '{dev}' is too long: Numerical result out of range"
    percent = dev.find("%")
    if dev in (".", "..") or any(char in "/:" or char.isspace() for char in dev) or \
            percent >= 0 and (dev[percent + 1:percent + 2] != "d" or "%" in dev[percent + 2:]):
        return f"Unable to create tap device {dev}: Invalid argument"
    return None


def tap_device(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """At start (QEMU driver): the tap device libvirt creates for a network, bridge or managed ethernet interface
    takes a kernel interface name (at most 15 bytes; no '/', ':', blank, '.' or '..'; one '%d' at most) and an MTU
    from 68 to 65521 (below 68 on any network, whose device may be a macvtap); an unmanaged ethernet one names its
    device (each checked on 9.0 with QEMU 7.2, a name of 15 bytes and MTUs of 68 and 65521 as the twins)."""
    kind = interface.get("type")
    if kind not in TAP_TYPES or not qemu_driver(ctx):
        return
    target = first_child(interface, "target")
    managed = target is None or target.get("managed") != "no"
    dev = target.get("dev") if target is not None else None
    if not managed and kind == "ethernet" and not dev:
        yield Problem(Anchor(target), "target dev must be supplied when managed='no'" + LIBVIRT_START,
                      hint="name the existing tap device: <target dev='tap0' managed='no'/>")
        return
    if managed and dev and not dev.startswith(GENERATED_PREFIXES):
        refusal = _tap_name_problem(dev)
        if refusal is not None:
            yield Problem(Anchor(target, "dev"), refusal + LIBVIRT_START,
                          hint="a kernel interface name: up to 15 letters, digits, '-', '_' or '.'")
            return
    element = first_child(interface, "mtu")
    size = prop_uint(element.get("size"), 10) if element is not None else None
    if managed and size and (size < TAP_MTU[0] or size > TAP_MTU[1] and kind != "network"):
        assert element is not None
        yield Problem(Anchor(element, "size"), f"Cannot set interface MTU on '{dev or 'vnetN'}': Invalid argument"
                      + LIBVIRT_START, hint=f"a tap device takes an MTU from {TAP_MTU[0]} to {TAP_MTU[1]}",
                      replacements=(str(min(max(size, TAP_MTU[0]), TAP_MTU[1])),))


def _shared_tap(interfaces: list[tuple[etree._Element, dict[str, etree._Element]]], ctx: Context) -> Problem | None:
    """At start: libvirt creates a managed ethernet interface's tap device under its <target dev> name, and refuses
    a name that exists, the tap of an earlier interface of that name among them (virNetDevTapCreate; checked on
    9.0 with QEMU 7.2: two of one name refused, two vnetN or macvtapN names, which libvirt drops, started)."""
    if not qemu_driver(ctx):
        return None
    taken: set[str] = set()
    for interface, children in interfaces:
        target = children.get("target")
        dev = target.get("dev") if target is not None and interface.get("type") == "ethernet" else None
        if not dev or target is None or dev.startswith(GENERATED_PREFIXES):
            continue
        if target.get("managed") == "no":
            # (libvirt opens the existing tap, which an earlier interface holds: EBUSY, checked on 9.0)
            if dev in taken:
                return Problem(Anchor(target, "dev"), f"Unable to create tap device {dev}: Device or resource busy "
                               "(an earlier interface's tap)" + LIBVIRT_START,
                               hint="give each interface its own target dev")
            continue
        if dev in taken:
            return Problem(Anchor(target, "dev"), f"The {dev} interface already exists (an earlier interface's tap "
                           "device)" + LIBVIRT_START, hint="give each interface its own target dev, or none")
        taken.add(dev)
    return None


CHECKS = (mac_address, source, port_forwards, backends, tap_path, queue_sizes, mtu, tap_device, bandwidth,
          *_net.CHECKS,
          usb_net_address, start_refusals, mcast_address, socket_address, tap_queues, absent_device,
          queue_size_ranges)


#: model types whose name needs no reading (virDomainNetSetModelString takes them; QEMU has no netfront)
_MODEL_TYPES_SEEN = frozenset((None, *_net.KNOWN_MODELS)) - {"netfront"}


def _suspect_tap_name(dev: str | None) -> bool:
    """A target name _tap_name_problem may refuse (the common vnetN, or a short plain ASCII name, it does not: a
    non-ASCII one may be over 15 bytes in fewer characters)."""
    return dev is not None and (len(dev) > IFNAME_MAX - 3 or not dev.isascii()
                                or not dev.replace("-", "").replace("_", "").isalnum())


def _suspects(interfaces: list[tuple[etree._Element, dict[str, etree._Element]]]) -> list[etree._Element]:
    """The interfaces (of (interface, its ``first_children``) pairs) CHECKS may report on, in document order;
    they certainly report nothing on the others: a unicast MAC that parses, no <backend> or <portForward>, not
    vhostuser, no rx/tx queue sizes (a cheap pre-test of what each check reads; usually none is suspect)."""
    suspects = []
    for interface, children in interfaces:
        kind = interface.get("type")
        if "backend" in children or "portForward" in children or kind == "vhostuser" or "bandwidth" in children or \
                kind in _net.SUSPECT_TYPES or kind == "null" or "script" in children or \
                not _net.SUSPECT_CHILDREN.isdisjoint(children) or \
                (kind == "network" and "source" in children and children["source"].get("network") is None) or \
                (kind == "bridge" and "source" in children and children["source"].get("bridge") is None) or \
                ("source" in children and len(children["source"])) or \
                ("target" in children and (children["target"].get("managed") is not None
                                           or _suspect_tap_name(children["target"].get("dev")))) or \
                kind in SOURCE_TYPES and ("source" not in children or kind == "direct") or \
                "mtu" in children:
            suspects.append(interface)
            continue
        mac = children.get("mac")
        address = mac.get("address") if mac is not None else None
        if address is not None and not _UNICAST_MAC.match(address):
            suspects.append(interface)
            continue
        driver = children.get("driver")
        if driver is not None and (driver.get("rx_queue_size") is not None or
                                   driver.get("tx_queue_size") is not None or
                                   driver.get("queues") is not None and (kind not in MULTIQUEUE_TYPES or
                                                                          len(driver.get("queues", "")) > 2)):
            suspects.append(interface)
            continue
        model = children.get("model")
        model_type = model.get("type") if model is not None else None
        if driver is not None and (model_type not in VIRTIO_MODELS or _net.virtio_driver_suspect(driver)):
            suspects.append(interface)  # (virtio-only driver options on another model, or a virtio driver's values)
        elif model_type not in _MODEL_TYPES_SEEN or model_type == "usb-net" and "address" not in children:
            suspects.append(interface)  # (a model name to read; before libvirt 10.3, a usb-net address to assign)
    return suspects


@register
class InterfaceConfig(Rule):
    """
    ## What it does
    Reports an `<interface>` whose MAC address does not parse or is multicast,
    one of a type that connects to something named (`network`, `bridge`,
    `direct`, `vhostuser`, `udp`...) without a `<source>` (a `direct` one
    without its `dev`), a passt backend or `<portForward>` off `type='user'`
    with passt, a passt `<portForward><range>` with `end`, `to` or `exclude`
    but no `start`, a
    vhostuser interface without a virtio model, a custom tap device
    (`<backend tap>`) on a type that does not use a tap, and virtio
    `rx_queue_size`/`tx_queue_size` that are not powers of two, and an
    `<mtu>` on a type QEMU sets none on (`user` without passt, `direct`...),
    and a `<bandwidth>` whose `<inbound>` or `<outbound>` lacks an `average`
    (or, inbound on a `network` interface, a `floor`), sets `peak` or `burst`
    without `average`, a `floor` elsewhere, or a `classID`; and, modelling
    libvirt 9.0 or older, a second `<inbound>` or `<outbound>` (`Only one
    child <inbound> element allowed`, virNetDevBandwidthParse; 10.7 reads the
    first, and the release between that changed it is unknown). At start
    (QEMU): a `<vlan>` on an interface that is neither `hostdev`, `direct`
    in mode `passthrough`, nor a `bridge` with an openvswitch `<virtualport>`;
    several queues (`<driver queues>` above 1 on a virtio model) on a type
    other than `network`, `bridge`, `direct`, `ethernet`, `vhostuser` and
    `vdpa`; a `<filterref filter>` on a bridge with a `<virtualport>` type;
    a virtio `rx_queue_size` or `tx_queue_size` outside 256-1024 (QEMU);
    a `<script>` on a type other than `ethernet` (`hostdev` excepted); and
    the types `null` and `vds`, and an `mcast` interface whose IPv4 address
    is no multicast one (QEMU: `specified mcastaddr 192.0.0.1 (0xc0000001)
    does not contain a multicast address`; checked on 9.0); a socket
    interface's (server, client, mcast, udp and its `<local>`) IPv6 address,
    which libvirt writes as `address:port` without brackets (QEMU: `port
    number ':1:47142' is invalid`, `can't resolve host address 'ff02'`), or
    digit-led address that is no IPv4 one (`host address '127.0.0.256' is not
    a valid IPv4 address`); an ethernet or bridge interface with more than 256
    virtio queues (`Unable to create tap device vnet8: Argument list too
    long`: the kernel's tun driver); each checked on 9.0 with QEMU 7.2; and the
    `netfront` model, Xen's paravirtual NIC, which libvirt hands QEMU as a
    device name (QEMU: `'netfront' is not a valid device model name`; checked
    on 9.0), off ppc64 the `spapr-vlan` model, pSeries' sPAPR VIO NIC
    (`'spapr-vlan' is not a valid device model name`), and on x86 and
    aarch64 any model the QEMU binary has no network device of (from its
    `-device help`, QEMU 7.2, and igb from 8.0): libvirt's VMware and
    VirtualBox names (`vlance`, `vmxnet`, `Am79C973`...), names of no device
    or of another kind of device (`Property 'VGA.netdev' not found`), and
    `ne2k_isa` without an address or with a PCI one (libvirt gives it a PCI slot:
    `Device 'ne2k_isa' can't go on PCIE bus`); each checked on 9.0. A `type='network'`
    interface gets its actual
    type from the network, so these are not judged on it. Modelling a libvirt
    before 10.3, a `usb-net` interface without an `<address>` (libvirt gave
    it a PCI slot no bus takes: `Cannot automatically add a new PCI bus for a
    device with connect flags 00`, qemuDomainAssignDevicePCISlots; define,
    QEMU; checked on 9.0; 10.3 assigns it a USB address, as its NEWS says).
    At start, the tap device of a network, bridge or managed ethernet
    interface: a `<target dev>` the kernel does not take (over 15 bytes:
    `Network interface name '...' is too long`; a '/', ':', blank, `.`,
    `..` or a '%' other than one `%d`: `Unable to create tap device vl:sw:
    Invalid argument`; names libvirt makes itself, `vnet...`, `macvtap...`,
    are dropped and not judged), an `<mtu size>` outside 68-65521 (`Cannot
    set interface MTU on 'vnet0': Invalid argument`; on a network only below
    68, whose device may be a macvtap), and an unmanaged ethernet interface
    without a dev (`target dev must be supplied when managed='no'`); each
    checked on 9.0 with its twin.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `unable to parse mac address '...'`, `expected unicast mac address, found
    multicast '...'`, `interface type='network' requires a 'source' element`
    (virDomainNetDefParseXML), `The <portForward> element can
    only be used with <interface type='user'> and its 'passt' backend`, `The
    'passt' backend can only be used with interface type='user'`, `The
    'range' of a 'portForward' requires 'start' attribute if 'end', 'to', or
    'exclude' is specified` (virDomainNetDefValidate), `interface
    52:54:00:ee:96:6b - custom tap device path is not supported for network
    interfaces of type vhostuser`
    (qemuDomainValidateActualNetDef; a type='network' interface is judged only
    at start, against the network, so it is not judged here), `rx_queue_size
    has to be a power of two`, `setting MTU on interface type user is not
    supported yet` (qemuValidateDomainDeviceDefNetwork), `Missing mandatory
    average or floor attributes`, `'peak' and 'burst' require 'average'
    attribute`, `floor attribute is not supported for this config`
    (virNetDevBandwidthParse; every driver), and from libvirt 10.7 (9.8 has
    no such bound) `value '...' is too big for 'average' parameter, maximum
    is '18014398509481984'` (virNetDevBandwidthRateValidate); an `<ip>` or
    `<route>` (the guest side's, or an ethernet interface's host side's in
    `<source>`) libvirt cannot read: `Invalid peer '...' in <ip>`
    (virDomainNetIPParseXML), `interface host IP: Missing required gateway
    attribute in route definition`, `guest interface: Address
    '192.168.122.1' in route definition is not a network address` (a route
    without a prefix or netmask has prefix 0), `Route definition cannot have
    both a prefix and a netmask` and their siblings (virNetDevIPRouteCreate;
    every driver). Stage:
    define; driver: QEMU for the last three. libvirt 9.0 accepts (and ignores)
    `<portForward>` without passt, which 10.7 refuses: that check follows the
    libvirt-version setting (reported for 10.7, the newest known, and later).
    A `<portForward>` whose `address` is no numeric IPv4 or IPv6 address is
    refused from 9.0, passt or not: `Invalid address 'notanip' in
    <portForward>` (virDomainNetPortForwardDefParseXML; parse, every driver).
    Stage: start, QEMU driver (qemuBuildInterfaceCommandLine): `interface
    52:54:00:7d:63:a7 - vlan tag not supported for this connection type`
    (virDomainActualNetDefValidate), `interface 52:54:00:7d:63:a7 -
    multiqueue is not supported for network interfaces of type user`,
    `interface ... - filterref is not supported for network interfaces with
    virtualport type openvswitch` (qemuDomainValidateActualNetDef), `scripts
    are not supported on interfaces of type user`, `network device type
    'null' is not supported by this hypervisor` (qemuBuildHostNetProps), and
    QEMU's `Invalid rx_queue_size (= 128), must be a power of 2 between 256
    and 1024.` (virtio_net_device_realize), and two managed ethernet
    interfaces of one `<target dev>`, whose tap the first creates (`The tap0
    interface already exists`, virNetDevTapCreate), or a later unmanaged one
    of that name (`Unable to create tap device tap0: Device or resource
    busy`). Each was checked on libvirt 9.0
    with QEMU 7.2 but `null` and `vds` interfaces, which make 9.0's daemon
    die at start instead, so they are reported for every release.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='network'><mac address='01:54:00:12:34:56'/><source network='default'/>
        <model type='virtio'/></interface></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='network'><mac address='52:54:00:12:34:56'/><source network='default'/>
        <model type='virtio'/></interface></devices></domain>
    ```
    """

    code = "VL770"
    name = "interface-config"
    severity = Severity.ERROR
    summary = ("An interface MAC, tap path, port forward, backend or queue size libvirt refuses, or a VLAN, script or "
               "type it refuses at start.")
    #: the interfaces below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        interfaces = with_first_children(ctx, element, "interface")
        suspects = _suspects(interfaces)
        shared = _shared_tap(interfaces, ctx) if len(interfaces) > 1 else None
        if shared is not None:
            return iter((*self._problems(suspects, ctx), shared))
        return self._problems(suspects, ctx) if suspects else NOTHING

    def _problems(self, interfaces: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        """The problems of these interfaces (some may have one)."""
        for interface in interfaces:
            yield from run_checks(CHECKS, interface, ctx)
