"""VL222 perf-events: a `<perf>` event named twice, or one the host's kernel no longer has."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START
from virtlint.rules._support import NOTHING

#: Intel CMT and MBM events, which libvirt reads from the kernel's perf intel_cqm PMU (virPerfRdtAttrInit), and
#: Linux 4.14 removed it (resctrl replaced it): libvirt cannot enable them on a current host
CQM_EVENTS = frozenset(("cmt", "mbmt", "mbml"))


@register
class PerfEvents(Rule):
    """
    ## What it does
    Reports a `<perf><event>` whose name an earlier event of the domain
    already has, whatever either's `enabled` says, and, for QEMU, an enabled
    `cmt`, `mbmt` or `mbml` event: libvirt reads these from the kernel's
    perf `intel_cqm` PMU, which Linux 4.14 removed (resctrl's monitoring
    replaced it). (Unknown names and a missing `enabled` are VL850's.)

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `perf event 'cmt' was
    already specified` (virDomainPerfEventDefParseXML; all drivers; define).
    Checked with the real libvirt 9.0, with its twin; the same code in 10.7.
    It defines a domain with an enabled CMT or MBM event and refuses to start
    it: `unable to enable host cpu perf event for cmt` (virPerfEventEnable,
    from qemuProcessEnablePerf; start; checked on 9.0 on Linux 6.x, with
    `enabled='no'` as the twin). Hardware events (`cpu_cycles`,
    `instructions`...) need a host with a CPU PMU, which `virsh
    capabilities` does not tell: they are not judged.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <perf><event name='cmt' enabled='yes'/><event name='cmt' enabled='no'/></perf></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <perf><event name='cmt' enabled='no'/><event name='cpu_cycles' enabled='yes'/></perf></domain>
    ```
    """

    code = "VL222"
    name = "perf-events"
    severity = Severity.ERROR
    summary = "A perf event named twice, or an Intel CMT/MBM event current kernels lack (start)."
    elements = ("perf",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        perfs = ctx.root.findall("perf")
        if element is not perfs[0] or not len(element) and len(perfs) == 1:
            return NOTHING  # (the events of every <perf> count: judged once, at the first)
        return self._problems(perfs, ctx)

    def _problems(self, perfs: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        names: set[str] = set()
        unavailable: list[etree._Element] = []
        for perf in perfs:
            for event in perf.iterchildren("event"):
                name = event.get("name")
                if name is None:
                    continue  # (VL850's)
                if name in names:
                    yield Problem(Anchor(event, "name"), f"perf event '{name}' was already specified",
                                  hint="keep one <event> of this name")
                    return  # (the parser stops there)
                names.add(name)
                if name in CQM_EVENTS and event.get("enabled") == "yes":
                    unavailable.append(event)
        if unavailable and ctx.domain_type in (None, "kvm", "qemu"):
            event = unavailable[0]  # (libvirt stops at the first it cannot enable)
            yield Problem(Anchor(event, "enabled"), f"unable to enable host cpu perf event for {event.get('name')}: "
                          "Linux 4.14 removed the perf intel_cqm events libvirt reads it from" + LIBVIRT_START,
                          hint="set enabled='no' (resctrl's <cachetune><monitor> measures cache use)",
                          replacements=("no",))
