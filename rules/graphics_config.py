"""VL767 graphics-config: graphics settings libvirt's parser and validators refuse: ports, listens, password
expiry and connected actions, D-Bus peer-to-peer and audio; and the VNC and SPICE displays QEMU's driver cannot
start: several listens, a fixed VNC port below 5900, SPICE TLS with libvirt's default qemu.conf."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_int, parse_uint
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, implicit_audio, qemu_driver
from virtlint.rules._libvirt_enums import INT_MESSAGE
from virtlint.rules._support import NOTHING, first_child

#: virDomainGraphicsAuthDefParseXML: YYYY-MM-DDTHH:MM:SS read as six virStrToLong_i numbers
_C_INT = r"[ \t\n\r\v\f]*[+-]?[0-9]+"
_VALID_TO = lazy_compile(f"{_C_INT}-{_C_INT}-{_C_INT}T{_C_INT}:{_C_INT}:{_C_INT}")
CONNECTED = ("fail", "disconnect", "keep")
_PORT_NAMES = ("port", "websocket", "tlsPort")
#: listen types whose displays take TCP ports (the others: a UNIX socket, or nowhere)
_TCP_LISTENS = ("address", "network")
#: virDomainGraphicsSpiceChannelName, in its order (qemuBuildGraphicsSPICECommandLine judges channels so)
SPICE_CHANNELS = ("main", "display", "inputs", "cursor", "playback", "record", "smartcard", "usbredir")
SPICE_MODES = ("any", "secure", "insecure")
#: what the qemu.conf-dependent refusals' hints add
#: (a warning: whether libvirt refuses it is the host's qemu.conf, which no document here describes; hosts made for
#: SPICE TLS, oVirt's, set spice_tls = 1)
_SPICE_TLS_HINT = ("; libvirt refuses it where qemu.conf has spice_tls = 0, its default; a host whose qemu.conf sets "
                   "spice_tls = 1 accepts it")
#: what the refusals that hold whatever qemu.conf says add: the display has no TLS port to use
_NO_TLS_PORT_HINT = ("; or give the display a TLS port (tlsPort='N' on an address or network listen, or autoport), "
                     "which the host's qemu.conf must allow with spice_tls = 1")


def _ports(graphics: etree._Element, kind: str) -> Problem | None:
    """The VNC and SPICE port numbers (virDomainGraphicsDefParseXMLVNC, ...Spice)."""
    if kind == "vnc":
        port = graphics.get("port")
        if port is not None and c_int(port) is None:
            return Problem(Anchor(graphics, "port"), f"cannot parse vnc port {port}", hint="a port number, or -1")
        names: tuple[str, ...] = ("websocket",)
    elif kind == "spice":
        names = ("port", "tlsPort")
    else:
        return None
    for name in names:
        value = graphics.get(name)
        if value is not None and c_int(value) is None:
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
        audios = ctx.root.findall("devices/audio")
        for device in audios:
            if parse_uint(device.get("id")) == number and device.get("type") not in (None, "dbus"):
                return Problem(Anchor(audio, "id"), "The associated audio is not of 'dbus' kind.",
                               hint="point it at an <audio type='dbus'>")
        implicit = implicit_audio(ctx) if not audios else None
        if implicit is not None and number == 1:
            return Problem(Anchor(audio, "id"), "The associated audio is not of 'dbus' kind.",
                           hint=f"this domain has no <audio>, so libvirt adds <audio id='1' type='{implicit}'/> for "
                                "its other display: add <audio id='1' type='dbus'/>")
        if not (number == 1 and implicit is not None) and \
                not any(parse_uint(device.get("id")) == number for device in audios):
            # (qemuBuildGraphicsDBusCommandLine's qemuGetAudioIDString, at start: nothing checks it before;
            # checked on 9.0)
            return Problem(Anchor(audio, "id"), "unable to find audio backend for sound device" + LIBVIRT_START,
                           hint=f"no <audio id='{number}'> here (libvirt adds none for a D-Bus display): add "
                                f"<audio id='{number}' type='dbus'/>")
    return None


def _first_listen(graphics: etree._Element, listens: list[etree._Element], kind: str) -> str | None:
    """The type of a VNC or SPICE display's first listen as libvirt keeps it (virDomainGraphicsListensParseXML): its
    first <listen>, else one made of the display's attributes (VNC's socket attribute: a socket; else an address),
    and a VNC socket attribute turns a first address or network listen into a socket one. None: a type the
    parser refuses."""
    first = listens[0].get("type") if listens else "address"
    if first not in ("address", "network", "socket", "none"):
        return None
    if kind == "vnc" and graphics.get("socket") is not None and first in _TCP_LISTENS:
        return "socket"
    return first


def _vnc_port(graphics: etree._Element, first: str) -> Problem | None:
    """qemuBuildGraphicsVNCCommandLine: a display on a TCP listen without autoport takes port - 5900 as its
    display number (virDomainGraphicsDefParseXMLVNC: no port, or port -1, is autoport; autoport='yes' or 'no'
    has the last word, and an inactive definition's autoport port is 0)."""
    if first not in _TCP_LISTENS:
        return None
    written = graphics.get("port")
    if written is None:
        port, autoport = 0, True
    else:
        number = c_int(written)
        if number is None:
            return None  # (_ports)
        port, autoport = (0, True) if number == -1 else (number, False)
    switch = graphics.get("autoport")
    if switch in ("yes", "no"):
        autoport = switch == "yes"
    if autoport or 5900 <= port <= 65535:
        return None
    anchor = Anchor(graphics, "port") if written is not None else Anchor(graphics, "autoport")
    return Problem(anchor, "vnc port must be in range [5900,65535]" + LIBVIRT_START,
                   hint="a VNC port is 5900 (display :0) to 65535; or autoport='yes'")


def _spice_int(graphics: etree._Element, name: str) -> int | None:
    written = graphics.get(name)
    return 0 if written is None else c_int(written)


def _spice_tls(graphics: etree._Element, first: str) -> Problem | None:
    """SPICE's TLS port and secure channels, with libvirt's default qemu.conf (spice_tls = 0): a TLS port written
    (qemuValidateDomainDeviceDefSPICEGraphics; define), one to allocate (qemuProcessSPICEAllocatePorts; start), a
    secure (or, without a plaintext port, insecure) default mode or channel (qemuBuildGraphicsSPICECommandLine;
    start)."""
    port, tls = _spice_int(graphics, "port"), _spice_int(graphics, "tlsPort")
    switch, default = graphics.get("autoport"), graphics.get("defaultMode") or "any"
    if port is None or tls is None or switch not in (None, "yes", "no") or default not in SPICE_MODES:
        return None  # (the parser's)
    modes: dict[str, etree._Element] = {}  # channel name -> the <channel> that sets its mode (the last)
    for channel in graphics.iterchildren("channel"):
        if channel.get("name") not in SPICE_CHANNELS or channel.get("mode") not in SPICE_MODES:
            return None  # (the parser's)
        modes[channel.get("name")] = channel
    if default == "any" and not modes and tls == 0:
        return None  # the common case: no TLS asked for
    # virDomainGraphicsDefParseXMLSpice: port and tlsPort -1 are autoport; an inactive autoport has ports 0
    autoport = switch == "yes" or (port == -1 and tls == -1)
    if autoport:
        port = tls = 0
    if first == "address" and port == 0 and tls == 0 and not autoport:
        first = "none"  # virDomainDefPostParseGraphics: no port and no autoport listen nowhere
    channels = [modes[name] for name in SPICE_CHANNELS if name in modes]
    secure = [channel for channel in channels if channel.get("mode") == "secure"]
    plain = True
    if first in _TCP_LISTENS:
        if tls > 0:
            return Problem(Anchor(graphics, "tlsPort"), "spice TLS port set in XML configuration, but TLS is "
                           "disabled in qemu.conf", hint="remove tlsPort" + _SPICE_TLS_HINT,
                           severity=Severity.WARNING)
        if tls == -1 or (autoport and (default == "secure" or secure)):
            anchor = (Anchor(graphics, "tlsPort") if tls == -1 else Anchor(graphics, "defaultMode")
                      if default == "secure" else Anchor(secure[0], "mode"))
            return Problem(anchor, "Auto allocation of spice TLS port requested but spice TLS is disabled in "
                           "qemu.conf" + LIBVIRT_START,
                           hint="remove tlsPort='-1', secure modes and channels" + _SPICE_TLS_HINT,
                           severity=Severity.WARNING)
        insecure = any(channel.get("mode") == "insecure" for channel in channels)
        plain = port > 0 or port == -1 or (autoport and (default != "secure" or insecure))
    if default == "secure":
        return Problem(Anchor(graphics, "defaultMode"), "spice defaultMode secure requested in XML configuration, "
                       "but TLS connection is not available" + LIBVIRT_START,
                       hint="use defaultMode='any' (or 'insecure')" + _NO_TLS_PORT_HINT)
    if default == "insecure" and not plain:
        return Problem(Anchor(graphics, "defaultMode"), "spice defaultMode insecure requested in XML configuration, "
                       "but plaintext connection is not available" + LIBVIRT_START,
                       hint="give the display a port (from 1), or autoport='yes'")
    for channel in channels:
        mode = channel.get("mode")
        if mode == "secure":
            return Problem(Anchor(channel, "mode"), "spice secure channels set in XML configuration, but TLS "
                           "connection is not available" + LIBVIRT_START,
                           hint="use mode='any' (or 'insecure')" + _NO_TLS_PORT_HINT)
        if mode == "insecure" and not plain:
            return Problem(Anchor(channel, "mode"), "spice insecure channels set in XML configuration, but plaintext "
                           "connection is not available" + LIBVIRT_START,
                           hint="give the display a port (from 1), or autoport='yes'")
    return None


#: The keyboard layouts QEMU installs (pc-bios/keymaps: the generated ones, 'sl' and 'sv'), in any release libvirt
#: runs: 'ar' became 'ara' in a later release, so both are taken.
QEMU_KEYMAPS = frozenset((
    "ar", "ara", "bepo", "cz", "da", "de", "de-ch", "en-gb", "en-us", "es", "et", "fi", "fo", "fr", "fr-be", "fr-ca",
    "fr-ch", "hr", "hu", "is", "it", "ja", "lt", "lv", "mk", "nl", "no", "pl", "pt", "pt-br", "ru", "sl", "sv", "th",
    "tr"))


def _vnc_keymap(graphics: etree._Element) -> Problem | None:
    """QEMU at start: a VNC display's keymap (-k) names a layout file QEMU has (init_keyboard_layout; with any
    listen, 'none' too; SPICE does not read it; a path is QEMU's to find). Checked on 9.0 with QEMU 7.2."""
    keymap = graphics.get("keymap")
    if not keymap or keymap in QEMU_KEYMAPS or "/" in keymap:
        return None
    lowered = keymap.lower().replace("_", "-")
    exact = [name for name in (lowered, f"en-{lowered}") if name in QEMU_KEYMAPS]  # ('EN-US', 'us': en-us)
    close = exact + sorted(name for name in QEMU_KEYMAPS - {"ara"} - set(exact)
                           if name.split("-")[0] == lowered.split("-")[0])  # ('de_DE': de, de-ch)
    return Problem(Anchor(graphics, "keymap"), f"could not read keymap file: '{keymap}'" + QEMU_START,
                   hint="QEMU's layouts: " + ", ".join(sorted(QEMU_KEYMAPS - {"ara"})),
                   replacements=tuple(close[:3]))


def _start(graphics: etree._Element, kind: str, listens: list[etree._Element]) -> Problem | None:
    """The QEMU driver's VNC and SPICE checks: a SPICE TLS port at define, then at start
    qemuProcessStartValidateGraphics, then the ports and TLS."""
    first = _first_listen(graphics, listens, kind)
    if first is None:
        return None  # (the parser's)
    problem = _vnc_port(graphics, first) if kind == "vnc" else _spice_tls(graphics, first)
    if len(listens) > 1 and (problem is None or problem.message.endswith(LIBVIRT_START)):
        return Problem(Anchor(listens[1]), "QEMU does not support multiple listens for one graphics device."
                       + LIBVIRT_START, hint="keep one <listen> (QEMU listens on one address or socket per display)")
    return problem


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
    address. For QEMU, at start: a D-Bus display's `<audio id>` names an
    `<audio>` (or the one libvirt adds for another display: `unable to find
    audio backend for sound device`, qemuGetAudioIDString; checked on 9.0);
    a VNC or SPICE display has one `<listen>`;
    a VNC display on an address or network listen without autoport has a
    port from 5900 to 65535; and, as libvirt's default `qemu.conf`
    (`spice_tls = 0`) has it, a SPICE display asks for no TLS: no `tlsPort`
    (nor `-1`), no `defaultMode='secure'`, no `<channel mode='secure'>`; its
    `defaultMode='insecure'` and insecure channels need a plaintext port;
    a VNC display's `keymap` is one of QEMU's keyboard layouts (`en-us`,
    not `us`; `could not read keymap file: 'us'`, QEMU at start; checked on
    9.0 with QEMU 7.2; a path is not judged).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `cannot parse vnc port
    59x0`, `'network' attribute is valid only for listen type 'network'`,
    `'network' attribute is required for listen type 'network'`, `cannot
    parse password validity time '2025-01-01 10:00:00', expect
    YYYY-MM-DDTHH:MM:SS`, `VNC supports connected='keep' only`, `unknown
    connected value drop` (virDomainGraphicsDefParseXML and its helpers,
    virDomainGraphicsDefValidate; every driver), `The associated audio is not
    of 'dbus' kind.` (qemuValidateDomainDeviceDefDBusGraphics; QEMU), `spice
    TLS port set in XML configuration, but TLS is disabled in qemu.conf`
    (qemuValidateDomainDeviceDefSPICEGraphics; QEMU). The QEMU driver defines
    these and refuses them at start (stage: start): `QEMU does not support
    multiple listens for one graphics device.`
    (qemuProcessStartValidateGraphics), `vnc port must be in range
    [5900,65535]` (qemuBuildGraphicsVNCCommandLine), `Auto allocation of
    spice TLS port requested but spice TLS is disabled in qemu.conf`
    (qemuProcessSPICEAllocatePorts), `spice defaultMode secure requested in
    XML configuration, but TLS connection is not available`, `spice secure
    channels set in XML configuration, but TLS connection is not available`
    and their `insecure ... plaintext connection` twins
    (qemuBuildGraphicsSPICECommandLine). The first two depend on the host's
    `qemu.conf`: libvirt's default (`spice_tls = 0`) refuses them, a host
    that sets `spice_tls = 1` (oVirt's do) accepts them; no document virtlint
    reads says which, so they are warnings. The others are refused whatever
    `qemu.conf` says (no TLS port is there to use). Each was checked with the
    real libvirt 9.0 (default `qemu.conf`), with its twin.

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
        tags = [child.tag for child in children]
        listens = [child for child, tag in zip(children, tags) if tag == "listen"] \
            if kind in ("vnc", "spice", "rdp") else []
        if problem is None and listens:
            problem = _listens(listens)
        if problem is None and (kind == "dbus" or (kind == "vnc" and "audio" in tags)):
            problem = _audio(element, kind, ctx)
        # (a SPICE display without a TLS port, a default mode or channels, on one listen at most: nothing to start
        # with TLS, the common case)
        if problem is None and (kind == "vnc" or kind == "spice" and (
                len(listens) > 1 or "tlsPort" in names or "defaultMode" in names or "channel" in tags)) \
                and qemu_driver(ctx):
            problem = _start(element, kind, listens)
        if problem is None and kind == "vnc" and "keymap" in names and qemu_driver(ctx):
            problem = _vnc_keymap(element)
        return iter((problem,)) if problem is not None else NOTHING
