"""VL807 spice-chardev: spicevmc and spiceport character devices need SPICE graphics."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._chardev import CHARDEVS, spicevmc_target_problem
from virtlint.rules._support import NOTHING, children_by_tag

SPICE_CHARDEVS = ("spicevmc", "spiceport")
#: The <devices> children that are character devices.
CHARDEV_TAGS = ("channel", "serial", "console", "redirdev", "parallel", "smartcard")  # (a passthrough smartcard's)


_SPICE_GRAPHICS_KEY = "spice-chardev:graphics"


def _has_spice_graphics(ctx: Context) -> bool:
    """Whether some <devices> of the domain has SPICE graphics (found once per document)."""
    found: bool | None = ctx.memo.get(_SPICE_GRAPHICS_KEY)  # type: ignore[assignment]
    if found is None:
        found = ctx.memo[_SPICE_GRAPHICS_KEY] = any(
            graphics.get("type") == "spice" for devices in ctx.root.iterchildren("devices")
            for graphics in children_by_tag(ctx, devices).get("graphics", ()))
    return found


@register
class SpiceChardev(Rule):
    """
    ## What it does
    A character device of type `spicevmc` or `spiceport` (a channel, serial,
    console, USB redirection or passthrough smartcard) needs `<graphics
    type='spice'>`.

    ## Why is this bad?
    libvirt refuses the domain: `chardev 'spicevmc' not supported without
    spice graphics`. A spicevmc serial, parallel port or console (or a
    channel whose target is not virtio) is refused first by libvirt's
    parser, `spicevmc device type only supports virtio` (VL760): this rule
    leaves it to that one.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
        <graphics type='vnc'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
        <graphics type='spice'/></devices></domain>
    ```
    """

    code = "VL807"
    name = "spice-chardev"
    severity = Severity.ERROR
    summary = "A spicevmc or spiceport character device without SPICE graphics."
    #: the character devices below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = children_by_tag(ctx, element)
        for graphics in children.get("graphics", ()):
            if graphics.get("type") == "spice":
                return NOTHING  # the common case: SPICE graphics here, so every character device may use it
        for tag in CHARDEV_TAGS:
            for device in children.get(tag, ()):
                if device.get("type") in SPICE_CHARDEVS:
                    return self._problems(children, ctx)
        return NOTHING

    def _problems(self, children: dict[str, list[etree._Element]], ctx: Context) -> Iterator[Problem]:
        if _has_spice_graphics(ctx):
            return  # on another <devices>
        for tag in CHARDEV_TAGS:
            for device in children.get(tag, ()):
                kind = device.get("type")
                if kind == "spicevmc" and tag in CHARDEVS and spicevmc_target_problem(device) is not None:
                    continue  # libvirt's parser refuses its target first (VL760)
                if kind in SPICE_CHARDEVS:
                    yield Problem(Anchor(device, "type"), f"chardev '{kind}' is not supported without SPICE graphics",
                                  hint="add <graphics type='spice'/>, or remove this device")
