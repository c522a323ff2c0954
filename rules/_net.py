"""Checks of an <interface> as libvirt's parser and validators read it, beyond its MAC, source and backend (VL770):
source attributes per type, virtual ports, VLANs, teaming, IP addresses and routes, coalescing, port isolation,
ROM and virtio-only driver options. Each is a function of the interface and the context yielding its problems."""

from __future__ import annotations

from typing import Iterable

from lxml import etree

from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem
from virtlint.linter.units import c_int, c_unsigned, parse_ui, parse_uint, prop_int0, prop_uint
from virtlint.rules._devices import qemu_driver
from virtlint.rules._libvirt_enums import LLONG_MESSAGE, ON_OFF, PROP, SWITCH_OR_ABSENT, UINT_MESSAGE, VIRTIO_MODELS
from virtlint.rules._support import first_child, numeric_host, numeric_host_version, parse_uuid

#: interface type -> the <source> attributes virDomainNetDefParseXML requires (the direct and vhostuser types' are
#: checked elsewhere: VL770's source check and VL850's rows)
REQUIRED_SOURCE = {
    "network": ("network",), "bridge": ("bridge",), "internal": ("name",), "vdpa": ("dev",), "vds": ("switchid",),
    "client": ("address", "port"), "mcast": ("address", "port"), "udp": ("address", "port"), "server": ("port",),
}
#: a vds source's portid and connectionid are required up to 10.4 at least (read in the 9.8 and 10.4 trees; 9.0
#: refuses a missing portid, checked); 10.7 reads them as optional; 10.5 and 10.6 were not read, and are not judged
VDS_REQUIRED_BEFORE_10_5 = ("switchid", "portid", "connectionid")
#: interface types that take a <virtualport>, and whether the parser requires its type and all its parameters
VIRTUALPORT_TYPES = {"network": False, "bridge": True, "direct": True, "hostdev": True}
VIRTUALPORT_KINDS = ("802.1Qbg", "802.1Qbh", "openvswitch", "midonet")
#: virNetDevVPortProfileCheckComplete: the parameters each kind needs (instanceid and openvswitch's interfaceid are
#: generated when missing)
NEEDED_PARAMETERS = {"802.1Qbg": ("managerid", "typeid", "typeidversion"), "802.1Qbh": ("profileid",),
                     "midonet": ("interfaceid",)}
#: virNetDevVPortProfileCheckNoExtras: the parameters each kind refuses
EXTRA_PARAMETERS = {"802.1Qbg": ("profileid", "interfaceid"),
                    "802.1Qbh": ("managerid", "typeid", "typeidversion", "instanceid", "interfaceid"),
                    "openvswitch": ("managerid", "typeid", "typeidversion", "instanceid")}
#: the numeric parameters and their bounds (virNetDevVPortProfileParse reads them in base 0)
NUMERIC_PARAMETERS = (("managerid", 0xFF, "value of managerid out of range"),
                      ("typeid", 0xFFFFFF, "value for typeid out of range"),
                      ("typeidversion", 0xFF, "value of typeidversion out of range"))
#: virNetDevVPortProfile's profileID buffer (40 bytes with its NUL)
PROFILEID_MAX = 39
#: the coalesce limit libvirt reads (UINT32_MAX)
COALESCE_MAX = 0xFFFFFFFF
#: characters of a model name libvirt does not know (virDomainNetSetModelString)
MODEL_NAME = lazy_compile(r"[A-Za-z0-9_-]+")
#: libvirt's NIC model names (virDomainNetModel, 10.7) by their lower case: virDomainNetSetModelString reads them in
#: any case and libvirt writes them in this spelling (QEMU gets it as the device's name)
MODEL_SPELLING = {name.lower(): name for name in (
    "unknown", "netfront", "rtl8139", "virtio", "e1000", "e1000e", "igb", "virtio-transitional",
    "virtio-non-transitional", "usb-net", "spapr-vlan", "lan9118", "scm91c111", "vlance", "vmxnet", "vmxnet2", "vmxnet3",
    "Am79C970A", "Am79C973", "82540EM", "82545EM", "82543GC")}
#: The network devices of QEMU's binaries, by guest arch (`qemu-system-x86_64 -device help` and
#: `qemu-system-aarch64 -device help`, "Network devices", QEMU 7.2 on Debian 12; QEMU 8.0 added igb, which libvirt
#: knows). libvirt hands QEMU a model it does not know as the device's name.
QEMU_NICS_X86 = frozenset((
    "e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82550", "i82551", "i82557a", "i82557b",
    "i82557c", "i82558a", "i82558b", "i82559a", "i82559b", "i82559c", "i82559er", "i82562", "i82801", "ne2k_isa",
    "ne2k_pci", "pcnet", "rtl8139", "tulip", "usb-net", "virtio-net-pci", "virtio-net",
    "virtio-net-pci-non-transitional", "virtio-net-pci-transitional", "vmxnet3", "igb"))
QEMU_NICS = {"x86_64": QEMU_NICS_X86, "i686": QEMU_NICS_X86, "aarch64": QEMU_NICS_X86 - {"ne2k_isa"}}
#: models libvirt knows by name (its enum), in any case
KNOWN_MODELS = frozenset(("unknown", "netfront", "rtl8139", "virtio", "e1000", "e1000e", "igb",
                          "virtio-transitional", "virtio-non-transitional", "usb-net-kmlc"))


def source_attributes(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefParseXML: the <source> attributes each type requires; udp's <local>."""
    kind = interface.get("type")
    source = first_child(interface, "source")
    if source is None:
        return  # (a missing <source> is VL770's source check)
    if kind == "vhostuser":
        yield from _vhostuser_source(source)
        return
    needed = REQUIRED_SOURCE.get(kind or "")
    if needed is None:
        return
    if kind == "vds" and not ctx.libvirt_at_least(10, 5):
        needed = VDS_REQUIRED_BEFORE_10_5
    for name in needed:
        if source.get(name) is None:
            yield Problem(Anchor(source), f"Missing required attribute '{name}' in element 'source'",
                          hint=f"add {name}='...'")
            return
    if kind == "vds":  # (virXMLPropLongLong in base 0; the switchid is a UUID, VL770's)
        for name in ("portid", "connectionid"):
            text = source.get(name)
            if text is not None and prop_int0(text, 64) is None:
                yield Problem(Anchor(source, name), LLONG_MESSAGE.format(attribute=name, element="source", value=text),
                              hint="a number: decimal, 0x-prefixed hexadecimal or 0-prefixed octal")
                return
    port = source.get("port")
    if port is not None and kind in ("client", "server", "mcast", "udp") and c_int(port) \
            is None:
        yield Problem(Anchor(source, "port"), f"Invalid value for attribute 'port' in element 'source': '{port}'. "
                      "Expected integer value", hint="a port number")
        return
    if kind == "udp":
        local = first_child(source, "local")
        if local is None:
            yield Problem(Anchor(source), "'<local>' element missing for 'udp' socket interface",
                          hint="add <local address='127.0.0.1' port='...'/> inside <source>")
            return
        if local.get("address") is None:  # (virXMLPropStringRequired, then virXMLPropInt, required)
            yield Problem(Anchor(local), "Missing required attribute 'address' in element 'local'",
                          hint="add address='127.0.0.1'")
            return
        local_port = local.get("port")
        if local_port is None:
            yield Problem(Anchor(local), "Missing required attribute 'port' in element 'local'", hint="add port='...'")
        elif c_int(local_port) is None:
            yield Problem(Anchor(local, "port"), f"Invalid value for attribute 'port' in element 'local': '{local_port}'. "
                          "Expected integer value", hint="a port number")


def _vhostuser_source(source: etree._Element) -> Iterable[Problem]:
    """virDomainNetDefParseXML's vhostuser source (a unix socket), then its reconnect (virDomainNetDefValidate)."""
    socket_type = source.get("type")
    if socket_type is None:
        yield Problem(Anchor(source), "Missing required attribute 'type' in element 'source'", hint="add type='unix'")
        return
    if socket_type != "unix":
        yield Problem(Anchor(source, "type"), f"Type='{socket_type}' unsupported for <interface type='vhostuser'>",
                      replacements=("unix",))
        return
    if source.get("path") is None:
        yield Problem(Anchor(source), "Missing required attribute 'path' in element 'source'",
                      hint="add path='/path/to/socket'")
        return
    if source.get("mode") is None:  # (its values are VL850's)
        yield Problem(Anchor(source), "Missing required attribute 'mode' in element 'source'",
                      hint="add mode='client' (or server)")
        return
    reconnect = first_child(source, "reconnect")
    if reconnect is None or reconnect.get("enabled") != "yes":
        return
    timeout = reconnect.get("timeout")
    if timeout is None:
        yield Problem(Anchor(reconnect), "Missing required attribute 'timeout' in element 'reconnect'",
                      hint="add timeout='10' (seconds)")
    elif prop_uint(timeout, 10) is None:
        yield Problem(Anchor(reconnect, "timeout"),
                      UINT_MESSAGE.format(attribute="timeout", element="reconnect", value=timeout),
                      hint="seconds, a decimal number")
    elif source.get("mode") == "server":
        yield Problem(Anchor(reconnect), "'reconnect' attribute unsupported 'server' mode for <interface "
                      "type='vhostuser'>", hint="reconnecting is the client's: remove <reconnect>")


def virtual_port(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefParseXML and virNetDevVPortProfileParse: which types take a <virtualport>, and its
    parameters."""
    port = first_child(interface, "virtualport")
    if port is None:
        return
    kind = interface.get("type") or ""
    if kind not in VIRTUALPORT_TYPES:
        yield Problem(Anchor(port), f"<virtualport> element unsupported for <interface type='{kind}'>",
                      hint="virtual ports belong to network, bridge, direct and hostdev interfaces")
        return
    port_kind = port.get("type")
    if port_kind is not None and port_kind not in VIRTUALPORT_KINDS:
        yield Problem(Anchor(port, "type"), f"unknown virtualport type {port_kind}",
                      replacements=("openvswitch", "802.1Qbg", "802.1Qbh", "midonet"))
        return
    required = VIRTUALPORT_TYPES[kind]
    if port_kind is None and required:
        yield Problem(Anchor(port), "missing required virtualport type", hint="add type='openvswitch' (or ...)")
        return
    parameters = first_child(port, "parameters")
    given = dict(parameters.items()) if parameters is not None else {}
    for name, bound, message in NUMERIC_PARAMETERS:
        if name in given:
            value = prop_uint(given[name], 0)
            if value is None:
                yield Problem(Anchor(parameters, name), f"cannot parse value of {name} parameter",
                              hint="a number")
                return
            if value > bound:
                yield Problem(Anchor(parameters, name), message, hint=f"at most {bound}")
                return
    for name in ("instanceid", "interfaceid"):
        if name in given and parse_uuid(given[name]) is None:
            yield Problem(Anchor(parameters, name), f"cannot parse {name} parameter as a uuid",
                          hint="a UUID such as 09b11c53-8b5c-4eeb-8f00-d84eaa0aaa4f")
            return
    if len(given.get("profileid", "").encode()) > PROFILEID_MAX:
        yield Problem(Anchor(parameters, "profileid"), "profileid parameter too long",
                      hint=f"at most {PROFILEID_MAX} characters")
        return
    if port_kind is None:
        return
    if required:
        missing = next((name for name in NEEDED_PARAMETERS.get(port_kind, ()) if not given.get(name)), None)
        if missing is not None:
            yield Problem(Anchor(parameters if parameters is not None else port),
                          f"missing {missing} in <virtualport type='{port_kind}'>", hint=f"add {missing}='...'")
            return
    extra = next((name for name in EXTRA_PARAMETERS.get(port_kind, ()) if name in given), None)
    if extra is not None:
        yield Problem(Anchor(parameters, extra), f"extra {extra} unsupported in <virtualport type='{port_kind}'>",
                      hint=f"remove {extra}=")


def vlan(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virNetDevVlanParse: one tag at least, ids up to 4095, one native tag, trunk='yes' for several tags."""
    element = first_child(interface, "vlan")
    if element is None:
        return
    tags = list(element.iterchildren("tag"))
    if not tags:
        yield Problem(Anchor(element), "missing tag id - each <vlan> must have at least one <tag id='n'/> subelement",
                      hint="add <tag id='42'/>")
        return
    native = False
    for tag in tags:
        number = parse_uint(tag.get("id"))
        if number is None:
            return  # VL851's
        if number > 4095:
            yield Problem(Anchor(tag, "id"), f"vlan tag id {number} too large (maximum 4095)")
            return
        if tag.get("nativeMode") in ("tagged", "untagged"):
            if native:
                yield Problem(Anchor(tag, "nativeMode"), "duplicate native vlan setting",
                              hint="one tag is the native one")
                return
            native = True
    trunk = element.get("trunk")
    if not trunk or trunk.lower() == "yes":  # (virXPathString: an empty value is none)
        return
    if len(tags) > 1:
        yield Problem(Anchor(element, "trunk"),
                      f"invalid \"trunk='{trunk}'\" in <vlan> - trunk='yes' is required for more than one vlan tag",
                      replacements=("yes",))
    elif native:
        yield Problem(Anchor(element, "trunk"),
                      "invalid configuration in <vlan> - \"trunk='no'\" is not allowed with a native vlan id",
                      replacements=("yes",))
    elif trunk.lower() != "no":
        yield Problem(Anchor(element, "trunk"), f"invalid \"trunk='{trunk}'\" in <vlan> - must be yes or no",
                      replacements=("yes", "no"))


def teaming(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetTeamingInfoParseXML, virDomainNetDefValidate, qemuValidateDomainDeviceDefNetwork."""
    element = first_child(interface, "teaming")
    if element is None:
        return
    # (virXPathString: an empty value is none)
    kind, persistent = element.get("type") or None, element.get("persistent") or None
    if kind not in ("persistent", "transient"):
        if kind is not None or persistent is not None:
            yield Problem(Anchor(element, "type" if kind is not None else None),
                          f"unknown teaming type '{kind if kind is not None else '(null)'}'",
                          replacements=("persistent", "transient"))
        return
    if kind == "transient" and not persistent:
        yield Problem(Anchor(element), "teaming persistent attribute must be set if teaming type is 'transient'",
                      hint="name the persistent interface's alias: persistent='ua-backup0'")
        return
    if kind == "persistent" and persistent:
        yield Problem(Anchor(element, "persistent"),
                      "teaming persistent attribute not allowed if teaming type is 'persistent'",
                      hint="remove persistent=")
        return
    if not qemu_driver(ctx):
        return
    model = first_child(interface, "model")
    model_type = model.get("type") if model is not None else None
    if kind == "persistent" and model_type not in VIRTIO_MODELS:
        yield Problem(Anchor(model if model is not None else interface),
                      f"virtio-net teaming persistent interface must be <model type='virtio'/>, not '{model_type}'",
                      replacements=("virtio",))
    elif kind == "transient" and interface.get("type") not in ("hostdev", "network"):
        yield Problem(Anchor(interface, "type"), "virtio-net teaming transient interface must be type='hostdev', "
                      f"not '{interface.get('type')}'")


def _ip_problem(ip: etree._Element) -> tuple[Problem | None, int | None, int | None]:
    """virDomainNetIPParseXML: (its problem, the address family's version, the prefix)."""
    address = ip.get("address")
    if address is None:
        return Problem(Anchor(ip), "Missing required address in <ip>", hint="add address='...'"), None, None
    # (family='ipv4' or 'ipv6' decides how the address and the peer are read; another family, or none, is the
    # address's own)
    wanted = {"ipv4": 4, "ipv6": 6}.get(ip.get("family") or "")
    version = numeric_host_version(address, wanted)
    if version is None:
        return Problem(Anchor(ip, "address"), f"Invalid address '{address}' in <ip>"), None, None
    prefix_text = ip.get("prefix")
    prefix = parse_ui(prefix_text) if prefix_text is not None else None  # (virStrToLong_ui: '-1' wraps, '1 ' fails)
    if prefix_text is not None and (prefix is None or prefix > (32 if version == 4 else 128)):
        return Problem(Anchor(ip, "prefix"), f"Invalid prefix value '{prefix_text}' in <ip>"), version, None
    peer = ip.get("peer")
    if peer is not None and numeric_host_version(peer, version) is None:
        return Problem(Anchor(ip, "peer"), f"Invalid peer '{peer}' in <ip>",
                       hint=f"an IPv{version} address, as the address is"), version, prefix
    return None, version, prefix


def _route_problem(route: etree._Element, detail: str) -> Problem | None:
    """virNetDevIPRouteParseXML and virNetDevIPRouteCreate: a route's addresses, family, prefix or netmask, and a
    network address (its unreadable prefix or metric is VL851's)."""
    prefix_text, metric = route.get("prefix"), route.get("metric")
    prefix = prop_uint(prefix_text, 10) if prefix_text is not None else 0
    if prefix is None or metric is not None and not prop_uint(metric, 10):
        return None
    address, gateway, netmask, family = route.get("address"), route.get("gateway"), route.get("netmask"), \
        route.get("family")
    if address is None or gateway is None:
        missing = "address" if address is None else "gateway"
        return Problem(Anchor(route), f"{detail}: Missing required {missing} attribute in route definition",
                       hint=f"add {missing}='...'")
    network, router = numeric_host(address), numeric_host(gateway)
    if network is None or router is None:
        name, kind, value = ("address", "network", address) if network is None else ("gateway", "gateway", gateway)
        return Problem(Anchor(route, name), f"{detail}: Bad {kind} address '{value}' in route definition")
    mask: tuple[int, int] | None = None
    if family is None or family == "ipv4":
        said = "No family specified for" if family is None else "IPv4 family specified for"
        if network[0] != 4 or router[0] != 4:  # (libvirt names the address in both messages)
            name = "address" if network[0] != 4 else "gateway"
            return Problem(Anchor(route, name), f"{detail}: {said} non-IPv4 {name} '{address}' in route definition",
                           hint="add family='ipv6'" if family is None else "use IPv4 addresses, or family='ipv6'")
        if netmask is not None:
            mask = numeric_host(netmask)
            if mask is None:
                return Problem(Anchor(route, "netmask"), f"{detail}: Bad netmask address '{netmask}' in route "
                               "definition")
            if mask[0] != 4:
                return Problem(Anchor(route, "netmask"), f"{detail}: Invalid netmask '{netmask}' for address "
                               f"'{address}' (both must be IPv4)")
            if prefix_text is not None:
                return Problem(Anchor(route, "prefix"), f"{detail}: Route definition cannot have both a prefix and "
                               "a netmask", hint="keep one of prefix= and netmask=")
        if prefix > 32:
            return Problem(Anchor(route, "prefix"), f"{detail}: Invalid prefix {prefix} specified in route "
                           "definition, must be 0 - 32")
    elif family == "ipv6":
        if network[0] != 6:
            return Problem(Anchor(route, "address"), f"{detail}: ipv6 family specified for non-IPv6 address "
                           f"'{address}' in route definition")
        if netmask is not None:
            return Problem(Anchor(route, "netmask"), f"{detail}: Specifying netmask invalid for IPv6 address "
                           f"'{address}' in route definition", hint="give the network's prefix= instead")
        if router[0] != 6:
            return Problem(Anchor(route, "gateway"), f"{detail}: ipv6 specified for non-IPv6 gateway address "
                           f"'{gateway}' in route definition")
        if prefix > 128:
            return Problem(Anchor(route, "prefix"), f"{detail}: Invalid prefix {prefix} specified in route "
                           "definition, must be 0 - 128")
    else:
        return Problem(Anchor(route, "family"), f"{detail}: Unrecognized family '{family}' in route definition",
                       replacements=("ipv4", "ipv6"))
    bits = 32 if network[0] == 4 else 128
    keep = mask[1] if mask is not None else ((1 << bits) - 1) ^ ((1 << (bits - prefix)) - 1)
    if network[1] & keep != network[1]:  # (no prefix is prefix 0: only 0.0.0.0 or :: is a network address then)
        return Problem(Anchor(route, "address"), f"{detail}: Address '{address}' in route definition is not a "
                       "network address", hint="give the network's first address and its prefix=")
    return None


def ip_addresses(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """The host side's <source><ip>/<route> (virDomainNetDefValidate) and the guest side's <ip>/<route>
    (virDomainNetIPInfoParseXML, qemuValidateDomainDeviceDefNetwork)."""
    kind = interface.get("type")
    source = first_child(interface, "source")
    if source is not None and (first_child(source, "ip") is not None or first_child(source, "route") is not None):
        for ip in source.iterchildren("ip"):
            problem = _ip_problem(ip)[0]
            if problem is not None:
                yield problem
                return
        for route in source.iterchildren("route"):
            problem = _route_problem(route, "interface host IP")
            if problem is not None:
                yield problem
                return
        if kind != "ethernet":
            yield Problem(Anchor(source), "Invalid attempt to set network interface host-side IP route and/or address "
                          f"info on interface of type '{kind}'. This is only supported on interfaces of type "
                          "'ethernet'", hint="remove the host-side <ip>/<route>")
            return
    ips = list(interface.iterchildren("ip"))
    routes = list(interface.iterchildren("route"))
    parsed = []
    for ip in ips:
        problem, version, prefix = _ip_problem(ip)
        if problem is not None:
            yield problem
            return
        parsed.append((ip, version, prefix))
    for route in routes:
        problem = _route_problem(route, "guest interface")
        if problem is not None:
            yield problem
            return
    if not (ips or routes) or not qemu_driver(ctx):
        return
    if kind not in ("user", "vdpa"):
        yield Problem(Anchor(ips[0] if ips else routes[0]), "Invalid attempt to set network interface guest-side IP "
                      "route and/or address info, not supported by QEMU",
                      hint="a guest's address is set inside the guest (or by the network's DHCP)")
        return
    if kind != "user":
        return
    if routes:
        yield Problem(Anchor(routes[0]), "Invalid attempt to set network interface guest-side IP route, not supported "
                      "by QEMU", hint="remove <route>")
        return
    seen: set[int | None] = set()
    for ip, version, prefix in parsed:
        if ip.get("peer") is not None:
            yield Problem(Anchor(ip, "peer"), "Invalid attempt to set peer IP for guest", hint="remove peer=")
            return
        if version in seen:
            yield Problem(Anchor(ip), f"Only one IPv{version} address per interface is allowed")
            return
        seen.add(version)
        if version == 4 and prefix and not 4 <= prefix <= 27:
            yield Problem(Anchor(ip, "prefix"), "invalid prefix, must be in range of 4-27")
            return
        if version == 6 and prefix is not None and prefix != 64:
            yield Problem(Anchor(ip, "prefix"), f"unsupported IPv6 address prefix='{prefix}' - must be 64",
                          replacements=("64",))
            return


def tuning(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetDefParseXML's <tune><sndbuf>, virDomainNetDefCoalesceParseXML and qemuValidateNetSupportsCoalesce,
    virDomainNetDefValidate's unmanaged target and port isolation, virDomainDeviceInfoParseXML's ROM."""
    kind = interface.get("type")
    tune = first_child(interface, "tune")
    sndbuf = first_child(tune, "sndbuf") if tune is not None else None
    if sndbuf is not None and sndbuf.text and c_unsigned(sndbuf.text, 2**64 - 1) is None:
        yield Problem(Anchor(sndbuf, text=True), "sndbuf must be a positive integer", hint="a size in bytes")
        return
    coalesce = first_child(interface, "coalesce")
    if coalesce is not None:
        for frames in coalesce.iterfind("rx/frames"):
            text = frames.get("max") or None  # (an empty value is none, as libvirt 9.0 shows)
            value = c_unsigned(text, 2**64 - 1) if text is not None else None
            if text is not None and value is None:
                yield Problem(Anchor(frames, "max"), f"cannot parse value '{text}' for coalesce parameter")
                return
            if value is not None and value > COALESCE_MAX:
                yield Problem(Anchor(frames, "max"), f"value '{value}' is too big for coalesce parameter, maximum is "
                              f"'{COALESCE_MAX}'", replacements=(str(COALESCE_MAX),))
                return
        if qemu_driver(ctx) and kind not in ("network", "bridge"):
            yield Problem(Anchor(coalesce), f"coalesce settings on interface type {kind} are not supported",
                          hint="coalescing applies to network and bridge interfaces")
            return
    target = first_child(interface, "target")
    if target is not None and target.get("managed") == "no" and kind != "ethernet":
        yield Problem(Anchor(target, "managed"),
                      f"unmanaged target dev is not supported on interfaces of type '{kind}'",
                      hint="an existing tap device is used by type='ethernet' interfaces")
        return
    port = first_child(interface, "port")
    if port is not None and port.get("isolated") == "yes":
        mac = first_child(interface, "mac")
        name = mac.get("address") if mac is not None else None
        virtualport = first_child(interface, "virtualport")
        if kind not in ("network", "bridge"):
            yield Problem(Anchor(port, "isolated"), f"interface {name or '(its MAC)'} - <port isolated='yes'/> is not "
                          f"supported for network interfaces with type='{kind}'")
            return
        if virtualport is not None and virtualport.get("type"):
            yield Problem(Anchor(port, "isolated"), f"interface {name or '(its MAC)'} - <port isolated='yes'/> is not "
                          f"supported for network interfaces with virtualport type='{virtualport.get('type')}'")
            return
    rom = first_child(interface, "rom")
    if rom is not None and rom.get("enabled") == "no" and (rom.get("bar") is not None or rom.get("file") is not None):
        yield Problem(Anchor(rom), "ROM tuning is not supported when ROM is disabled",
                      hint="remove bar= and file=, or enable the ROM")
        return
    address = first_child(interface, "address")
    address_type = address.get("type") if address is not None else None
    if not qemu_driver(ctx) or address_type in (None, "pci"):
        return
    # (qemuValidateDomainDeviceInfo)
    acpi = first_child(interface, "acpi")
    if acpi is not None and parse_uint(acpi.get("index")):
        yield Problem(Anchor(acpi), "ACPI index is only supported for PCI devices", hint="remove <acpi>")
    elif rom is not None and address_type != "unassigned" and any(rom.get(name) is not None
                                                                    for name in ("enabled", "bar", "file")):
        yield Problem(Anchor(rom), "ROM tuning is only supported for PCI devices", hint="remove <rom>")


def model_and_driver(interface: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainNetSetModelString: a model name libvirt does not know has only [A-Za-z0-9_-]; virDomainNetDefValidate:
    virtio-only driver options on another model."""
    model = first_child(interface, "model")
    model_type = (model.get("type") or None) if model is not None else None  # (virXPathString: '' is none)
    if model_type is not None and model_type.lower() not in KNOWN_MODELS and not MODEL_NAME.fullmatch(model_type):
        yield Problem(Anchor(model, "type"), "Model name contains invalid characters",
                      hint="letters, digits, '-' and '_' only")
        return
    if model_type is not None and model_type not in VIRTIO_MODELS and interface.get("type") == "vdpa" and \
            qemu_driver(ctx):
        yield Problem(Anchor(model, "type"), f"invalid model for interface of type 'vdpa': '{model_type}'",
                      replacements=("virtio",))
        return
    driver = first_child(interface, "driver")
    if driver is None:
        return
    if model_type in VIRTIO_MODELS:
        yield from _virtio_driver(driver)
        return
    for option in ("iommu", "ats", "packed", "page_per_vq"):
        if driver.get(option) in ON_OFF:
            yield Problem(Anchor(driver, option), f"{option} driver option is only supported for virtio devices",
                          hint=f"remove {option}=, or use <model type='virtio'/>")
            return


#: virDomainNetDefParseXMLDriver (virtio models only): the driver's enum and on/off settings, and its <host> and
#: <guest> offloads
VIRTIO_DRIVER_SWITCHES = ("ioeventfd", "event_idx", "rss", "rss_hash_report")
VIRTIO_DRIVER_VALUES = {"name": ("qemu", "vhost"), "txmode": ("iothread", "timer"),
                        **{name: ON_OFF for name in VIRTIO_DRIVER_SWITCHES}}
OFFLOADS = ("csum", "gso", "tso4", "tso6", "ecn", "ufo", "mrg_rxbuf")


#: the driver's numbers virDomainNetDefParseXMLDriver reads (virXMLPropUInt, base 10) after its event_idx (the
#: queues are VL851's)
VIRTIO_DRIVER_NUMBERS = ("rx_queue_size", "tx_queue_size")


def _virtio_driver(driver: etree._Element) -> Iterable[Problem]:
    for name, accepted in VIRTIO_DRIVER_VALUES.items():
        value = driver.get(name)
        if value is not None and value not in accepted:
            yield Problem(Anchor(driver, name), PROP.format(attribute=name, element="driver", value=value),
                          hint=f"libvirt accepts: {', '.join(accepted)}", replacements=accepted)
            return
        if name == "event_idx":  # (in libvirt's order: the numbers come next)
            for number in VIRTIO_DRIVER_NUMBERS:
                text = driver.get(number)
                if text is not None and prop_uint(text, 10) is None:
                    yield Problem(Anchor(driver, number),
                                  UINT_MESSAGE.format(attribute=number, element="driver", value=text),
                                  hint="a power of two, e.g. 256")
                    return
    for side in ("host", "guest"):
        offloads = first_child(driver, side)
        if offloads is None:
            continue
        for name in OFFLOADS:
            value = offloads.get(name)
            if value is not None and value not in ON_OFF:
                yield Problem(Anchor(offloads, name), PROP.format(attribute=name, element=side, value=value),
                              replacements=ON_OFF)
                return


def virtio_driver_suspect(driver: etree._Element) -> bool:
    """Whether a virtio interface's driver has something _virtio_driver may refuse (a cheap pre-test)."""
    return driver.get("name") not in (None, "qemu", "vhost") or driver.get("txmode") not in (
        None, "iothread", "timer") or bool(len(driver)) or any(
        driver.get(name) not in SWITCH_OR_ABSENT for name in VIRTIO_DRIVER_SWITCHES)


CHECKS = (source_attributes, virtual_port, vlan, teaming, ip_addresses, tuning, model_and_driver)
#: the children that make an interface a suspect of CHECKS (a <driver> does on a model other than virtio)
SUSPECT_CHILDREN = frozenset(("virtualport", "vlan", "teaming", "ip", "route", "tune", "coalesce", "port", "rom",
                              "acpi"))
SUSPECT_TYPES = frozenset(REQUIRED_SOURCE) - {"network", "bridge"}
