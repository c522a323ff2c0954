"""VL408 clock-config: a `<clock>` offset without what it needs, and timer settings libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import c_decimal, c_unsigned
from virtlint.rules._devices import QEMU_START, is_arm_virt, qemu_driver
from virtlint.rules._support import NOTHING

#: virStrToLong_ll's and _ullp's ranges
LLONG = (-(2**63), 2**63 - 1)
ULLONG = (0, 2**64 - 1)
#: the latest time glib converts (9999-12-31T23:59:59), qemuValidateDomainDefClockTimers' bound
MAX_START = 253402300799
#: the earliest (0001-01-01T00:00:00): glib's range, outside which g_date_time_add_seconds gives no time
MIN_TIME = -62135596800
#: the times a domain linted now starts between (2024 and 2100), and how far a host's local time is from UTC
#: (UTC-12 to UTC+14): the bounds within which an adjustment leaves glib's range whenever the domain starts
EARLIEST_START, LATEST_START = 1704067200, 4102444800
WEST_OFFSET, EAST_OFFSET = -43200, 50400
#: the values libvirt's parser reads (others are VL850's: the parser refuses them first)
NAMES = frozenset(("platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"))
TICKPOLICIES = frozenset(("delay", "catchup", "merge", "discard"))
TRACKS = frozenset(("boot", "guest", "wall", "realtime"))
MODES = frozenset(("auto", "native", "emulate", "paravirt", "smpsafe"))
#: timers on which virDomainDefPostParseTimer refuses a tickpolicy
NO_TICKPOLICY = ("kvmclock", "hypervclock")
#: timers on which it accepts a track
TRACKED = ("platform", "rtc")
#: per timer name, the tickpolicies qemuValidateDomainDefClockTimers refuses, and its message
REFUSED_TICKPOLICY = {
    "rtc": (("merge", "discard"), "unsupported rtc timer tickpolicy '{value}'"),
    "pit": (("merge",), "unsupported pit tickpolicy '{value}'"),
    "armvtimer": (("catchup", "merge"), "The 'armvtimer' timer does not support tickpolicy '{value}'"),
}


_SCREENS: dict[str, Screen] = {
    "clock": ((("offset", frozenset((None, "utc", "localtime", "variable"))),
               ("adjustment", frozenset((None, "reset"))), ("basis", frozenset((None, "utc", "localtime")))), None),
    "clock/timer": ((("name", frozenset(("rtc", "pit", "hpet", "tsc"))),
                     ("tickpolicy", frozenset((None, "delay", "catchup"))), ("track", frozenset((None,))),
                     ("frequency", frozenset((None,))), ("mode", frozenset((None,)))), None),
}


def _offset(clock: etree._Element, qemu: bool) -> Problem | None:
    """virDomainDefClockParse's per-offset reads, then qemuValidateDomainDefClockTimers' start bound and the
    variable offset's time (_adjusted_time)."""
    offset = clock.get("offset", "utc")
    if offset in ("utc", "localtime"):
        adjustment = clock.get("adjustment")
        # libvirt's XPath string read gives NULL for an empty value: '' is as absent
        if adjustment and adjustment != "reset":
            seconds = c_decimal(adjustment, *LLONG)
            if seconds is None:
                return Problem(Anchor(clock, "adjustment"), f"unknown clock adjustment '{adjustment}'",
                               hint="a whole number of seconds (e.g. -3600), or 'reset'")
            # (the parser makes it a variable offset of that basis)
            return _adjusted_time(clock, seconds, offset == "localtime") if qemu else None
    elif offset == "variable":
        basis = clock.get("basis")
        if basis and basis not in ("utc", "localtime"):
            return Problem(Anchor(clock, "basis"), f"unknown clock basis '{basis}'", hint="use utc or localtime",
                           replacements=("utc", "localtime"))
        seconds = c_decimal(clock.get("adjustment"), *LLONG)  # (virXPathLongLong: unreadable is 0)
        return _adjusted_time(clock, seconds, basis == "localtime") if qemu and seconds else None
    elif offset == "timezone":
        if not clock.get("timezone"):
            return Problem(Anchor(clock, "timezone" if clock.get("timezone") is not None else "offset"),
                           "missing 'timezone' attribute for clock with offset='timezone'",
                           hint="name the zone, e.g. timezone='Europe/Paris'")
    elif offset == "absolute":
        start = clock.get("start")
        seconds = c_unsigned(start, ULLONG[1])
        if seconds is None:
            return Problem(Anchor(clock, "start" if start is not None else "offset"),
                           "missing 'start' attribute for clock with offset='absolute'",
                           hint="the guest's start time in seconds since the epoch, e.g. start='1700000000'")
        if qemu and seconds > MAX_START:
            return Problem(Anchor(clock, "start"),
                           f"The maximum 'start' value for <clock offset='absolute'> is {MAX_START}",
                           replacements=(str(MAX_START),))
    return None


def _adjusted_time(clock: etree._Element, seconds: int, localtime: bool) -> Problem | None:
    """At start: qemuBuildClockArgStr gives QEMU `-rtc base=` the time now plus the adjustment (and, on a localtime
    basis, the host's offset from UTC), formatted by glib, which has no time after 9999-12-31T23:59:59 or before
    0001-01-01: libvirt then writes `base=(null)`, which QEMU refuses (checked on 9.0 with QEMU 7.2, on each
    offset and basis). Reported only where the domain fails whenever it starts between 2024 and 2100, on a host
    of any time zone."""
    west, east = (WEST_OFFSET, EAST_OFFSET) if localtime else (0, 0)
    if EARLIEST_START + seconds + west > MAX_START:
        where = "after 9999-12-31"
    elif LATEST_START + seconds + east < MIN_TIME:
        where = "before year 1"
    else:
        return None
    return Problem(Anchor(clock, "adjustment"), "invalid datetime format valid formats: '2006-06-17T16:01:21' or "
                   f"'2006-06-17' (an adjustment of {seconds} seconds puts the guest's clock {where}, which libvirt "
                   "gives QEMU as -rtc base=(null))" + QEMU_START,
                   hint="an adjustment of at most a few thousand years (in seconds)")


def _catchup(catchup: etree._Element) -> Problem | None:
    """virDomainDefPostParseTimer: a timer's (first) <catchup> setting a threshold, slew or limit other than 0
    needs tickpolicy='catchup' (an unreadable number is VL851's)."""
    timer = catchup.getparent()
    if timer is None or timer.get("name") not in NAMES or timer.get("tickpolicy") == "catchup":
        return None
    if any(True for _ in catchup.itersiblings("catchup", preceding=True)):
        return None  # libvirt reads the first <catchup> only
    if any(c_decimal(catchup.get(name), *ULLONG) for name in ("threshold", "slew", "limit")):
        return Problem(Anchor(catchup), "setting of timer catchup policies is only supported with tickpolicy='catchup'",
                       hint="set tickpolicy='catchup' on the timer, or remove <catchup>")
    return None


def _post_parse(timer: etree._Element, name: str) -> Problem | None:
    """virDomainDefPostParseTimer, for one timer, in its order."""
    tickpolicy = timer.get("tickpolicy")
    if name in NO_TICKPOLICY and tickpolicy in TICKPOLICIES:
        return Problem(Anchor(timer, "tickpolicy"), f"timer {name} doesn't support setting of timer tickpolicy",
                       hint="remove tickpolicy")
    if name != "tsc":
        frequency = timer.get("frequency")
        if c_decimal(frequency, *ULLONG):
            return Problem(Anchor(timer, "frequency"), f"timer {name} doesn't support setting of timer frequency",
                           hint="only the tsc timer takes a frequency")
        if timer.get("mode") in MODES:
            return Problem(Anchor(timer, "mode"), f"timer {name} doesn't support setting of timer mode",
                           hint="only the tsc timer takes a mode")
    if name not in TRACKED and timer.get("track") in TRACKS:
        return Problem(Anchor(timer, "track"), f"timer {name} doesn't support setting of timer track",
                       hint="only the rtc timer takes a track")
    return None


def _qemu(timer: etree._Element, name: str, ctx: Context) -> Problem | None:
    """qemuValidateDomainDefClockTimers' per-timer refusals (the arch-bound ones are VL406's)."""
    if name == "platform":
        return Problem(Anchor(timer, "name"), "unsupported timer type (name) 'platform'",
                       hint="QEMU has no platform timer: remove it")
    if name == "rtc" and timer.get("track") == "boot":
        return Problem(Anchor(timer, "track"), "unsupported rtc timer track 'boot'",
                       replacements=("guest", "wall", "realtime"))
    if name == "armvtimer":
        if ctx.domain_type != "kvm" or not is_arm_virt(ctx):
            return None  # VL406 reports the timer itself
        if timer.get("present") == "no":
            return Problem(Anchor(timer, "present"), "The 'armvtimer' timer can't be disabled",
                           hint="remove the timer element")
    refused = REFUSED_TICKPOLICY.get(name)
    tickpolicy = timer.get("tickpolicy")
    if refused is not None and tickpolicy in refused[0]:
        accepted = tuple(value for value in ("delay", "catchup", "discard") if value not in refused[0])
        return Problem(Anchor(timer, "tickpolicy"), refused[1].format(value=tickpolicy), replacements=accepted)
    return None


@register
class ClockConfig(Rule):
    """
    ## What it does
    Reports a `<clock>` whose offset lacks what it needs, and timer settings
    libvirt refuses:
    - `offset='timezone'` without a `timezone`; `offset='absolute'` without a
      `start` it reads as a decimal number; an `adjustment` on `utc` or
      `localtime` that is neither `reset` nor a decimal number; a `basis`
      other than `utc` or `localtime` on `offset='variable'`
      (virDomainDefClockParse; define);
    - a `start` after 9999-12-31T23:59:59 (QEMU); at start, an `adjustment`
      that puts the guest's clock after 9999-12-31 or before year 1 whenever
      the domain starts (between 2024 and 2100, on a host of any time zone):
      glib has no such time, libvirt gives QEMU `-rtc base=(null)` and QEMU
      refuses it (`invalid datetime format`; qemuBuildClockArgStr; checked
      on 9.0 with QEMU 7.2);
    - a `tickpolicy` on the `kvmclock` or `hypervclock` timer, `<catchup>`
      values without `tickpolicy='catchup'`, a `frequency` or `mode` on a
      timer other than `tsc`, a `track` on a timer other than `rtc`
      (virDomainDefPostParseTimer; define);
    - with QEMU: the `platform` timer, `track='boot'` and the `merge` and
      `discard` tick policies on `rtc`, `merge` on `pit` (`catchup` off x86 is
      VL406's), `catchup` and
      `merge` on `armvtimer`, and a disabled `armvtimer`
      (qemuValidateDomainDefClockTimers; define).

    ## Why is this bad?
    `virsh define` fails with libvirt's message, e.g. `timer kvmclock doesn't
    support setting of timer tickpolicy` or `unknown clock adjustment
    '1.5'`. Each case was checked with the real libvirt 9.0, with its twin.
    Values that are not libvirt values at all (`tickpolicy='soon'`) are
    VL850's; timers that exist only on other arches are VL406's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <clock offset='utc'><timer name='kvmclock' tickpolicy='catchup'/></clock></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <clock offset='utc'><timer name='kvmclock' present='yes'/></clock></domain>
    ```
    """

    code = "VL408"
    name = "clock-config"
    severity = Severity.ERROR
    summary = "A clock offset without what it needs, or a timer setting libvirt refuses."
    elements = ("clock", "clock/timer", "clock/timer/catchup")
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # what the check certainly finds fine, tested by the walk at no call: the usual offsets, and rtc, pit,
        # hpet and tsc timers with the usual tick policies and nothing else set (a <catchup> is judged at its own
        # path)
        return _SCREENS.get(path)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        qemu = qemu_driver(ctx)
        path = ctx.path
        if path == "clock":
            # (libvirt reads string(./clock/@offset): the first <clock> with an offset, whose other attributes
            # are judged with it; one of two <clock> elements is unusual, and the schema check reports it)
            first = next((clock for clock in ctx.root.iterchildren("clock") if clock.get("offset") is not None),
                         element)
            problem = _offset(element, qemu) if first is element else None
        elif path == "clock/timer/catchup":
            problem = _catchup(element)
        else:
            name = element.get("name")
            if name not in NAMES:
                return NOTHING  # no name, or one the parser refuses: VL850's
            problem = _post_parse(element, name)
            if problem is None and qemu:
                problem = _qemu(element, name, ctx)
        return iter((problem,)) if problem is not None else NOTHING
