"""VL757 disk-iotune: a disk's <iotune> that sets a total limit and a read or write one of the same kind."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_ullong
from virtlint.rules._devices import QEMU_START, disk_facts, disk_is_empty, qemu_driver
from virtlint.rules._support import NOTHING, string_value

#: The limits libvirt takes either as a total or split into read and write (virDomainDiskDefValidate's order)
KINDS = ("bytes_sec", "iops_sec", "bytes_sec_max", "iops_sec_max")


def _number(iotune: etree._Element, name: str) -> tuple[int, etree._Element | None]:
    """A limit as libvirt reads it (0 when absent or unreadable: no limit), and its element."""
    element = iotune.find(name)
    if element is None:
        return 0, None
    return parse_ullong(string_value(element).strip()) or 0, element


def _set(iotune: etree._Element, name: str) -> etree._Element | None:
    """The limit's element when it sets a limit (a number other than 0: libvirt reads 0 as no limit)."""
    number, element = _number(iotune, name)
    return element if number else None


def _problem(iotune: etree._Element) -> Problem | None:
    for kind in KINDS:
        total = _set(iotune, f"total_{kind}")
        if total is None:
            continue
        split = _set(iotune, f"read_{kind}")
        if split is None:
            split = _set(iotune, f"write_{kind}")
        if split is not None:
            return Problem(Anchor(split), f"total and read/write {kind} cannot be set at the same time",
                           hint=f"set total_{kind}, or read_{kind} and write_{kind}, not both")
    return None


#: QEMU's leaky buckets in throttle_is_valid's order: (the limit, the burst limit, the burst length) as libvirt
#: names them (qemuMonitorJSONSetBlockIoThrottle: bps, bps_rd, bps_wr, iops...)
BUCKETS = tuple((f"{kind}_{unit}_sec", f"{kind}_{unit}_sec_max", f"{kind}_{unit}_sec_max_length")
                for unit in ("bytes", "iops") for kind in ("total", "read", "write"))
#: THROTTLE_VALUE_MAX (QEMU; libvirt refuses larger limits when the domain is defined, QEMU_BLOCK_IOTUNE_MAX)
THROTTLE_VALUE_MAX = 10**15
_THROTTLE_COMMAND = "unable to execute QEMU command 'block_set_io_throttle': "


def _throttle_refusal(iotune: etree._Element) -> Problem | None:
    """At start, libvirt gives QEMU every limit (each burst length above 0), and QEMU's throttle_is_valid refuses a
    burst limit without its limit or below it, a burst length without a burst limit or too long for it, and an
    I/O size without an IOPS limit (QEMU's defaults: burst length 1, no burst limit)."""
    size, size_element = _number(iotune, "size_iops_sec")
    if size and not any(_number(iotune, f"{kind}_iops_sec")[0] for kind in ("total", "read", "write")):
        return Problem(Anchor(size_element, text=True), _THROTTLE_COMMAND + "iops size requires an iops value to be "
                       "set" + QEMU_START, hint="set total_iops_sec (or read_iops_sec and write_iops_sec) too")
    for limit_name, burst_name, length_name in BUCKETS:
        (limit, _), (burst, burst_element), (length, length_element) = (
            _number(iotune, limit_name), _number(iotune, burst_name), _number(iotune, length_name))
        length = length or 1
        if length > 1 and not burst:
            return Problem(Anchor(length_element, text=True), _THROTTLE_COMMAND + "burst length set without burst "
                           "rate" + QEMU_START, hint=f"set {burst_name} too, or remove {length_name}")
        if burst and length > THROTTLE_VALUE_MAX // burst:
            return Problem(Anchor(length_element, text=True), _THROTTLE_COMMAND + "burst length too high for this "
                           "burst rate" + QEMU_START, hint=f"{length_name} times {burst_name} at most 10^15")
        if burst and not limit:
            return Problem(Anchor(burst_element, text=True), _THROTTLE_COMMAND + "bps_max/iops_max require "
                           "corresponding bps/iops values" + QEMU_START, hint=f"set {limit_name} too")
        if burst and burst < limit:
            return Problem(Anchor(burst_element, text=True), _THROTTLE_COMMAND + "bps_max/iops_max cannot be lower "
                           "than bps/iops" + QEMU_START, hint=f"a burst limit of at least {limit_name}'s {limit}",
                           replacements=(str(limit),))
    return None


@register
class DiskIotune(Rule):
    """
    ## What it does
    Reports a disk `<iotune>` that sets a total limit (`total_bytes_sec`,
    `total_iops_sec`, or their `_max` bursts) together with a read or write
    limit of the same kind. A limit of 0 is no limit. For QEMU, at start:
    a burst limit (`..._max`) without its limit or below it, a burst length
    (`..._max_length` above 1) without a burst limit, or longer than 10^15
    divided by it, and a `size_iops_sec` without an IOPS limit (on a disk
    that is not empty).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `total and read/write
    bytes_sec cannot be set at the same time` (virDomainDiskDefValidate; all
    drivers). Same in libvirt 9.0 (checked with `virsh define`) and 10.7.
    At start libvirt gives QEMU the limits (qemuProcessSetupDiskThrottling),
    which refuses them: `unable to execute QEMU command
    'block_set_io_throttle': bps_max/iops_max require corresponding bps/iops
    values`, `... cannot be lower than bps/iops`, `burst length set without
    burst rate`, `iops size requires an iops value to be set`
    (throttle_is_valid; each checked on 9.0 with QEMU 7.2, with its twin).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><iotune><total_bytes_sec>10000000</total_bytes_sec>
        <read_bytes_sec>5000000</read_bytes_sec></iotune></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><iotune><read_bytes_sec>5000000</read_bytes_sec>
        <write_bytes_sec>5000000</write_bytes_sec></iotune></disk></devices></domain>
    ```
    """

    code = "VL757"
    name = "disk-iotune"
    severity = Severity.ERROR
    summary = ("A disk iotune that sets a total limit and a read or write one of the same kind, or (QEMU, at start) "
               "burst limits and lengths without what they need.")
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problems = []
        for disk, children, *_rest in disk_facts(ctx, element):
            iotune = children.get("iotune")
            if iotune is None:
                continue
            problem = _problem(iotune)
            if problem is None and qemu_driver(ctx) and len(iotune) and disk_is_empty(disk) is not True:
                # (libvirt sets no throttling on an empty drive: qemuProcessSetupDiskThrottling)
                problem = _throttle_refusal(iotune)
            if problem is not None:
                problems.append(problem)
        return iter(problems) if problems else NOTHING
