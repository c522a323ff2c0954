"""VL802 iothread-bus: IOThreads only on virtio disks and virtio-scsi controllers."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import iothread_drivers
from virtlint.rules._support import NOTHING


def _problems(element: etree._Element) -> Iterator[Problem]:
    """An IOThread on a disk that is not virtio, or a controller that is not virtio-scsi."""
    device = element.getparent()
    if device.tag == "disk":
        target = device.find("target")
        bus = target.get("bus") if target is not None else None
        if bus is None and target is not None and target.get("dev", "").startswith("vd"):
            bus = "virtio"
        if bus is not None and bus != "virtio":
            yield Problem(Anchor(element, "iothread"),
                          f"IOThreads are not available for bus {bus} (target {target.get('dev')}): only virtio disks",
                          hint="move the disk to bus='virtio', or give its virtio-scsi controller the iothread")
    elif device.get("type") == "scsi" and device.get("model", "virtio-scsi") not in ("virtio-scsi",
                                                                                       "virtio-transitional",
                                                                                       "virtio-non-transitional"):
        yield Problem(Anchor(element, "iothread"),
                      f"'iothread' is only supported for virtio-scsi controllers, not model '{device.get('model')}'",
                      hint="use model='virtio-scsi'")


@register
class IothreadBus(Rule):
    """
    ## What it does
    An `iothread` on a disk's `<driver>` needs the disk on the `virtio` bus;
    on a controller's `<driver>` it needs a `virtio-scsi` SCSI controller.
    (Disks on the SCSI bus get their IOThread through their controller.)

    ## Why is this bad?
    libvirt refuses the domain: `IOThreads not available for bus sata target
    sda`, `'iothread' attribute only supported for virtio scsi controllers`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><iothreads>1</iothreads><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><driver name='qemu' iothread='1'/><target dev='sda' bus='sata'/></disk></devices>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><iothreads>1</iothreads><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><driver name='qemu' iothread='1'/><target dev='vda' bus='virtio'/></disk></devices>
    </domain>
    ```
    """

    code = "VL802"
    name = "iothread-bus"
    severity = Severity.ERROR
    summary = "An IOThread on a disk that is not virtio, or a controller that is not virtio-scsi."
    #: the disk and controller drivers below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        drivers = iothread_drivers(ctx, element)
        return self._driver_problems(drivers, ctx) if drivers else NOTHING  # usually no driver names an IOThread

    def _driver_problems(self, drivers: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        for driver in drivers:
            yield from _problems(driver)
