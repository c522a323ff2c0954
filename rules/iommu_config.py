"""VL792 iommu-config: IOMMU driver settings that need others (interrupt remapping, a split I/O APIC) or that
only the intel model takes."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, UINT_MAX, parse_uint
from virtlint.linter.machines import upstream_at_most
from virtlint.rules._devices import QEMU_START, effective_machine_name, is_arm_virt, is_q35, signed_copy_message
from virtlint.rules._support import NOTHING, domain_find, first_child

#: the on/off settings of <iommu><driver> (the intel model's)
SWITCHES = ("intremap", "caching_mode", "eim", "iotlb")


#: The guest address widths QEMU's intel-iommu takes (vtd_decide_config; checked on 9.0 with QEMU 7.2: 40 and 52
#: refused); a newer QEMU may add 5-level tables' 52, which is left unjudged
INTEL_AW_BITS = frozenset((39, 48))
UNJUDGED_AW_BITS = frozenset((52,))


def _set(driver: etree._Element, name: str) -> bool:
    """Whether the driver sets a setting libvirt reads (an unreadable value is VL850's or VL851's)."""
    value = driver.get(name)
    if name == "aw_bits":
        return bool(parse_uint(value))  # 0 is unset
    return value in ("on", "off")


#: The newest q35 machine version whose intel-iommu keeps x-buggy-eim (QEMU's hw_compat_2_7), which skips the
#: eim check (checked on 9.0 with QEMU 7.2: pc-q35-2.7 starts, 2.8 is refused)
BUGGY_EIM_NEWEST = (2, 7)


def _buggy_eim(ctx: Context) -> bool:
    return upstream_at_most(effective_machine_name(ctx) or "", ("pc-q35",), BUGGY_EIM_NEWEST)


@register
class IommuConfig(Rule):
    """
    ## What it does
    Checks `<iommu><driver>`: `intremap='on'` needs the split I/O APIC
    (`<features><ioapic driver='qemu'/>`), `eim='on'` needs
    `intremap='on'`, and the `smmuv3` and `virtio` models take none of
    `intremap`, `caching_mode`, `eim`, `iotlb` and `aw_bits`; an intel
    IOMMU's `aw_bits` is 39 or 48 (52, which a newer QEMU may take, is not
    judged).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `IOMMU interrupt remapping
    requires split I/O APIC (ioapic driver='qemu')`, `IOMMU eim requires
    interrupt remapping to be enabled` (virDomainDefIOMMUValidate), `iommu
    model 'virtio' doesn't support additional attributes`
    (virDomainIOMMUDefValidate). Stage: define; every driver. A virtio IOMMU
    without `<features><acpi/>`: `IOMMU device: 'virtio' requires ACPI`;
    with an `<address>` that is not PCI (`virtio-mmio`...): `IOMMU device:
    'virtio' needs a PCI address` (qemuValidateDomainDeviceDefIOMMU; QEMU;
    on q35 and ARM `virt`, the machines that have it).
    Another address width is QEMU's refusal at start: `Supported values for
    aw-bits are: 39, 48` (vtd_decide_config; libvirt checks nothing; above
    255, `Parameter 'aw-bits' expects uint8_t`); one above 2147483647 is libvirt's own refusal at start, which writes it with
    `%d` on the copy it parses again (`Invalid value for attribute 'aw_bits'
    in element 'driver': '-2147483648'`); and so
    is an intel IOMMU's `eim='on'` in a domain of type `qemu` (TCG): `eim=on
    requires accel=kvm,kernel-irqchip=split` (but on q35 machines of 2.7 and
    older, whose intel-iommu skips the check: x-buggy-eim).
    Each was checked with the real libvirt 9.0 (and QEMU 7.2), with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/></features>
      <devices><iommu model='intel'><driver intremap='on'/></iommu></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><ioapic driver='qemu'/></features>
      <devices><iommu model='intel'><driver intremap='on'/></iommu></devices></domain>
    ```
    """

    code = "VL792"
    name = "iommu-config"
    severity = Severity.ERROR
    summary = "IOMMU interrupt remapping without a split I/O APIC, eim without it, or intel-only settings."
    elements = ("devices/iommu",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        driver = first_child(element, "driver")
        if driver is None or not len(driver.attrib):
            if element.get("model") == "virtio":
                return self._virtio_address(element, ctx)
            return NOTHING
        model = element.get("model")
        if model in ("smmuv3", "virtio"):
            for name in (*SWITCHES, "aw_bits"):
                if _set(driver, name):
                    return iter((Problem(Anchor(driver, name), f"iommu model '{model}' doesn't support additional "
                                         "attributes", hint=f"remove {name}= (the intel model takes it)"),))
            return self._virtio_address(element, ctx) if model == "virtio" else NOTHING
        if driver.get("intremap") == "on":
            ioapic = domain_find(ctx, "features/ioapic")
            if ioapic is None or ioapic.get("driver") != "qemu":
                return iter((Problem(Anchor(driver, "intremap"),
                                     "IOMMU interrupt remapping requires split I/O APIC (ioapic driver='qemu')",
                                     hint="add <ioapic driver='qemu'/> to <features>"),))
        elif driver.get("eim") == "on":
            return iter((Problem(Anchor(driver, "eim"), "IOMMU eim requires interrupt remapping to be enabled",
                                 hint="add intremap='on' (with <ioapic driver='qemu'/> in <features>)"),))
        if driver.get("eim") == "on" and model == "intel" and ctx.domain_type == "qemu" and not _buggy_eim(ctx):
            # (QEMU's vtd_decide_config: x2APIC mode needs KVM's split irqchip; checked on 9.0 with QEMU 7.2, the
            # same domain of type kvm starting)
            return iter((Problem(Anchor(driver, "eim"), "eim=on requires accel=kvm,kernel-irqchip=split" + QEMU_START,
                                 hint="run the domain with KVM (type='kvm'), or remove eim"),))
        bits = parse_uint(driver.get("aw_bits"))
        if bits is not None and INT_MAX < bits <= UINT_MAX:
            # (libvirt writes aw_bits with %d on the copy it parses again to start, and refuses that copy's negative
            # number before QEMU sees it; checked on 9.0)
            return iter((Problem(Anchor(driver, "aw_bits"), signed_copy_message("aw_bits", "driver", bits),
                                 hint="39 (3-level page tables) or 48 (4-level)", replacements=("48", "39")),))
        if bits is not None and bits > 0xFF and model == "intel":
            # (QEMU's aw-bits property is a uint8_t: checked on 9.0 with QEMU 7.2, 2147483647)
            return iter((Problem(Anchor(driver, "aw_bits"), "Parameter 'aw-bits' expects uint8_t" + QEMU_START,
                                 hint="39 (3-level page tables) or 48 (4-level)", replacements=("48", "39")),))
        if bits and bits not in INTEL_AW_BITS and bits not in UNJUDGED_AW_BITS and model == "intel":
            return iter((Problem(Anchor(driver, "aw_bits"), "Supported values for aw-bits are: 39, 48" + QEMU_START,
                                 hint="39 (3-level page tables) or 48 (4-level)", replacements=("48", "39")),))
        return NOTHING

    @staticmethod
    def _virtio_address(iommu: etree._Element, ctx: Context) -> Iterator[Problem]:
        """qemuValidateDomainDeviceDefIOMMU: a virtio IOMMU needs ACPI and is a PCI device (its address, when given,
        is PCI); judged on the machines that have it (elsewhere VL785's 'only supported with Q35 and ARM Virt
        machines' comes first)."""
        # (the machine as VL785 reads it: a domain that names no arch gets the host's, which the caps describe)
        if not (is_q35(ctx) or is_arm_virt(ctx)):
            return NOTHING
        if domain_find(ctx, "features/acpi") is None:
            return iter((Problem(Anchor(iommu, "model"), "IOMMU device: 'virtio' requires ACPI",
                                 hint="add <acpi/> to <features>"),))
        address = first_child(iommu, "address")
        kind = address.get("type") if address is not None else None
        if kind is None or kind == "pci":  # (an <address> without a type is the parser's error)
            return NOTHING
        return iter((Problem(Anchor(address, "type"), "IOMMU device: 'virtio' needs a PCI address",
                             hint="remove the <address> (libvirt gives it a PCI one), or use type='pci'",
                             replacements=("pci",)),))
