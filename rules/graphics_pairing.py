"""VL766 graphics-pairing: egl-headless beside the wrong display, two OpenGL displays, vGPU displays without one."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, qemu_driver, refused_since
from virtlint.rules._support import NOTHING, children_by_tag


def _display_hostdevs(hostdevs: list[etree._Element], ctx: Context) -> Iterator[etree._Element]:
    """Host devices whose display and ramfb attributes libvirt reads: mdev ones, and PCI ones from libvirt 10.4 (older
    parsers ignore both attributes on a PCI host device)."""
    kinds = ("mdev", "pci") if refused_since(ctx, 10, 4) else ("mdev",)
    for hostdev in hostdevs:
        if hostdev.get("mode", "subsystem") == "subsystem" and hostdev.get("type") in kinds:
            yield hostdev


#: graphics types QEMU takes one of each (qemuBuildCommandLineValidate)
ONE_EACH = ("sdl", "vnc", "spice", "egl-headless", "dbus")

#: graphics types whose parser reads <listen> elements (virDomainGraphicsListensParseXML)
_LISTENING = ("vnc", "spice", "rdp")


def _listen_attribute(display: etree._Element) -> Problem | None:
    """virDomainGraphicsListenDefParseXML: the display's old listen (or socket) attribute and the address (or socket)
    of its first <listen>, when that is of type address (or socket), name one address (socket)."""
    compat, socket = display.get("listen"), display.get("socket")
    if compat is None and socket is None or display.get("type") not in _LISTENING:
        return None
    first = display.find("listen")
    if first is None:
        return None
    kind = first.get("type")
    if kind == "address" and compat is not None:
        address = first.get("address")
        if address is not None and address != compat:
            return Problem(Anchor(display, "listen"), f"graphics 'listen' attribute '{compat}' must match 'address' "
                           f"attribute of first listen element (found '{address}')",
                           hint="drop the listen attribute (the <listen> element says it)", replacements=(address,))
    elif kind == "socket" and socket is not None:
        path = first.get("socket")
        if path is not None and path != socket:
            return Problem(Anchor(display, "socket"), f"graphics 'socket' attribute '{socket}' must match 'socket' "
                           f"attribute of first listen element (found '{path}')",
                           hint="drop the socket attribute (the <listen> element says it)", replacements=(path,))
    return None


@register
class GraphicsPairing(Rule):
    """
    ## What it does
    Reports `egl-headless` graphics beside a display other than VNC or SPICE,
    `egl-headless` beside SPICE with OpenGL on, a host device (a vGPU) with
    `display='on'` in a domain without graphics, and more than one host device
    with `ramfb='on'`; a `socket` or `none` listen on RDP graphics (the one
    type besides VNC and SPICE whose parser reads `<listen>`: SDL's and the
    others' are ignored), a VNC password longer than 8 characters, SPICE audio
    without SPICE graphics, and a display's `listen` attribute that names
    another address than its first `<listen type='address'>` (its `socket`
    attribute another path than its first `<listen type='socket'>`); for
    QEMU, two displays of one type among `sdl`, `vnc`, `spice`,
    `egl-headless` and `dbus` (stage: start).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `graphics type 'egl-headless' is only supported with one of: 'vnc',
    'spice' graphics types`, `multiple OpenGL displays are not supported by
    QEMU` (qemuValidateDomainDeviceDefGraphics), `graphics device is needed for
    attribute value 'display=on' in <hostdev>` (qemuValidateDomainMdevDef and
    the PCI hostdev check; QEMU), `Only one vgpu device can have 'ramfb'
    enabled` (virDomainDefHostdevValidate; all drivers), `listen type 'socket'
    is not available for graphics type 'rdp'` (virDomainDefGraphicsValidate),
    `VNC password is 9 characters long, only 8 permitted`
    (qemuValidateDomainDeviceDefVNCGraphics), `Spice audio is not supported
    without spice graphics` (qemuValidateDomainDeviceDefAudio), `graphics
    'listen' attribute '127.0.0.1' must match 'address' attribute of first
    listen element (found '0.0.0.0')`, `graphics 'socket' attribute
    '/tmp/a.sock' must match 'socket' attribute of first listen element
    (found '/tmp/b.sock')` (virDomainGraphicsListenDefParseXML, for VNC, SPICE
    and RDP, whose parsers read listens; all drivers; checked with libvirt
    9.0). Stage: define. And at start (QEMU; checked with 9.0, which defines
    the domain): `only 1 graphics device of each type (sdl, vnc, spice,
    headless, dbus) is supported` (qemuBuildCommandLineValidate).
    libvirt reads `display` and `ramfb`
    on a PCI host device from 10.4 (9.0 and 9.8 ignore them there, checked
    with 9.0): the PCI host device checks follow the libvirt-version setting
    too.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><graphics type='sdl'/><graphics type='egl-headless'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><graphics type='vnc'/><graphics type='egl-headless'/></devices></domain>
    ```
    """

    code = "VL766"
    name = "graphics-pairing"
    severity = Severity.ERROR
    summary = ("egl-headless with the wrong display, two OpenGL displays, a vGPU display without graphics, two "
               "listens, or two displays of one type.")
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        # the common case first: VNC without a password and SPICE displays, spice audio only beside SPICE, no
        # host device (a suspect document gets the full check)
        children = children_by_tag(ctx, element)
        if "hostdev" in children:
            return self._problems(children, ctx)
        spice = vnc = False
        for display in children.get("graphics", ()):
            kind = display.get("type")
            if kind == "spice":
                if spice:
                    return self._problems(children, ctx)
                spice = True
            elif kind != "vnc" or display.get("passwd") is not None or vnc:
                return self._problems(children, ctx)
            else:
                vnc = True
            if display.get("listen") is not None or display.get("socket") is not None:
                return self._problems(children, ctx)
        if not spice and "audio" in children:
            return self._problems(children, ctx)
        return NOTHING

    def _problems(self, children: dict[str, list[etree._Element]], ctx: Context) -> Iterator[Problem]:
        """The displays' problems (some display, audio or host device may have one)."""
        graphics = children.get("graphics", [])
        kinds = [display.get("type") for display in graphics]
        qemu = qemu_driver(ctx)
        if qemu and "egl-headless" in kinds:
            for display in graphics:
                kind = display.get("type")
                if kind not in ("egl-headless", "vnc", "spice"):
                    yield Problem(Anchor(display, "type"), "graphics type 'egl-headless' is only supported with "
                                  "one of: 'vnc', 'spice' graphics types", replacements=("vnc", "spice"))
                    break
                gl = display.find("gl")
                if kind == "spice" and gl is not None and gl.get("enable") == "yes":
                    yield Problem(Anchor(gl, "enable"), "multiple OpenGL displays are not supported by QEMU",
                                  hint="drop <gl enable='yes'> from SPICE, or remove egl-headless")
                    break
        for display in graphics:
            kind = display.get("type")
            problem = _listen_attribute(display)
            if problem is not None:
                yield problem
                continue
            # (of the other types, only RDP's parser reads <listen>: SDL's, dbus's... are ignored)
            if kind == "rdp":
                for listen in display.iterfind("listen"):
                    if listen.get("type") in ("socket", "none"):
                        yield Problem(Anchor(listen, "type"),
                                      f"listen type '{listen.get('type')}' is not available for graphics type "
                                      f"'{kind}'", hint="such listens exist for VNC and SPICE only")
                        break
            password = display.get("passwd")
            if qemu and kind == "vnc" and password is not None and len(password) > 8:
                yield Problem(Anchor(display, "passwd"),
                              f"VNC password is {len(password)} characters long, only 8 permitted",
                              hint="VNC authentication uses at most 8 characters of a password")
        if qemu and "spice" not in kinds:
            for audio in children.get("audio", ()):
                if audio.get("type") == "spice":
                    yield Problem(Anchor(audio, "type"), "Spice audio is not supported without spice graphics",
                                  hint="add <graphics type='spice'/>, or use another audio backend")
                    break
        if qemu and len(graphics) > 1:
            seen: set[str] = set()
            for display, kind in zip(graphics, kinds):
                if kind in seen:
                    yield Problem(Anchor(display, "type"), "only 1 graphics device of each type (sdl, vnc, spice, "
                                  "headless, dbus) is supported" + LIBVIRT_START,
                                  hint=f"keep one <graphics type='{kind}'> (QEMU has one display of each kind)")
                    break
                if kind in ONE_EACH:
                    seen.add(kind)
        ramfb_seen = False
        for hostdev in _display_hostdevs(children.get("hostdev", []), ctx):
            if qemu and hostdev.get("display") == "on" and not graphics:
                yield Problem(Anchor(hostdev, "display"),
                              "graphics device is needed for attribute value 'display=on' in <hostdev>",
                              hint="add <graphics type='vnc'/> (or spice), or set display='off'")
            if hostdev.get("ramfb") == "on":
                if ramfb_seen:
                    yield Problem(Anchor(hostdev, "ramfb"), "Only one vgpu device can have 'ramfb' enabled",
                                  replacements=("off",))
                ramfb_seen = True
