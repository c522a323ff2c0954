"""VL767 graphics-config: graphics settings libvirt's parser and validators refuse: ports, listens, password
expiry and connected actions, D-Bus peer-to-peer and audio."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal, parse_uint
from virtlint.rules._devices import qemu_driver
from virtlint.rules._libvirt_enums import INT_MESSAGE
from virtlint.rules._support import NOTHING, first_child

INT = (-(2**31), 2**31 - 1)
#: virDomainGraphicsAuthDefParseXML: YYYY-MM-DDTHH:MM:SS read as six virStrToLong_i numbers
_C_INT = r"[ \t\n\r\v\f]*[+-]?[0-9]+"
_VALID_TO = lazy_compile(f"{_C_INT}-{_C_INT}-{_C_INT}T{_C_INT}:{_C_INT}:{_C_INT}")
CONNECTED = ("fail", "disconnect", "keep")
_PORT_NAMES = ("port", "websocket", "tlsPort")


def _ports(graphics: etree._Element, kind: str) -> Problem | None:
    """The VNC and SPICE port numbers (virDomainGraphicsDefParseXMLVNC, ...Spice)."""
    if kind == "vnc":
        port = graphics.get("port")
        if port is not None and c_decimal(port, *INT) is None:
            return Problem(Anchor(graphics, "port"), f"cannot parse vnc port {port}", hint="a port number, or -1")
        names: tuple[str, ...] = ("websocket",)
    elif kind == "spice":
        names = ("port", "tlsPort")
    else:
        return None
    for name in names:
        value = graphics.get(name)
        if value is not None and c_decimal(value, *INT) is None:
            return Problem(Anchor(graphics, name), INT_MESSAGE.format(attribute=name, element='graphics', value=value),
                           hint="a port number, or -1")
    return None


def _auth(graphics: etree._Element, kind: str) -> Problem | None:
    """virDomainGraphicsAuthDefParseXML (read for VNC and SPICE with a password)."""
    if kind not in ("vnc", "spice") or graphics.get("passwd") is None:
        return None
    valid_to = graphics.get("passwdValidTo")
    if valid_to is not None and not _VALID_TO.fullmatch(valid_to):
        return Problem(Anchor(graphics, "passwdValidTo"),
                       f"cannot parse password validity time '{valid_to}', expect YYYY-MM-DDTHH:MM:SS",
                       hint="e.g. 2025-01-01T10:00:00")
    connected = graphics.get("connected")
    if connected is not None:
        if connected not in CONNECTED:
            return Problem(Anchor(graphics, "connected"), f"unknown connected value {connected}",
                           replacements=CONNECTED)
        if kind == "vnc" and connected != "keep":
            return Problem(Anchor(graphics, "connected"), "VNC supports connected='keep' only",
                           replacements=("keep",))
    return None


def _listens(listens: list[etree._Element]) -> Problem | None:
    """virDomainGraphicsListenDefParseXML, virDomainGraphicsDefListensValidate."""
    for listen in listens:
        kind = listen.get("type")
        if kind not in ("address", "network", "socket", "none"):
            continue  # VL850's
        if listen.get("network") and kind != "network":
            return Problem(Anchor(listen, "network"), "'network' attribute is valid only for listen type 'network'",
                           hint="use type='network', or remove network=")
        if listen.get("socket") and kind != "socket":
            return Problem(Anchor(listen, "socket"), "'socket' attribute is valid only for listen type 'socket'",
                           hint="use type='socket', or remove socket=")
        if kind == "network" and not listen.get("network"):
            return Problem(Anchor(listen), "'network' attribute is required for listen type 'network'",
                           hint="name the libvirt network: network='default'")
    return None


def _audio(graphics: etree._Element, kind: str, ctx: Context) -> Problem | None:
    """The audio a VNC or D-Bus display carries (virDomainGraphicsDefParseXMLVNC/DBus), and D-Bus's own rules
    (virDomainGraphicsDefValidate, qemuValidateDomainDeviceDefDBusGraphics)."""
    if kind == "dbus" and graphics.get("p2p") == "yes" and graphics.get("address"):
        return Problem(Anchor(graphics, "p2p"), "D-Bus p2p with an address is not supported",
                       hint="remove address= (peer-to-peer needs none), or p2p=")
    if kind not in ("vnc", "dbus"):
        return None
    audio = first_child(graphics, "audio")
    if audio is None:
        return None
    raw = audio.get("id")
    if raw is None:
        return Problem(Anchor(audio), "Missing required attribute 'id' in element 'audio'", hint="add id='1'")
    number = parse_uint(raw)
    if number == 0:
        return Problem(Anchor(audio, "id"), "Invalid value for attribute 'id' in element 'audio': Zero is not "
                       "permitted", hint="audio ids start at 1")
    if kind == "dbus" and number and qemu_driver(ctx):
        for device in ctx.root.iterfind("devices/audio"):
            if parse_uint(device.get("id")) == number and device.get("type") not in (None, "dbus"):
                return Problem(Anchor(audio, "id"), "The associated audio is not of 'dbus' kind.",
                               hint="point it at an <audio type='dbus'>")
    return None


@register
class GraphicsConfig(Rule):
    """
    ## What it does
    Checks `<graphics>` settings libvirt reads strictly: VNC and SPICE ports
    are numbers; a listen's `network` and `socket` attributes belong to
    listens of that type, and a network listen names its network; with a
    password, `passwdValidTo` is `YYYY-MM-DDTHH:MM:SS` and `connected` is
    `fail`, `disconnect` or `keep` (VNC: `keep` only); a VNC or D-Bus
    display's `<audio id>` is set and not 0, and (QEMU) a D-Bus display's
    audio is of type dbus; a D-Bus display is not both `p2p` and given an
    address.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `cannot parse vnc port
    59x0`, `'network' attribute is valid only for listen type 'network'`,
    `'network' attribute is required for listen type 'network'`, `cannot
    parse password validity time '2025-01-01 10:00:00', expect
    YYYY-MM-DDTHH:MM:SS`, `VNC supports connected='keep' only`, `unknown
    connected value drop` (virDomainGraphicsDefParseXML and its helpers,
    virDomainGraphicsDefValidate; every driver), `The associated audio is not
    of 'dbus' kind.` (qemuValidateDomainDeviceDefDBusGraphics; QEMU). Each was
    checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><graphics type='vnc' passwd='secret' passwdValidTo='2025-01-01 10:00:00'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><graphics type='vnc' passwd='secret' passwdValidTo='2025-01-01T10:00:00'/></devices></domain>
    ```
    """

    code = "VL767"
    name = "graphics-config"
    severity = Severity.ERROR
    summary = "Graphics ports, listens, password expiry or connected actions, or D-Bus settings libvirt refuses."
    elements = ("devices/graphics",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        names = element.keys()  # (one call for the attribute names: most of what is judged is usually absent)
        kind = element.get("type") or ""
        problem = None
        if any(name in names for name in _PORT_NAMES):
            problem = _ports(element, kind)
        if problem is None and "passwd" in names:
            problem = _auth(element, kind)
        children = element.getchildren()
        if problem is None and kind in ("vnc", "spice", "rdp"):
            listens = [child for child in children if child.tag == "listen"]
            problem = _listens(listens) if listens else None
        if problem is None and (kind == "dbus" or (kind == "vnc" and any(child.tag == "audio" for child in children))):
            problem = _audio(element, kind, ctx)
        return iter((problem,)) if problem is not None else NOTHING
