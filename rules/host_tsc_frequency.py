"""VL256 host-tsc-frequency: a TSC frequency the host cannot give without TSC scaling."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.rules._devices import QEMU_START
from virtlint.rules._host import HostRule, host_evidence

#: Parts per million of the host frequency a requested one may differ by (qemu_process.c TSC_TOLERANCE).
TSC_TOLERANCE_PPM = 250


@register
class HostTscFrequency(HostRule):
    """
    ## What it does
    Compares `clock/timer[@name='tsc']/@frequency` (Hz) with the host's TSC
    in its `virsh capabilities` (`host/cpu/counter[@name='tsc']`). A
    frequency more than 250 ppm away from the host's is reported when the
    host says `scaling='no'`; with `scaling='yes'` it is fine, and when the
    capabilities do not say (no counter, or no `scaling`) libvirt does not
    check either. QEMU then compares whole kHz within its own 250 ppm of
    the host's kHz, so a frequency less than 1 kHz inside libvirt's bound can
    still fail (checked on 9.0 with KVM: 2595470970 Hz against a 2596120000
    Hz host).

    ## Why is this bad?
    The domain is defined but does not start: `unsupported configuration:
    Requested TSC frequency F Hz is outside tolerance range ([MIN, MAX] Hz)
    around host frequency H Hz and TSC scaling is not supported by the host
    CPU` (src/qemu/qemu_process.c `qemuProcessStartValidateTSC`); QEMU's
    `TSC frequency mismatch between VM (2595470 kHz) and host (2596120 kHz),
    and TSC scaling unavailable` (kvm_arch_set_tsc_khz). A fixed
    TSC frequency is usually copied from another host for migration. Stage:
    start. Driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch>
      <counter name='tsc' frequency='2596132000' scaling='no'/></cpu></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <clock offset='utc'><timer name='tsc' frequency='3000000000'/></clock></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <clock offset='utc'><timer name='tsc' frequency='2596132000'/></clock></domain>
    ```
    """

    code = "VL256"
    name = "host-tsc-frequency"
    severity = Severity.ERROR
    summary = "A TSC frequency outside the host's tolerance on a host without TSC scaling."
    elements = ("clock/timer",)

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if element.get("name") != "tsc" or host.tsc_frequency_hz is None or host.tsc_scaling is not False:
            return
        text = (element.get("frequency") or "").strip()
        if not text.isdigit() or int(text) == 0:
            return
        if element is not ctx.root.find("clock/timer[@name='tsc'][@frequency]"):
            return  # libvirt looks at the first tsc timer with a frequency only
        requested, frequency = int(text), host.tsc_frequency_hz
        tolerance = frequency * TSC_TOLERANCE_PPM // 1_000_000
        low, high = frequency - tolerance, frequency + tolerance
        if low <= requested <= high:
            # (QEMU then asks KVM in whole kHz, within its own tolerance of the host's kHz, which libvirt reports
            # as kHz times 1000: a frequency a fraction of a kHz inside libvirt's bound can fall outside QEMU's)
            host_khz, wanted_khz = frequency // 1000, requested // 1000
            margin = host_khz * TSC_TOLERANCE_PPM // 1_000_000
            if not host_khz - margin <= wanted_khz <= host_khz + margin:
                yield Problem(Anchor(element, "frequency"), f"TSC frequency mismatch between VM ({wanted_khz} kHz) "
                              f"and host ({host_khz} kHz), and TSC scaling unavailable" + QEMU_START,
                              hint=f"use the host's frequency ({frequency} Hz): QEMU compares whole kHz",
                              evidence=host_evidence(host, host.tsc_element), replacements=(str(frequency),))
            return
        yield Problem(
            Anchor(element, "frequency"),
            f"Requested TSC frequency {requested} Hz is outside tolerance range ([{low}, {high}] Hz) around host "
            f"frequency {frequency} Hz and TSC scaling is not supported by the host CPU: the domain does not start",
            hint=f"use the host's frequency ({frequency} Hz), remove the frequency, or use a host with TSC scaling",
            evidence=host_evidence(host, host.tsc_element),
            replacements=(str(frequency),),
        )
