"""VL810 pstore-config: a `<pstore>` device without a path, with a size libvirt refuses, or off the PCI bus."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import element_kib
from virtlint.rules._devices import device_parsed, is_power_of_two, qemu_driver
from virtlint.rules._support import first_child, string_value

#: the smallest size, in KiB, virDomainPstoreDefValidate takes
SMALLEST_KIB = 4


def _problems(pstore: etree._Element, ctx: Context) -> Iterator[Problem]:
    """virDomainPstoreDefValidate (path, then size), then qemuValidateDomainDeviceDefPstore's address."""
    path = first_child(pstore, "path")
    if path is None or not string_value(path):  # (virXPathString: an empty string is no string)
        yield Problem(Anchor(path if path is not None else pstore), "missing path for ACPI ERST pstore device",
                      hint="add <path>/var/lib/libvirt/qemu/varstore/NAME.pstore</path> (a file on the host)")
        return
    size = first_child(pstore, "size")
    kib = element_kib(size)  # (a size libvirt cannot read, or none, is VL851's)
    if size is not None and kib is not None and (kib < SMALLEST_KIB or not is_power_of_two(kib)):
        yield Problem(Anchor(size, text=True), "invalid size of ACPI ERST pstore device",
                      hint="a power of two, at least 4 KiB (e.g. <size unit='KiB'>8</size>)")
        return
    address = first_child(pstore, "address")
    kind = address.get("type") if address is not None else None
    if kind is not None and kind != "pci" and qemu_driver(ctx):
        yield Problem(Anchor(address, "type"), "ACPI ERST device must reside on a PCI bus",
                      hint="drop the <address>, or give a type='pci' one", replacements=("pci",))


@register
class PstoreConfig(Rule):
    """
    ## What it does
    Checks a `<pstore>` device: a non-empty `<path>`, a `<size>` that is a
    power of two of at least 4 KiB, and with QEMU an address on the PCI bus
    (or none).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `missing path for ACPI
    ERST pstore device`, `invalid size of ACPI ERST pstore device`
    (virDomainPstoreDefValidate; every driver), `ACPI ERST device must
    reside on a PCI bus` (qemuValidateDomainDeviceDefPstore; QEMU). libvirt
    parses `<pstore>` from 10.6; older releases drop the element whatever it
    holds, so nothing is reported when modelling them. A size libvirt
    cannot read, or none, is VL851's; a second pstore device, VL790's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><pstore backend='acpi-erst'><path>/var/lib/libvirt/qemu/varstore/a.pstore</path>
        <size unit='KiB'>12</size></pstore></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><pstore backend='acpi-erst'><path>/var/lib/libvirt/qemu/varstore/a.pstore</path>
        <size unit='KiB'>16</size></pstore></devices></domain>
    ```
    """

    code = "VL810"
    name = "pstore-config"
    severity = Severity.ERROR
    summary = "A pstore device without a path, with a size that is not a power of two of 4 KiB or more, off PCI."
    elements = ("devices/pstore",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not device_parsed(ctx, "pstore"):
            return iter(())
        return _problems(element, ctx)
