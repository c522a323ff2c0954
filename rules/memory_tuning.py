"""VL219 memory-tuning: a `<memtune>` setting the QEMU driver does not take, or a hard limit QEMU cannot live in."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import format_kib, scaled_kib
from virtlint.rules._devices import QEMU_START, qemu_driver
from virtlint.rules._domain import numa_cells
from virtlint.rules._host import guest_memory_kib
from virtlint.rules._support import NOTHING

#: The largest hard limit QEMU was seen not to start in (0, 1 and 4 MiB, checked on 9.0 with QEMU 7.2: the host's
#: memory cgroup kills QEMU before libvirt connects to it); its own process needs more before the guest runs.
STARVING_HARD_LIMIT_KIB = 4096


@register
class MemoryTuning(Rule):
    """
    ## What it does
    Reports `<memtune><min_guarantee>` in a domain for QEMU, which has no
    way to guarantee a minimum of host memory (it is a VMware ESX setting);
    a `<hard_limit>` of 4 MiB or less, in which QEMU's own process cannot
    start (libvirt puts QEMU in a memory cgroup of that limit; the kernel
    kills it and libvirt reports `qemu unexpectedly closed the monitor`;
    checked on 9.0 with QEMU 7.2 at 0, 1 and 4 MiB: a limit of 0 is a limit,
    not "unlimited"); and, as a warning, a `<hard_limit>` below the guest's
    memory, which the guest outgrows once it uses its memory (the host then
    swaps QEMU out or kills it; libvirt's documentation advises against
    guessing this limit).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Parameter
    'min_guarantee' not supported by QEMU.` (qemuValidateDomainDef; QEMU).
    Checked with the real libvirt 9.0, with its twin (`hard_limit` and
    `soft_limit`). Sizes libvirt cannot read are VL851's. The starving hard
    limit fails at start (qemuSetupCgroup, then the kernel).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memtune><min_guarantee unit='MiB'>128</min_guarantee></memtune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <memtune><soft_limit unit='MiB'>128</soft_limit></memtune></domain>
    ```
    """

    code = "VL219"
    name = "memory-tuning"
    severity = Severity.ERROR
    summary = "A memtune min_guarantee, which the QEMU driver does not take, or a hard limit QEMU cannot live in."
    elements = ("memtune/min_guarantee", "memtune/hard_limit")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag == "hard_limit":
            return self._hard_limit(element, ctx)
        if not qemu_driver(ctx) or not scaled_kib(element.text, element.get("unit")):
            return NOTHING  # (0 is unset; an unreadable size is VL851's)
        return iter((Problem(Anchor(element), "Parameter 'min_guarantee' not supported by QEMU.",
                             hint="remove <min_guarantee>; hard_limit and soft_limit are QEMU's"),))

    def _hard_limit(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        limit = scaled_kib(element.text, element.get("unit"))
        if limit is None or not qemu_driver(ctx) or next(element.itersiblings("hard_limit", preceding=True),
                                                         None) is not None:
            return NOTHING  # (unreadable: VL851; libvirt reads the first <hard_limit>)
        if limit <= STARVING_HARD_LIMIT_KIB:
            return iter((Problem(Anchor(element), "qemu unexpectedly closed the monitor: a memory hard_limit of "
                                 f"{format_kib(limit)} is less than QEMU needs to start" + QEMU_START,
                                 hint="remove <hard_limit> (QEMU's memory is not limited), or give the guest's "
                                      "memory and QEMU's own"),))
        guest = _guest_memory_kib(ctx.root)
        if guest is None or limit >= guest:
            return NOTHING
        return iter((Problem(Anchor(element), f"The memory hard_limit ({format_kib(limit)}) is below the guest's "
                             f"memory ({format_kib(guest)}): once the guest uses its memory, the host swaps QEMU "
                             "out or kills it", severity=Severity.WARNING,
                             hint="remove <hard_limit>, or set it above the guest's memory and QEMU's own"),))


def _guest_memory_kib(root: etree._Element) -> int | None:
    """The guest's memory: its NUMA cells' sum when it has cells (libvirt then sets <memory> to it), else
    <memory>."""
    cells = numa_cells(root)
    if cells:
        sizes = [cell.memory_kib for cell in cells]
        return None if None in sizes else sum(size for size in sizes if size is not None)
    return guest_memory_kib(root)
