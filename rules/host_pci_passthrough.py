"""VL254 host-pci-passthrough: PCI passthrough on a host without an IOMMU."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.rules._host import HostRule, host_evidence


@register
class HostPciPassthrough(HostRule):
    """
    ## What it does
    Reports PCI passthrough (`<hostdev mode='subsystem' type='pci'>` and
    `<interface type='hostdev'>`) when the host's `virsh capabilities` say
    `<iommu support='no'/>` (no `/sys/kernel/iommu_groups`). Devices with
    `<driver name='kvm'>` or `'xen'` are refused for another reason and are
    left to other checks; mediated devices (`type='mdev'`) need only VFIO,
    not the IOMMU, and are not reported.

    ## Why is this bad?
    The domain is defined but does not start: `unsupported configuration:
    host doesn't support passthrough of host PCI devices`, or with `<driver
    name='vfio'/>` `host doesn't support VFIO PCI passthrough`
    (src/qemu/qemu_domain.c `qemuDomainPrepareHostdevPCI`, from
    qemu_process.c `qemuProcessPrepareDomainHostdevs`). Stage: start.
    Driver: QEMU. `support='yes'` is necessary, not sufficient (VFIO also
    needs `/dev/vfio/vfio`). libvirt 9.0 here refuses both forms with those
    messages. In 10.7 the explicit-vfio branch reports its error but returns
    0 (`return false` in an int function); virtlint reports it all the same,
    as the 9.0 here refuses it.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu><iommu support='no'/></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
      <hostdev mode='subsystem' type='pci' managed='yes'>
        <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>
    </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
      <interface type='network'><source network='default'/><model type='virtio'/></interface>
    </devices></domain>
    ```
    """

    code = "VL254"
    name = "host-pci-passthrough"
    severity = Severity.ERROR
    summary = "PCI passthrough on a host whose capabilities report no IOMMU."
    elements = ("devices/hostdev", "devices/interface")

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if host.iommu is not False:
            return
        if element.tag == "hostdev":
            if element.get("mode", "subsystem") != "subsystem" or element.get("type") != "pci":
                return
            what = "PCI host device passthrough"
        elif element.get("type") == "hostdev":
            what = "an <interface type='hostdev'> (PCI passthrough of a network device)"
        else:
            return
        driver = element.find("driver")
        name = driver.get("name") if driver is not None else None
        if name not in (None, "vfio"):
            return
        message = "host doesn't support VFIO PCI passthrough" if name == "vfio" else \
            "host doesn't support passthrough of host PCI devices"
        yield Problem(
            Anchor(element),
            f"{what} needs an IOMMU, and the host reports <iommu support='no'/>: libvirt refuses to start "
            f"the domain ({message})",
            hint="enable the IOMMU (intel_iommu=on or amd_iommu=on, VT-d/AMD-Vi in the firmware), or remove the device",
            evidence=host_evidence(host, host.iommu_element),
        )
