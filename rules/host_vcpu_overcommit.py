"""VL258 host-vcpu-overcommit: more pinned vCPUs than the host CPUs they are pinned to."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import format_bitmap, parse_bitmap
from virtlint.rules._host import HostRule, host_evidence, online_vcpus


@register
class HostVcpuOvercommit(HostRule):
    """
    ## What it does
    Warns when the vCPUs of a domain that pins them (`<vcpu cpuset>` or
    `cputune/vcpupin`) can run on fewer host CPUs than there are vCPUs
    online at start: the union of the host CPUs each vCPU may use (its
    `vcpupin`, else the `<vcpu cpuset>`, else every host CPU), counting only
    CPUs the host's `virsh capabilities` lists.

    ## Why is this bad?
    Pinning is meant to give vCPUs host CPUs of their own. With more vCPUs
    than CPUs, vCPUs of the same guest share a CPU and wait for each other:
    spinlocks and synchronised work in the guest stall, far worse than the
    host's scheduler would do unpinned. libvirt starts the domain, so this is
    a warning. Stage: runtime. Driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='1'>
      <cell id='0'><cpus num='4'><cpu id='0'/><cpu id='1'/><cpu id='2'/><cpu id='3'/></cpus></cell>
    </cells></topology></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu cpuset='2-3'>4</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu cpuset='2-3'>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL258"
    name = "host-vcpu-overcommit"
    severity = Severity.WARNING
    summary = "More pinned vCPUs than the host CPUs they are pinned to."
    elements = ("vcpu",)

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if not host.cpu_ids:
            return
        auto = element.get("placement") == "auto"
        default = parse_bitmap(element.get("cpuset")) if element.get("cpuset") and not auto else None
        pins: dict[int, frozenset[int]] = {}
        for pin in ctx.root.iterfind("cputune/vcpupin"):
            cpus, vcpu = parse_bitmap(pin.get("cpuset")), pin.get("vcpu", "")
            if cpus is not None and vcpu.isdigit():
                pins.setdefault(int(vcpu), cpus)
        if default is None and not pins:
            return
        online = online_vcpus(ctx.root)
        if not online:
            return
        usable: set[int] = set()
        for vcpu in online:
            usable |= pins.get(vcpu, default if default is not None else host.cpu_ids)
        usable &= host.cpu_ids
        if not usable or len(online) <= len(usable):
            return  # no usable CPU at all is VL253's error
        yield Problem(
            Anchor(element, text=True),
            f"{len(online)} vCPUs are pinned to {len(usable)} host CPU{'s' if len(usable) > 1 else ''} "
            f"({format_bitmap(frozenset(usable))}): vCPUs of this guest share CPUs and stall each other",
            hint=f"use at most {len(usable)} vCPUs or pin them to more host CPUs",
            evidence=host_evidence(host, host.topology_element),
        )
