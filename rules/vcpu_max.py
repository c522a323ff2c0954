"""VL201 vcpu-max: the maximum vCPU count must fit the caps' limit."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import QEMU_START, effective_gic_version, qemu_driver
from virtlint.rules._domain import vcpu_counts
from virtlint.rules._identity import host_view
from virtlint.rules._support import caps_label
from virtlint.rules._vcpus import vcpu_fix


#: The vCPUs a GICv2 serves on QEMU's ARM virt board (GIC_NCPU)
GICV2_CPUS = 8


@register
class VcpuMax(Rule):
    """
    ## What it does
    Compares the maximum number of vCPUs (the text of `<vcpu>`; its `current`
    attribute may be lower) with the limit of the domain's machine: the
    `maxCpus` of that machine in the host's `virsh capabilities` when given
    (aliases resolved), else `<vcpu max='N'/>` of domcapabilities that
    describe the domain (that limit also includes the host's KVM limit). When
    neither says, the limit is unknown and nothing is reported. On an ARM
    `virt` guest with a GICv2 (written, or libvirt's default for TCG, or for
    KVM where the capabilities list no version 3), more than 8 vCPUs: QEMU
    refuses to start it (`Number of SMP CPUs requested (9) exceeds max CPUs
    supported by machine 'mach-virt' (8)`; stage start; checked on 9.0).

    ## Why is this bad?
    libvirt refuses the domain: `Maximum CPUs greater than specified machine
    type limit N` (qemuValidateDomainVCpuTopology, at define), or QEMU fails
    at start when the KVM limit is lower.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <vcpu max='288'/></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu current='8'>512</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu current='8'>288</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL201"
    name = "vcpu-max"
    severity = Severity.ERROR
    summary = "More vCPUs than the capabilities' limit."
    elements = ("vcpu",)
    #: runs when the domcaps describe another machine: the host's per-machine limit still applies
    identity_rule = True

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        count = vcpu_counts(ctx)[0]  # (as libvirt reads it, once per document: '-1' is 4294967295)
        if count is None:
            return
        view = host_view(ctx)
        entry = view.machine_entry if view is not None else None
        if entry is not None and entry.max_cpus and ctx.host is not None:
            if count > entry.max_cpus:
                value, hint = vcpu_fix(ctx, element, entry.max_cpus)
                yield Problem(
                    Anchor(element, text=True),
                    f"{count} vCPUs: Maximum CPUs greater than specified machine type limit {entry.max_cpus} "
                    f"(machine '{entry.name}' on the host)",
                    hint=hint,
                    evidence=ctx.host.evidence(entry.element) if entry.element is not None else None,
                    replacements=(str(value),) if value is not None else (),
                )
                return
        # (the GICv2 limit holds below the host's machine limit too: it is QEMU's, at start)
        if count > GICV2_CPUS and qemu_driver(ctx) and effective_gic_version(ctx) == "2":
            # (QEMU's virt board: a GICv2 has GIC_NCPU interfaces; at start, checked on 9.0 with aarch64 TCG)
            yield Problem(Anchor(element, text=True), f"Number of SMP CPUs requested ({count}) exceeds max CPUs "
                          f"supported by machine 'mach-virt' ({GICV2_CPUS})" + QEMU_START,
                          hint=f"a GICv2 serves at most {GICV2_CPUS} vCPUs: use at most {GICV2_CPUS}, or "
                               "<features><gic version='3'/></features> where QEMU and the host have it",
                          replacements=(str(GICV2_CPUS),))
            return
        if entry is not None and entry.max_cpus and ctx.host is not None:
            return  # the host's per-machine limit, checked above, is the one libvirt reads
        limit = ctx.caps.vcpu_max
        if ctx.identity_matches and limit is not None and count > limit:
            # the proposed count must satisfy every rule about it (VL805, the topology), not only this one
            value, hint = vcpu_fix(ctx, element, limit)
            yield Problem(
                Anchor(element, text=True),
                f"{count} vCPUs exceed the limit of these capabilities {caps_label(ctx.caps)}: at most {limit}",
                hint=hint,
                evidence=ctx.caps.evidence(ctx.caps.root.find("vcpu")),
                replacements=(str(value),) if value is not None else (),
            )
