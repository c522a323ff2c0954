"""VL793 input-config: an evdev or passthrough input without its host path, or on a bus it cannot use."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, first_child

#: input type -> the <source> attribute holding the host's event device (virDomainInputDefParseXML)
PATH_ATTRIBUTE = {"evdev": "dev", "passthrough": "evdev"}


@register
class InputConfig(Rule):
    """
    ## What it does
    Checks `<input type='evdev'>` and `<input type='passthrough'>`: a
    `<source>` must name the host's event device (`dev=` for evdev,
    `evdev=` for passthrough); an evdev input takes no `bus`; a passthrough
    input takes only `bus='virtio'`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Missing evdev path for
    input device` (virDomainInputDefParseXML), `input evdev doesn't support
    bus element`, `only bus 'virtio' is supported for 'passthrough' input
    devices` (virDomainInputDefValidate). Stage: define; every driver. Each
    was checked with the real libvirt 9.0, with its twin. (An evdev input with
    no `<source>` at all is defined, and fails when the guest starts: `argument
    key 'evdev' must not have null value`.)

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><input type='evdev'><source evdev='/dev/input/event0'/></input></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><input type='evdev'><source dev='/dev/input/event0'/></input></devices></domain>
    ```
    """

    code = "VL793"
    name = "input-config"
    severity = Severity.ERROR
    summary = "An evdev or passthrough input without its host path, or on a bus it cannot use."
    elements = ("devices/input",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        kind = element.get("type") or ""
        attribute = PATH_ATTRIBUTE.get(kind)
        if attribute is None:
            return NOTHING  # the common case: a tablet, mouse or keyboard
        source = first_child(element, "source")
        if source is not None and source.get(attribute) is None:
            return iter((Problem(Anchor(source), "Missing evdev path for input device",
                                 hint=f"name the host device: <source {attribute}='/dev/input/by-id/...'/>"),))
        bus = element.get("bus")
        if kind == "evdev" and bus not in (None, "none"):
            return iter((Problem(Anchor(element, "bus"), "input evdev doesn't support bus element",
                                 hint="remove bus="),))
        if kind == "passthrough" and bus not in (None, "virtio"):
            return iter((Problem(Anchor(element, "bus"),
                                 "only bus 'virtio' is supported for 'passthrough' input devices",
                                 replacements=("virtio",)),))
        return NOTHING
