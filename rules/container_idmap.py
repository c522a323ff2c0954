"""VL217 container-idmap: an `<idmap>` mapping only users or only groups, not the root user, or unreadable."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_unsigned
from virtlint.rules._support import NOTHING

#: virXPathUInt (virStrToLong_uip, base 10): the range it reads
UINT = (0, 2**32 - 1)


@register
class ContainerIdmap(Rule):
    """
    ## What it does
    Checks the `<idmap>` of a domain: each `<uid>` and `<gid>` needs decimal
    `start`, `target` and `count` values; users and groups are mapped both or
    neither; and the lowest `start` of each is 0 (the container's root user).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `invalid idmap
    start/target/count settings` (virDomainIdmapDefParseXML), `uid and gid
    should be mapped both`, `You must map the root user of container`
    (virDomainDefIdMapValidate). Stage: define; every driver, QEMU included.
    Each was checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <idmap><uid start='0' target='1000' count='10'/></idmap></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <idmap><uid start='0' target='1000' count='10'/><gid start='0' target='1000' count='10'/></idmap></domain>
    ```
    """

    code = "VL217"
    name = "container-idmap"
    severity = Severity.ERROR
    summary = "An idmap that maps only users or only groups, not the root user, or with unreadable numbers."
    elements = ("idmap",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        idmaps = list(ctx.root.iterchildren("idmap"))
        if element is not idmaps[0]:
            return NOTHING  # libvirt reads every <idmap>'s entries together: judged once, at the first
        uids = [entry for idmap in idmaps for entry in idmap.iterchildren("uid")]
        gids = [entry for idmap in idmaps for entry in idmap.iterchildren("gid")]
        if not uids and not gids:
            return NOTHING
        return self._problems(element, uids, gids)

    def _problems(self, element: etree._Element, uids: list[etree._Element],
                  gids: list[etree._Element]) -> Iterator[Problem]:
        starts: dict[str, int] = {}
        for kind, entries in (("uid", uids), ("gid", gids)):
            for entry in entries:
                values = [c_unsigned(entry.get(name), UINT[1]) for name in ("start", "target", "count")]
                if None in values:
                    bad = next(name for name, value in zip(("start", "target", "count"), values) if value is None)
                    anchor = Anchor(entry, bad) if entry.get(bad) is not None else Anchor(entry)
                    yield Problem(anchor, "invalid idmap start/target/count settings",
                                  hint="start, target and count are all needed, as decimal numbers")
                    return
                start = values[0]
                if start is not None:
                    starts[kind] = min(starts.get(kind, start), start)
        if not uids or not gids:
            missing = "gid" if uids else "uid"
            yield Problem(Anchor(element), "uid and gid should be mapped both",
                          hint=f"add a <{missing} start='0' target='...' count='...'/>")
            return
        for kind, entries in (("uid", uids), ("gid", gids)):
            if starts[kind] != 0:
                yield Problem(Anchor(min(entries, key=lambda entry: int(entry.get("start") or 0)), "start"),
                              "You must map the root user of container",
                              hint=f"map the container's {kind} 0: a <{kind}> with start='0'")
                return
