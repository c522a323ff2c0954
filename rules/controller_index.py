"""VL708 controller-index: controller indexes libvirt refuses (negative, duplicate, too high, wrong for the model)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._addresses import BRIDGE_BUSES, PLUGGED_PCI_CONTROLLERS, Controller, Facts, facts
from virtlint.rules._devices import qemu_driver
from virtlint.rules._support import first_child


def _bridge_above_its_bus(bridge: etree._Element, index: int) -> Problem | None:
    """qemuDomainAssignPCIAddresses: a pci-bridge's index is above the bus it is plugged into (its written
    address's)."""
    address = first_child(bridge, "address")
    if address is None or address.get("type") != "pci":
        return None
    bus = prop_uint(address.get("bus"), 0)
    if bus is None or index > bus:
        return None
    return Problem(Anchor(address, "bus"), f"PCI controller at index {index} (0x{index:02x}) has bus='0x{bus:02x}', "
                   "but index must be larger than bus",
                   hint="plug the bridge into a bus of a lower index, or give it an index above its bus")


def _bridge_on_itself(bridge: Controller, index: int, found: Facts) -> Problem | None:
    """qemuDomainAssignPCIAddresses: a pci-bridge without an <address> goes to the first bus (in index order) that
    takes a pci-bridge (virDomainPCIAddressGetNextAddr); on a pcie-root machine with no such bus below its index,
    or an i440fx one whose pci-root devices fill (checked on 9.0), that is its own bus (or one libvirt adds, above
    it), and its index is then not above its bus."""
    if bridge.address is not None:
        return None
    if found.platform.root_model != "pcie-root" and not (found.platform.is_i440fx and found.pci_root_full):
        return None  # (on i440fx, the pci-root takes it while it has a free slot)
    for other in found.controllers_of("pci"):
        if other is bridge:
            continue
        if other.index is None or other.model is None:
            return None  # (a bus that cannot be told: say nothing)
        if other.index < index and other.model in BRIDGE_BUSES and not (found.pci_root_full and
                                                                      other.model == "pci-root"):
            return None  # (it plugs in there)
    hint = ("libvirt plugs a pci-bridge without an <address> into the first bus that takes one, here its own: "
            + ("the pci-root's slots 2 to 0x1f are all taken: free one, or give the bridge an address"
               if found.platform.is_i440fx else "put a dmi-to-pci-bridge or pcie-to-pci-bridge with a lower index "
               "before it"))
    return Problem(Anchor(bridge.element, "index"), f"PCI controller at index {index} (0x{index:02x}) has "
                   f"bus='0x{index:02x}', but index must be larger than bus", hint=hint)


@register
class ControllerIndex(Rule):
    """
    ## What it does
    Checks each `<controller>`'s `index`:

    - it must not be negative;
    - two controllers of one type must not share it (USB controllers may:
      companions share their master's index);
    - a PCI controller's index is at most 255;
    - `pci-root` and `pcie-root` have index 0 (on `pseries`, further
      `pci-root` host bridges have their own indexes); every other PCI
      controller model has an index above 0;
    - a `pci-bridge` has an index above the bus its `<address>` plugs it into;
      without an `<address>` on a machine whose root is `pcie-root` (q35,
      ARM `virt`...), libvirt plugs it into the first bus that takes a
      pci-bridge, which is its own unless a `dmi-to-pci-bridge`,
      `pcie-to-pci-bridge` or other `pci-bridge` has a lower index; and on an
      i440fx machine whose pci-root slots 2 to 0x1f devices all take, unless
      another `pci-bridge` has a lower index (VL702 reports the same for the
      bridge libvirt adds for a bus an address names).

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `Invalid value for attribute
    'index' in element 'controller': '-1'. Expected non-negative value`
    (`virDomainControllerDefParseXML`), `Multiple 'pci' controllers with index
    '1'` (`virDomainDefRejectDuplicateControllers`), `PCI controller index 256 too
    high, maximum is 255` (`virDomainControllerDefValidate`), `pci-root and
    pcie-root controllers should have index 0`
    (`qemuDomainControllerDefPostParse`), `Index for 'pci-bridge' controllers
    must be > 0` (`qemuValidateDomainDeviceDefControllerPCI`; on a machine
    with a PCI root, `pc`, `q35`, `virt`, `pseries`..., post-parse refuses an
    index-0 controller of another model first, which VL709 reports), `PCI
    controller at index 1 (0x01) has bus='0x01', but index must be larger than
    bus` (`qemuDomainAssignPCIAddresses`, post-parse; for the bridge without
    an address, checked on 9.0 with q35 and a lone pci-bridge, or one behind
    a pcie-root-port). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='pci' index='1' model='pci-bridge'/>
        <controller type='pci' index='1' model='pci-bridge'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='pci' index='1' model='pci-bridge'/>
        <controller type='pci' index='2' model='pci-bridge'/></devices></domain>
    ```
    """

    code = "VL708"
    name = "controller-index"
    severity = Severity.ERROR
    summary = "A controller index that is negative, duplicate, too high or wrong for the model."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        seen: dict[tuple[str, int], etree._Element] = {}
        for c in found.controllers:
            index = c.index
            if index is None:
                continue
            el = c.element
            if index < 0:
                yield Problem(Anchor(el, "index"),
                              f"Invalid value for attribute 'index' in element 'controller': '{el.get('index')}'. "
                              "Expected non-negative value", hint="use an index of 0 or more")
                continue
            type_ = c.type
            if type_ != "usb":
                key = (type_, index)
                if key in seen:
                    yield Problem(Anchor(el, "index"), f"Multiple '{type_}' controllers with index '{index}'",
                                  hint=f"the controller on line {seen[key].sourceline} has it; give each its own index")
                else:
                    seen[key] = el
            if type_ != "pci":
                continue
            if index > 255:
                yield Problem(Anchor(el, "index"), f"PCI controller index {index} too high, maximum is 255")
            elif c.model in ("pci-root", "pcie-root") and index != 0 and not found.platform.is_pseries:
                yield Problem(Anchor(el, "index"), "pci-root and pcie-root controllers should have index 0",
                              hint="use index='0'", replacements=("0",))
            elif c.model in PLUGGED_PCI_CONTROLLERS and index == 0 and found.platform.root_model is None:
                # (on a machine with a PCI root, qemuDomainDefAddDefaultDevices refuses this controller first,
                # before validation: VL709 reports libvirt's message)
                yield Problem(Anchor(el, "index"), f"Index for '{c.model}' controllers must be > 0",
                              hint="index 0 is the root bus; use a free index above 0")
            elif c.model == "pci-bridge" and qemu_driver(ctx):
                problem = _bridge_above_its_bus(el, index) or _bridge_on_itself(c, index, found)
                if problem is not None:
                    yield problem
