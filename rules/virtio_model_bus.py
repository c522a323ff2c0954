"""VL803 virtio-model-bus: virtio disk models only on the virtio bus."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, children_by_tag


@register
class VirtioModelBus(Rule):
    """
    ## What it does
    A disk `model` of `virtio`, `virtio-transitional` or
    `virtio-non-transitional` needs the disk on the `virtio` bus.

    ## Why is this bad?
    libvirt refuses the domain: `disk model 'virtio-transitional' not
    supported for bus 'sata'`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' model='virtio-transitional'><target dev='sda' bus='sata'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' model='virtio-transitional'><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL803"
    name = "virtio-model-bus"
    severity = Severity.ERROR
    summary = "A virtio disk model on a bus other than virtio."
    #: the disks below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for disk in children_by_tag(ctx, element).get("disk", ()):
            model = disk.get("model")
            if model and model.startswith("virtio"):
                return self._problems(element, ctx)
        return NOTHING  # the common case: no disk names a virtio model

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for disk in children_by_tag(ctx, element).get("disk", ()):
            model = disk.get("model")
            if not model or not model.startswith("virtio"):
                continue
            target = disk.find("target")
            bus = target.get("bus") if target is not None else None
            if bus and bus != "virtio":
                yield Problem(Anchor(disk, "model"), f"disk model '{model}' is not supported for bus '{bus}'",
                              hint="use bus='virtio', or remove the model")
