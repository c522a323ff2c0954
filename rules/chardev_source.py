"""VL760 chardev-source: a character device source without the path, host or service it needs, or bad reconnect."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import NOTHING, children_by_tag, first_child

CHARDEVS = ("serial", "parallel", "console", "channel")
#: Source types whose <source> attributes ``_problems`` checks (a chardev without a type is a pty).
CHECKED_KINDS = frozenset({"file", "dev", "pipe", "unix", "tcp", "udp"})
#: The <devices> children whose sources are checked.
SOURCE_HOLDERS = (*CHARDEVS, "redirdev", "rng", "smartcard")
#: Socket paths libvirt itself generates for virtio channels (qemu:///system's channel directories),
#: which it drops from inactive definitions to generate afresh (qemuDomainChrDefDropDefaultPath).
_GENERATED_PREFIXES = ("/var/lib/libvirt/qemu/channel/target", "/var/lib/libvirt/qemu/channel",
                       "/etc/libvirt/qemu/channel")


def _generated_path(path: str, name: str | None) -> bool:
    if not name:
        return False
    tail = r"/(target/)?(([^/]+\.)|(domain-[^/]+/)|([0-9]+-[^/]+/))" + re.escape(name) + "$"
    return any(re.match("^" + re.escape(prefix) + tail, path) for prefix in _GENERATED_PREFIXES)


def _serial_alias_console(element: etree._Element) -> bool:
    """The first <console> of an HVM domain with a serial target (or none) while a <serial> exists: libvirt
    makes it an alias of the first serial, dropping its own source (virDomainDefAddConsoleCompat), so its
    source is never validated."""
    parent = element.getparent()
    root = parent.getparent() if parent is not None else None
    if root is None or parent.find("console") is not element or parent.find("serial") is None:
        return False
    os_type = root.find("os/type")
    if os_type is None or (os_type.text or "").strip() != "hvm":
        return False
    target = element.find("target")
    return target is None or target.get("type") in (None, "serial")


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


def _sources(element: etree._Element) -> Iterator[tuple[etree._Element, etree._Element | None, etree._Element]]:
    """(chardev-like element, its char device or None, the element holding type/source) to check."""
    if element.tag == "console" and _serial_alias_console(element):
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


def _problems(chardev: etree._Element | None, holder: etree._Element, ctx: Context) -> Iterator[Problem]:
    kind = holder.get("type") or ("pty" if holder.tag in CHARDEVS else None)
    if kind is None:
        return
    sources = list(holder.iterchildren("source"))
    # libvirt merges the attributes of every <source> (bind/connect mode for udp)
    merged: dict[str, str] = {}
    for source in sources:
        merged.update(source.attrib)
    if kind in ("file", "dev", "pipe") and not merged.get("path"):
        yield Problem(_anchor(holder, sources), "Missing source path attribute for char device",
                      hint="add <source path='...'/>")
    elif kind == "unix":
        target = first_child(chardev, "target") if chardev is not None else None
        generated = chardev is not None and chardev.tag == "channel" and target is not None \
            and target.get("type") in ("virtio", "xen")
        if not merged.get("path") and not generated:
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
        if not merged.get("host"):
            yield Problem(_anchor(holder, sources), "Missing source host attribute for char device",
                          hint="add host='...' to <source>")
        elif not merged.get("service"):
            yield Problem(_anchor(holder, sources), "Missing source service attribute for char device",
                          hint="add service='PORT' to <source>")
        else:
            yield from _reconnect(sources, merged)
    elif kind == "udp":
        connect = [s for s in sources if s.get("mode", "connect") == "connect"]
        if not any(s.get("service") for s in connect):
            yield Problem(_anchor(holder, sources), "Missing source service attribute for char device",
                          hint="add <source mode='connect' service='PORT'/>")


def _anchor(holder: etree._Element, sources: list[etree._Element]) -> Anchor:
    return Anchor(sources[0]) if sources else Anchor(holder, "type") if holder.get("type") else Anchor(holder)


def _reconnect(sources: list[etree._Element], merged: dict[str, str]) -> Iterator[Problem]:
    for source in sources:
        reconnect = source.find("reconnect")
        if reconnect is None or reconnect.get("enabled") != "yes":
            continue
        if merged.get("mode") == "bind":
            yield Problem(Anchor(reconnect, "enabled"), "chardev reconnect is possible only for connect mode",
                          hint="remove <reconnect>, or use mode='connect'")
        elif reconnect.get("timeout", "").strip() in ("", "0"):
            anchor = Anchor(reconnect, "timeout") if reconnect.get("timeout") else Anchor(reconnect)
            yield Problem(anchor, "chardev reconnect source timeout cannot be '0'",
                          hint="set timeout='10' (seconds between attempts)")
        return


def _device_problems(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """The first problem of each source this device holds (the console aliasing a serial holds none)."""
    for _device, chardev, holder in _sources(element):
        problems = list(_problems(chardev, holder, ctx))
        if not qemu_driver(ctx):
            problems = [p for p in problems if "timeout cannot be" not in p.message]
        yield from problems[:1]


def _checked_devices(children: dict[str, list[etree._Element]]) -> list[etree._Element]:
    """The devices (of <devices>' children by tag) whose sources may lack something, in check order."""
    devices = []
    for tag in SOURCE_HOLDERS:
        for device in children.get(tag, ()):
            if tag == "rng":
                backend = first_child(device, "backend")
                if backend is None or backend.get("model") != "egd":
                    continue  # only an egd backend is a character device
            else:
                kind = device.get("type")
                if kind not in CHECKED_KINDS:
                    continue  # it holds its own source, of a type (pty, spicevmc...) that needs none
                if kind == "unix" and tag == "channel" and _generated_socket(device):
                    continue
            devices.append(device)
    return devices


@register
class ChardevSource(Rule):
    """
    ## What it does
    Reports a character device (serial, parallel, console, channel, redirdev,
    an egd rng backend, a passthrough smartcard) whose source lacks what its
    type needs: a path for `file`, `dev`, `pipe` and `unix` (a virtio or xen
    channel may leave a unix path to libvirt), host and service for `tcp`, a
    connect service for `udp`; and `<reconnect enabled='yes'>` on a listening
    socket or without a timeout. The first `<console>` of an HVM domain that
    has a `<serial>` is skipped when its target is serial (or not given):
    libvirt turns it into an alias of the first serial and drops its own
    source (virDomainDefAddConsoleCompat; libvirt 9.0 defines such a domain).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `Missing source path attribute for char device`, `Missing source host
    attribute for char device`, `Missing source service attribute for char
    device`, `chardev reconnect is possible only for connect mode`
    (virDomainChrSourceDefValidate; all drivers), `chardev reconnect source
    timeout cannot be '0'` (qemuValidateDomainChrSourceReconnectDef; QEMU).
    Stage: define. Same in libvirt 9.0 and 10.7.

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
    summary = "A character device source without its path, host or service, or with impossible reconnect."
    #: the devices below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        devices = _checked_devices(children_by_tag(ctx, element))
        return self._problems(devices, ctx) if devices else NOTHING

    def _problems(self, devices: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        for device in devices:
            yield from _device_problems(device, ctx)
