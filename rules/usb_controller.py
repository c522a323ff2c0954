"""VL707 usb-controller: xhci port counts and USB companion controllers without a master."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import XHCI_MAX_PORTS, XHCI_MODELS, facts, parse_int


@register
class UsbController(Rule):
    """
    ## What it does
    Reports a `nec-xhci` or `qemu-xhci` controller with more than 15 `ports`,
    and USB controllers that are all companions (each has a `<master>`) with
    no master controller among them, e.g. an `ich9-uhci2` without its
    `ich9-ehci1`.

    ## Why is this bad?
    libvirt refuses the domain at define time: `'qemu-xhci' controller only
    supports up to '15' ports` (`qemuDomainControllerDefPostParse`), `No
    master USB controller specified` (`virDomainDefControllersParse`). Same
    in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='qemu-xhci' ports='16'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='qemu-xhci' ports='15'/></devices></domain>
    ```
    """

    code = "VL707"
    name = "usb-controller"
    severity = Severity.ERROR
    summary = "An xhci controller with more than 15 ports, or USB companions without a master."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        usb = facts(ctx).controllers_of("usb")
        for c in usb:
            ports = parse_int(c.element.get("ports"))
            if c.model in XHCI_MODELS and ports is not None and ports > XHCI_MAX_PORTS:
                yield Problem(Anchor(c.element, "ports"),
                              f"'{c.model}' controller only supports up to '{XHCI_MAX_PORTS}' ports",
                              hint=f"use ports='{XHCI_MAX_PORTS}' and add a hub or another controller for more",
                              replacements=(str(XHCI_MAX_PORTS),))
        others = [c for c in usb if c.model != "none"]
        if others and all(c.element.find("master") is not None for c in usb):
            yield Problem(Anchor(others[0].element), "No master USB controller specified",
                          hint="add the master controller (e.g. model='ich9-ehci1' with the same index) "
                               "or remove <master> from one controller")
