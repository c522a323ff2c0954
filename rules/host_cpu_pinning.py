"""VL253 host-cpu-pinning: vCPUs, emulator or I/O threads pinned to host CPUs the host does not have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import format_bitmap, parse_bitmap
from virtlint.rules._host import HostRule, host_evidence, online_vcpus

WHAT = {"vcpu": "the vCPUs", "vcpupin": "vCPU {}", "emulatorpin": "the emulator threads",
        "iothreadpin": "I/O thread {}"}


@register
class HostCpuPinning(HostRule):
    """
    ## What it does
    Compares the host CPUs a domain pins to (`<vcpu cpuset>`,
    `cputune/vcpupin`, `emulatorpin` and `iothreadpin` `@cpuset`) with the
    CPUs of the host's `virsh capabilities` (the online CPUs listed in
    `topology/cells/cell/cpus`). Every CPU named must exist. Pins of vCPUs
    that are offline at start (beyond `current`, or `enabled='no'`) are not
    applied at start and are not checked; with `<vcpu placement='auto'>`
    numad chooses and the cpuset is ignored; so is a `<vcpu cpuset>` no thread
    falls back to (an `emulatorpin`, and a pin for every online vCPU and
    every I/O thread).

    ## Why is this bad?
    libvirt defines the domain (anything below 16384 parses) but it does not
    start: the cgroup write fails, `Unable to write to
    '.../cpuset.cpus': Numerical result out of range` or `Invalid value '5'
    for 'cpuset.cpus': Invalid argument` (src/util/vircgroup.c
    `virCgroupSetValueRaw`, via `qemuProcessSetupPid` and
    `qemuProcessSetupEmulator` in qemu_process.c); without cgroups
    (qemu:///session) the affinity call fails only when none of the CPUs is
    online, `cannot set CPU affinity on process N: Invalid argument`
    (src/util/virprocess.c `virProcessSetAffinity`). Stage: start. Driver:
    QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='1'>
      <cell id='0'><memory unit='KiB'>8388608</memory><cpus num='4'>
        <cpu id='0'/><cpu id='1'/><cpu id='2'/><cpu id='3'/></cpus></cell>
    </cells></topology></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='4'/></cputune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cputune><vcpupin vcpu='0' cpuset='2'/><vcpupin vcpu='1' cpuset='3'/></cputune></domain>
    ```
    """

    code = "VL253"
    name = "host-cpu-pinning"
    severity = Severity.ERROR
    summary = "A cpuset names host CPUs the host does not have."
    elements = ("vcpu", "cputune/vcpupin", "cputune/emulatorpin", "cputune/iothreadpin")

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if not host.cpu_ids or element.get("cpuset") is None:
            return
        if element.tag == "vcpu" and (element.get("placement") == "auto" or not _cpuset_used(ctx.root)):
            return
        if element.tag == "vcpupin":
            online = online_vcpus(ctx.root)
            vcpu = element.get("vcpu", "")
            if online is None or not vcpu.isdigit() or int(vcpu) not in online:
                return
        cpus = parse_bitmap(element.get("cpuset"))
        if cpus is None:
            return
        missing = cpus - host.cpu_ids
        if not missing:
            return
        what = WHAT[element.tag].format(element.get("vcpu") or element.get("iothread") or "")
        existing = cpus & host.cpu_ids
        yield Problem(
            Anchor(element, "cpuset"),
            f"{what} {'are' if element.tag in ('vcpu', 'emulatorpin') else 'is'} pinned to host "
            f"CPU{'s' if len(missing) > 1 else ''} {format_bitmap(missing)}, which the host does not have "
            f"(its CPUs: {format_bitmap(host.cpu_ids)}): the domain does not start",
            hint=f"pin to host CPUs that exist ({format_bitmap(host.cpu_ids)})",
            evidence=host_evidence(host, host.topology_element),
            replacements=(format_bitmap(existing),) if existing else (),
        )


def _cpuset_used(root: etree._Element) -> bool:
    """Whether some thread falls back to <vcpu cpuset> (qemuDomainEvaluateCPUMask): the emulator without
    emulatorpin, an online vCPU without vcpupin, an I/O thread without iothreadpin."""
    if root.find("cputune/emulatorpin") is None:
        return True
    online = online_vcpus(root)
    pinned = {pin.get("vcpu") for pin in root.iterfind("cputune/vcpupin")}
    if online is None or any(str(vcpu) not in pinned for vcpu in online):
        return True
    ids = [thread.get("id") for thread in root.iterfind("iothreadids/iothread")]
    if not ids:
        count = (root.findtext("iothreads") or "0").strip()
        ids = [str(n) for n in range(1, int(count) + 1)] if count.isdigit() else []
    pinned_threads = {pin.get("iothread") for pin in root.iterfind("cputune/iothreadpin")}
    return any(thread not in pinned_threads for thread in ids)
