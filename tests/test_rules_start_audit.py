"""Refusals at start found by listing libvirt 10.7's qemu_process.c messages no rule gave, and putting a case of
each to the real libvirt 9.0 (define, then start paused): each with its valid twin, which starts."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from test_rules_message_audit import qemu


def vcpus(*listed: str, current: int = 2, maximum: int = 4) -> str:
    return qemu(extra=f"<vcpu current='{current}'>{maximum}</vcpu><vcpus>{''.join(listed)}</vcpus>").replace(
        "<vcpu>1</vcpu>", "", 1)


def vcpu(vcpu_id: int, enabled: str, pluggable: str, order: int | None = None) -> str:
    order_attr = f" order='{order}'" if order is not None else ""
    return f"<vcpu id='{vcpu_id}' enabled='{enabled}' hotpluggable='{pluggable}'{order_attr}/>"


FIRST = vcpu(0, "yes", "no", 1)

CASES = [
    # VL206: qemuProcessValidateHotpluggableVcpus, when an online vCPU is hotpluggable
    ("vcpu-order-duplicate", vcpus(FIRST, vcpu(1, "yes", "yes", 2), vcpu(2, "no", "yes", 2), vcpu(3, "no", "yes")),
     "VL206", "duplicate vcpu order '2'"),
    ("vcpu-order-unique", vcpus(FIRST, vcpu(1, "yes", "yes", 2), vcpu(2, "no", "yes", 3), vcpu(3, "no", "yes")),
     None, ""),
    ("vcpu-order-beyond-count", vcpus(FIRST, vcpu(1, "yes", "yes", 2), vcpu(2, "no", "yes", 5), vcpu(3, "no", "yes")),
     "VL206", "vcpu order '5' exceeds vcpu count"),
    ("vcpu-order-at-count", vcpus(FIRST, vcpu(1, "yes", "yes", 2), vcpu(2, "no", "yes", 4), vcpu(3, "no", "yes")),
     None, ""),
    # (no online hotpluggable vCPU: libvirt does not look at the orders at start)
    ("vcpu-order-duplicate-not-hotplugged", vcpus(FIRST, vcpu(1, "yes", "no", 2), vcpu(2, "no", "yes", 2),
                                                  vcpu(3, "no", "yes")), None, ""),
]


PVSPINLOCK = "<features><acpi/><pvspinlock state='{}'/></features>"
INVTSC = "<cpu mode='custom' match='exact'><model>qemu64</model>{}</cpu>"

CASES += [
    # VL406: TCG's guest CPU has no kvm_pv_unhalt (qemuProcessVerifyKVMFeatures)
    ("pvspinlock-tcg", qemu(extra=PVSPINLOCK.format("on")), "VL406", "host doesn't support paravirtual spinlocks"),
    ("pvspinlock-tcg-off", qemu(extra=PVSPINLOCK.format("off")), None, ""),
    ("pvspinlock-tcg-default-on", qemu(extra="<features><acpi/><pvspinlock/></features>"), "VL406",
     "host doesn't support paravirtual spinlocks"),
    # VL213: nor an invariant TSC (qemuProcessVerifyCPUFeatures)
    ("invtsc-tcg", qemu(extra=INVTSC.format("<feature policy='require' name='invtsc'/>")), "VL213",
     "host doesn't support invariant TSC"),
    ("invtsc-tcg-forced", qemu(extra=INVTSC.format("<feature policy='force' name='invtsc'/>")), "VL213",
     "host doesn't support invariant TSC"),
    ("invtsc-tcg-disabled", qemu(extra=INVTSC.format("<feature policy='disable' name='invtsc'/>")), None, ""),
    ("no-invtsc-tcg", qemu(extra=INVTSC.format("")), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_start_audit(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)
