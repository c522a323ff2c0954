"""VL206 vcpu-topology: vCPU counts that libvirt's parser and QEMU validation refuse."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, parse_bitmap, parse_uint
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, is_x86, signed_copy_message
from virtlint.rules._domain import PPC64, is_pseries, machine_of, vcpu_counts
from virtlint.rules._support import NOTHING, domain_find

#: Topology attributes in libvirt's product order; clusters count since libvirt 10.1 (older releases ignore it).
TOPOLOGY = ("sockets", "dies", "clusters", "cores", "threads")


def topology_product(topology: etree._Element, ctx: Context) -> int | None:
    """sockets*dies*clusters*cores*threads as libvirt computes it; None when an attribute is missing or malformed."""
    product = 1
    for name in TOPOLOGY:
        if name == "clusters" and not ctx.libvirt_at_least(10, 1):
            continue
        raw = topology.get(name)
        if raw is None:
            if name in ("dies", "clusters"):
                continue  # default 1
            return None
        value = parse_uint(raw)
        if not value:
            return None
        product *= value
    return product


def _orders(first: etree._Element, maximum: int, ctx: Context) -> Iterator[Problem]:
    """qemuDomainDefVcpusPostParse's orders: vCPU 0 is ordered first or not at all, the online vCPUs are either all
    ordered or none is (an order of 0 is none), and a vCPU written hotpluggable='no' follows none written 'yes' nor
    one of a greater order. Judged where every vCPU id is listed at most once (an unlisted vCPU is offline, with no
    order)."""
    parent = first.getparent()
    vcpus: dict[int, etree._Element] = {}
    for vcpu in parent.iterchildren("vcpu") if parent is not None else ():
        vcpu_id = parse_uint(vcpu.get("id"))
        if vcpu_id is None or vcpu_id in vcpus or vcpu_id >= maximum:
            return  # (the parser's, or ids this check cannot place)
        vcpus[vcpu_id] = vcpu
    if maximum == 0 or 0 not in vcpus:
        return
    if vcpus[0].get("enabled") == "no" or vcpus[0].get("hotpluggable") == "yes":
        return  # (libvirt refuses vCPU 0's state first, above)
    orders: dict[int, int] = {}
    for vcpu_id, vcpu in vcpus.items():
        order = parse_uint(vcpu.get("order") or "0")
        if order is None:
            return  # (an unreadable order is VL851's)
        orders[vcpu_id] = order
    if orders[0] not in (0, 1):
        yield Problem(Anchor(vcpus[0], "order"), "vcpu0 must be enabled first", hint="give vCPU 0 order='1'",
                      replacements=("1",))
        return
    ordered = orders[0] != 0
    # (the QEMU driver's post-parse runs before virDomainVcpuDefPostParse gives hotpluggable its default: only a
    # written hotpluggable counts here, and an unlisted vCPU has none)
    previous_pluggable, previous_order = False, orders[0]
    previous_id = 0
    # (libvirt walks every vCPU up to the maximum; an unlisted one only resets the state, so the listed ids, in
    # order, with the gaps between them, give the same verdicts at any <vcpu> count)
    for vcpu_id in sorted(vcpus):
        if vcpu_id == 0:
            continue
        if vcpu_id != previous_id + 1:  # (unlisted vCPUs before it: offline, no order)
            previous_pluggable, previous_order = False, 0
        previous_id = vcpu_id
        vcpu = vcpus[vcpu_id]
        online = vcpu.get("enabled") != "no"
        order = orders[vcpu_id]
        if online and (order != 0) != ordered:
            yield Problem(Anchor(vcpu, "order") if vcpu.get("order") else Anchor(vcpu),
                          "all vcpus must have either set or unset order",
                          hint="give every online vCPU an order, or none")
            return
        pluggable = vcpu.get("hotpluggable")
        if pluggable not in ("yes", "no", None):
            return  # (VL850's)
        if pluggable == "no":
            if previous_pluggable:
                yield Problem(Anchor(vcpu, "hotpluggable"),
                              "online non-hotpluggable vcpus need to be ordered prior to hotplugable vcpus",
                              hint="give the non-hotpluggable vCPUs the lowest ids, the hotpluggable ones the next")
                return
            if previous_order > order:
                yield Problem(Anchor(vcpu, "order") if vcpu.get("order") else Anchor(vcpu),
                              "online non-hotpluggable vcpus must be ordered in ascending order",
                              hint="give the non-hotpluggable vCPUs orders that rise with their ids")
                return
        previous_pluggable, previous_order = pluggable == "yes", order
    yield from _start_orders(vcpus, orders, maximum, ctx)


def _start_orders(vcpus: dict[int, etree._Element], orders: dict[int, int], maximum: int,
                  ctx: Context) -> Iterator[Problem]:
    """qemuProcessValidateHotpluggableVcpus, at start, when an online vCPU is written hotpluggable='yes': the
    vCPUs' orders (online or not) are unique and at most the maximum count. Judged on x86, where each vCPU is a
    hotplug entity of its own (elsewhere QEMU's threads or cores may group them)."""
    if is_x86(ctx) is not True or not any(vcpu.get("enabled") != "no" and vcpu.get("hotpluggable") == "yes"
                                          for vcpu in vcpus.values()):
        return
    seen: set[int] = set()
    for vcpu_id in sorted(vcpus):
        order = orders[vcpu_id]
        if order == 0:
            continue
        if order in seen:
            yield Problem(Anchor(vcpus[vcpu_id], "order"), f"duplicate vcpu order '{order}'" + LIBVIRT_START,
                          hint="give each vCPU its own order")
            return
        if order > maximum:
            yield Problem(Anchor(vcpus[vcpu_id], "order"), f"vcpu order '{order}' exceeds vcpu count"
                          + LIBVIRT_START, hint=f"orders go from 1 to the maximum vCPU count ({maximum})")
            return
        seen.add(order)


@register
class VcpuTopology(Rule):
    """
    ## What it does
    Checks the vCPU counts as libvirt does: at least one vCPU online
    (`Domain requires at least 1 vCPU`), `<vcpu current>` not above the
    maximum (`maximum vCPU count must not be less than current vCPU count`,
    virDomainDefSetVcpus), `<vcpus><vcpu id>` below the maximum (`vcpu id 'N'
    is out of range of maximum vcpu count`), vCPU 0 online and not
    hotpluggable (`vcpu 0 can't be offline`, also when `<vcpus>` does not list it,
    `vcpu0 can't be hotpluggable`),
    vCPU 0 ordered first or not at all and the online vCPUs all ordered or
    none (`vcpu0 must be enabled first`, `all vcpus must have either set or
    unset order`; qemuDomainDefVcpusPostParse; an order of 0 is none), the
    vCPUs written `hotpluggable='no'` each right after one not written
    `hotpluggable='yes'` and of no greater order (`online
    non-hotpluggable vcpus need to be ordered prior to hotplugable vcpus`,
    `online non-hotpluggable vcpus must be ordered in ascending order`; the
    same function, which runs before hotpluggable gets its default, so only
    a written value counts; checked with libvirt 9.0); at start, when an
    online vCPU is written `hotpluggable='yes'`, the x86 vCPUs' orders
    unique and at most the maximum count (`duplicate vcpu order '2'`,
    `vcpu order '5' exceeds vcpu count`, qemuProcessValidateHotpluggableVcpus:
    libvirt defines the domain and refuses to start it), and at start any
    order above 2147483647 (libvirt writes orders with `%d`, and its parser
    refuses the negative number of the copy it makes to start the domain;
    checked on 9.0); a `<vcpu cpuset>` that leaves no CPU, such as `^0`
    (`Invalid value of 'cpuset': ^0`, virDomainVcpuParse; not read with
    `placement='auto'`); the product
    sockets x dies x clusters x cores x threads of `<cpu><topology>` equal to
    the maximum (`CPU topology doesn't match maximum vcpu count`,
    qemuValidateDomainVCpuTopology) and, on pSeries, the online vCPUs a
    multiple of the threads per core (`vCPUs count must be a multiple of the
    vCPU hotplug granularity (N)`); at start, more than one `dies` off x86
    (`dies not supported by this machine's CPU topology`, QEMU; checked on
    9.0 with QEMU 7.2, ARM virt). Stage: define (QEMU driver). Version:
    `clusters` is part of the product since libvirt 10.1; older releases
    ignore the attribute (`libvirt_version` setting).

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><vcpu>6</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><topology sockets='2' cores='2' threads='2'/></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><vcpu current='6'>8</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><topology sockets='2' cores='2' threads='2'/></cpu></domain>
    ```
    """

    code = "VL206"
    name = "vcpu-topology"
    severity = Severity.ERROR
    summary = "vCPU counts or the CPU topology disagree the way libvirt refuses."
    elements = ("vcpu", "vcpus/vcpu", "cpu/topology")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        maximum, current = vcpu_counts(ctx)
        if maximum is None:
            return NOTHING  # VL851 reports the malformed count
        if ctx.path == "vcpu":
            cpuset = element.get("cpuset")
            if cpuset is not None and element.get("placement") != "auto" and parse_bitmap(cpuset) == frozenset():
                # (virDomainVcpuParse: a set that leaves no CPU, such as '^0' or '0,^0'; an unreadable one is VL851's)
                return iter((Problem(Anchor(element, "cpuset"), f"Invalid value of 'cpuset': {cpuset}",
                                     hint="name at least one host CPU, or remove cpuset="),))
            # the common case: a current count within the maximum, not zero, and no pSeries hotplug granularity
            if current is None or (0 < current <= maximum and ctx.arch not in PPC64):
                return NOTHING
            return self._counts(element, maximum, ctx)
        return self._others(element, maximum, ctx)

    def _others(self, element: etree._Element, maximum: int, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "vcpus/vcpu":
            vcpu_id = parse_uint(element.get("id"))
            if vcpu_id is not None and vcpu_id >= maximum:
                yield Problem(Anchor(element, "id"),
                              f"vcpu id '{vcpu_id}' is out of range of maximum vcpu count ({maximum})",
                              hint=f"use an id below {maximum} or raise <vcpu>")
            elif vcpu_id == 0 and element.get("enabled") == "no":
                yield Problem(Anchor(element, "enabled"), "vcpu 0 can't be offline", hint="set enabled='yes'",
                              replacements=("yes",))
            elif vcpu_id == 0 and element.get("hotpluggable") == "yes":
                yield Problem(Anchor(element, "hotpluggable"), "vcpu0 can't be hotpluggable",
                              hint="set hotpluggable='no'", replacements=("no",))
            elif vcpu_id is not None and element.get("enabled") == "no" and element.get("hotpluggable") == "no":
                # (virDomainVcpuDefPostParse)
                yield Problem(Anchor(element, "hotpluggable"),
                              f"vcpu '{vcpu_id}' is both offline and not hotpluggable",
                              hint="an offline vCPU is plugged in later: make it hotpluggable='yes'",
                              replacements=("yes",))
            else:
                order = parse_uint(element.get("order"))
                if order is not None and order > INT_MAX and vcpu_id is not None:
                    # (virDomainDefFormat writes the order with %d: the copy libvirt makes to start the domain has a
                    # negative one, which its parser refuses; checked on 9.0, online and offline vCPUs)
                    yield Problem(Anchor(element, "order"), signed_copy_message("order", "vcpu", order),
                                  hint=f"orders go from 1 to the vCPU count (at most {INT_MAX})")
                    return
            listed = element.getparent()  # (the <vcpus>)
            if element is domain_find(ctx, "vcpus/vcpu") and listed is not None:  # (the listed vCPUs as a whole, once)
                ids = [parse_uint(vcpu.get("id")) for vcpu in ctx.root.iterfind("vcpus/vcpu")]
                if 0 not in ids and None not in ids:  # (an unlisted vCPU is offline; an unreadable id: VL851's)
                    yield Problem(Anchor(listed), "vcpu 0 can't be offline",
                                  hint="list vCPU 0: <vcpu id='0' enabled='yes' hotpluggable='no'/>")
                    return
                yield from _orders(element, maximum, ctx)
        elif element is domain_find(ctx, "cpu/topology") and element is not None:
            dies = parse_uint(element.get("dies"))
            if dies is not None and dies > 1 and is_x86(ctx) is False:
                # (QEMU's machine_parse_smp_config: only the x86 PC machines take dies; libvirt passes them on;
                # checked on 9.0 with QEMU 7.2, ARM virt)
                yield Problem(Anchor(element, "dies"), "dies not supported by this machine's CPU topology"
                              + QEMU_START, hint="use dies='1' and more sockets or cores", replacements=("1",))
                return
            product = topology_product(element, ctx)
            if product is not None and product != maximum and maximum > 0:
                yield Problem(Anchor(element),
                              f"CPU topology doesn't match maximum vcpu count: the topology gives {product} vCPUs, "
                              f"<vcpu> says {maximum}",
                              hint=f"set <vcpu> to {product} or change the topology so that it multiplies to {maximum}")

    def _counts(self, vcpu: etree._Element, maximum: int, ctx: Context) -> Iterator[Problem]:
        current = vcpu_counts(ctx)[1]
        if current is None:
            return
        listed = domain_find(ctx, "vcpus/vcpu") is not None  # (virDomainVcpuParse: their states then decide)
        if current > maximum and not listed:
            yield Problem(Anchor(vcpu, "current"),
                          f"maximum vCPU count must not be less than current vCPU count ({current} > {maximum})",
                          hint=f"set current to at most {maximum}", replacements=(str(maximum),))
            return
        if not listed and current == 0:
            anchor = Anchor(vcpu, "current") if vcpu.get("current") is not None else Anchor(vcpu, text=True)
            yield Problem(anchor, "Domain requires at least 1 vCPU", hint="give the domain at least one vCPU")
            return
        topology = domain_find(ctx, "cpu/topology")
        if topology is not None and is_pseries(ctx.arch, machine_of(ctx)):
            threads = parse_uint(topology.get("threads"))
            if threads and topology.get("sockets") not in (None, "0") and current % threads:
                anchor = Anchor(vcpu, "current") if vcpu.get("current") is not None else Anchor(vcpu, text=True)
                yield Problem(anchor,
                              f"vCPUs count must be a multiple of the vCPU hotplug granularity ({threads}): "
                              f"pSeries hotplugs a whole core of {threads} threads",
                              hint=f"use a multiple of {threads} vCPUs")
