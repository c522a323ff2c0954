"""VL224 blkio-weight: a `<blkiotune>` weight the host's block I/O cgroup refuses when the domain starts."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal, c_unsigned
from virtlint.rules._devices import LIBVIRT_START, qemu_driver
from virtlint.rules._support import NOTHING, string_value

#: The kernel's weight ranges of the files libvirt writes a weight to (virCgroupV1/V2SetBlkioWeight and the
#: per-device setters): BFQ's blkio.bfq.weight and io.bfq.weight take 1..1000 (BFQ_MIN/MAX_WEIGHT), cgroup v1's
#: CFQ blkio.weight at most 1000, cgroup v2's io.weight (no BFQ) 1..10000 (CGROUP_WEIGHT_MIN/MAX).
EVERY_HOST_MAX = 1000
SOME_HOST_MAX = 10000


@register
class BlkioWeight(Rule):
    """
    ## What it does
    Reports a `<blkiotune><weight>`, or a `<blkiotune><device><weight>`,
    above 10000, which no host's block I/O cgroup takes, and, as a warning,
    one from 1001 to 10000, which only cgroup v2's `io.weight` takes (hosts
    of cgroup v1, and hosts whose disks use the BFQ I/O scheduler, take at
    most 1000).

    libvirt reads the weight at define without judging its size (the first
    `<weight>` of the domain's `<blkiotune>`; one it cannot read as an
    unsigned number, `-1` included, is no weight at all; a device's weight
    is read as an unsigned number that wraps, so `-1` is 4294967295) and
    writes it to the domain's cgroup when it starts the domain, where the
    kernel refuses it.

    ## Why is this bad?
    libvirt defines the domain and does not start it: `Unable to write to
    '/sys/fs/cgroup/blkio/machine/qemu-1-demo.libvirt-qemu/blkio.bfq.weight':
    Numerical result out of range` (virCgroupSetValueRaw, from
    virCgroupV1SetBlkioWeight or virCgroupV2SetBlkioWeight, called by
    virDomainCgroupSetupBlkio at start). Stage: start; the QEMU driver
    (libvirt's LXC driver writes the same files). Checked with the real
    libvirt 9.0 on a cgroup v1 host with BFQ: 1000 starts, 1001, 10000,
    10001 and 4294967295 do not; `-1`, `abc` and `0` set no weight and start.
    Whether a host can take a device weight at all (cgroup v1 needs the
    long-gone CFQ scheduler for it) is the host's; that is not judged.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <blkiotune><weight>20000</weight></blkiotune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <blkiotune><weight>800</weight></blkiotune></domain>
    ```
    """

    code = "VL224"
    name = "blkio-weight"
    severity = Severity.ERROR
    summary = "A blkiotune weight above what the host's block I/O cgroup takes (start)."
    elements = ("blkiotune/weight", "blkiotune/device/weight")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        text = string_value(element)
        if (len(text) < 4 and "-" not in text) or not qemu_driver(ctx):
            return NOTHING  # (up to 999, or no number: every host takes it; a device's '-1' wraps)
        parent = element.getparent()
        if parent is not None and parent.tag == "device":
            if next(element.itersiblings("weight", preceding=True), None) is not None:
                return NOTHING  # (virDomainBlkioDeviceParseXML reads a device's first <weight>)
            read = c_decimal(text, -(2**32 - 1), 2**32 - 1)  # (virStrToLong_ui: '-1' wraps)
            weight = None if read is None else read % 2**32
            where = "device weight"
        else:
            first = next(ctx.root.iterfind("blkiotune/weight"), None)
            if first is not element:
                return NOTHING  # (virXPathUInt("string(./blkiotune/weight)"): the document's first)
            weight = c_unsigned(text, 2**32 - 1)  # (unreadable, '-1' included: no weight)
            where = "weight"
        if weight is None or weight <= EVERY_HOST_MAX:
            return NOTHING
        every_host = weight > SOME_HOST_MAX
        return iter((Problem(
            Anchor(element, text=True),
            f"blkio {where} {weight} is out of the host's range: cgroup v1 and the BFQ scheduler take 1 to "
            f"{EVERY_HOST_MAX}, cgroup v2's io.weight 1 to {SOME_HOST_MAX} (Unable to write to the domain's cgroup: "
            "Numerical result out of range)" + LIBVIRT_START
            + ("" if every_host else ", on a host of cgroup v1 or BFQ"),
            severity=None if every_host else Severity.WARNING,
            hint=f"use a weight from 1 to {EVERY_HOST_MAX} (libvirt's default is the kernel's, 100), which every "
                 "host takes"),))
