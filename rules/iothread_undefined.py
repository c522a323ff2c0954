"""VL801 iothread-undefined: iothread references must name a defined IOThread."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._devices import iothread_drivers
from virtlint.rules._domain import describe_ids, iothread_ids
from virtlint.rules._support import NOTHING


def _problems(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """A driver's IOThread that the domain does not define."""
    wanted = prop_uint(element.get("iothread"), 10)
    if not wanted:
        return  # (unreadable, or a disk's 0: the parser's, VL851; a controller's 0 is no IOThread)
    defined = iothread_ids(ctx.root)
    if wanted not in defined:
        what = "Disk" if element.getparent().tag == "disk" else "Controller"
        listed = describe_ids(defined) or "none"
        yield Problem(Anchor(element, "iothread"),
                      f"{what} iothread '{wanted}' is not defined (defined IOThreads: {listed})",
                      hint=f"add <iothreadids><iothread id='{wanted}'/></iothreadids> or raise <iothreads>")


@register
class IothreadUndefined(Rule):
    """
    ## What it does
    Checks that the `iothread` of a disk's or controller's `<driver>` names
    an IOThread of the domain: one listed in `<iothreadids>`, or one of the
    ids libvirt assigns up to the `<iothreads>` count.

    ## Why is this bad?
    libvirt refuses the domain: `Disk iothread '2' not defined in iothreadid`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><iothreads>1</iothreads><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><driver name='qemu' iothread='2'/><target dev='vda' bus='virtio'/></disk></devices>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><iothreads>2</iothreads><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><driver name='qemu' iothread='2'/><target dev='vda' bus='virtio'/></disk></devices>
    </domain>
    ```
    """

    code = "VL801"
    name = "iothread-undefined"
    severity = Severity.ERROR
    summary = "A disk or controller uses an IOThread id the domain does not define."
    #: the disk and controller drivers below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        drivers = iothread_drivers(ctx, element)
        return self._driver_problems(drivers, ctx) if drivers else NOTHING  # usually no driver names an IOThread

    def _driver_problems(self, drivers: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        for driver in drivers:
            yield from _problems(driver, ctx)
