"""VL760 chardev-source: a character device source without the path, host, service or channel name it needs, more
than one source, log or protocol, bad reconnect, or a spicevmc source on a target that is not virtio's."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._chardev import (CHARDEVS, SOURCE_HOLDERS, serial_alias_console, source_holders,
                                     spicevmc_target_problem)
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import NOTHING, children_by_tag, first_child

#: Source types whose <source> attributes ``_problems`` checks (a chardev without a type is a pty).
CHECKED_KINDS = frozenset({"file", "dev", "pipe", "unix", "tcp", "udp", "spiceport", "dbus"})
#: Source types whose <source channel> names a SPICE or D-Bus port (virDomainChrSourceDefValidateChannelName).
CHANNEL_KINDS = frozenset({"spiceport", "dbus"})
#: The children virDomainChrSourceDefParseXML counts
COUNTED = ("source", "log", "protocol")
#: Where they are: below each element holding a character device source
COUNTED_PATHS = tuple(f"devices/{holder}/{child}" for holder in (*CHARDEVS, "redirdev", "smartcard", "rng/backend",
                                                                "tpm/backend")
                      for child in COUNTED)
#: The characters a source channel name may hold (SERIAL_CHANNEL_NAME_CHARS).
CHANNEL_NAME = lazy_compile(r"[A-Za-z0-9_.-]*")
#: Socket paths libvirt itself generates for virtio channels (qemu:///system's channel directories),
#: which it drops from inactive definitions to generate afresh (qemuDomainChrDefDropDefaultPath).
_GENERATED_PREFIXES = ("/var/lib/libvirt/qemu/channel/target", "/var/lib/libvirt/qemu/channel",
                       "/etc/libvirt/qemu/channel")


def _generated_path(path: str, name: str | None) -> bool:
    if not name:
        return False
    tail = r"/(target/)?(([^/]+\.)|(domain-[^/]+/)|([0-9]+-[^/]+/))" + re.escape(name) + "$"
    return any(re.match("^" + re.escape(prefix) + tail, path) for prefix in _GENERATED_PREFIXES)


def _generated_socket(channel: etree._Element) -> bool:
    """A unix virtio or xen channel without <source>: the common guest agent channel, whose socket libvirt
    generates (``_problems`` reports nothing on it: no path needed, no <reconnect> to judge)."""
    target = None
    for node in channel.getchildren():  # one pass: no <source>, and the first <target>
        tag = node.tag
        if tag == "source":
            return False
        if tag == "target" and target is None:
            target = node
    return target is not None and target.get("type") in ("virtio", "xen")


def _problems(chardev: etree._Element | None, holder: etree._Element, ctx: Context) -> Iterator[Problem]:
    kind = holder.get("type") or ("pty" if holder.tag in CHARDEVS else None)
    if kind is None:
        return
    sources = list(holder.iterchildren("source"))
    # libvirt merges the attributes of every <source> (bind/connect mode for udp)
    merged: dict[str, str] = {}
    for source in sources:
        merged.update(source.attrib)
    # (libvirt asks only whether an attribute is there: an empty one passes, as 9.0 shows)
    if kind in ("file", "dev", "pipe") and merged.get("path") is None:
        yield Problem(_anchor(holder, sources), "Missing source path attribute for char device",
                      hint="add <source path='...'/>")
    elif kind == "unix":
        target = first_child(chardev, "target") if chardev is not None else None
        generated = chardev is not None and chardev.tag == "channel" and target is not None \
            and target.get("type") in ("virtio", "xen")
        if merged.get("path") is None and not generated:
            yield Problem(_anchor(holder, sources), "Missing source path attribute for char device",
                          hint="add <source path='...'/>")
            return
        if not any(len(source) for source in sources):
            return  # no <reconnect> to judge (below: the generated socket's mode, for it)
        path = merged.get("path")
        if generated and target is not None and (not path or _generated_path(path, target.get("name"))):
            merged = {**merged, "mode": "bind"}  # libvirt generates the socket, and listens on it
        yield from _reconnect(sources, merged)
    elif kind == "tcp":
        if merged.get("host") is None:
            yield Problem(_anchor(holder, sources), "Missing source host attribute for char device",
                          hint="add host='...' to <source>")
        elif merged.get("service") is None:
            yield Problem(_anchor(holder, sources), "Missing source service attribute for char device",
                          hint="add service='PORT' to <source>")
        else:
            yield from _reconnect(sources, merged)
    elif kind in CHANNEL_KINDS:
        yield from _channel_name(sources, holder)
    elif kind == "udp":
        # virDomainChrSourceDefParseUDP: the first source of a mode that gives a host or a service is the one read
        connect = next((s for s in sources if s.get("mode", "connect") == "connect"
                        and (s.get("host") is not None or s.get("service") is not None)), None)
        if connect is None or connect.get("service") is None:
            yield Problem(Anchor(connect) if connect is not None else _anchor(holder, sources),
                          "Missing source service attribute for char device",
                          hint="add service='PORT' to the first <source mode='connect'> (libvirt reads only that one)")


def _count_problem(holder: etree._Element) -> Problem | None:
    """virDomainChrSourceDefParseXML: one <source> (two for udp), one <log>, one <protocol>."""
    kind = holder.get("type") or ("pty" if holder.tag in CHARDEVS else None)
    found: dict[str, list[etree._Element]] = {}
    for node in holder.getchildren():
        if node.tag in COUNTED:
            found.setdefault(node.tag, []).append(node)
    sources = found.get("source", ())
    if len(sources) > 1 and kind != "udp":
        return Problem(Anchor(sources[1]), "only one source element is allowed for character device",
                       hint="keep one <source> (only udp takes two: a bind and a connect one)")
    if len(sources) > 2:
        return Problem(Anchor(sources[2]), "only two source elements are allowed for character device",
                       hint="keep one bind and one connect <source>")
    for tag in ("log", "protocol"):
        nodes = found.get(tag, ())
        if len(nodes) > 1:
            return Problem(Anchor(nodes[1]), f"only one {tag} element is allowed for character device",
                           hint=f"keep one <{tag}>")
    return None


def _channel_name(sources: list[etree._Element], holder: etree._Element) -> Iterator[Problem]:
    """virDomainChrSourceDefValidateChannelName: a spiceport or dbus source names its channel in A-Z a-z 0-9 _ . -"""
    name = sources[0].get("channel") if sources else None
    if name is None and holder.tag == "redirdev" and holder.get("type") == "dbus":
        return  # virDomainRedirdevDefParseXML names it org.qemu.usbredir
    if name is None:
        yield Problem(_anchor(holder, sources), "Missing source channel attribute for char device",
                      hint="add <source channel='org.qemu.console.serial.0'/>")
    elif CHANNEL_NAME.fullmatch(name) is None:
        yield Problem(Anchor(sources[0], "channel"), "Invalid character in source channel for char device",
                      hint="a channel name holds letters, digits, '_', '.' and '-' only")


def _anchor(holder: etree._Element, sources: list[etree._Element]) -> Anchor:
    return Anchor(sources[0]) if sources else Anchor(holder, "type") if holder.get("type") else Anchor(holder)


def _reconnect(sources: list[etree._Element], merged: dict[str, str]) -> Iterator[Problem]:
    for source in sources:
        reconnect = source.find("reconnect")
        enabled = reconnect.get("enabled") if reconnect is not None else None
        if enabled not in ("yes", "no"):
            continue
        if merged.get("mode") == "bind":  # (libvirt tests the tristate as a number: 'no' is set too)
            yield Problem(Anchor(reconnect, "enabled"), "chardev reconnect is possible only for connect mode",
                          hint="remove <reconnect> (a listening socket does not reconnect), or use mode='connect'")
        elif enabled == "yes" and prop_uint(reconnect.get("timeout"), 10) == 0:  # (missing, unreadable: VL851's)
            yield Problem(Anchor(reconnect, "timeout"), "chardev reconnect source timeout cannot be '0'",
                          hint="set timeout='10' (seconds between attempts)")
        return


def _device_problems(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """The first problem of each source this device holds: the parser's, then validation's (the console aliasing a
    serial has only the parser's: libvirt parses it before it makes it the serial's alias). A repeated <source>,
    <log> or <protocol> is reported at its element (``ChardevSource.check``), and stops the device's checks."""
    for _device, chardev, holder in source_holders(element, keep_alias=True):
        if len(holder) > 1 and _count_problem(holder) is not None:
            continue
        if chardev is not None and holder.get("type") == "spicevmc":
            problem = spicevmc_target_problem(chardev)
            if problem is not None:
                yield problem
                continue
        if element.tag == "console" and serial_alias_console(element):
            continue
        problems = list(_problems(chardev, holder, ctx))
        if not qemu_driver(ctx):
            problems = [p for p in problems if "timeout cannot be" not in p.message]
        yield from problems[:1]


def _checked_devices(children: dict[str, list[etree._Element]]) -> list[etree._Element]:
    """The devices (of <devices>' children by tag) whose sources may lack something, in check order."""
    devices = []
    for tag in SOURCE_HOLDERS:
        tagged = children.get(tag)
        if not tagged:
            continue
        for device in tagged:
            if tag == "rng":
                backend = first_child(device, "backend")
                if backend is None or backend.get("model") != "egd":
                    continue  # only an egd backend is a character device
                devices.append(device)
                continue
            kind = device.get("type")
            if kind == "spicevmc":
                if tag in CHARDEVS and not _spicevmc_virtio(device):
                    devices.append(device)  # its target type
                continue
            if kind not in CHECKED_KINDS:
                continue  # it holds its own source, of a type (pty...) that needs none
            if kind == "unix" and tag == "channel" and _generated_socket(device):
                continue
            if tag == "console" and serial_alias_console(device):
                continue  # libvirt drops its source (its repeated children are reported at their elements)
            devices.append(device)
    return devices


def _spicevmc_virtio(device: etree._Element) -> bool:
    """A spicevmc channel with a virtio target (or none written: VL761's): the common case, nothing to check."""
    if device.tag != "channel":
        return False
    target = first_child(device, "target")
    return target is None or target.get("type") in (None, "virtio")


@register
class ChardevSource(Rule):
    """
    ## What it does
    Reports a character device (serial, parallel, console, channel, redirdev,
    an egd rng backend, a passthrough smartcard) whose source lacks what its
    type needs: a path for `file`, `dev`, `pipe` and `unix` (a virtio or xen
    channel may leave a unix path to libvirt), host and service for `tcp`, a
    connect service for `udp`, a `channel` name (letters, digits, `_`, `.`,
    `-`) for `spiceport` and `dbus` (a dbus redirdev without one gets
    `org.qemu.usbredir`; for `udp`, libvirt reads the first connect source
    that has a host or a service, and the rest not); `<reconnect>` with
    `enabled` (`'yes'` or `'no'`: libvirt tests the attribute's presence) on a
    listening socket, or `enabled='yes'` without a timeout; more than one `<source>` (two for
    `udp`), `<log>` or `<protocol>` (also in a TPM's external backend); and a `spicevmc` serial, parallel,
    console or channel whose target is not virtio's. libvirt compares the
    target type's enum value with the virtio channel's (2) for every device,
    so a `spicevmc` serial with `<target type='usb-serial'>` and a console
    with `<target type='xen'>` pass this check (other checks refuse them).
    The first `<console>` of an HVM domain that has a `<serial>` is skipped
    when its target is serial (or not given), but for the parser's checks:
    libvirt turns it into an alias of the first serial and drops its own
    source (virDomainDefAddConsoleCompat; libvirt 9.0 defines such a domain).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `only
    one source element is allowed for character device`, `only two source
    elements are allowed for character device`, `only one log element is
    allowed for character device`, `only one protocol element is allowed for
    character device` (virDomainChrSourceDefParseXML), `spicevmc device type
    only supports virtio` (virDomainChrDefParseXML), `Missing source path
    attribute for char device`, `Missing source host attribute for char
    device`, `Missing source service attribute for char device`, `Missing
    source channel attribute for char device`, `Invalid character in source
    channel for char device`, `chardev reconnect is possible only for connect
    mode` (virDomainChrSourceDefValidate; all drivers), `chardev reconnect
    source timeout cannot be '0'` (qemuValidateDomainChrSourceReconnectDef;
    QEMU). Stage: define (parse, then validate). Same in libvirt 9.0 and
    10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><serial type='unix'><target port='0'/></serial></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><serial type='unix'><source mode='bind' path='/tmp/serial.sock'/><target port='0'/></serial>
      </devices></domain>
    ```
    """

    code = "VL760"
    name = "chardev-source"
    severity = Severity.ERROR
    summary = ("A character device source without its path, host, service or channel name, with impossible reconnect, "
               "repeated sources, logs or protocols, or spicevmc on a target that is not virtio.")
    #: the devices below (one visit for all of them)
    elements = ("devices", *COUNTED_PATHS)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path != "devices":
            return self._repeated(element)
        devices = _checked_devices(children_by_tag(ctx, element))
        return self._problems(devices, ctx) if devices else NOTHING

    @staticmethod
    def _repeated(child: etree._Element) -> Iterator[Problem]:
        """The parser's count problem, when it is this <source>, <log> or <protocol> (the second of its name, or an
        udp device's third source)."""
        if next(child.itersiblings(child.tag, preceding=True), None) is None:
            return NOTHING  # the first of its name: the common case
        holder = child.getparent()
        if holder.tag == "smartcard" and holder.get("mode") != "passthrough":
            return NOTHING
        if holder.tag == "backend" and (holder.get("model") != "egd" if holder.getparent().tag == "rng" else
                                        holder.get("type") != "external"):
            return NOTHING  # (an RNG's egd backend and a TPM's external one are character device sources)
        problem = _count_problem(holder)
        return iter((problem,)) if problem is not None and problem.anchor.element is child else NOTHING

    def _problems(self, devices: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        for device in devices:
            yield from _device_problems(device, ctx)
