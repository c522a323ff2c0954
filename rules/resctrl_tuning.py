"""VL220 resctrl-tuning: cache and memory bandwidth allocations (`<cachetune>`, `<memorytune>`) libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_bitmap, parse_uint
from virtlint.rules._devices import qemu_driver
from virtlint.rules._domain import max_vcpus
from virtlint.rules._support import NOTHING

#: VIR_DOMAIN_RESCTRL_MONITOR_CACHELEVEL
MONITOR_LEVEL = 3
TUNES = ("cachetune", "memorytune")


def _vcpus(element: etree._Element, maximum: int) -> frozenset[int] | Problem:
    """virDomainResctrlParseVcpus: the vCPUs, cut to those the domain has."""
    raw = element.get("vcpus")
    if raw is None:
        return Problem(Anchor(element), f"Missing {element.tag} attribute 'vcpus'", hint="add vcpus='0-1'")
    vcpus = parse_bitmap(raw)
    if vcpus is None:
        return Problem(Anchor(element, "vcpus"), f"Invalid {element.tag} attribute 'vcpus' value '{raw}'",
                       hint="a vCPU list such as '0-3,^2'")
    return frozenset(vcpu for vcpu in vcpus if vcpu < maximum)


def _caches(tune: etree._Element) -> Problem | None:
    """virResctrlAllocCheckCollision: one size per cache level, id and type ('both' covers 'code' and 'data')."""
    taken: dict[tuple[int, int], set[str]] = {}
    for cache in tune.iterchildren("cache"):
        level, cache_id, kind = parse_uint(cache.get("level")), parse_uint(cache.get("id")), cache.get("type")
        if level is None or cache_id is None or kind not in ("both", "code", "data"):
            continue  # the parser's (VL850, VL851)
        kinds = taken.setdefault((level, cache_id), set())
        if kind in kinds or (kind == "both" and kinds) or (kind != "both" and "both" in kinds):
            return Problem(Anchor(cache), f"Colliding cache allocations for cache level '{level}' id '{cache_id}', "
                           f"type '{kind}'", hint="allocate each cache once (both, or code and data)")
        kinds.add(kind)
    return None


def _nodes(tune: etree._Element) -> Problem | None:
    """virResctrlAllocSetMemoryBandwidth: one bandwidth per node, a percentage."""
    seen: set[int] = set()
    for node in tune.iterchildren("node"):
        node_id, bandwidth = parse_uint(node.get("id")), parse_uint(node.get("bandwidth"))
        if node_id is None or bandwidth is None:
            continue
        if bandwidth > 100:
            return Problem(Anchor(node, "bandwidth"), "Memory Bandwidth value exceeding 100 is invalid.",
                           hint="a percentage of the node's bandwidth, 1 to 100", replacements=("100",))
        if node_id in seen:
            return Problem(Anchor(node, "id"), f"Memory Bandwidth already defined for node {node_id}",
                           hint="give each node one bandwidth")
        seen.add(node_id)
    return None


class _Group:
    """One of libvirt's resctrl groups (virDomainResctrlDef): its vCPUs, whether its allocation holds a cache size
    or a bandwidth (virResctrlAllocIsEmpty's negation), and its monitors as (tag, vCPUs)."""

    __slots__ = ("vcpus", "allocated", "monitors")

    def __init__(self, vcpus: frozenset[int]) -> None:
        self.vcpus = vcpus
        self.allocated = False
        self.monitors: list[tuple[str, frozenset[int]]] = []


def _overlapping(group: _Group, vcpus: frozenset[int]) -> bool:
    """virDomainResctrlValidateMonitor's 'vcpus overlaps in resctrl groups': a monitor overlapping an earlier one of
    its group when neither watches the whole group, or overlapping any when the group allocates nothing."""
    whole = vcpus == group.vcpus
    any_overlap = False
    for _tag, other in group.monitors:
        if other == vcpus:
            continue  # (a monitor of the other type on the same vCPUs)
        if other & vcpus:
            if not whole and other != group.vcpus:
                return True
            any_overlap = True
    return any_overlap and not group.allocated


def _monitors(tune: etree._Element, group: _Group, maximum: int) -> Problem | None:
    """virDomainResctrlMonDefParse and virDomainResctrlValidateMonitor (against the monitors the group has: a
    memorytune on a cachetune's vCPUs shares its group)."""
    tag = "cache" if tune.tag == "cachetune" else "membw"
    for monitor in tune.iterchildren("monitor"):
        if tag == "cache":
            level = parse_uint(monitor.get("level"))
            if level is not None and level != MONITOR_LEVEL:
                return Problem(Anchor(monitor, "level"), f"Invalid monitor cache level '{level}'",
                               hint="cache monitors watch the level 3 cache", replacements=("3",))
        found = _vcpus(monitor, maximum)
        if isinstance(found, Problem):
            return found
        if not found:
            return Problem(Anchor(monitor, "vcpus"), "vcpus is empty", hint="name vCPUs of the allocation")
        if not found <= group.vcpus:
            return Problem(Anchor(monitor, "vcpus"), "Monitor vcpus conflicts with allocation",
                           hint=f"monitor vCPUs of this {tune.tag} only")
        if (tag, found) in group.monitors:
            return Problem(Anchor(monitor, "vcpus"), "Identical vcpus found in same type monitors",
                           hint="monitor a vCPU set once")
        if _overlapping(group, found):
            return Problem(Anchor(monitor, "vcpus"), "vcpus overlaps in resctrl groups",
                           hint="give each monitor vCPUs no other monitor of the group watches (a monitor of all "
                                "the group's vCPUs may overlap others when the group allocates a cache or "
                                "bandwidth)")
        group.monitors.append((tag, found))
    return None


@register
class ResctrlTuning(Rule):
    """
    ## What it does
    Checks `<cputune>`'s `<cachetune>` and `<memorytune>` (Intel RDT cache
    and memory bandwidth allocation): each names its `vcpus`; two of them
    cover the same vCPUs exactly (memorytunes may) or not at all; a cache
    level, id and type is allocated once; a node's bandwidth is set once, at
    most 100; cache monitors watch level 3 and vCPUs of their allocation,
    each set once, and monitors of a group overlap only where one of them
    watches all the group's vCPUs and the group allocates a cache or a
    bandwidth; and (QEMU) the domain runs under KVM.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Missing cachetune
    attribute 'vcpus'`, `Overlapping vcpus in resctrls`, `Identical vcpus in
    cachetunes found`, `Colliding cache allocations for cache level '3' id
    '0', type 'both'`, `Memory Bandwidth already defined for node 0`, `Memory
    Bandwidth value exceeding 100 is invalid.`, `Invalid monitor cache level
    '2'`, `Monitor vcpus conflicts with allocation`, `vcpus overlaps in
    resctrl groups` (virDomainCachetuneDefParse, virDomainMemorytuneDefParse,
    virDomainResctrlMonDefParse, virDomainResctrlValidateMonitor; every
    driver; a memorytune on a cachetune's vCPUs shares its group and its
    monitors), `cachetune is only supported
    for KVM domains` (qemuValidateDomainDef; QEMU). vCPUs the domain does not
    have are dropped first, as libvirt does, and so is a group with neither
    an allocation nor a monitor (libvirt keeps no such group: it counts for
    no overlap and needs no KVM). Each was checked with the real
    libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cputune><cachetune vcpus='0-1'><cache id='0' level='3' type='both' size='2' unit='MiB'/></cachetune>
        <cachetune vcpus='1'><cache id='0' level='3' type='both' size='1' unit='MiB'/></cachetune></cputune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cputune><cachetune vcpus='0'><cache id='0' level='3' type='both' size='2' unit='MiB'/></cachetune>
        <cachetune vcpus='1'><cache id='0' level='3' type='both' size='1' unit='MiB'/></cachetune></cputune></domain>
    ```
    """

    code = "VL220"
    name = "resctrl-tuning"
    severity = Severity.ERROR
    summary = "Cache or memory bandwidth allocations (cachetune, memorytune) libvirt refuses."
    elements = ("cputune",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        tunes = [child for child in element if child.tag in TUNES]
        if not tunes:
            return NOTHING
        problem = self._problem(tunes, ctx)
        return iter((problem,)) if problem is not None else NOTHING

    @staticmethod
    def _problem(tunes: list[etree._Element], ctx: Context) -> Problem | None:
        maximum = max_vcpus(ctx.root)
        if maximum is None:
            return None  # the vCPU count is VL851's
        # (virDomainDefTunablesParse reads the cachetunes, then the memorytunes)
        ordered = [tune for tune in tunes if tune.tag == "cachetune"] + \
                  [tune for tune in tunes if tune.tag == "memorytune"]
        groups: list[_Group] = []  # (def->resctrls: the groups with an allocation or a monitor)
        for tune in ordered:
            found = _vcpus(tune, maximum)
            if isinstance(found, Problem):
                return found
            if not found:
                continue  # no vCPU the domain has: libvirt drops it
            group = None
            for known in groups:  # (virDomainResctrlVcpuMatch)
                if known.vcpus == found:
                    if tune.tag == "cachetune":
                        return Problem(Anchor(tune, "vcpus"), "Identical vcpus in cachetunes found",
                                       hint="merge the two cachetunes")
                    group = known
                    break
                if known.vcpus & found:
                    return Problem(Anchor(tune, "vcpus"), "Overlapping vcpus in resctrls",
                                   hint="give each vCPU one cache and bandwidth allocation group")
            problem = _caches(tune) if tune.tag == "cachetune" else _nodes(tune)
            if problem is not None:
                return problem
            new = group is None
            if group is None:
                group = _Group(found)
            allocates = any(True for _ in tune.iterchildren("cache" if tune.tag == "cachetune" else "node"))
            group.allocated = group.allocated or allocates
            count = len(group.monitors)
            problem = _monitors(tune, group, maximum)
            if problem is not None:
                return problem
            if new and (allocates or len(group.monitors) > count):
                groups.append(group)
        if groups and qemu_driver(ctx) and ctx.domain_type != "kvm":
            first = next(tune for tune in tunes if tune.get("vcpus") is not None)
            return Problem(Anchor(first), "cachetune is only supported for KVM domains",
                           hint="use <domain type='kvm'>, or remove the allocation")
        return None
