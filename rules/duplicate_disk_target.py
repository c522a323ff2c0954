"""VL806 duplicate-disk-target: two disks with the same target name."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import with_first_children
from virtlint.rules._support import NOTHING


def _distinct_target_names(ctx: Context, devices: etree._Element) -> bool:
    """True when the disks certainly name distinct targets: each has at most one <target> (no child tag
    repeats, from the shared first-child index) and their names differ. False: look closer."""
    names: set[str] = set()
    count = 0
    for disk, children in with_first_children(ctx, devices, "disk"):
        if len(children) != len(disk):
            return False  # a repeated child tag (or two comments): maybe a second <target>
        target = children.get("target")
        dev = target.get("dev") if target is not None else None
        if dev is not None:
            names.add(dev)
            count += 1
    return len(names) == count


@register
class DuplicateDiskTarget(Rule):
    """
    ## What it does
    Reports a disk whose `<target dev>` an earlier disk already uses.

    ## Why is this bad?
    libvirt refuses the domain: `target 'vda' duplicated for disk sources
    '...' and '...'`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><target dev='vda' bus='virtio'/></disk>
        <disk type='file'><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><target dev='vda' bus='virtio'/></disk>
        <disk type='file'><target dev='vdb' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL806"
    name = "duplicate-disk-target"
    severity = Severity.ERROR
    summary = "Two disks share one target name."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if _distinct_target_names(ctx, element):
            return NOTHING
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The reused targets (some disk may share its target name)."""
        seen: dict[str, int] = {}
        for disk in element.iterchildren("disk"):
            target = disk.find("target")  # (libvirt reads a disk's first <target>)
            dev = target.get("dev") if target is not None else None
            if dev is None:
                continue
            if dev in seen:
                yield Problem(Anchor(target, "dev"),
                              f"target '{dev}' is already used by another disk (line {seen[dev]})",
                              hint="give each disk its own target name")
            else:
                seen[dev] = target.sourceline or 0
