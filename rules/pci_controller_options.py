"""VL710 pci-controller-options: <target> options and NUMA nodes of PCI controllers libvirt refuses."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.machines import upstream_at_most
from virtlint.linter.units import prop_uint
from virtlint.rules._addresses import NOTHING, Controller, Facts, added_root_ports, facts, unaddressed_endpoints
from virtlint.rules._devices import QEMU_START, refused_since
from virtlint.rules._support import domain_find, first_child, string_value

#: <target> attribute -> (lowest, highest, libvirt's name) (virDomainControllerDefValidate).
RANGES = (("chassisNr", 1, 255, "chassisNr"), ("chassis", 0, 255, "chassis"), ("port", 0, 255, "port"),
          ("busNr", 1, 254, "busNr"))
#: PCI controller model -> the <model name> values libvirt allows (qemuValidateDomainDeviceDefControllerPCI).
MODEL_NAMES: dict[str, tuple[str, ...]] = {
    "pci-bridge": ("pci-bridge",),
    "dmi-to-pci-bridge": ("i82801b11-bridge",),
    "pcie-root-port": ("pcie-root-port", "ioh3420"),
    "pcie-switch-upstream-port": ("x3130-upstream",),
    "pcie-switch-downstream-port": ("xio3130-downstream",),
    "pci-expander-bus": ("pxb",),
    "pcie-expander-bus": ("pxb-pcie",),
    "pcie-to-pci-bridge": ("pcie-pci-bridge",),
}
KNOWN_NAMES = frozenset(n for names in MODEL_NAMES.values() for n in names) | {"spapr-pci-host-bridge"}
EXPANDERS = ("pci-expander-bus", "pcie-expander-bus")
#: Models libvirt validates the targetIndex option for (a pci-root's only on a pSeries PHB), and the busNr and
#: numaNode options.
TARGET_INDEX_MODELS = frozenset(MODEL_NAMES) | {"pcie-root", "pci-root"}
OPTION_MODELS = TARGET_INDEX_MODELS
#: PCIe ports sharing QEMU's chassis/slot table
CHASSIS_MODELS = ("pcie-root-port", "pcie-switch-downstream-port")
#: the root buses, whose <pcihole64> the parser reads
ROOT_MODELS = ("pci-root", "pcie-root")
#: (the <target> attribute, which libvirt's message names as the option; the models that take it), in the order
#: qemuValidateDomainDeviceDefControllerPCI checks them after the NUMA node
OPTIONS_OF_MODELS: tuple[tuple[str, frozenset[str]], ...] = (
    ("chassisNr", frozenset(("pci-bridge",))),
    ("chassis", frozenset(CHASSIS_MODELS)),
    ("port", frozenset(CHASSIS_MODELS)),
    ("hotplug", frozenset(("pci-root",) + CHASSIS_MODELS)),
    ("memReserve", frozenset(("pcie-root-port", "pci-bridge"))),
)


#: What decides whether a PCI controller without a NUMA node passes _problem: (model, <model name>, <target>
#: attributes, index is None, index is 0, pSeries); the shapes seen passing, so that a clean controller like the
#: last one is not judged again.
_CLEAN_SHAPES: set[tuple[object, ...]] = set()
#: What decides everything this rule reports for a document whose PCI controllers have no NUMA node: pSeries and,
#: per PCI controller in order, (model, <model name>, <target> attributes, index); the documents seen reporting
#: nothing, so that a document of a known clean shape is not judged again.
_CLEAN_DOCUMENTS: set[tuple[object, ...]] = set()
#: <target> attribute -> its RANGES entry
RANGE_OF = {entry[0]: entry for entry in RANGES}
@lru_cache(maxsize=4096)  # "0x11" and the like repeat within and across documents
def parse_c_int(text: str | None) -> int | None:
    """A signed number with C's 0x/0 prefixes, as libvirt reads these attributes; None if unparseable."""
    return None if text is None else _parse_c_int(text)


def _parse_c_int(text: str) -> int | None:
    value = text.strip()
    sign = -1 if value.startswith("-") else 1
    value = value.lstrip("+-")
    try:
        if value[:2].lower() == "0x":
            return sign * int(value[2:], 16)
        if value.startswith("0") and len(value) > 1:
            return sign * int(value[1:], 8)
        return sign * int(value, 10)
    except ValueError:
        return None


#: The newest ARM virt machine version whose TCG GICv3 has no ITS (QEMU's virt_machine_6_1_options: no_tcg_its)
NO_TCG_ITS_NEWEST = (6, 1)


def _msi_less_gic(controllers: list[Controller], found: Facts, ctx: Context) -> Problem | None:
    """At start (QEMU): under TCG, a GICv3 on the virt machines up to 6.1 has no ITS, so no MSI, which a PCI Express
    root port needs (checked on 9.0 with QEMU 7.2: virt-4.2 to 6.1 refused, 6.2 and GICv2 started): the root ports
    the document names, and the one libvirt adds for an unaddressed PCI Express device (virtio on PCI, as libvirt
    places virtio devices when none has a virtio-mmio address) or for a bus an address names."""
    if not upstream_at_most(ctx.machine or "", ("virt",), NO_TCG_ITS_NEWEST):
        return None
    gic = domain_find(ctx, "features/gic")
    if gic is None or gic.get("version") != "3":
        return None
    port = next((c for c in controllers if c.model == "pcie-root-port"), None)
    hint = "use a virt machine of 6.2 or later, GIC version 2, or KVM"
    if port is None:
        if any(c.index != 0 for c in controllers) or "virtio-mmio" in found.by_kind:
            return None  # (a bus of another kind, or virtio devices on virtio-mmio)
        auto = found.auto_buses
        endpoints = unaddressed_endpoints(found, ctx)
        added = next((pci for pci in found.pci_list if auto and auto.get(pci.bus) == "pcie-root-port"), None)
        at = added.element if added is not None else endpoints[0] if endpoints else None
        if at is None:
            return None
        return Problem(Anchor(at), "MSI-X is not supported by interrupt controller (TCG's GICv3 on virt machines up "
                       "to 6.1 has no ITS; libvirt plugs this device into a pcie-root-port it adds)" + QEMU_START,
                       hint=hint)
    name = port.model_element.get("name") if port.model_element is not None else None
    what = "MSI" if name == "ioh3420" else "MSI-X"
    return Problem(Anchor(port.element), f"{what} is not supported by interrupt controller (TCG's GICv3 on virt "
                   f"machines up to 6.1 has no ITS)" + QEMU_START, hint=hint)


@register
class PciControllerOptions(Rule):
    """
    ## What it does
    Checks the options of each PCI controller:

    - `<target>`: `index` (a pSeries host bridge's) 0-30, and 0 exactly for
      controller 0; `chassisNr` 1-255, `chassis` 0-255, `port` 0-255,
      `busNr` 1-254;
    - `busNr` only on expander buses (`pci-expander-bus`,
      `pcie-expander-bus`), a target `index` only on pSeries host bridges;
    - `<target><node>` (a NUMA node) only on expander buses and pSeries host
      bridges, never on controller 0, and only for a node the domain's
      `<cpu><numa>` defines;
    - PCIe root and downstream ports need distinct `chassis` numbers
      (libvirt uses the controller's index when `chassis` is not set; QEMU
      refuses a repeated one at start), the pcie-root-ports libvirt adds on
      q35 included: for missing indexes below the highest controller's, for
      the buses device addresses name, and for unaddressed PCI Express
      devices (the default USB controller and balloon too) no empty port
      takes, each of chassis = its index;
    - an expander bus without `busNr` gets the lowest one in use minus 2;
      when that leaves nothing above 0 and 1, libvirt refuses; two expander
      buses of one `busNr` QEMU refuses at start;
    - `<model name>` one the model allows (e.g. `pcie-root-port` or `ioh3420`
      for a `pcie-root-port`), none on `pcie-root` or off-pSeries `pci-root`;
    - the `<target>` options each model takes: `chassisNr` only a
      `pci-bridge`, `chassis` and `port` only `pcie-root-port` and
      `pcie-switch-downstream-port`, `hotplug` only those and `pci-root`,
      `memReserve` (libvirt 10.3 on) only `pcie-root-port` and `pci-bridge`;
    - `<pcihole64>` on `pci-root` only on i440fx machines, on `pcie-root`
      only on q35 ones;
    - at start, a `pcie-root-port` in a TCG domain on an ARM virt machine of
      6.1 or older with `<gic version='3'/>`, whose GICv3 has no ITS under
      TCG (QEMU: `MSI-X is not supported by interrupt controller`; checked
      on 9.0 with QEMU 7.2, virt-6.2 and GICv2 started): one the document
      names, or one libvirt adds for an unaddressed virtio device (on PCI
      when no device has a virtio-mmio address) or a bus an address names.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `PCI controller target index
    '31' out of range - must be 0-30`, `Only the PCI controller with index 0
    can have target index 0, and vice versa`, `PCI controller busNr '0' out
    of range - must be 1-254`, `The PCI controller with index=0 can't be
    associated with a NUMA node` (`virDomainControllerDefValidate`),
    `pci-expander-bus with index 1 is configured for a NUMA node (1) not
    present in the domain's <cpu><numa> array (1)`
    (`qemuDomainControllerDefPostParse`), `Option 'busNr' is not valid for PCI
    controller with index '1', model 'pci-bridge' and modelName 'pci-bridge'`
    (the same for `chassisNr`, `chassis`, `port`, `hotplug` and
    `memReserve`), `Setting the 64-bit PCI hole size is not supported for
    machine 'virt'` (`qemuValidateDomainDeviceDefControllerPCI`; each checked
    on 9.0 but memReserve, which 9.0 ignores), `No free busNr lower than
    current lowest busNr is available to auto-assign to bus 0. Must be
    manually assigned` (`qemuDomainAssignPCIAddresses`); at start QEMU
    refuses `Can't add chassis slot, error -16` and `Bus 200 is already in
    use` (pxb_register_bus; checked on 9.0 with QEMU 7.2). Same in libvirt 9.0 and
    10.7 but `memReserve`, which libvirt 10.3 added (the check follows the
    libvirt-version setting).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>
      <devices><controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>1</node></target>
        </controller></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>
      <devices><controller type='pci' index='1' model='pci-expander-bus'><target busNr='254'><node>0</node></target>
        </controller></devices></domain>
    ```
    """

    code = "VL710"
    name = "pci-controller-options"
    severity = Severity.ERROR
    summary = "A PCI controller option out of range, not valid for its model, or naming a missing NUMA node."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        controllers = found.controllers_of("pci")
        if found.platform.is_arm_virt and ctx.domain_type == "qemu":
            problem = _msi_less_gic(controllers, found, ctx)
            if problem is not None:
                return iter((problem,))
        if not controllers:
            return NOTHING
        pseries = found.platform.is_pseries
        memory_reserve = refused_since(ctx, 10, 3)  # (memReserve: libvirt 10.3 on; older ones do not read it)
        # (q35's added ports are judged only for a foreign chassis, which is never remembered: no q35 in the shape)
        shapes: list[object] = [pseries, memory_reserve]
        with_node = False
        # (a chassis written on q35 that no controller's index is may clash with a port libvirt adds for the devices:
        # not a shape to remember; virt-install writes each port's own index)
        chassis_written: set[str] = set()
        holes: dict[etree._Element, etree._Element] | None = None
        for c in controllers:
            # (a root bus's <pcihole64>, the one child the parser reads for it: few roots have any child)
            if c.model in ROOT_MODELS and len(c.element):
                hole = first_child(c.element, "pcihole64")
                if hole is not None and string_value(hole):  # (virParseScaledValue: an empty one is none)
                    if holes is None:
                        holes = {}
                    holes[c.element] = hole
            target = c.target
            if target is None:
                items: tuple[tuple[str, str], ...] = ()
            else:
                # (an empty <target> counts as none: every check below reads its attributes only)
                items = tuple(target.items())
                if items and c.model in CHASSIS_MODELS:
                    for name, value in items:
                        if name == "chassis" and value != str(c.index):
                            chassis_written.add(value)
                # len first: a <target> seldom has children, and find costs
                if len(target) and target.find("node") is not None:
                    with_node = True
            model_el = c.model_element
            shapes.append((c.model, model_el.get("name") if model_el is not None else None, items, c.index))
        shape = tuple(shapes)
        foreign_chassis = False
        if chassis_written and found.platform.is_q35:
            indexes = {c.index for c in controllers}
            foreign_chassis = any(parse_c_int(text) not in indexes for text in chassis_written)
        remembered = not with_node and holes is None and not foreign_chassis
        if remembered and shape in _CLEAN_DOCUMENTS:
            return NOTHING
        problems = list(self._problems(controllers, pseries, found, holes or {}, memory_reserve,
                                       ctx if foreign_chassis else None))
        if not problems and remembered:
            if len(_CLEAN_DOCUMENTS) > 1024:  # bounded: odd documents must not grow it for ever
                _CLEAN_DOCUMENTS.clear()
            _CLEAN_DOCUMENTS.add(shape)
        return iter(problems)

    def _problems(self, controllers: list[Controller], pseries: bool, found: Facts,
                  holes: dict[etree._Element, etree._Element], memory_reserve: bool,
                  added_for: Context | None) -> Iterator[Problem]:
        """What check reports for these PCI controllers, in libvirt's order (``added_for``: the document's context
        when a written chassis may clash with a root port libvirt adds)."""
        # PCIe root and downstream ports share QEMU's chassis/slot table; libvirt defaults chassis to the index
        chassis_users: dict[int, Controller] = {}
        chassis_problems: list[Problem] = []  # reported after the option problems and bus numbers
        expanders = False
        for c in controllers:
            target = c.target
            # the <target>'s attributes, read at once (lxml reads each attribute from C with some cost)
            items = tuple(target.items()) if target is not None else ()
            model = c.model
            if model in CHASSIS_MODELS and c.index is not None:
                chassis_text = None
                for name, value in items:
                    if name == "chassis":
                        chassis_text = value
                problem = self._chassis(c, c.index, parse_c_int(chassis_text), chassis_users)
                if problem:
                    chassis_problems.append(problem)
            elif model in EXPANDERS:
                expanders = True
            model_el = c.model_element
            model_name = model_el.get("name") if model_el is not None else None
            # len first: a <target> seldom has children, and find costs
            node_el = target.find("node") if target is not None and len(target) else None
            shape = (model, model_name, items, c.index is None, c.index == 0, pseries, memory_reserve)
            hole_el = holes.get(c.element) if holes else None
            if node_el is None and hole_el is None and shape in _CLEAN_SHAPES:
                continue
            problem = self._problem(c, dict(items), model_name, node_el, hole_el, pseries, found, memory_reserve)
            if problem:  # libvirt stops at the first
                yield problem
            elif node_el is None and hole_el is None:
                if len(_CLEAN_SHAPES) > 4096:  # bounded: odd documents must not grow it for ever
                    _CLEAN_SHAPES.clear()
                _CLEAN_SHAPES.add(shape)
        if expanders:
            yield from self._bus_numbers(controllers)
        if added_for is not None:
            chassis_problems += self._added_ports(added_root_ports(found, added_for), chassis_users)
        yield from chassis_problems

    @staticmethod
    def _chassis(c: Controller, index: int, explicit: int | None, users: dict[int, Controller]) -> Problem | None:
        """A port whose chassis (explicit, else its index) an earlier port has (users: chassis -> that port)."""
        chassis = explicit if explicit is not None else index
        if chassis in users:
            anchor = Anchor(c.target, "chassis") if explicit is not None else Anchor(c.element, "index")  # type: ignore
            return Problem(anchor, f"Can't add chassis slot, error -16 (QEMU, at start): chassis {chassis} is "
                                   f"already used by the controller with index='{users[chassis].index}'",
                           hint="give each PCIe root and downstream port its own chassis (libvirt uses the "
                                "index when chassis is not set)")
        users[chassis] = c
        return None

    @staticmethod
    def _added_ports(added: list[int], users: dict[int, Controller]) -> list[Problem]:
        """On q35 libvirt adds pcie-root-ports of chassis = index (added_root_ports: for the indexes below the
        highest PCI controller's, for the buses addresses name, for unaddressed PCI Express devices no empty port
        takes): one whose number a written chassis has clashes at start (checked on 9.0 with QEMU 7.2: a gap below
        a pcie-root-port and a pcie-to-pci-bridge, a NIC on bus 3, three NICs or the default USB controller and
        balloon with one port, a downstream port's chassis)."""
        for index in added:
            user = users.get(index)
            if user is None or user.target is None or user.target.get("chassis") is None:
                continue
            return [Problem(Anchor(user.target, "chassis"), f"Can't add chassis slot, error -16 (QEMU, at start): "
                            f"chassis {index} is also the chassis of the pcie-root-port libvirt adds as controller "
                            f"index='{index}'", hint="give this port another chassis, or write the controller of "
                                                     f"index {index} yourself")]
        return []

    @staticmethod
    def _bus_numbers(controllers: list[Controller]) -> Iterator[Problem]:
        """Expander buses without busNr get the lowest busNr in use minus 2 (qemuDomainAddressFindNewBusNr); at
        start QEMU refuses a second expander bus of one busNr (pxb_register_bus: `Bus 200 is already in use`,
        checked on 9.0 with QEMU 7.2, pxb and pxb-pcie; QEMU creates them in index order)."""
        users: dict[int, Controller] = {}
        in_use: list[Problem] = []  # (at start: after libvirt's own refusals below)
        for c in sorted((c for c in controllers if c.index is not None and c.model in EXPANDERS
                         and c.target is not None), key=lambda c: c.index):  # type: ignore
            number = parse_c_int(c.target.get("busNr"))  # type: ignore[union-attr]
            if number is None or not 1 <= number <= 254:
                continue  # (none, or out of range: the option check's)
            if number in users:
                hint = (f"the expander bus with index='{users[number].index}' has busNr {number}: give each expander "
                        "bus its own bus number (with room for its child buses)")
                in_use.append(Problem(Anchor(c.target, "busNr"), f"Bus {number} is already in use" + QEMU_START,  # type: ignore[arg-type]
                                      hint=hint))
            else:
                users[number] = c
        numbers = [parse_c_int(c.target.get("busNr")) for c in controllers if c.target is not None]
        known = [n for n in numbers if n is not None and n >= 0]
        lowest = min(known, default=256)
        for c in sorted((c for c in controllers if c.index is not None), key=lambda c: c.index):  # type: ignore
            target = c.target
            if c.model not in EXPANDERS or (target is not None and target.get("busNr") is not None):
                continue
            if lowest <= 2:
                address = c.address
                parent = address.get("bus", "0") if address is not None else "0"
                yield Problem(Anchor(c.element, "model"),
                              f"No free busNr lower than current lowest busNr is available to auto-assign to bus "
                              f"{parse_c_int(parent) or 0}. Must be manually assigned",
                              hint="give this expander bus a <target busNr='...'/> below the others' and "
                                   "leave room for its child buses")
                continue
            lowest -= 2
        yield from in_use

    def _problem(self, c: Controller, attrs: dict[str, str], model_name: str | None, node_el: etree._Element | None,
                 hole_el: etree._Element | None, pseries: bool, found: Facts, memory_reserve: bool) -> Problem | None:
        """The first of the controller's options libvirt refuses (it stops there), None if all pass.

        attrs: its <target>'s attributes; model_name: its <model name>; node_el: its <target><node>; hole_el: a root
        bus's <pcihole64> with a value; memory_reserve: whether the modelled libvirt reads memReserve."""
        target = c.target
        model_el = c.model_element
        node = parse_c_int(node_el.text) if node_el is not None else None
        target_index = None
        if target is not None:
            target_index = parse_c_int(attrs.get("index"))
            if target_index is not None:
                if not 0 <= target_index <= 30:
                    return Problem(Anchor(target, "index"),
                                   f"PCI controller target index '{target_index}' out of range - must be 0-30")
                if c.index is not None and (c.index == 0) != (target_index == 0):
                    return Problem(Anchor(target, "index"),
                                   "Only the PCI controller with index 0 can have target index 0, and vice versa",
                                   hint="give host bridges other than controller 0 a target index of 1-30")
            for attribute, text in attrs.items():  # the attributes it has, before the ordered look
                limits = RANGE_OF.get(attribute)
                if limits is not None:
                    value = parse_c_int(text)
                    if value is not None and not limits[1] <= value <= limits[2]:
                        return self._range_problem(target)
        if node is not None and node >= 0 and c.index == 0:
            return Problem(Anchor(node_el, text=True),  # type: ignore[arg-type]
                           "The PCI controller with index=0 can't be associated with a NUMA node",
                           hint="remove <node>, or put the device on an expander bus with a node")
        model = c.model
        if model is None:
            return None
        if model_name in KNOWN_NAMES:
            if model in ("pcie-root",) or (model == "pci-root" and not pseries):
                return Problem(Anchor(model_el, "name"),  # type: ignore[arg-type]
                               f"Option 'modelName' is not valid for {self._where(c, model_name, pseries)}",
                               hint="remove <model name>")
            if model in MODEL_NAMES and model_name not in MODEL_NAMES[model]:
                return Problem(Anchor(model_el, "name"),  # type: ignore[arg-type]
                               f"Option 'modelName' has invalid value for {self._where(c, model_name, pseries)}",
                               hint="use name='" + MODEL_NAMES[model][0] + "' or remove <model name>",
                               replacements=MODEL_NAMES[model])
        if model not in OPTION_MODELS:
            return None  # none of the options below is validated for it
        phb = model == "pci-root" and pseries
        # (a pci-root other than the root bus, index 0, is refused before validation: VL708)
        if target is not None and target_index is not None and not phb and model in TARGET_INDEX_MODELS and (
                model != "pci-root" or c.index == 0):
            return Problem(Anchor(target, "index"),
                           f"Option 'targetIndex' is not valid for {self._where(c, model_name, pseries)}",
                           hint="only pSeries PCI host bridges have a target index")
        # (judged for the machine's own root only: another root bus is refused before validation, VL708 and VL709)
        if hole_el is not None and model == found.platform.root_model and not (
                found.platform.is_i440fx if model == "pci-root" else found.platform.is_q35):
            return Problem(Anchor(hole_el), "Setting the 64-bit PCI hole size is not supported for machine "
                           f"'{found.platform.machine}'", hint="remove <pcihole64>: only the "
                           + ("i440fx (pc)" if model == "pci-root" else "q35") + " machines have it")
        if target is not None and attrs.get("busNr") is not None and model not in EXPANDERS:
            return Problem(Anchor(target, "busNr"),
                           f"Option 'busNr' is not valid for {self._where(c, model_name, pseries)}",
                           hint="only expander buses have a busNr")
        if node is not None and node >= 0:
            if model not in EXPANDERS and not phb:
                return Problem(Anchor(node_el, text=True),  # type: ignore[arg-type]
                               f"Option 'numaNode' is not valid for {self._where(c, model_name, pseries)}",
                               hint="only expander buses and pSeries host bridges have a NUMA node")
            cells = found.numa_cells
            if node >= cells and (model in EXPANDERS or phb):
                return Problem(Anchor(node_el, text=True),  # type: ignore[arg-type]
                               f"{model} with index {c.index} is configured for a NUMA node ({node}) not present "
                               f"in the domain's <cpu><numa> array ({cells})",
                               hint=f"define NUMA cell {node} under <cpu><numa>, or use a node below {cells}"
                               if cells else "define the NUMA cells under <cpu><numa>")
        if target is None or not attrs:
            return None
        for attribute, models in OPTIONS_OF_MODELS:  # (the ones each model takes; libvirt's order)
            option_text = attrs.get(attribute)
            if option_text is None or model in models:
                continue
            if attribute == "hotplug":
                given = option_text in ("on", "off")  # (virXMLPropTristateSwitch; another value is VL850's)
            elif attribute == "memReserve":
                given = memory_reserve and bool(prop_uint(option_text, 0, 64))  # (NONZERO: a 0 is VL851's)
            else:
                number = parse_c_int(option_text)
                given = number is not None and number >= 0  # (NONNEGATIVE: a negative one is VL851's)
            if given:
                return Problem(Anchor(target, attribute),
                               f"Option '{attribute}' is not valid for {self._where(c, model_name, pseries)}",
                               hint=f"remove {attribute}=: only {', '.join(sorted(models))} take it")
        return None

    @staticmethod
    def _range_problem(target: etree._Element) -> Problem | None:
        """The first <target> number out of its range, in the order libvirt checks them."""
        for attribute, low, high, label in RANGES:
            value = parse_c_int(target.get(attribute))
            if value is not None and not low <= value <= high:
                return Problem(Anchor(target, attribute),
                               f"PCI controller {label} '{value}' out of range - must be {low}-{high}")
        return None

    def _where(self, c: Controller, model_name: str | None, pseries: bool) -> str:
        """How libvirt names the controller in its option messages."""
        label = model_name or self._default_name(c.model, pseries)  # type: ignore[arg-type]
        return f"PCI controller with index '{c.index}', model '{c.model}' and modelName '{label}'"

    @staticmethod
    def _default_name(model: str, pseries: bool) -> str:
        if model == "pci-root":
            return "spapr-pci-host-bridge" if pseries else "none"
        return MODEL_NAMES.get(model, ("none",))[0]
