"""VL790 device-count: a device libvirt takes once (or once per model, or with one action) written twice."""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_uint
from virtlint.rules._devices import is_pseries, is_s390, qemu_driver
from virtlint.rules._support import NOTHING, children_by_tag


class Limit(NamedTuple):
    """At most one `tag` per key (``key(device, ctx)``; None: not judged), else libvirt's ``message``, from the
    libvirt release ``since`` and before ``until`` (None: unbounded), in every driver or the QEMU driver only."""

    tag: str
    key: Callable[[etree._Element, Context], str | None]
    message: str
    function: str
    qemu_only: bool = False
    since: tuple[int, int] | None = None
    until: tuple[int, int] | None = None


def _any(device: etree._Element, ctx: Context) -> str:
    return ""


def _watchdog_model(device: etree._Element, ctx: Context) -> str | None:
    """The model, but i6300esb (a PCI card: any number of them), or None."""
    model = device.get("model")
    return None if model is None or model == "i6300esb" else model


def _panic_model(device: etree._Element, ctx: Context) -> str | None:
    """The model, or the one the QEMU driver gives a panic without one (qemuDomainDevicePanicDefPostParse:
    pseries on pSeries, s390 on s390, else isa); None when that is not known."""
    model = device.get("model")
    if model is not None or not qemu_driver(ctx):
        return model
    pseries, s390 = is_pseries(ctx), is_s390(ctx)
    if pseries is None or s390 is None:
        return None
    return "pseries" if pseries else "s390" if s390 else "isa"


def _audio_id(device: etree._Element, ctx: Context) -> str | None:
    """The id as the number libvirt reads (one it cannot read is VL851's)."""
    number = parse_uint(device.get("id"))
    return None if number is None else str(number)


#: In libvirt's order: the parser's (virDomainDefParseXML), post-parse's, then the QEMU driver's validation.
LIMITS = (
    Limit("watchdog", _any, "only a single watchdog device is supported", "virDomainDefParseXML", until=(9, 1)),
    Limit("memballoon", _any, "only a single memory balloon device is supported", "virDomainDefParseXML"),
    Limit("nvram", _any, "only a single nvram device is supported", "virDomainDefParseXML"),
    Limit("redirfilter", _any, "only one set of redirection filter rule is supported", "virDomainDefParseXML"),
    Limit("iommu", _any, "only a single IOMMU device is supported", "virDomainDefParseXML"),
    # (a second vsock is VL788's)
    Limit("pstore", _any, "only a single pstore device is supported", "virDomainDefParseXML", since=(10, 6)),
    Limit("panic", _panic_model, "Multiple panic devices with model '{key}'", "virDomainDefRejectDuplicatePanics"),
    Limit("audio", _audio_id, "audio ID {key} is used multiple times", "virDomainAudioDefValidate"),
    Limit("watchdog", _watchdog_model, "domain can only have one watchdog with model '{key}'",
          "qemuValidateDomainDefWatchdogs", qemu_only=True, since=(9, 3)),
)
#: (from libvirt 9.1, which took several watchdogs; QEMU has one watchdog action for all of them)
ACTIONS_MESSAGE = "watchdogs with different actions are not supported with this QEMU binary"
LIMITED_TAGS = tuple(dict.fromkeys(limit.tag for limit in LIMITS))


def _applies(limit: Limit, ctx: Context) -> bool:
    if limit.qemu_only and not qemu_driver(ctx):
        return False
    if limit.since is not None and not ctx.libvirt_at_least(*limit.since):
        return False
    return limit.until is None or not ctx.libvirt_at_least(*limit.until)


def _problems(children: dict[str, list[etree._Element]], ctx: Context) -> Iterator[Problem]:
    """libvirt stops at the first refusal: one problem at most."""
    for limit in LIMITS:
        devices = children.get(limit.tag, ())
        if len(devices) < 2 or not _applies(limit, ctx):
            continue
        seen: set[str] = set()
        for device in devices:
            key = limit.key(device, ctx)
            if key is None:
                continue
            if key in seen:
                anchor = Anchor(device, "model") if device.get("model") else Anchor(device)
                yield Problem(anchor, limit.message.format(key=key), hint=f"remove this <{limit.tag}>")
                return
            seen.add(key)
    watchdogs = children.get("watchdog", ())
    if len(watchdogs) > 1 and qemu_driver(ctx) and ctx.libvirt_at_least(9, 1):
        first = watchdogs[0].get("action", "reset")
        for watchdog in watchdogs[1:]:
            if watchdog.get("action", "reset") != first:
                yield Problem(Anchor(watchdog, "action") if watchdog.get("action") else Anchor(watchdog),
                              ACTIONS_MESSAGE, hint=f"give every watchdog the first one's action='{first}'")
                return


@register
class DeviceCount(Rule):
    """
    ## What it does
    Reports a device written more times than libvirt takes it: a second
    `<memballoon>`, `<nvram>`, `<redirfilter>` or `<iommu>`, and from libvirt
    10.6 (which parses it) a second `<pstore>`; two `<audio>` of one `id`; a second panic
    device of one model (a panic
    without a model gets the machine's: `isa` on x86, `pseries`, `s390`); a
    second `<watchdog>` before libvirt 9.1, and from 9.3 a second watchdog of
    one model other than `i6300esb` (a PCI card, of which a domain may have
    several); from 9.1, watchdogs whose actions differ (default `reset`).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `only a single memory
    balloon device is supported`, `only a single watchdog device is
    supported` (libvirt 9.0), `only a single nvram device is supported`,
    `only one set of redirection filter rule is supported`, `only a single
    IOMMU device is supported`, `only a single pstore device is supported`
    (virDomainDefParseXML, which stops at the first; all drivers), `Multiple panic devices with model
    'isa'` (virDomainDefRejectDuplicatePanics, post-parse), `audio ID 1 is used
    multiple times` (virDomainAudioDefValidate; all drivers),
    `domain can only have one watchdog with model 'itco'`
    (qemuValidateDomainDefWatchdogs), `watchdogs with different actions are
    not supported with this QEMU binary` (qemuValidateDomainWatchdogDef; QEMU
    driver). Each was checked with the real libvirt 9.0 (`virsh define`) where
    it has the check. libvirt takes several watchdogs since 9.1 (its
    documentation); the per-model limit is 9.3's ("iTCO watchdog can be
    configured only once", NEWS), so 9.1 and 9.2 are given the benefit of the
    doubt for it.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memballoon model='virtio'/><memballoon model='virtio'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memballoon model='virtio'/></devices></domain>
    ```
    """

    code = "VL790"
    name = "device-count"
    severity = Severity.ERROR
    summary = "A device libvirt takes once (once per model, or with one action) written twice."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = children_by_tag(ctx, element)
        for tag in LIMITED_TAGS:
            devices = children.get(tag)
            if devices is not None and len(devices) > 1:
                return _problems(children, ctx)
        return NOTHING
