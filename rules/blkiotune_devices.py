"""VL215 blkiotune-devices: a `<blkiotune><device>` without a path, with a number libvirt cannot read, or twice."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal
from virtlint.rules._support import NOTHING, first_child, string_value

#: virStrToLong_ui and _ull take a '-' and wrap it: the ranges they accept
UINT = (-(2**32 - 1), 2**32 - 1)
ULLONG = (-(2**64 - 1), 2**64 - 1)
#: the per-device values virDomainBlkioDeviceParseXML reads, in its order: (element, range, words in its message)
VALUES = (
    ("weight", UINT, "weight"),
    ("read_bytes_sec", ULLONG, "read bytes sec"),
    ("write_bytes_sec", ULLONG, "write bytes sec"),
    ("read_iops_sec", UINT, "read iops sec"),
    ("write_iops_sec", UINT, "write iops sec"),
)


def _device(device: etree._Element) -> tuple[str | None, Problem | None]:
    """One device's path (None when absent) and the first problem of its parse."""
    path_element = first_child(device, "path")
    # XPath string(): the first <path>'s text; an empty string reads as absent
    path = string_value(path_element) if path_element is not None else ""
    if not path:
        return None, Problem(Anchor(path_element if path_element is not None else device), "missing per-device path",
                             hint="name the host block device: <path>/dev/sda</path>")
    for tag, (low, high), words in VALUES:
        value_element = first_child(device, tag)
        if value_element is None:
            continue
        text = string_value(value_element)
        if text and c_decimal(text, low, high) is None:
            return path, Problem(Anchor(value_element, text=True), f"could not parse {words} {text}",
                                 hint="a whole decimal number")
    return path, None


@register
class BlkiotuneDevices(Rule):
    """
    ## What it does
    Checks each `<blkiotune><device>`: it needs a `<path>`; its `<weight>`,
    `<read_bytes_sec>`, `<write_bytes_sec>`, `<read_iops_sec>` and
    `<write_iops_sec>` must be decimal numbers; and no two devices may name
    the same path.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `missing per-device path`,
    `could not parse weight heavy` (virDomainBlkioDeviceParseXML), `duplicate
    blkio device path '/dev/sda'` (virDomainDefTunablesValidate). Stage:
    define; every driver. Each was checked with the real libvirt 9.0, with its
    twin (two devices of different paths).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <blkiotune><device><path>/dev/sda</path><weight>500</weight></device>
        <device><path>/dev/sda</path><read_bytes_sec>10000</read_bytes_sec></device></blkiotune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <blkiotune><device><path>/dev/sda</path><weight>500</weight>
        <read_bytes_sec>10000</read_bytes_sec></device></blkiotune></domain>
    ```
    """

    code = "VL215"
    name = "blkiotune-devices"
    severity = Severity.ERROR
    summary = "A blkiotune device without a path, with an unreadable number, or named twice."
    elements = ("blkiotune",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if next(element.itersiblings("blkiotune", preceding=True), None) is not None:
            return NOTHING  # (judged with the first: libvirt reads ./blkiotune/device, every <blkiotune>'s, as one list)
        devices = list(ctx.root.iterfind("blkiotune/device"))
        if not devices:
            return NOTHING
        return self._problems(devices)

    def _problems(self, devices: list[etree._Element]) -> Iterator[Problem]:
        seen: set[str] = set()
        for device in devices:
            path, problem = _device(device)
            if problem is not None:
                yield problem
                return  # the parser stops at the first
            if path in seen:
                yield Problem(Anchor(first_child(device, "path"), text=True),
                              f"duplicate blkio device path '{path}'",
                              hint="put all of a device's settings in one <device>")
                return
            if path is not None:  # (set whenever there is no problem)
                seen.add(path)
