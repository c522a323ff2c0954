"""VL211 thread-tuning: <cputune> pinning and scheduling of vCPUs and IOThreads that do not exist or overlap."""

from __future__ import annotations

from typing import Collection, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal, c_int, c_unsigned, parse_bitmap, parse_int, parse_uint
from virtlint.rules._devices import LIBVIRT_START
from virtlint.rules._domain import describe_ids, iothread_ids, max_vcpus
from virtlint.rules._host import online_vcpus

#: element -> (attribute holding the thread bitmap, what the threads are)
SCHEDULERS = {"vcpusched": ("vcpus", "vcpu"), "iothreadsched": ("iothreads", "iothread")}
#: cgroup CPU bandwidth limits (VIR_CGROUP_CPU_PERIOD_MIN/MAX, VIR_CGROUP_CPU_QUOTA_MIN/MAX), microseconds.
PERIOD_RANGE = (1000, 1000000)
QUOTA_RANGE = (1000, 17592186044415)
#: <cputune> children the parser takes once (virDomainDefTunablesParse)
ONCE = ("emulatorpin", "emulatorsched")
#: sched_get_priority_min/max of SCHED_FIFO and SCHED_RR on Linux
REALTIME_PRIORITIES = (1, 99)
#: cgroup v1's cpu.shares range, which libvirt 9.0 checks at define
SHARES_RANGE = (2, 262144)
#: cgroup v2's cpu.weight range, which the host's cgroups apply at start (VIR_CGROUPV2_WEIGHT_MIN/MAX)
V2_WEIGHT_RANGE = (1, 10000)
BANDWIDTH = {**{name: PERIOD_RANGE for name in ("period", "global_period", "emulator_period", "iothread_period")},
             **{name: QUOTA_RANGE for name in ("quota", "global_quota", "emulator_quota", "iothread_quota")}}


@register
class ThreadTuning(Rule):
    """
    ## What it does
    Checks `<cputune>` as libvirt's parser does (virDomainVcpuPinDefParseXML,
    virDomainIOThreadPinDefParseXML, virDomainThreadSchedParseHelper):
    `<vcpusched vcpus>` names vCPUs below `<vcpu>` (`vCPU 'N' is not present in
    domain definition`), `<iothreadsched iothreads>` and `<iothreadpin
    iothread>` name defined IOThreads (`Cannot find 'iothread' : N`), the
    scheduler sets of one kind do not overlap (`'vcpusched' attributes 'vcpus'
    must not overlap`), a vCPU or IOThread is pinned once (`duplicate vcpupin
    for vcpu 'N'`, `Duplicate iothreadpin for same iothread 'N'`), and a set
    is not empty (`'vcpus' scheduler bitmap '0,^0' is empty`, `Invalid value of
    'cpuset'`), and CPU bandwidth periods within 1000..1000000 and quotas
    within 1000..17592186044415 microseconds when positive (`Value of cputune
    'period' must be in range [1000, 1000000]`, virDomainDefCputuneValidate;
    modelling libvirt 9.0 or older, `<shares>` other than 0 within 2..262144,
    which 10.7 leaves to the host's cgroups at start), and at start `<shares>`
    the host's cgroups refuse (`shares '0' must be in range [2, 262144]`,
    virCgroupSetCpuShares: cgroup v1 takes 2..262144, v2 1..10000; 0 and
    values above 262144 are errors, those only one version refuses warnings;
    checked on 9.0),
    and `<emulatorpin>` and `<emulatorsched>` are written once (`only one
    emulatorpin is supported`), and an `<iothreadids>` id once (`duplicate
    iothread id '1' found`, virDomainDefParseIOThreads); at start, a `fifo`
    or `rr` scheduler's priority outside 1..99, the range Linux gives
    real-time schedulers (`Scheduler priority 0 out of range [1, 99]`,
    virProcessSetScheduler; checked on 9.0).
    A `<vcpupin>` of a vCPU that does not exist is ignored by
    libvirt and not reported. Stage: define, but the shares the host's
    cgroups refuse and the real-time priorities (start).

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu>4</vcpu><iothreads>1</iothreads>
      <cputune><vcpusched vcpus='0-2' scheduler='fifo' priority='1'/>
        <vcpusched vcpus='2-3' scheduler='batch'/></cputune>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu>4</vcpu><iothreads>1</iothreads>
      <cputune><vcpusched vcpus='0-1' scheduler='fifo' priority='1'/>
        <vcpusched vcpus='2-3' scheduler='batch'/></cputune>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL211"
    name = "thread-tuning"
    severity = Severity.ERROR
    summary = "vCPU or IOThread pinning and scheduling naming missing threads, or overlapping."
    elements = ("iothreadids/iothread", "defaultiothread", "cputune/vcpusched", "cputune/iothreadsched", "cputune/vcpupin",
                "cputune/iothreadpin",
                *(f"cputune/{name}" for name in (*BANDWIDTH, *ONCE, "shares")))
    uses_caps = False

    @staticmethod
    def _earlier(element: etree._Element) -> Iterator[etree._Element]:
        """The elements of this one's path below <domain> before it: its earlier siblings of its name, and the
        children of that name of earlier parents of its parent's name."""
        yield from element.itersiblings(element.tag, preceding=True)
        parent = element.getparent()
        if parent is not None:
            for earlier_parent in parent.itersiblings(parent.tag, preceding=True):
                yield from earlier_parent.iterchildren(element.tag)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "iothreadids/iothread":
            number = parse_uint(element.get("id"))
            # (libvirt reads ./iothreadids/iothread: the ids of every <iothreadids>, one list)
            if number is not None and any(parse_uint(other.get("id")) == number
                                          for other in self._earlier(element)):
                yield Problem(Anchor(element, "id"), f"duplicate iothread id '{number}' found",
                              hint="give each <iothread> its own id")
                return
            yield from _thread_pool(element)
        elif ctx.path == "defaultiothread":
            yield from _thread_pool(element)
        elif element.tag in ONCE:
            if next(self._earlier(element), None) is not None:  # (in any <cputune>: one XPath)
                yield Problem(Anchor(element), f"only one {element.tag} is supported",
                              hint=f"remove this <{element.tag}>")
            elif element.tag == "emulatorpin" and element.get("cpuset") is None:
                yield Problem(Anchor(element), "missing cpuset for emulatorpin", hint="add cpuset='...'")
            elif element.tag == "emulatorpin":
                yield from _empty_cpuset(element)  # (virDomainEmulatorPinDefParseXML: virBitmapIsAllClear)
            elif element.tag == "emulatorsched":
                problem = next(_priority(element), None)
                yield from (problem,) if problem is not None else _priority_range(element, ctx)
        elif element.tag in BANDWIDTH or element.tag == "shares":
            # (virDomainDefTunablesParse reads string(./cputune/NAME[1]): the first in any <cputune>, no other)
            if next(self._earlier(element), None) is None:
                yield from _bandwidth(element, ctx)
        elif element.tag in SCHEDULERS:
            yield from self._sched(element, ctx)
        elif element.tag == "vcpupin":
            yield from self._vcpupin(element, ctx)
        else:
            yield from self._iothreadpin(element, ctx)

    def _sched(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        attribute, kind = SCHEDULERS[element.tag]
        raw = element.get(attribute)
        if raw is None:
            yield Problem(Anchor(element), f"Missing attribute '{attribute}' in element '{element.tag}'",
                          hint=f"name the {kind}s it schedules: {attribute}='0-1'")
            return
        problem = next(_priority(element), None)
        if problem is not None:
            yield problem
            return
        problems = list(self._scheduled_threads(element, raw, ctx))
        yield from problems
        if not problems:
            yield from _priority_range(element, ctx, raw if kind == "vcpu" else None)

    def _scheduled_threads(self, element: etree._Element, raw: str, ctx: Context) -> Iterator[Problem]:
        """The scheduler's set: not empty, of existing threads, not overlapping an earlier one's."""
        attribute, kind = SCHEDULERS[element.tag]
        threads = parse_bitmap(raw)
        if threads is None:
            return  # missing or malformed: VL851
        if not threads:
            yield Problem(Anchor(element, attribute), f"'{attribute}' scheduler bitmap '{raw}' is empty",
                          hint=f"name at least one {kind}")
            return
        existing = self._existing(kind, ctx)
        if existing is None:
            return
        missing = sorted(thread for thread in threads if thread not in existing)
        if missing:
            message = (f"vCPU '{missing[0]}' is not present in domain definition" if kind == "vcpu"
                       else f"Cannot find 'iothread' : {missing[0]}")
            yield Problem(Anchor(element, attribute), message,
                          hint=f"name only existing {kind}s: {describe_ids(existing)}")
            return
        for other in element.itersiblings(element.tag, preceding=True):
            other_threads = parse_bitmap(other.get(attribute)) or frozenset()
            both = [thread for thread in threads & other_threads if thread in existing]
            if both:
                yield Problem(Anchor(element, attribute),
                              f"'{element.tag}' attributes '{attribute}' must not overlap "
                              f"({kind} {min(both)} is scheduled twice)",
                              hint=f"give each {kind} one scheduler")
                return

    def _vcpupin(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        vcpu = parse_uint(element.get("vcpu"))
        maximum = max_vcpus(ctx.root)
        if vcpu is None or maximum is None or vcpu >= maximum:
            return  # libvirt ignores pins of missing vCPUs
        for other in element.itersiblings("vcpupin", preceding=True):
            if parse_uint(other.get("vcpu")) == vcpu:
                yield Problem(Anchor(element, "vcpu"), f"duplicate vcpupin for vcpu '{vcpu}'",
                              hint="pin each vCPU once")
                return
        if element.get("cpuset") is None:
            yield Problem(Anchor(element), "missing cpuset for vcpupin", hint="add cpuset='...' (the host CPUs)")
            return
        yield from _empty_cpuset(element)

    def _iothreadpin(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        iothread = parse_uint(element.get("iothread"))
        if not iothread:
            return
        existing = iothread_ids(ctx.root)
        if iothread not in existing:
            yield Problem(Anchor(element, "iothread"), f"Cannot find 'iothread' : {iothread}",
                          hint=f"name a defined IOThread ({describe_ids(existing) or 'none defined'})")
            return
        for other in element.itersiblings("iothreadpin", preceding=True):
            if parse_uint(other.get("iothread")) == iothread:
                yield Problem(Anchor(element, "iothread"), f"Duplicate iothreadpin for same iothread '{iothread}'",
                              hint="pin each IOThread once")
                return
        if element.get("cpuset") is None:
            yield Problem(Anchor(element), "missing cpuset for iothreadpin", hint="add cpuset='...' (the host CPUs)")
            return
        yield from _empty_cpuset(element)

    @staticmethod
    def _existing(kind: str, ctx: Context) -> Collection[int] | None:
        """The ids that exist (not sets: a count may be 2^32 - 1)."""
        if kind == "iothread":
            return iothread_ids(ctx.root)
        maximum = max_vcpus(ctx.root)
        return None if maximum is None else range(maximum)


def _thread_pool(element: etree._Element) -> Iterator[Problem]:
    """virDomainDefValidateIOThreadsThreadPool: an unset maximum is -1, so a minimum needs a maximum at least as
    large, and a maximum is positive (unreadable numbers are VL851's)."""
    low_text, high_text = element.get("thread_pool_min"), element.get("thread_pool_max")
    if low_text is None and high_text is None:
        return
    low = parse_int(low_text) if low_text is not None else -1
    high = parse_int(high_text) if high_text is not None else -1
    if low is None or high is None or low < -1 or high < -1:
        return
    if high == 0:
        yield Problem(Anchor(element, "thread_pool_max"), "thread_pool_max must be a positive integer",
                      hint="use 1 or more")
    elif low > high:
        yield Problem(Anchor(element, "thread_pool_min"),
                      "thread_pool_min must be smaller or equal to thread_pool_max",
                      hint="set thread_pool_max too, at least thread_pool_min" if high_text is None else
                      "make thread_pool_min at most thread_pool_max")


def _schedules_an_online_vcpu(raw: str, ctx: Context) -> bool:
    """Whether a <vcpusched> set holds a vCPU online at start (qemuProcessSetupVcpus sets the scheduler of those
    only; with <vcpus>, those it lists enabled, else the first ``current`` ones)."""
    threads = parse_bitmap(raw)
    online = online_vcpus(ctx.root)
    return threads is not None and online is not None and any(thread in threads for thread in online)


def _priority_range(element: etree._Element, ctx: Context, vcpus: str | None = None) -> Iterator[Problem]:
    """virProcessSetScheduler, at start: a real-time scheduler's priority within what the host kernel takes
    (sched_get_priority_min/max: 1 and 99 for SCHED_FIFO and SCHED_RR on Linux; checked on 9.0); for a
    <vcpusched>, its ``vcpus`` set, when one of them is online at start."""
    if element.get("scheduler") not in ("fifo", "rr"):
        return
    if vcpus is not None and not _schedules_an_online_vcpu(vcpus, ctx):
        return
    priority = c_int(element.get("priority"))  # (virXMLPropInt; unreadable: VL851)
    low, high = REALTIME_PRIORITIES
    if priority is not None and not low <= priority <= high:
        yield Problem(Anchor(element, "priority"),
                      f"Scheduler priority {priority} out of range [{low}, {high}]" + LIBVIRT_START,
                      hint=f"use a priority from {low} to {high}", replacements=(str(low if priority < low else high),))


def _priority(element: etree._Element) -> Iterator[Problem]:
    """virDomainSchedulerParseCommonAttrs: the real-time schedulers need a priority (an unreadable one is VL851's)."""
    if element.get("scheduler") in ("fifo", "rr") and element.get("priority") is None:
        yield Problem(Anchor(element), f"Missing required attribute 'priority' in element '{element.tag}'",
                      hint="add priority='1' (1 to 99 for fifo and rr)")


def _bandwidth(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """virDomainDefParseXML's cputune numbers (unsigned for shares and periods, signed for quotas; text present but
    not a whole number is refused), then virDomainDefCputuneValidate: a positive period or quota within the cgroup
    limits (negative: no limit), and in libvirt 9.0 shares other than 0 within cgroup v1's (10.7 leaves them to the
    host's cgroups, at start; the release between that changed it is unknown, so they are judged modelling 9.0 or
    older only)."""
    text = element.text or ""
    signed = "quota" in element.tag
    value = (c_decimal(text, -(2**63), 2**63 - 1) if signed else c_unsigned(text, 2**64 - 1)) if text else None
    if value is None:
        if text:  # (virXPathULongLong/LongLong: an empty element reads as absent)
            yield Problem(Anchor(element, text=True),
                          f"can't parse cputune {element.tag.replace('_', ' ')} value",
                          hint="a whole number of microseconds" if element.tag != "shares" else "a whole number")
        return
    if element.tag == "shares":
        if value and not SHARES_RANGE[0] <= value <= SHARES_RANGE[1] and not ctx.libvirt_at_least(9, 1):
            yield Problem(Anchor(element, text=True), f"Value of cputune 'shares' must be in range "
                          f"[{SHARES_RANGE[0]}, {SHARES_RANGE[1]}]",
                          hint="use a weight from 2 to 262144 (1024 is the default)")
        else:
            # at start the host's cgroups take the weight (qemuSetupCpuCgroup, virCgroupSetCpuShares): v1 takes
            # 2..262144, v2 1..10000; a value both refuse is an error, one that depends on the version a warning
            refusing = sum(not low <= value <= high for low, high in (SHARES_RANGE, V2_WEIGHT_RANGE))
            if refusing:
                yield Problem(Anchor(element, text=True), f"shares '{value}' must be in range [{SHARES_RANGE[0]}, "
                              f"{SHARES_RANGE[1]}] with cgroup v1, [{V2_WEIGHT_RANGE[0]}, {V2_WEIGHT_RANGE[1]}] with "
                              "cgroup v2" + LIBVIRT_START + ("" if refusing == 2 else ", on a host of the cgroup "
                                                            "version that refuses it"),
                              hint="use a weight from 2 to 10000 (1024 is the default), which every host takes",
                              severity=None if refusing == 2 else Severity.WARNING)
        return
    low, high = BANDWIDTH[element.tag]
    if value > 0 and not low <= value <= high:
        yield Problem(Anchor(element, text=True),
                      f"Value of cputune '{element.tag}' must be in range [{low}, {high}]",
                      hint=f"use a value from {low} to {high} microseconds" +
                           (" (or -1 for no limit)" if "quota" in element.tag else ""))


def _empty_cpuset(element: etree._Element) -> Iterator[Problem]:
    raw = element.get("cpuset")
    cpus = parse_bitmap(raw)
    if cpus is not None and not cpus:
        yield Problem(Anchor(element, "cpuset"), f"Invalid value of 'cpuset': {raw} (it selects no host CPU)",
                      hint="name at least one host CPU")
