"""The vCPU count every rule about it accepts, so a fix of one rule does not trip another."""

from __future__ import annotations

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
