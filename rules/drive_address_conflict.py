"""VL703 drive-address-conflict: two disks or SCSI host devices on one drive address."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING as _NOTHING, as_problems, facts


@register
class DriveAddressConflict(Rule):
    """
    ## What it does
    Reports disks of one bus sharing a drive address
    (`controller`/`bus`/`target`/`unit`), SCSI host devices sharing one, and
    a SCSI host device on a SCSI disk's address. A disk without `<address>`
    counts with the address libvirt derives from its target name (QEMU:
    `sda`..`sdg` are units 0-6 of SCSI controller 0, `hda`/`hdb`/`hdc`/`hdd`
    are IDE controller 0 bus 0/1 unit 0/1, `sda`..`sdf` units 0-5 of SATA
    controller 0, `fda`/`fdb` units 0/1 of the floppy controller).

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `Found duplicate drive address
    for disk with target name 'sda' controller='0' bus='0' target='0'
    unit='0'` (`virDomainDefDuplicateDriveAddressesValidate`), `using disk
    target name 'sda' conflicts with SCSI host device address ...`
    (`virDomainDiskDefAssignAddress`), `SCSI host address ... in use by a
    SCSI disk` (`virDomainHostdevDefPostParse`), `SCSI host address ... in
    use by another SCSI host device`. Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='scsi' index='0' model='virtio-scsi'/>
        <disk type='file'><target dev='sda' bus='scsi'/><address type='drive' controller='0' unit='0'/></disk>
        <disk type='file'><target dev='sdb' bus='scsi'/><address type='drive' controller='0' unit='0'/></disk>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='scsi' index='0' model='virtio-scsi'/>
        <disk type='file'><target dev='sda' bus='scsi'/><address type='drive' controller='0' unit='0'/></disk>
        <disk type='file'><target dev='sdb' bus='scsi'/><address type='drive' controller='0' unit='1'/></disk>
      </devices></domain>
    ```
    """

    code = "VL703"
    name = "drive-address-conflict"
    severity = Severity.ERROR
    summary = "Two disks or SCSI host devices on one drive address."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        refusals = facts(ctx).drive
        return as_problems(refusals) if refusals else _NOTHING  # most documents: none
