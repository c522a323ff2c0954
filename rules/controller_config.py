"""VL794 controller-config: a controller model its type does not have, and virtio-scsi-only driver options on
another controller."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import parse_uint, prop_uint
from virtlint.rules._addresses import facts
from virtlint.rules._devices import (QEMU_START, SPAPR_ARCHES, effective_arch, effective_machine, is_arm_virt, is_x86,
                                     qemu_driver)
from virtlint.rules._libvirt_enums import CONTROLLER_MODELS, VIRTIO_SCSI_MODELS
from virtlint.rules._support import NOTHING, domain_find, first_child, ranked

#: The most request queues QEMU's virtio-scsi takes (VIRTIO_QUEUE_MAX - VIRTIO_SCSI_VQ_NUM_FIXED; its message says
#: "less than", its test is "not more than"; checked on 9.0 with QEMU 7.2: 1023 refused, 1022 taken)
VIRTIO_SCSI_MAX_QUEUES = 1022
#: <driver> options only a virtio-scsi controller takes, in qemuValidateDomainDeviceDefControllerAttributes' order
#: (the iothread is VL802's)
VIRTIO_SCSI_OPTIONS = ("queues", "cmd_per_lun", "max_sectors", "ioeventfd")


#: Models that name one controller type's model only: on a controller of that type (the usual case), or of another
#: type, where such a mistake is rare, they pass the screen. The ambiguous or generic names (virtio, none, auto and
#: the transitional ones) and unknown names are checked against the controller's type.
_SCREENED_MODELS = frozenset(
    model for models in CONTROLLER_MODELS.values() for model in models
    if sum(model in others for others in CONTROLLER_MODELS.values()) == 1
    and model not in ("virtio", "none", "auto", "virtio-scsi", "buslogic", "ncr53c90", "ibmvscsi", "dc390"))
#: (arch, the machines; None: any) whose board has an ncr53c90 (ESP) SCSI controller built in (qemuDomainHasBuiltinESP)
BUILTIN_ESP = (("sparc", None), ("mips64", ("magnum", "pica61")), ("mips64el", ("magnum", "pica61")),
               ("m68k", ("q800",)))
#: controller types whose PCI connect flags are 0 (qemuDomainDeviceCalculatePCIConnectFlags) and that
#: qemuDomainAssignDevicePCISlots does not skip: no PCI bus takes them (fdc and ccid are skipped)
NO_SLOT_TYPES = ("xenbus", "isa")
#: the controller types the screen lets through unchecked when the model is too (None: ide, the default)
_SCREENED_TYPES = frozenset(CONTROLLER_MODELS) - set(NO_SLOT_TYPES) | {None}
#: every (type, model) libvirt's parser takes
_TYPE_MODELS = frozenset((kind, model) for kind, models in CONTROLLER_MODELS.items() for model in models)


def _option_set(driver: etree._Element, name: str) -> bool:
    """Whether libvirt keeps the option: a number other than 0, or on/off (others are VL850's or VL851's)."""
    value = driver.get(name)
    if name == "ioeventfd":
        return value in ("on", "off")
    return bool(parse_uint(value))


def _unknown_model(controller: etree._Element, kind: str, model: str) -> Problem:
    """virDomainControllerDefParseXML: a model its type's enum does not have."""
    models = CONTROLLER_MODELS[kind]
    return Problem(Anchor(controller, "model"), f"Unknown model type '{model}'",
                   hint=f"{kind} controllers take: {', '.join(models)}" if models else
                   f"remove model=: {kind} controllers have no model",
                   replacements=ranked(model, models)[:3] if models else ())


@register
class ControllerConfig(Rule):
    """
    ## What it does
    Reports a controller `model` that its `type` does not have (each type
    has its own list; `sata`, `fdc`, `ccid`, `xenbus` and `isa` controllers
    take none), a second `<model>` or `<target>` in one controller, the
    `buslogic` SCSI model (QEMU has none), an `ncr53c90` one off the boards
    that have it built in or beyond index 0, an `ibmvscsi` one off ppc64
    (at start: QEMU's `'spapr-vscsi' is not a valid device model name`;
    libvirt checks nothing; checked on 9.0 with x86_64 QEMU 7.2), and `<driver>`
    `queues`, `cmd_per_lun`, `max_sectors` or `ioeventfd` on a controller
    other than a virtio-scsi one (a model of another type's list too:
    `<controller type='scsi' model='nec-xhci'>`), and on a virtio-scsi one
    more than 1022 `queues` (at start: QEMU's `Invalid number of queues (=
    1023), must be a positive integer less than 1022.`, whose test is "at
    most 1022"; checked on 9.0 with QEMU 7.2). For QEMU, a
    `xenbus` or `isa` controller without an address on an x86 `pc` or `q35`
    machine or an ARM `virt` one (machines with a PCI bus). At start, a
    `dc390` SCSI controller: libvirt (through 10.7 at least) gives QEMU a
    `dc-390` device, which QEMU has never had (`'dc-390' is not a valid
    device model name`; checked on 9.0 with QEMU 7.2; a warning when the
    host's libvirt may be newer than the newest release modelled).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Unknown model type
    'lsilogic2'`, `Multiple <model> elements in controller definition not
    allowed` (virDomainControllerDefParseXML; every driver),
    `Unsupported controller model: buslogic`, `ncr53c90 can only be used as
    first SCSI controller`, `ncr53c90 SCSI controller is not a built-in for
    this machine` (qemuValidateCheckSCSIControllerModel; QEMU), `'queues' is
    only supported by virtio-scsi controller` and its siblings
    (qemuValidateDomainDeviceDefControllerAttributes; QEMU). Each was checked
    with the real libvirt 9.0, with its twin. A SCSI controller without a
    model gets one from the host's QEMU (lsilogic where QEMU has it, else
    virtio-scsi), so driver options on it are a warning: refused on Debian's
    QEMU, accepted where QEMU lacks lsilogic. `Cannot automatically add a new
    PCI bus for a device with connect flags 00` (virDomainPCIAddressSetGrow,
    from qemuDomainAssignDevicePCISlots; stage: define, QEMU driver): libvirt
    assigns every controller without an address a PCI slot, and a xenbus or
    isa controller can plug into none (checked on libvirt 9.0, q35).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='sata' index='1'><driver queues='2'/></controller></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='scsi' index='0' model='virtio-scsi'><driver queues='2'/></controller>
      </devices></domain>
    ```
    """

    code = "VL794"
    name = "controller-config"
    severity = Severity.ERROR
    summary = ("A controller model its type does not have or QEMU refuses, two <model> or <target> in one, "
               "virtio-scsi driver options on another controller, or a xenbus or isa controller on a PCI machine.")
    elements = ("devices", "devices/controller", "devices/controller/driver")
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # a controller without a model, or with one naming its type's model: nothing here (its <driver> is judged
        # apart, at its own path, which few controllers have)
        return ((("model", _SCREENED_MODELS | {None}), ("type", _SCREENED_TYPES)), None) \
            if path == "devices/controller" else None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "devices":  # (the address facts found the controllers' <model> and <target>)
            if element is not domain_find(ctx, "devices"):
                return NOTHING
            found = facts(ctx)
            repeated = found.repeated_controller_parts
            problems = [Problem(Anchor(part), f"Multiple <{part.tag}> elements in controller definition not allowed",
                                hint=f"merge it into the first <{part.tag}>") for part in repeated]
            for c in found.controllers:
                # (a model of one type's own list passes the per-controller screen on any type: judged here, from
                # the facts' one reading of the controllers; an absent type is 'ide', one of the screened types)
                model = c.model
                if model is not None and (c.type, model) not in _TYPE_MODELS and model in _SCREENED_MODELS and \
                        c.type in _SCREENED_TYPES:
                    problems.append(_unknown_model(c.element, c.type, model))
            return iter(problems) if problems else NOTHING
        if ctx.path != "devices/controller":
            return self._driver(element, ctx)
        kind = element.get("type", "ide")
        models = CONTROLLER_MODELS.get(kind)
        if models is None:
            return NOTHING  # a type libvirt does not have: VL850's
        model = element.get("model")
        if model is not None and model not in models:
            return iter((_unknown_model(element, kind, model),))
        if kind == "scsi" and model == "buslogic" and qemu_driver(ctx):
            return iter((Problem(Anchor(element, "model"), "Unsupported controller model: buslogic",
                                 hint="QEMU has no BusLogic controller: use virtio-scsi (or lsilogic)",
                                 replacements=("virtio-scsi", "lsilogic")),))
        if kind == "scsi" and model == "ncr53c90" and qemu_driver(ctx):
            return self._esp(element, ctx)
        if kind == "scsi" and model == "ibmvscsi" and qemu_driver(ctx):
            # (libvirt has no check of it: it gives the controller an spapr-vio address on any machine, and QEMU
            # refuses the device it lacks at start; checked on 9.0 with x86_64 QEMU 7.2)
            arch = effective_arch(ctx)
            if arch is not None and arch not in SPAPR_ARCHES:
                return iter((Problem(Anchor(element, "model"), "'spapr-vscsi' is not a valid device model name "
                                     f"(model='ibmvscsi' is pSeries' sPAPR VIO controller; the {arch} QEMU has none)"
                                     + QEMU_START, hint="use model='virtio-scsi'", replacements=("virtio-scsi",)),))
        if kind == "scsi" and model == "dc390" and qemu_driver(ctx):
            # (libvirt up to 10.7 at least names QEMU's dc390 device 'dc-390' (qemuBuildControllerSCSIDevProps), a
            # device QEMU has never had: checked on 9.0 with QEMU 7.2; a release after the newest modelled may have
            # mended it, hence a warning when the host's libvirt may be one)
            return iter((Problem(Anchor(element, "model"), "'dc-390' is not a valid device model name (libvirt gives "
                                 "QEMU's dc390 device that name)" + QEMU_START,
                                 hint="use model='am53c974', the same ESP family, or virtio-scsi",
                                 replacements=("am53c974", "virtio-scsi"),
                                 severity=Severity.WARNING if ctx.later_libvirt_possible else None),))
        if kind in NO_SLOT_TYPES and qemu_driver(ctx):
            return self._no_slot(element, ctx)
        return NOTHING

    @staticmethod
    def _no_slot(controller: etree._Element, ctx: Context) -> Iterator[Problem]:
        """qemuDomainAssignDevicePCISlots (at define, on a machine with a PCI bus): a controller without an address
        gets a PCI slot for its connect flags, and a xenbus or isa controller's are 0, which no bus takes."""
        address = first_child(controller, "address")
        if address is not None and (address.get("type") != "pci" or any(
                parse_uint(address.get(name)) for name in ("domain", "bus", "slot", "function"))):
            return NOTHING  # (an address of its own: not assigned one)
        family, x86 = effective_machine(ctx), is_x86(ctx)
        if not (x86 and family in ("pc-i440fx", "pc-q35") or is_arm_virt(ctx)):
            return NOTHING  # (machines surely given a PCI root; on the others libvirt may assign no PCI address)
        kind = controller.get("type")
        return iter((Problem(Anchor(controller, "type"), "Cannot automatically add a new PCI bus for a device with "
                             "connect flags 00", hint=f"QEMU has no {kind} controller (it is Xen's or another "
                             "hypervisor's): remove it"),))

    @staticmethod
    def _esp(controller: etree._Element, ctx: Context) -> Iterator[Problem]:
        """qemuValidateCheckSCSIControllerModel: an ncr53c90 is the board's own, SCSI controller 0 (an index that is
        not given is libvirt's to pick)."""
        index = controller.get("index")
        if index is not None and parse_uint(index) not in (0, None):
            return iter((Problem(Anchor(controller, "index"), "ncr53c90 can only be used as first SCSI controller",
                                 hint="give it index='0'"),))
        machine = ctx.machine or ""
        if not any(ctx.arch == arch and (machines is None or machine in machines) for arch, machines in BUILTIN_ESP):
            return iter((Problem(Anchor(controller, "model"), "ncr53c90 SCSI controller is not a built-in for this "
                                 "machine", hint="it is the sparc, magnum, pica61 and q800 boards' own: use "
                                 "virtio-scsi", replacements=("virtio-scsi",)),))
        return NOTHING

    def _driver(self, driver: etree._Element, ctx: Context) -> Iterator[Problem]:
        controller = driver.getparent()
        kind, model = controller.get("type", "ide"), controller.get("model")
        if not qemu_driver(ctx):
            return NOTHING
        if kind == "scsi" and model in VIRTIO_SCSI_MODELS:
            queues = prop_uint(driver.get("queues"), 10)
            if queues is not None and queues > VIRTIO_SCSI_MAX_QUEUES:
                # (virtio_scsi_common_realize: the request queues and the two fixed ones within a device's 1024)
                return iter((Problem(Anchor(driver, "queues"), f"Invalid number of queues (= {queues}), must be a "
                                     f"positive integer less than {VIRTIO_SCSI_MAX_QUEUES}." + QEMU_START,
                                     replacements=(str(VIRTIO_SCSI_MAX_QUEUES),)),))
            return NOTHING
        for name in VIRTIO_SCSI_OPTIONS:
            if _option_set(driver, name):
                resolved = kind != "scsi" or model not in (None, "auto")
                message = f"'{name}' is only supported by virtio-scsi controller"
                if not resolved:
                    message += (" (this SCSI controller has no model: libvirt gives it lsilogic where QEMU has it, "
                                "as Debian's does, else virtio-scsi)")
                return iter((Problem(Anchor(driver, name), message,
                                     hint="use a <controller type='scsi' model='virtio-scsi'>, or remove it",
                                     severity=None if resolved else Severity.WARNING),))
        return NOTHING
