"""VL506 uefi-acpi: UEFI needs ACPI on x86; ACPI needs UEFI on aarch64, and a machine that has ACPI."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import (caps_qemu_release, effective_machine, effective_machine_name, qemu_driver,
                                     qemu_release_label, refused_since)
from virtlint.rules._support import NOTHING, domain_children, first_child

X86 = ("x86_64", "i686")
#: The arches whose QEMU machine types' ACPI support libvirt's own capabilities data records (QEMU reports it per
#: machine type from 8.0, query-machines' `acpi`; libvirt 10.7's tests/qemucapabilitiesdata for QEMU 8.2 on
#: aarch64, armv7l, loongarch64 and s390x, 9.0 on sparc): arch -> the machine families with ACPI. Every other
#: machine of these arches has none ('none' aside: libvirt lists no such machine). x86 is left out (all its machines
#: but x-remote have ACPI), as are the arches the data does not cover.
ACPI_FAMILIES: dict[str, tuple[str, ...]] = {
    "aarch64": ("virt",), "armv7l": ("virt",), "loongarch64": ("virt",), "s390x": (), "s390": (), "sparc": (),
}
#: The libvirt release that asks QEMU which machine types have ACPI (and refuses <acpi/> on the others), and the
#: QEMU release that answers (before it, libvirt knows nothing and accepts)
ACPI_ASKED_SINCE_LIBVIRT = (9, 2)
ACPI_REPORTED_SINCE_QEMU = (8, 0)


def uses_uefi(os_element: etree._Element) -> bool:
    if os_element.get("firmware") == "efi":
        return True  # the common case, without looking for a loader
    loader = first_child(os_element, "loader")
    return loader is not None and loader.get("type") == "pflash"


def _acpi(ctx: Context) -> etree._Element | None:
    """``ctx.root.find('features/acpi')``."""
    for features in domain_children(ctx).get("features", ()):
        acpi = first_child(features, "acpi")
        if acpi is not None:
            return acpi
    return None


@register
class UefiAcpi(Rule):
    """
    ## What it does
    On x86, UEFI firmware (`os/@firmware='efi'` or a `pflash` loader) needs
    `<features><acpi/></features>`. On aarch64 it is the other way round:
    `<acpi/>` needs UEFI. And `<acpi/>` needs a machine type that has ACPI:
    from libvirt 9.2, with QEMU 8.0 or later (which reports ACPI per machine
    type), libvirt refuses it on the others. Judged where libvirt's own
    capabilities data says which machines have ACPI: on aarch64 and armv7l
    only `virt`, on loongarch64 only `virt`, on s390x and sparc none (the
    board machines such as `raspi3b` or `vexpress-a15`, `sbsa-ref`,
    `s390-ccw-virtio`). The QEMU release comes from the capabilities'
    versioned machine (`s390-ccw-virtio-8.2`) or the host document's
    machines; where neither tells, the finding is a warning (a QEMU before
    8.0 reports nothing, and libvirt then ignores `<acpi/>`).

    ## Why is this bad?
    libvirt refuses the domain at define time (QEMU driver,
    qemuValidateDomainDef): `UEFI requires ACPI on this architecture`,
    `ACPI requires UEFI on this architecture`, or `machine type
    's390-ccw-virtio' does not support ACPI` (libvirt's message names the
    machine as the domain does; a migrated s390 domain keeps working because
    libvirt drops `<acpi/>` there when it reads a domain it already has, but
    `virsh define` refuses it).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/></features></domain>
    ```
    """

    code = "VL506"
    name = "uefi-acpi"
    severity = Severity.ERROR
    summary = "UEFI without ACPI on x86, ACPI without UEFI on aarch64, or ACPI on a machine type without it."
    elements = ("os",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        # the common case first: an arch with no such rule, or x86 without UEFI (nothing reads <acpi/> then)
        arch = ctx.arch
        if arch in X86:
            if not uses_uefi(element) or _acpi(ctx) is not None:
                return NOTHING
            return self._uefi_without_acpi(element)
        if arch in ACPI_FAMILIES:
            acpi = _acpi(ctx)
            if acpi is None:
                return NOTHING
            problems = []
            machine = _machine_without_acpi(acpi, ctx)
            if machine is not None:
                problems.append(machine)
            # (libvirt checks the machine first: the UEFI check is reported after a warning, not after an error)
            if arch == "aarch64" and not uses_uefi(element) and (machine is None or machine.severity is not None):
                problems.extend(self._acpi_without_uefi(acpi))
            return iter(problems)
        return NOTHING

    @staticmethod
    def _uefi_without_acpi(element: etree._Element) -> Iterator[Problem]:
        anchor = Anchor(element, "firmware") if element.get("firmware") else Anchor(element.find("loader"), "type")
        yield Problem(anchor, "UEFI requires ACPI on this architecture: add <acpi/> to <features>",
                      hint="add <acpi/> to <features>")

    @staticmethod
    def _acpi_without_uefi(acpi: etree._Element) -> Iterator[Problem]:
        yield Problem(Anchor(acpi), "ACPI requires UEFI on aarch64: set <os firmware='efi'> or remove <acpi/>",
                      hint="add firmware='efi' to <os>")


def _machine_without_acpi(acpi: etree._Element, ctx: Context) -> Problem | None:
    """qemuValidateDomainDef (libvirt 9.2 on, QEMU driver): <acpi/> on a machine type QEMU reports without ACPI.
    Where the caps and host documents do not say which QEMU the host has, a warning: a QEMU before 8.0 reports
    nothing, and libvirt then accepts the domain (and ignores <acpi/>)."""
    families = ACPI_FAMILIES.get(str(ctx.arch))
    family, machine = effective_machine(ctx), effective_machine_name(ctx)
    if families is None or family is None or machine is None or family == "none" or not qemu_driver(ctx):
        return None
    if any(machine == name or machine.startswith(name + "-") for name in families):
        return None  # (virt-8.2, and a distribution's virt-*: qemuDomainIsARMVirt's test)
    if not refused_since(ctx, *ACPI_ASKED_SINCE_LIBVIRT):
        return None
    release = caps_qemu_release(ctx)
    if release is not None and release[0] < ACPI_REPORTED_SINCE_QEMU:
        return None
    message = f"machine type '{machine}' does not support ACPI"
    hint = f"remove <acpi/> from <features>: QEMU's {family} machine has no ACPI"
    if release is None:
        return Problem(Anchor(acpi), message + " (with QEMU 8.0 or later, which reports ACPI per machine type; "
                       "these capabilities do not say which QEMU the host runs: pass the host's `virsh "
                       "capabilities` too)", hint=hint, severity=Severity.WARNING)
    return Problem(Anchor(acpi), message, hint=hint + f" ({qemu_release_label(release)})")
