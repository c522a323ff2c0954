"""VL701 pci-address-conflict: two devices, or a device and the chipset, on one PCI address."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING as _NOTHING, as_problems, facts


@register
class PciAddressConflict(Rule):
    """
    ## What it does
    Builds the PCI address map libvirt builds when it assigns addresses and
    reports a device whose `<address type='pci'>` is already taken: by an
    earlier device, or by a device the machine always has there. On `pc`
    (i440fx) machines the PIIX3 sits at `00:01.0` (ISA bridge), `00:01.1`
    (IDE, when there is an IDE controller or disk), `00:01.2` (the first USB
    controller when it is the PIIX3 UHCI, also the one libvirt adds by
    default) and `00:01.3`; on `q35` the ICH9 holds `00:1f.0` (LPC/ISA),
    `00:1f.2` (the SATA controller libvirt always adds) and `00:1f.3` (SMBus).
    Addresses libvirt picks itself (the primary video, unaddressed devices)
    never conflict: it moves them. Without an IDE controller or disk libvirt
    leaves `00:01.1` of a `pc` machine to the user, but QEMU's `pc` always
    has its IDE controller there and refuses the device at start; that is
    reported too. A standard PCI device naming the one bus beyond the
    controllers of a `q35` machine is moved by libvirt to the
    `pcie-to-pci-bridge` it adds one bus up, and conflicts there.

    Modelled on QEMU machines with a PCI address map libvirt builds the same
    way everywhere: `pc`, `q35`, ARM and RISC-V `virt`, `pseries`. Devices
    the modelled libvirt does not parse take no address: `<crypto>` before
    libvirt 9.1 (9.0 drops the element).

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time
    (`virDomainPCIAddressReserveAddrInternal`, reached from
    `qemuDomainAssignPCIAddresses`): `XML error: Attempted double use of PCI
    Address 0000:00:01.1`; QEMU at start: `PCI: slot 1 function 1 not
    available for virtio-balloon-pci, in use by piix3-ide`. Same wording in
    libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='ide' index='0'/>
        <memballoon model='virtio'><address type='pci' slot='1' function='1'/></memballoon></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='ide' index='0'/>
        <memballoon model='virtio'><address type='pci' slot='5' function='0'/></memballoon></devices></domain>
    ```
    """

    code = "VL701"
    name = "pci-address-conflict"
    severity = Severity.ERROR
    summary = "A PCI address used twice, or taken by the machine's own chipset."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        refusals = facts(ctx).pci_conflicts
        return as_problems(refusals) if refusals else _NOTHING  # most documents: none
