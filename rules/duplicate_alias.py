"""VL813 duplicate-alias: two devices with the same user alias (``<alias name='ua-...'/>``)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, children_by_tag

#: The devices whose <alias> virDomainDeviceInfoParseXML reads (those virDomainDeviceInfoIterate visits)
INFO_DEVICES = ("disk", "controller", "filesystem", "interface", "input", "sound", "video", "hostdev", "redirdev",
                "smartcard", "serial", "parallel", "channel", "console", "watchdog", "memballoon", "rng", "hub",
                "shmem", "tpm", "panic", "memory", "iommu", "vsock", "crypto")
#: A user alias libvirt keeps in an inactive definition: 'ua-', then USER_ALIAS_CHARS only
USER_ALIAS = lazy_compile(r"ua-[A-Za-z0-9_-]*")
_SEEN_KEY = "VL813 user aliases"


def _console_copy(ctx: Context, alias: etree._Element) -> bool:
    """Whether the alias is on the first serial or the first console. libvirt's validation lets a device be
    when it equals the first serial while the first console is a serial console, and the QEMU driver makes a
    serial console of the first serial itself (virDomainDefAddConsoleCompat): the first serial's alias is never
    counted (checked with 9.0), nor the first console's, which may be that copy."""
    device = alias.getparent()
    devices = device.getparent() if device is not None else None
    if device is None or devices is None or device.tag not in ("serial", "console"):
        return False
    firsts = children_by_tag(ctx, devices).get(device.tag)
    return firsts is not None and device is firsts[0]


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
    Checked with libvirt 9.0; the same code in 10.7. The first serial's and
    the first console's aliases are not counted: libvirt lets the first
    serial be, and the console may be its copy.

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
        seen: dict[str, etree._Element] | None = ctx.memo.get(_SEEN_KEY)  # type: ignore[assignment]
        if seen is None:
            seen = ctx.memo[_SEEN_KEY] = {}
        first = seen.get(name)
        if first is None:
            seen[name] = element
            return NOTHING
        if _console_copy(ctx, element) or _console_copy(ctx, first):
            return NOTHING
        return iter((Problem(Anchor(element, "name"), f"non unique alias detected: {name}",
                             hint=f"give each device its own alias (the first '{name}' is on line "
                                  f"{first.sourceline})"),))
