"""VL757 disk-iotune: a disk's <iotune> that sets a total limit and a read or write one of the same kind."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_ullong
from virtlint.rules._devices import disk_facts
from virtlint.rules._support import NOTHING, string_value

#: The limits libvirt takes either as a total or split into read and write (virDomainDiskDefValidate's order)
KINDS = ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max")


def _set(iotune: etree._Element, name: str) -> etree._Element | None:
    """The limit's element when it sets a limit (a number other than 0: libvirt reads 0 as no limit)."""
    element = iotune.find(name)
    if element is None:
        return None
    number = parse_ullong(string_value(element).strip())
    return element if number else None


def _problem(iotune: etree._Element) -> Problem | None:
    for kind in KINDS:
        total = _set(iotune, f"total_{kind}")
        if total is None:
            continue
        split = _set(iotune, f"read_{kind}")
        if split is None:
            split = _set(iotune, f"write_{kind}")
        if split is not None:
            return Problem(Anchor(split), f"total and read/write {kind} cannot be set at the same time",
                           hint=f"set total_{kind}, or read_{kind} and write_{kind}, not both")
    return None


@register
class DiskIotune(Rule):
    """
    ## What it does
    Reports a disk `<iotune>` that sets a total limit (`total_bytes_sec`,
    `total_iops_sec`, or their `_max` bursts) together with a read or write
    limit of the same kind. A limit of 0 is no limit.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `total and read/write
    bytes_sec cannot be set at the same time` (virDomainDiskDefValidate; all
    drivers). Same in libvirt 9.0 (checked with `virsh define`) and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><iotune><total_bytes_sec>10000000</total_bytes_sec>
        <read_bytes_sec>5000000</read_bytes_sec></iotune></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><iotune><read_bytes_sec>5000000</read_bytes_sec>
        <write_bytes_sec>5000000</write_bytes_sec></iotune></disk></devices></domain>
    ```
    """

    code = "VL757"
    name = "disk-iotune"
    severity = Severity.ERROR
    summary = "A disk iotune that sets a total limit and a read or write one of the same kind."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problems = [problem for facts in disk_facts(ctx, element) if "iotune" in facts[1]
                    if (problem := _problem(facts[1]["iotune"])) is not None]
        return iter(problems) if problems else NOTHING
