"""VL212 cpu-cache-addr: <cpu><cache> and <cpu><maxphysaddr> combinations QEMU validation refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, c_decimal, prop_uint
from virtlint.rules._addresses import X86
from virtlint.rules._cpu import mode_of, without_long_mode
from virtlint.rules._devices import QEMU_START, effective_arch, qemu_driver

#: CPU modes whose host cache can be passed through.
PASSTHROUGH_MODES = ("host-passthrough", "maximum")
#: the physical address widths an x86_64 QEMU's CPU takes
PHYS_BITS = (32, 52)


def _above_host(element: etree._Element, host: HostCaps) -> Problem | None:
    """qemuValidateDomainDefCpu: emulated address bits above the host CPU's (its <maxphysaddr bits> in `virsh
    capabilities`; a host that reports none is not compared)."""
    bits = c_decimal(element.get("bits"), 0, INT_MAX)  # (virXMLPropInt, not negative: else the parser's error)
    if bits is None:
        return None
    cpu = host.root.find("host/cpu")
    limit = cpu.find("maxphysaddr") if cpu is not None else None
    host_bits = c_decimal(limit.get("bits"), 0, INT_MAX) if limit is not None else None
    if host_bits is None or bits <= host_bits:
        return None
    return Problem(Anchor(element, "bits"),
                   "The number of virtual CPU address bits cannot exceed the number supported by the host CPU",
                   hint=f"the host CPU has {host_bits} address bits: use bits='{host_bits}' or fewer",
                   evidence=host.evidence(limit), replacements=(str(host_bits),))


def _phys_bits(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """At start: libvirt gives QEMU the bits as the CPU's phys-bits, which an x86_64 QEMU takes from 32 to 52
    (x86_cpu_realizefn; TARGET_PHYS_ADDR_SPACE_BITS; 0 is none; checked on 9.0 with QEMU 7.2 in every CPU mode), and
    a 32-bit CPU not at all (checked: pentium3, qemu32, kvm32, n270, qemu64 without lm, an i686 domain)."""
    bits = c_decimal(element.get("bits"), 0, INT_MAX)
    arch = effective_arch(ctx)
    if not bits or not qemu_driver(ctx):
        return
    if without_long_mode(element.getparent(), arch):
        yield Problem(Anchor(element, "bits"), "phys-bits is not user-configurable in 32 bit (the guest CPU has no "
                      "long mode)" + QEMU_START, hint="remove <maxphysaddr>, or use a 64-bit CPU model")
        return
    if PHYS_BITS[0] <= bits <= PHYS_BITS[1] or arch != "x86_64":
        return
    yield Problem(Anchor(element, "bits"), f"phys-bits should be between {PHYS_BITS[0]} and {PHYS_BITS[1]} (but is "
                  f"{bits})" + QEMU_START, hint=f"use {PHYS_BITS[0]} to {PHYS_BITS[1]} address bits (39 and 48 are "
                  "common)", replacements=(str(min(max(bits, PHYS_BITS[0]), PHYS_BITS[1])),))


@register
class CpuCacheAddr(Rule):
    """
    ## What it does
    Checks a `<cpu><cache>` level from 1 to 3 (`invalid CPU cache level,
    must be in range [1,3]`, virCPUDefParseXMLCache, every driver; checked
    on 9.0), then `<cpu><cache>` and `<cpu><maxphysaddr>` as
    qemuValidateDomainDefCpu does: both exist only on x86 (`CPU cache specification is not supported
    for 'ARCH' architecture`, `CPU maximum physical address bits
    specification is not supported for 'ARCH' architecture`); cache mode
    `emulate` needs `level='3'` (`CPU cache mode 'emulate' can only be used
    with level='3'`); mode `passthrough` needs a host-passthrough or maximum
    CPU (`CPU cache mode 'passthrough' can only be used with
    'host-passthrough' / 'maximum' CPUs`); `passthrough` and `disable` take no
    level (`unsupported CPU cache level for mode 'M'`); `<maxphysaddr
    mode='passthrough'>` takes no `bits` (`CPU maximum physical address bits
    number specification cannot be used with mode='passthrough'`), and before
    libvirt 9.3 `mode='emulate'` needs `bits` (`if using CPU maximum physical
    address mode='emulate', bits= must be specified too`: libvirt 9.0 refuses
    it, checked; 9.8 and 10.7 accept it; follows the libvirt-version
    setting). With the host's `virsh capabilities`, `mode='emulate'` may
    not ask for more address bits than the host CPU's `<maxphysaddr
    bits>` (`The number of virtual CPU address bits cannot exceed the
    number supported by the host CPU`, checked on 9.0); at start, an x86_64
    QEMU takes from 32 to 52 (`phys-bits should be between 32 and 52 (but is
    31)`, QEMU's x86_cpu_realizefn; checked on 9.0 with QEMU 7.2), and a
    32-bit guest CPU (an i686 domain, a model without long mode such as
    `qemu32` or `pentium3`, `lm` disabled) none (`phys-bits is not
    user-configurable in 32 bit`). Stage: define
    (QEMU driver). Since libvirt 9.3, which added `limit`, the parser takes
    it with mode `passthrough` only (`attribute 'limit' is only supported
    for maxphysaddr mode 'passthrough'`, virCPUDefParseXML, every driver;
    9.0 ignores `limit`, checked).

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='host-model'><cache mode='passthrough'/></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='host-passthrough'><cache mode='passthrough'/></cpu></domain>
    ```
    """

    code = "VL212"
    name = "cpu-cache-addr"
    severity = Severity.ERROR
    summary = "A CPU cache or physical-address-bits setting QEMU validation refuses."
    elements = ("cpu/cache", "cpu/maxphysaddr")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element is not ctx.root.find(f"cpu/{element.tag}"):
            return
        what = "CPU cache" if element.tag == "cache" else "CPU maximum physical address bits"
        limit = element.get("limit") if element.tag == "maxphysaddr" else None
        # (virCPUDefParseXML, libvirt 9.3 on: a limit, positive, is for passthrough; an unreadable one is VL851's,
        # an unknown mode VL850's)
        if limit is not None and element.get("mode") == "emulate" and prop_uint(limit, 10) \
                and ctx.libvirt_at_least(9, 3):
            yield Problem(Anchor(element, "limit"),
                          "attribute 'limit' is only supported for maxphysaddr mode 'passthrough'",
                          hint="remove limit=, or use mode='passthrough'")
            return
        if element.tag == "cache":
            # (virCPUDefParseXMLCache: a level read, virXMLPropInt, from 1 to 3; one it cannot read is VL851's)
            level_number = c_decimal(element.get("level"), 0, INT_MAX)
            if level_number is not None and not 1 <= level_number <= 3:
                yield Problem(Anchor(element, "level"), "invalid CPU cache level, must be in range [1,3]",
                              replacements=("3",))
                return
        if ctx.arch and ctx.arch not in X86:
            yield Problem(Anchor(element), f"{what} specification is not supported for '{ctx.arch}' architecture",
                          hint=f"remove <{element.tag}>; it exists only on x86")
            return
        mode = element.get("mode")
        if element.tag == "maxphysaddr":
            if mode == "passthrough" and element.get("bits") is not None:
                yield Problem(Anchor(element, "bits"), "CPU maximum physical address bits number specification "
                              "cannot be used with mode='passthrough'",
                              hint="remove bits, or use mode='emulate' with bits")
            elif mode == "emulate" and element.get("bits") is None and not ctx.libvirt_at_least(9, 3):
                # (9.0 refuses it, checked; 9.8 and 10.7 take it; 9.3's release notes rework maximum physical
                # address handling, so the releases before 9.3 are taken to refuse it as 9.0 does)
                yield Problem(Anchor(element), "if using CPU maximum physical address mode='emulate', bits= must be "
                              "specified too", hint="add bits='39' (the guest's physical address width)")
            elif mode == "emulate":
                problem = _above_host(element, ctx.host) if ctx.host is not None else None
                yield from (problem,) if problem is not None else _phys_bits(element, ctx)
            return
        level = element.get("level")
        if mode == "emulate" and level != "3":
            yield Problem(Anchor(element, "level") if level is not None else Anchor(element),
                          "CPU cache mode 'emulate' can only be used with level='3'", hint="set level='3'",
                          replacements=("3",) if level is not None else ())
        elif mode == "passthrough" and mode_of(element.getparent()) not in PASSTHROUGH_MODES:
            yield Problem(Anchor(element, "mode"), "CPU cache mode 'passthrough' can only be used with "
                          "'host-passthrough' / 'maximum' CPUs",
                          hint="use <cpu mode='host-passthrough'> or cache mode='emulate' level='3'")
        elif mode in ("passthrough", "disable") and level is not None:
            yield Problem(Anchor(element, "level"), f"unsupported CPU cache level for mode '{mode}'",
                          hint="remove level")
