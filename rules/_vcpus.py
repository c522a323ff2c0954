"""The vCPU count every rule about it accepts, so a fix of one rule does not trip another."""

from __future__ import annotations

from lxml import etree

from virtlint.linter.machines import parse_machine
from virtlint.linter.model import Context

#: x86 guests beyond this many vCPUs need x2APIC routing: q35 and an intel IOMMU with eim (VL805).
X2APIC_LIMIT = 255


def x2apic_ceiling(ctx: Context) -> int | None:
    """X2APIC_LIMIT when this x86 domain lacks what more vCPUs need (VL805's condition), else None."""
    if ctx.arch not in ("x86_64", "i686"):
        return None
    if ctx.machine and parse_machine(ctx.machine).family != "pc-q35":
        return X2APIC_LIMIT
    driver = ctx.root.find("devices/iommu[@model='intel']/driver")
    return X2APIC_LIMIT if driver is None or driver.get("eim") != "on" else None


def vcpu_ceiling(ctx: Context, caps_limit: int) -> tuple[int, str | None]:
    """(largest count the caps' limit and VL805 both accept, why it is below the caps' limit or None)."""
    x2apic = x2apic_ceiling(ctx)
    if x2apic is not None and x2apic < caps_limit:
        return x2apic, f"more than {X2APIC_LIMIT} vCPUs would also need q35 and an intel IOMMU with eim"
    return caps_limit, None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def topology_vcpus(ctx: Context) -> int | None:
    """The vCPU count <cpu><topology> describes (sockets x dies x clusters x cores x threads), or None."""
    topology = ctx.root.find("cpu/topology")
    if topology is None:
        return None
    product = 1
    for name, default in (("sockets", None), ("dies", 1), ("clusters", 1), ("cores", None), ("threads", None)):
        value = _int(topology.get(name)) if topology.get(name) is not None else default
        if value is None or value < 1:
            return None
        product *= value
    return product


def vcpu_fix(ctx: Context, element: etree._Element, limit: int) -> tuple[int | None, str]:
    """(the count to propose, the hint) for a <vcpu> above ``limit``: a count every rule about it accepts,
    VL805 (x2APIC), the topology libvirt wants equal to the maximum (`CPU topology doesn't match maximum
    vcpu count`, qemu_validate.c) and the current count; None when one value cannot satisfy them all."""
    target, why = vcpu_ceiling(ctx, limit)
    hint = f"use at most {target} vCPUs" + (f" ({why})" if why else "")
    topology = topology_vcpus(ctx)
    value: int | None = target
    if topology is not None and topology != target:
        value = topology if topology <= target else None
        hint = (f"use {topology} vCPUs, as <topology> describes (at most {target} are allowed)"
                if value is not None else f"use at most {target} vCPUs and change <topology> to match")
    current = _int(element.get("current"))
    if value is not None and current is not None and current > value:
        value, hint = None, f"use at most {target} vCPUs, and no more current ones"
    return value, hint
