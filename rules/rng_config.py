"""VL798 rng-config: an `<rng>` without exactly one backend, an egd backend without a character device type, or a
rate period libvirt cannot read."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._devices import qemu_driver
from virtlint.rules._libvirt_enums import STRICT_ENUMS
from virtlint.rules._support import NOTHING

#: the character device types (virDomainChr), as the redirdev row of the parser table lists them
CHARDEV_TYPES = next(row.values for row in STRICT_ENUMS if row.path == "devices/redirdev" and row.attribute == "type")


def _problem(rng: etree._Element, ctx: Context) -> Problem | None:
    """virDomainRNGDefParseXML, then qemuValidateDomainRNGDef's character device."""
    children = rng.getchildren()  # (a C-level list: cheaper than a tag filter for a few children)
    rate = next((child for child in children if child.tag == "rate"), None)
    if rate is not None and prop_uint(rate.get("bytes"), 10):  # (virXPathUInt: virStrToLong_uip, no sign)
        period = rate.get("period")
        if period and prop_uint(period, 10) is None:  # (an empty string is no value)
            return Problem(Anchor(rate, "period"), "invalid RNG rate period value", hint="milliseconds, a number")
    backends = [child for child in children if child.tag == "backend"]
    if len(backends) != 1:
        return Problem(Anchor(backends[1] if backends else rng), "only one RNG backend is supported",
                       hint="give the rng one <backend model='random'>/dev/urandom</backend>")
    backend = backends[0]
    if backend.get("model") != "egd":
        return None
    kind = backend.get("type")
    if kind is None:
        return Problem(Anchor(backend), "missing EGD backend type", hint="add type='tcp' (or unix, ...)")
    if kind not in CHARDEV_TYPES:
        return Problem(Anchor(backend, "type"), f"unknown backend type '{kind}' for egd",
                       replacements=("tcp", "unix", "udp"))
    if kind in ("spicevmc", "spiceport") and qemu_driver(ctx) and \
            ctx.root.find("devices/graphics[@type='spice']") is None:
        return Problem(Anchor(backend, "type"), f"chardev '{kind}' not supported without spice graphics",
                       hint="add <graphics type='spice'/>, or use another backend type")
    return None


@register
class RngConfig(Rule):
    """
    ## What it does
    Checks an `<rng>`: exactly one `<backend>`; an `egd` backend's `type`,
    a character device type (and with SPICE's `spicevmc` or `spiceport`,
    SPICE graphics); a `<rate>` `period` libvirt can read when a rate is set.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `only one RNG backend is
    supported`, `missing EGD backend type`, `unknown backend type 'socket'
    for egd`, `invalid RNG rate period value` (virDomainRNGDefParseXML; every
    driver), `chardev 'spicevmc' not supported without spice graphics`
    (qemuValidateDomainChrSourceDef; QEMU). Each was checked with the real
    libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><rng model='virtio'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><rng model='virtio'><backend model='random'>/dev/urandom</backend></rng></devices></domain>
    ```
    """

    code = "VL798"
    name = "rng-config"
    severity = Severity.ERROR
    summary = "An rng without exactly one backend, an egd backend without a usable type, an unreadable period."
    elements = ("devices/rng",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _problem(element, ctx)
        return iter((problem,)) if problem is not None else NOTHING
