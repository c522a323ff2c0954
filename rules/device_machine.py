"""VL785 device-machine: IOMMU, watchdog, panic, input and sound models, and IDE controllers, the guest's machine or
arch lacks."""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import (QEMU_START, effective_machine, effective_machine_name, has_isa, refused_since,
                                     is_arm_virt, is_pseries, is_q35, is_s390, is_x86, qemu_driver)
from virtlint.rules._addresses import facts
from virtlint.rules._support import NOTHING, children_by_tag, first_child


def _is_i440fx(ctx: Context) -> bool | None:
    family = effective_machine(ctx)
    return None if family is None else family == "pc-i440fx"


def _q35_or_arm_virt(ctx: Context) -> bool | None:
    q35, virt = is_q35(ctx), is_arm_virt(ctx)
    if q35 or virt:
        return True
    return None if q35 is None or virt is None else False


def _has_i8042(ctx: Context) -> bool | None:
    """virQEMUCapsSupportsI8042 (libvirt 10.7): the PS/2 controller exists on i440fx, q35 and isapc (and Xen FV)
    machines."""
    family = effective_machine(ctx)
    if family is None:
        return None
    if family in ("pc-i440fx", "pc-q35", "isapc", "xenfv"):
        return True
    if is_x86(ctx) and not ctx.libvirt_at_least(10, 7):
        # (before 10.7, which added the ps2 feature, libvirt refused PS/2 off x86 only: 9.0 starts a microvm's,
        # checked, 9.8's source the same)
        return True
    # a machine we know has no i8042; any other name (a typo, a downstream machine) is left undecided
    if family in ("microvm", "virt", "pseries", "s390-ccw-virtio") or is_x86(ctx) is False:
        return False
    return None


class Requirement(NamedTuple):
    """Device `tag` whose `attribute` is `value` needs `holds(ctx)`; libvirt's message when it does not."""

    tag: str
    attribute: str
    value: str
    holds: Callable[[Context], bool | None]
    message: str
    hint: str
    #: The libvirt release from which it is refused, when libvirt 9.0 accepted it (10.7 is the one known to refuse).
    since: tuple[int, int] | None = None


def _never(ctx: Context) -> bool:
    return False


def _not_microvm(ctx: Context) -> bool | None:
    family = effective_machine(ctx)
    return None if family is None else family != "microvm"


#: (qemuValidateDomainDeviceDefIOMMU, qemuValidateDomainWatchdogDef, qemuValidateDomainDefPanic,
#:  qemuValidateDomainDeviceDefInput, qemuValidateDomainDeviceDefSound)
REQUIREMENTS = (
    Requirement("iommu", "model", "intel", is_q35, "IOMMU device: 'intel' is only supported with Q35 machines",
                "use a q35 machine, or model='virtio'"),
    Requirement("iommu", "model", "smmuv3", is_arm_virt,
                "IOMMU device: 'smmuv3' is only supported with ARM Virt machines", "use model='virtio' off ARM"),
    Requirement("iommu", "model", "virtio", _q35_or_arm_virt,
                "IOMMU device: 'virtio' is only supported with Q35 and ARM Virt machines",
                "use a q35 (or ARM virt) machine"),
    Requirement("watchdog", "model", "ib700", _is_i440fx,
                "ib700 model of watchdog cannot be used with this machine type", "use model='i6300esb'",
                since=(9, 3)),
    # (before 9.3, libvirt defines an ib700 anywhere; QEMU refuses the ISA card where it has no ISA bus: checked on
    # 9.0 with aarch64)
    Requirement("watchdog", "model", "ib700", has_isa, "'ib700' is not a valid device model name (the ib700 "
                "watchdog is an ISA card, and this arch's QEMU has no ISA bus)" + QEMU_START,
                "use model='i6300esb' (a PCI watchdog)"),
    Requirement("watchdog", "model", "diag288", is_s390,
                "diag288 model of watchdog is allowed for s390 and s390x only", "use model='i6300esb'"),
    Requirement("watchdog", "model", "itco", is_q35, "itco model of watchdog is only part of q35 machine",
                "use model='i6300esb'"),
    Requirement("panic", "model", "s390", is_s390, "only S390 guests support panic device of model 's390'",
                "remove the model (libvirt picks the arch's panic device)"),
    Requirement("panic", "model", "hyperv", is_x86,
                "only i686 and x86_64 guests support panic device of model 'hyperv'",
                "remove the model (libvirt picks the arch's panic device)"),
    Requirement("panic", "model", "pseries", is_pseries, "only pSeries guests support panic device of model 'pseries'",
                "remove the model (libvirt picks the arch's panic device)"),
    Requirement("input", "bus", "ps2", _has_i8042, "ps2 is not supported by this QEMU binary",
                "use bus='usb' (or virtio)"),
    Requirement("sound", "model", "ich7", _never, "sound card model 'ich7' is not supported by qemu",
                "use model='ich9' (or ich6)"),
    # (libvirt checks nothing: QEMU refuses the ISA card where its binary has no ISA bus; checked on 9.0, aarch64)
    Requirement("sound", "model", "sb16", has_isa, "'sb16' is not a valid device model name (the Sound Blaster "
                "16 is an ISA card, and this arch's QEMU has no ISA bus)" + QEMU_START,
                "use model='ich9' (or ac97, es1370), which are PCI cards"),
    # (QEMU's microvm has an ISA bus without ISA DMA, and no floppy controller, which libvirt assumes built in off
    # q35; both checked on 9.0)
    Requirement("sound", "model", "sb16", _not_microvm, "ISA controller does not support DMA (microvm's ISA bus has "
                "none, which the Sound Blaster 16 needs)" + QEMU_START, "use a machine with ISA DMA, such as pc"),
    Requirement("disk", "device", "floppy", _not_microvm, "No 'floppy-bus' bus found for device 'floppy' (microvm "
                "has no floppy controller)" + QEMU_START, "use a cdrom or a virtio disk on microvm"),
)
BY_TAG: dict[str, list[Requirement]] = {}
for _requirement in REQUIREMENTS:
    BY_TAG.setdefault(_requirement.tag, []).append(_requirement)


def _has_builtin_ide(ctx: Context) -> bool | None:
    """qemuDomainMachineHasBuiltinIDE, by the machine's name as libvirt tests it: the i440fx machines of x86 (`pc`,
    `pc-0.*`, `pc-1.*`, `pc-i440fx-*`, `rhel*`), `malta`, `sun4u` and `g3beige`. None when the machine is unknown
    (no machine, and caps of another arch or without one)."""
    machine = effective_machine_name(ctx)
    x86 = is_x86(ctx)
    if machine is None or x86 is None:
        return None
    if x86 and (machine == "pc" or machine.startswith(("pc-0.", "pc-1.", "pc-i440fx-", "rhel"))):
        return True
    return machine in ("malta", "sun4u", "g3beige")


def _ide_controllers(ctx: Context) -> Iterator[Problem]:
    """qemuValidateDomainDeviceDefControllerIDE: the one IDE controller QEMU has is a machine's built-in one, index 0
    (a controller without a type is IDE; one without an index gets the lowest free: the address facts')."""
    controllers = facts(ctx).controllers_of("ide")
    builtin = _has_builtin_ide(ctx) if controllers else None
    if builtin is None:
        return
    for controller in controllers:
        if controller.index is None or builtin and controller.index == 0:
            continue  # (an index libvirt cannot read: VL851's)
        element = controller.element
        if builtin:
            yield Problem(_type_anchor(element), "Only a single IDE controller is supported for this machine type",
                          hint="attach further disks to the one IDE controller (buses 0 and 1), or use SATA or virtio")
        else:
            yield Problem(_type_anchor(element), "IDE controllers are unsupported for this QEMU binary or machine type",
                          hint="this machine has no IDE controller: use a SATA controller (q35) or virtio disks",
                          replacements=("sata",) if element.get("type") else ())


def _type_anchor(element: etree._Element) -> Anchor:
    return Anchor(element, "type") if element.get("type") is not None else Anchor(element)


#: Panic models libvirt gives no address of their own (firmware or hypervisor features).
ADDRESSLESS_PANICS = ("s390", "hyperv", "pseries")


def _panic(panic: etree._Element, ctx: Context) -> Iterator[Problem]:
    """qemuValidateDomainDefPanic: addresses per panic model, and the ISA device only x86 QEMU has."""
    model = panic.get("model")
    if model is None:  # qemuDomainDevicePanicDefPostParse
        pseries, s390 = is_pseries(ctx), is_s390(ctx)
        if pseries is None or s390 is None:
            return
        model = "pseries" if pseries else "s390" if s390 else "isa"
    address = panic.find("address")
    kind = address.get("type") if address is not None else None
    if model in ADDRESSLESS_PANICS:
        if address is not None and REQUIREMENT_HOLDS[model](ctx):
            yield Problem(Anchor(address), f"setting the panic device address is not supported for model '{model}'",
                          hint="remove the <address>")
    elif model == "isa":
        if is_x86(ctx) is False:
            yield Problem(Anchor(panic, "model") if panic.get("model") else Anchor(panic),
                          "the QEMU binary does not support the ISA panic device",
                          hint="use model='pvpanic' (PCI) off x86", replacements=("pvpanic",))
        elif kind not in (None, "isa"):
            yield Problem(Anchor(address, "type"), "panic is supported only with ISA address type",
                          replacements=("isa",))
    elif model == "pvpanic" and kind not in (None, "pci"):
        yield Problem(Anchor(address, "type"), "pvpanic is supported only with PCI address type",
                      replacements=("pci",))


def _input(device: etree._Element, ctx: Context) -> Iterator[Problem]:
    """virDomainInputDefValidate (HVM guests): PS/2 carries mice and keyboards only; the xen bus is Xen PV's."""
    if (ctx.root.findtext("os/type") or "").strip() != "hvm":
        return
    bus, kind = device.get("bus"), device.get("type")
    if bus == "ps2" and kind not in (None, "mouse", "keyboard"):
        yield Problem(Anchor(device, "type"), f"ps2 bus does not support {kind} input device",
                      hint="use bus='usb' (or virtio)", replacements=())
    elif bus == "xen":
        yield Problem(Anchor(device, "bus"), "unsupported input bus xen", replacements=("usb", "virtio"))


REQUIREMENT_HOLDS: dict[str, Callable[[Context], bool | None]] = {
    "s390": is_s390, "hyperv": is_x86, "pseries": is_pseries,
}


def _memballoon(balloon: etree._Element) -> Problem | None:
    """A balloon model only another driver has (xen): QEMU has no such device, so its PCI connect flags are none
    and address assignment finds no bus for it (post-parse); given an address, validation refuses the model
    (qemuValidateDomainDeviceDefMemballoon)."""
    model = balloon.get("model")
    if model != "xen":
        return None
    message = (f"Memory balloon device type '{model}' is not supported by this version of qemu"
               if first_child(balloon, "address") is not None
               else "Cannot automatically add a new PCI bus for a device with connect flags 00")
    return Problem(Anchor(balloon, "model"), message, hint="use model='virtio' (or 'none' for no balloon)",
                   replacements=("virtio",))


def _device_problems(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """The first refusal of this device: its panic address or input bus, else the machine or arch it requires."""
    if element.tag in ("panic", "input"):
        problems = list(_panic(element, ctx) if element.tag == "panic" else _input(element, ctx))
        if problems:
            yield problems[0]
            return
    for requirement in BY_TAG.get(element.tag, ()):
        if element.get(requirement.attribute) == requirement.value and requirement.holds(ctx) is False:
            if requirement.since is not None and not refused_since(ctx, *requirement.since):
                continue  # (the modelled release defines it: a later requirement, QEMU's at start, may refuse it)
            yield Problem(Anchor(element, requirement.attribute), requirement.message, hint=requirement.hint)
            return


@register
class DeviceMachine(Rule):
    """
    ## What it does
    Reports devices whose model or bus exists only on some machines or arches:
    IOMMU `intel` off q35, `smmuv3` off ARM virt, `virtio` off q35 and ARM
    virt; watchdog `ib700` off i440fx, `diag288` off s390, `itco` off q35;
    panic `s390`, `hyperv` and `pseries` off their arch or machine or with an
    `<address>`, an ISA panic device (the default off pseries and s390) off
    x86 or on another address type, `pvpanic` off PCI; PS/2
    input on a machine without an i8042 controller (off x86 before libvirt
    10.7: 9.0 starts a microvm's, checked), a PS/2 tablet, the xen
    input bus on an HVM guest; the `ich7` sound model, and `sb16` (an ISA
    card) on ARM, RISC-V or s390 (QEMU, at start: `'sb16' is not a valid
    device model name`, checked on 9.0 with aarch64) and on microvm, whose
    ISA bus has no DMA (`ISA controller does not support DMA`), a floppy on
    microvm, which has no floppy controller (`No 'floppy-bus' bus found for
    device 'floppy'`; both QEMU at start, checked on 9.0); an IDE controller (a
    `<controller>` without a type is one) on a machine without a built-in
    one (q35, ARM virt: libvirt knows only the i440fx machines' and those of
    `malta`, `sun4u` and `g3beige`), or other than that built-in one, index 0;
    an `<nvram>` device (sPAPR's) off pSeries (`nvram device is only supported
    for PPC64`, qemuValidateDomainDeviceDefNVRAM; define; checked on 9.0); a
    `xen` memory balloon, which QEMU lacks (`Cannot automatically add a new
    PCI bus for a device with connect flags 00` from address assignment, or
    with an `<address>` `Memory balloon device type 'xen' is not supported by
    this version of qemu`, qemuValidateDomainDeviceDefMemballoon; define;
    both checked on 9.0).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `IOMMU
    device: 'intel' is only supported with Q35 machines`
    (qemuValidateDomainDeviceDefIOMMU), `ib700 model of watchdog cannot be used
    with this machine type` (qemuValidateDomainWatchdogDef), `only S390 guests
    support panic device of model 's390'`, `setting the panic device address is
    not supported for model 'pseries'`, `the QEMU binary does not support the
    ISA panic device` (only x86 QEMU builds it), `pvpanic is supported only
    with PCI address type` (qemuValidateDomainDefPanic), `ps2 is
    not supported by this QEMU binary` (qemuValidateDomainDeviceDefInput),
    `ps2 bus does not support tablet input device`, `unsupported input bus
    xen` (virDomainInputDefValidate),
    `sound card model 'ich7' is not supported by qemu`
    (qemuValidateDomainDeviceDefSound), `IDE controllers are unsupported for
    this QEMU binary or machine type`, `Only a single IDE controller is
    supported for this machine type` (qemuValidateDomainDeviceDefControllerIDE;
    an IDE disk on q35 adds such a controller, which VL302 reports from the
    caps' disk bus enum). Stage: define; driver: QEMU. libvirt
    9.0 has no `itco` watchdog (its parser refuses the name) and accepts
    `ib700` off i440fx, which libvirt refuses since 9.3 (NEWS: "ib700 watchdog
    is allowed only on i440fx machines"): that check follows the
    libvirt-version setting (reported for 9.3 and later); before 9.3, an
    `ib700` on ARM, RISC-V or s390 is refused by QEMU at start (`'ib700' is
    not a valid device model name`: an ISA card; checked on 9.0 with
    aarch64). libvirt 9.0 refuses `ich7` too, with another message (no PCI bus for it).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os>
      <devices><iommu model='intel'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><ioapic driver='qemu'/></features><devices><iommu model='intel'/></devices></domain>
    ```
    """

    code = "VL785"
    name = "device-machine"
    severity = Severity.ERROR
    summary = ("An IOMMU, watchdog, panic, input, sound or balloon model, or an IDE controller, the machine or arch "
               "lacks.")
    #: the IOMMU, watchdog, panic, input, sound and IDE controller devices below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx):
            return NOTHING
        children = children_by_tag(ctx, element)
        for tag in BY_TAG:
            devices = children.get(tag)
            if devices is not None and (tag != "disk" or effective_machine(ctx) == "microvm"):
                # (a disk's requirement, the floppy controller, fails on microvm only)
                for device in devices:
                    if not _usual(tag, device):
                        return self._problems(children, ctx)
        if "nvram" in children or facts(ctx).controllers_of("ide"):
            return self._problems(children, ctx)
        for balloon in children.get("memballoon", ()):
            if balloon.get("model") == "xen":
                return self._problems(children, ctx)
        return NOTHING

    def _problems(self, children: dict[str, list[etree._Element]], ctx: Context) -> Iterator[Problem]:
        """The devices' problems (some device may have one)."""
        for tag in BY_TAG:
            for device in children.get(tag, ()):
                if not _usual(tag, device):
                    yield from _device_problems(device, ctx)
        for balloon in children.get("memballoon", ()):
            problem = _memballoon(balloon)
            if problem is not None:
                yield problem
        nvrams = children.get("nvram")
        if nvrams and is_pseries(ctx) is False:  # (qemuValidateDomainDeviceDefNVRAM: sPAPR's NVRAM device)
            yield Problem(Anchor(nvrams[0]), "nvram device is only supported for PPC64",
                          hint="remove <nvram> from <devices> (UEFI variables go in <os><nvram>)")
        yield from _ide_controllers(ctx)


def _usual(tag: str, device: etree._Element) -> bool:
    """The usual input and sound devices: nothing here looks at them (a cheap pre-test)."""
    return tag == "input" and device.get("bus") not in ("ps2", "xen") or tag == "sound" and \
        device.get("model") not in ("ich7", "sb16") or tag == "disk" and device.get("device") != "floppy"
