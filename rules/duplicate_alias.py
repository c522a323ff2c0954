"""VL813 duplicate-alias: two devices with the same user alias (``<alias name='ua-...'/>``)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import QEMU_START, device_parsed, qemu_driver
from virtlint.rules._support import NOTHING, USER_ALIAS, children_by_tag

#: The devices whose <alias> virDomainDeviceInfoParseXML reads (those virDomainDeviceInfoIterate visits)
INFO_DEVICES = ("disk", "controller", "filesystem", "interface", "input", "sound", "video", "hostdev", "redirdev",
                "smartcard", "serial", "parallel", "channel", "console", "watchdog", "memballoon", "rng", "hub",
                "shmem", "tpm", "panic", "memory", "iommu", "vsock", "crypto")
_SEEN_KEY = "VL813 user aliases"


def _same_source(one: etree._Element, other: etree._Element) -> bool:
    """virDomainChrSourceDefIsEqual, as far as it can be told: one type (pty by default) and the same first
    <source> attributes (no <source> on either: equal). Anything else counts as different."""
    if (one.get("type") or "pty") != (other.get("type") or "pty"):
        return False
    one_source, other_source = one.find("source"), other.find("source")
    if one_source is None or other_source is None:
        return one_source is None and other_source is None
    return dict(one_source.attrib) == dict(other_source.attrib) and not len(one_source) and not len(other_source)


def _first_serial(ctx: Context, devices: etree._Element) -> etree._Element | None:
    """The device QEMU gets as the first serial port (virDomainDefAddConsoleCompat): the first <serial>, else a
    first <console> of a serial target (or none), which libvirt moves there with its alias."""
    children = children_by_tag(ctx, devices)
    serials = children.get("serial")
    if serials:
        return serials[0]
    consoles = children.get("console")
    if consoles and _console_target(consoles[0]) in (None, "serial"):
        return consoles[0]
    return None


def _console_target(console: etree._Element) -> str | None:
    target = console.find("target")
    return target.get("type") if target is not None else None


def _uncounted(ctx: Context, alias: etree._Element) -> bool:
    """Whether define's check leaves this alias out (virDomainDeviceDefValidateAliasesIterator after the QEMU
    driver's virDomainDefAddConsoleCompat; each case checked on 9.0): the first serial's (the iterator lets a
    device equal to it be), and the first console's when it is a serial console whose source differs from the
    first serial's (libvirt puts an alias-less copy of the serial in its place) or there is no serial (libvirt
    moves it to the serials)."""
    device = alias.getparent()
    devices = device.getparent() if device is not None else None
    if device is None or devices is None or device.tag not in ("serial", "console"):
        return False
    children = children_by_tag(ctx, devices)
    firsts = children.get(device.tag)
    if firsts is None or device is not firsts[0]:
        return False
    if device.tag == "serial":
        return True
    if _console_target(device) not in (None, "serial"):
        return False
    serials = children.get("serial")
    return not serials or not _same_source(device, serials[0])


#: Devices whose alias QEMU gets as a -device id, and those it gets as a chardev id (prefixed 'char'); others (a
#: PS/2 input, the built-in root controller, a balloon of model none...) make no object of that id
QEMU_DEVICES = frozenset(("disk", "interface", "sound", "rng", "watchdog", "filesystem", "shmem", "redirdev",
                          "hostdev", "vsock", "smartcard", "tpm", "video", "hub", "iommu", "memory"))


def _makes_device(holder: etree._Element) -> bool:
    """Whether QEMU gets a -device with this device's alias as its id (checked on 9.0: the devices above, a
    virtio balloon, USB and virtio inputs, and controllers other than the built-in ones)."""
    tag = holder.tag
    if tag in QEMU_DEVICES:
        return True
    if tag == "memballoon":
        return holder.get("model") not in (None, "none")
    if tag == "input":
        return holder.get("bus") in ("usb", "virtio")
    if tag == "controller":
        kind, model, index = holder.get("type"), holder.get("model"), holder.get("index")
        if kind in ("usb", "scsi") and model not in (None, "none", "piix3-uhci"):
            return True
        return kind == "virtio-serial" or kind == "sata" and index not in (None, "0")
    return False
CHARDEVS = frozenset(("serial", "parallel", "channel", "console"))
#: The sound models QEMU gives HDA codec devices, named '<alias>-codec<N>' (qemuBuildSoundCodecCmd)
HDA_MODELS = frozenset(("ich6", "ich7", "ich9"))


def _user_aliases(ctx: Context) -> list[tuple[str, etree._Element]]:
    """Every device's user alias (its first <alias>), in document order."""
    found: list[tuple[str, etree._Element]] = []
    for devices in ctx.root.iterchildren("devices"):
        for device in devices.iterchildren(*INFO_DEVICES):
            alias = device.find("alias")
            name = alias.get("name") if alias is not None else None
            if name is not None and USER_ALIAS.fullmatch(name) and device_parsed(ctx, device.tag):
                found.append((name, alias))
    return found


def _start_clash(ctx: Context, aliases: list[tuple[str, etree._Element]]) -> Iterator[Problem]:
    """At start (QEMU), ids define did not compare: the first serial's alias (a -device and a -chardev
    'char<alias>') against the other devices' user aliases, and an HDA sound device's codec ids; each checked on
    9.0 with its twin."""
    devices = next(ctx.root.iterchildren("devices"), None)
    if devices is None:
        return
    serial = _first_serial(ctx, devices)
    alias = serial.find("alias") if serial is not None else None
    name = alias.get("name") if alias is not None else None
    if name is not None and USER_ALIAS.fullmatch(name):
        for other_name, other in aliases:
            holder = other.getparent()
            if other_name != name or holder is None or holder is serial:
                continue
            if holder.tag in CHARDEVS and not (holder.tag == "console" and _console_target(holder) in (None, "serial")):
                yield Problem(Anchor(other, "name"), f"-chardev id=char{name}: Duplicate ID 'char{name}' for chardev "
                              "(the first serial port has this alias too)" + QEMU_START,
                              hint="give each character device its own alias")
                return
            if _makes_device(holder):
                yield Problem(Anchor(other, "name"), f"Duplicate device ID '{name}' (the first serial port has this "
                              "alias too, which define does not compare)" + QEMU_START,
                              hint="give each device its own alias")
                return
    for sound in children_by_tag(ctx, devices).get("sound", ()):
        sound_alias = sound.find("alias")
        sound_name = sound_alias.get("name") if sound_alias is not None else None
        if sound.get("model") not in HDA_MODELS or sound_name is None or not USER_ALIAS.fullmatch(sound_name):
            continue
        for index in range(max(len(sound.findall("codec")), 1)):
            other = next((alias for name, alias in aliases if name == f"{sound_name}-codec{index}"), None)
            holder = other.getparent() if other is not None else None
            if other is not None and holder is not None and (_makes_device(holder) or holder.tag in CHARDEVS):
                yield Problem(Anchor(other, "name"), f"Duplicate device ID '{sound_name}-codec{index}' (QEMU's codec "
                              f"device {index} of the sound device '{sound_name}')" + QEMU_START,
                              hint="libvirt names an HDA sound device's codecs '<alias>-codec<N>': use another alias")
                return


@register
class DuplicateAlias(Rule):
    """
    ## What it does
    Reports a device whose user alias (`<alias name='ua-...'/>`) an earlier
    device already has. Only user aliases count: libvirt drops any other
    alias from a definition it stores (and one with characters other than
    ASCII letters, digits, `_` and `-`).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `non unique alias
    detected: ua-net0` (virDomainDefValidateAliases, domain_validate.c;
    QEMU driver, the one that keeps user aliases). An alias names the
    device to QEMU (`-device ...,id=ua-net0`), so it must be unique.
    Checked with libvirt 9.0; the same code in 10.7. At define the first
    serial's alias is not counted (libvirt lets the first serial be), nor the
    first console's when it is a serial console whose source differs from the
    first serial's (libvirt puts an alias-less copy of the serial in its
    place) or without any serial (libvirt moves it to the serials); a virtio
    console's, or a serial console's of the first serial's source, is. A
    `<crypto>` (dropped before libvirt 9.1) is not counted there.

    At start (QEMU) what define did not compare: the first serial port's
    alias (or the console moved there) on another device (`Duplicate device
    ID 'ua-s'`) or character device (`Duplicate ID 'charua-s' for
    chardev`), and an alias equal to an HDA sound device's codec ids, which
    libvirt names `<alias>-codec<N>` (qemuBuildSoundCodecCmd: `Duplicate
    device ID 'ua-snd-codec0'`); each checked on 9.0 with QEMU 7.2 and its
    twin (the devices QEMU gets a `-device` for, controllers but the built-in
    ones, a virtio balloon, USB and virtio inputs included; a PS/2 input, the
    root controller, SATA controller 0, an ISA panic or a balloon of model
    none make no object of that id).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='user'><model type='virtio'/><alias name='ua-net'/></interface>
        <interface type='user'><model type='virtio'/><alias name='ua-net'/></interface></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='user'><model type='virtio'/><alias name='ua-net0'/></interface>
        <interface type='user'><model type='virtio'/><alias name='ua-net1'/></interface></devices></domain>
    ```
    """

    code = "VL813"
    name = "duplicate-alias"
    severity = Severity.ERROR
    summary = "Two devices with the same user alias."
    elements = tuple(f"devices/{device}/alias" for device in INFO_DEVICES)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        name = element.get("name")
        if name is None or USER_ALIAS.fullmatch(name) is None:
            return NOTHING
        device = element.getparent()
        if device is None or device.find("alias") is not element:  # (libvirt reads a device's first <alias>)
            return NOTHING
        if not device_parsed(ctx, device.tag):
            return NOTHING  # (a device this release drops: <crypto> before 9.1)
        seen: dict[str, etree._Element] | None = ctx.memo.get(_SEEN_KEY)  # type: ignore[assignment]
        first_alias = seen is None
        if seen is None:
            seen = ctx.memo[_SEEN_KEY] = {}
        problems: list[Problem] = []
        first = seen.get(name)
        if _uncounted(ctx, element):
            pass
        elif first is None:
            seen[name] = element
        else:
            problems.append(Problem(Anchor(element, "name"), f"non unique alias detected: {name}",
                                    hint=f"give each device its own alias (the first '{name}' is on line "
                                         f"{first.sourceline})"))
        if first_alias and qemu_driver(ctx) and not problems:
            # (once per document, at its first user alias: the start's own clashes, over all of them)
            problems.extend(_start_clash(ctx, _user_aliases(ctx)))
        return iter(problems) if problems else NOTHING
