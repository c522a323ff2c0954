"""VL222 perf-events: a `<perf>` event named twice."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING


@register
class PerfEvents(Rule):
    """
    ## What it does
    Reports a `<perf><event>` whose name an earlier event of the domain
    already has, whatever either's `enabled` says. (Unknown names and a
    missing `enabled` are VL850's.)

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `perf event 'cmt' was
    already specified` (virDomainPerfEventDefParseXML; all drivers; define).
    Checked with the real libvirt 9.0, with its twin; the same code in 10.7.

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
      <perf><event name='cmt' enabled='yes'/><event name='mbmt' enabled='no'/></perf></domain>
    ```
    """

    code = "VL222"
    name = "perf-events"
    severity = Severity.ERROR
    summary = "A perf event named twice."
    elements = ("perf",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        perfs = ctx.root.findall("perf")
        if element is not perfs[0] or (len(perfs) == 1 and len(element) < 2):
            return NOTHING  # (the events of every <perf> count: judged once, at the first)
        names: set[str] = set()
        for perf in perfs:
            for event in perf.iterchildren("event"):
                name = event.get("name")
                if name is None:
                    continue  # (VL850's)
                if name in names:
                    return iter((Problem(Anchor(event, "name"), f"perf event '{name}' was already specified",
                                         hint="keep one <event> of this name"),))
                names.add(name)
        return NOTHING
