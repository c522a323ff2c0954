"""VL771 interface-hostdev: an <interface type='hostdev'> where the caps cannot assign a PCI host device."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, caps_label, children_by_tag, value_problem


def _problems(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """What the caps say against assigning this interface's PCI host device."""
    support = ctx.caps.support("devices/hostdev")
    if support.unsupported:
        yield Problem(Anchor(element, "type"), "<interface type='hostdev'> passes a PCI host device through, "
                      f"and <hostdev> devices are not supported by these capabilities {caps_label(ctx.caps)}",
                      hint="use type='network' or 'bridge' (or 'direct')", evidence=support.evidence)
        return
    kinds = ctx.caps.enum("devices/hostdev", "subsysType")
    if kinds.allows("pci") is False:
        yield Problem(Anchor(element, "type"), "<interface type='hostdev'> passes a PCI host device through, "
                      f"and hostdev subsystem type 'pci' is not supported by these capabilities "
                      f"{caps_label(ctx.caps)}; supported: {', '.join(kinds.values) or 'none'}",
                      hint="use type='network' or 'bridge' (or 'direct')", evidence=kinds.evidence)
        return
    driver = element.find("driver")
    backend = driver.get("name") if driver is not None else None
    if backend:
        backends = ctx.caps.enum("devices/hostdev", "pciBackend")
        if backends.allows(backend) is False:
            yield value_problem(Anchor(driver, "name"), "PCI passthrough backend", backend, backends, ctx.caps,
                                attribute="name")


@register
class InterfaceHostdev(Rule):
    """
    ## What it does
    Reports an `<interface type='hostdev'>` (SR-IOV VF passthrough) on a host
    whose capabilities cannot assign a PCI device: `<hostdev
    supported='no'>`, `pci` missing from `subsysType`, or a `<driver name>`
    missing from `pciBackend`. Such an interface is a PCI `<hostdev>` with a
    MAC address, and needs what that hostdev needs (VL301/VL302 report the
    same for `<hostdev>` itself).

    ## Why is this bad?
    libvirt refuses it when the domain starts, as for a PCI `<hostdev>`:
    `host doesn't support passthrough of host PCI devices`, `host doesn't
    support VFIO PCI passthrough` (qemuHostdevPreparePCIDevicesCheckSupport).
    Stage: start; driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <devices><hostdev supported='yes'><enum name='subsysType'><value>usb</value></enum></hostdev></devices>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='hostdev' managed='yes'><source>
        <address type='pci' domain='0x0000' bus='0x06' slot='0x12' function='0x1'/></source></interface>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><interface type='network'><source network='default'/><model type='virtio'/></interface>
      </devices></domain>
    ```
    """

    code = "VL771"
    name = "interface-hostdev"
    severity = Severity.ERROR
    summary = "A hostdev interface on a host whose capabilities cannot assign PCI devices."
    #: the interfaces below (one visit for all of them)
    elements = ("devices",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        interfaces = children_by_tag(ctx, element).get("interface")
        if interfaces is not None:
            for interface in interfaces:
                if interface.get("type") == "hostdev":
                    return self._problems(interfaces, ctx)
        return NOTHING

    def _problems(self, interfaces: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        """The hostdev interfaces' problems (there is one)."""
        for interface in interfaces:
            if interface.get("type") == "hostdev":
                yield from _problems(interface, ctx)
