"""VL711 device-address-conflict: virtio-serial ports, CCW devnos, zPCI ids and spapr-vio regs used twice."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING as _NOTHING, as_problems, facts


@register
class DeviceAddressConflict(Rule):
    """
    ## What it does
    Reports addresses of the smaller buses that libvirt finds taken or
    missing when it reserves them:

    - virtio-serial: a `port` a second device (a channel or console, or any
      other device given a virtio-serial address) already uses on the same
      controller, a port the controller does not have (ports are numbered
      below its `ports`, default 31), or a controller that is neither
      defined nor added by libvirt (it adds one, with 31 ports, for each
      virtio channel and console, of the index its address names);
    - CCW (s390): a `cssid.ssid.devno` used twice;
    - zPCI (s390): a `uid` or `fid` used twice;
    - spapr-vio (ppc64): a `reg` used twice.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `virtio serial port 1 on
    controller 0 is already occupied`, `virtio serial controller 0 does not
    have port 31`, `virtio serial controller 0 is missing`
    (`virDomainVirtioSerialAddrReserve`), `The CCW devno
    'fe.0.0001' is in use already` (`virDomainCCWAddressAssign`), `zPCI uid
    11064 is already reserved` (the value in octal, as libvirt prints it;
    `virDomainZPCIAddressReserveId`), `spapr-vio address 0x4000 already in
    use` (`qemuDomainAssignSpaprVIOAddress`). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='virtio-serial' index='0'/>
        <channel type='pty'><target type='virtio' name='a.0'/><address type='virtio-serial' port='1'/></channel>
        <channel type='pty'><target type='virtio' name='b.0'/><address type='virtio-serial' port='1'/></channel>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='virtio-serial' index='0'/>
        <channel type='pty'><target type='virtio' name='a.0'/><address type='virtio-serial' port='1'/></channel>
        <channel type='pty'><target type='virtio' name='b.0'/><address type='virtio-serial' port='2'/></channel>
      </devices></domain>
    ```
    """

    code = "VL711"
    name = "device-address-conflict"
    severity = Severity.ERROR
    summary = "A virtio-serial port, CCW devno, zPCI uid/fid or spapr-vio reg used twice or missing."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        if found.virtio_serial or found.s390 or found.spapr_vio:  # most documents: none
            return as_problems(found.virtio_serial + found.s390 + found.spapr_vio)
        return _NOTHING
