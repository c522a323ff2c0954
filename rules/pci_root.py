"""VL709 pci-root: the PCI root and expander buses the machine type allows."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import NOTHING, Controller, Facts, facts

#: PCI controller models this rule looks at beyond index 0: the roots (with an address) and the expander buses
ROOTS = ("pci-root", "pcie-root")
EXPANDERS = ("pci-expander-bus", "pcie-expander-bus")
_WATCHED = frozenset(ROOTS + EXPANDERS)


@register
class PciRoot(Rule):
    """
    ## What it does
    Checks the PCI controllers against the machine type:

    - every PCI controller names its model (libvirt picks none itself);
    - PCI controller 0 is the root bus the machine has: `pci-root` on `pc`
      (i440fx), `pseries` and other conventional-PCI machines, `pcie-root`
      on `q35`, ARM and RISC-V `virt` and LoongArch;
    - a `pci-root` or `pcie-root` has no `<address>` (it plugs into nothing);
    - a `pci-expander-bus` (pxb) needs a `pc` machine, a `pcie-expander-bus`
      (pxb-pcie) a `q35` or ARM `virt` machine.

    Without a machine type in the document (libvirt would use the host's
    default) nothing is reported.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `The PCI controller with
    index='0' must be model='pci-root' for this machine type, but
    model='pcie-root' was found instead` (`qemuDomainDefAddDefaultDevices`;
    `model='(null)'` without a model), `PCI controller model was not set
    correctly` (`virDomainPCIAddressBusSetModel`, while assigning addresses),
    `pci-root and pcie-root controllers should not have an address`
    (`virDomainControllerDefValidate`), `pci-expander-bus controllers are only
    supported on 440fx-based machinetypes`, `pcie-expander-bus controllers are
    not supported with this machine type` (`qemuDomainControllerDefPostParse`).
    Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='pci' index='0' model='pcie-root'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><controller type='pci' index='0' model='pci-root'/></devices></domain>
    ```
    """

    code = "VL709"
    name = "pci-root"
    severity = Severity.ERROR
    summary = "A PCI controller without a model, or a root or expander bus the machine type does not have."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        controllers = found.controllers_of("pci")
        root = found.platform.root_model
        # the usual document: no index-0 controller of another model than the root, no root with an address,
        # no expander bus (the cheap test first: most PCI controllers are ports and bridges above index 0)
        for c in controllers:
            model = c.model
            if (root and model != root and (c.index == 0 or model is None)) or model in _WATCHED and (
                    model in EXPANDERS or c.address is not None):
                return self._problems(controllers, found)
        return NOTHING

    @staticmethod
    def _problems(controllers: list[Controller], found: Facts) -> Iterator[Problem]:
        platform = found.platform
        root = platform.root_model
        machine_known = platform.machine is not None
        for c in controllers:
            model = c.model
            if c.index == 0 and root and model != root:
                # (no model: C's "%s" of NULL, the default model having no name)
                yield Problem(Anchor(c.element, "model" if model else None),
                              f"The PCI controller with index='0' must be model='{root}' for this machine type, "
                              f"but model='{model or '(null)'}' was found instead", hint=f"use model='{root}'",
                              replacements=(root,) if model else ())
            elif model is None and root:
                # (qemuDomainPCIAddressSetCreate gives each controller's bus its model: none is no bus kind)
                yield Problem(Anchor(c.element), "PCI controller model was not set correctly",
                              hint="name its model: model='pcie-root-port' on q35, 'pci-bridge' on pc")
            if model in ROOTS and c.address is not None:
                yield Problem(Anchor(c.address), "pci-root and pcie-root controllers should not have an address",
                              hint="remove the <address>")
            if not machine_known:
                continue
            if model == "pci-expander-bus" and not platform.is_i440fx:
                yield Problem(Anchor(c.element, "model"),
                              "pci-expander-bus controllers are only supported on 440fx-based machinetypes",
                              hint="on PCI Express machines use model='pcie-expander-bus'")
            elif model == "pcie-expander-bus" and not (platform.is_q35 or platform.is_arm_virt):
                yield Problem(Anchor(c.element, "model"),
                              "pcie-expander-bus controllers are not supported with this machine type",
                              hint="on pc machines use model='pci-expander-bus'")
