"""VL761 serial-target: a serial target type or model the guest's arch or machine does not have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import prop_uint
from virtlint.rules._chardev import isa_serial_ports, serial_type
from virtlint.rules._devices import (effective_arch, effective_machine, is_arm_virt, is_loongarch_virt, is_pseries,
                                     is_riscv_virt, is_s390, is_x86, qemu_driver)
from virtlint.rules._support import NOTHING, after_first, children_by_tag, first_child, numeric_host_version

#: Serial target model -> the target type it requires (qemuValidateChrSerialTargetModelToTargetType).
MODEL_TYPE = {
    "isa-serial": "isa-serial", "usb-serial": "usb-serial", "pci-serial": "pci-serial",
    "spapr-vty": "spapr-vio-serial", "pl011": "system-serial", "16550a": "system-serial",
    "sclpconsole": "sclp-serial", "sclplmconsole": "sclp-serial", "isa-debugcon": "isa-debug",
}
#: Target type -> the model libvirt gives it (qemuDomainChrDefPostParse); system-serial depends on the machine.
DEFAULT_MODEL = {
    "isa-serial": "isa-serial", "usb-serial": "usb-serial", "pci-serial": "pci-serial",
    "spapr-vio-serial": "spapr-vty", "sclp-serial": "sclpconsole", "isa-debug": "isa-debugcon",
}


def _incompatible(kind: str, model: str, ctx: Context) -> bool | None:
    """qemuValidateDomainChrDef: whether the (type, model) pair is foreign to the guest (None: unknown)."""
    if kind == "system-serial":
        if model == "pl011":
            return None if is_arm_virt(ctx) is None else not is_arm_virt(ctx)
        if model == "16550a":
            loong, riscv = is_loongarch_virt(ctx), is_riscv_virt(ctx)
            return None if loong is None or riscv is None else not (loong or riscv)
    if kind == "spapr-vio-serial" or model == "spapr-vty":
        return None if is_pseries(ctx) is None else not is_pseries(ctx)
    if kind == "sclp-serial" or model in ("sclpconsole", "sclplmconsole"):
        return None if is_s390(ctx) is None else not is_s390(ctx)
    return False


#: Console target types that are a serial port: a console without one (or 'none') gets serial
#: (virDomainChrDefPostParse), before virDomainDefAddConsoleCompat refuses any but the first
SERIAL_CONSOLES = frozenset(("serial", None, "none"))

#: Console target types of other hypervisors (qemuValidateDomainDefConsole takes serial, virtio, sclp, sclplm)
FOREIGN_CONSOLES = frozenset(("xen", "uml", "lxc", "openvz"))


def _console(console: etree._Element, first: bool, ctx: Context) -> Iterator[Problem]:
    """virDomainDefAddConsoleCompat, qemuValidateDomainDefConsole (``first``: the first <console> of its
    <devices>)."""
    target = first_child(console, "target")
    kind = target.get("type") if target is not None else None
    if kind in SERIAL_CONSOLES and not first and ctx.driver != "ch":  # (ch: VIR_DOMAIN_DEF_FEATURE_NO_STUB_CONSOLE)
        if kind == "serial":
            yield Problem(Anchor(target, "type"), "Only the first console can be a serial port",
                          hint="use <target type='virtio'/> for further consoles", replacements=("virtio",))
        else:  # (libvirt's own default: the message names what the user did not write)
            yield Problem(Anchor(console) if target is None else Anchor(target), "Only the first console can be a "
                          "serial port (a console without a target type is a serial port)",
                          hint="give further consoles <target type='virtio'/>")
    elif kind in FOREIGN_CONSOLES:
        yield Problem(Anchor(target, "type"), f"unsupported console target type {kind}",
                      hint="QEMU's consoles are serial, virtio (and sclp on s390)", replacements=("serial", "virtio"))
    elif kind in ("sclp", "sclplm") and is_s390(ctx) is False:
        yield Problem(Anchor(target, "type"), f"{kind}console is not supported in this QEMU binary",
                      hint="sclp consoles exist on s390 only; use type='serial' or 'virtio'",
                      replacements=("serial", "virtio"))


def _bios_serial(bios: etree._Element, ctx: Context) -> Iterator[Problem]:
    """qemuValidateDomainDefBoot: SeaBIOS's serial console (useserial) is x86's and needs a serial port."""
    if bios.get("useserial") != "yes" or after_first(bios):
        return  # (libvirt reads ./os/bios[1] only)
    if is_x86(ctx) is False:
        yield Problem(Anchor(bios, "useserial"), "BIOS serial console only supported on x86 architectures",
                      hint="remove useserial='yes'")
    elif ctx.root.find("devices/serial") is None and not any(
            (c.find("target") is None or c.find("target").get("type") in (None, "serial"))
            for c in ctx.root.iterfind("devices/console")):  # libvirt gives such a console its serial port
        yield Problem(Anchor(bios, "useserial"), "need at least one serial port to use BIOS serial output",
                      hint="add <serial type='pty'/>")


def _serial(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    """qemuValidateDomainChrDef: a serial target type and model the guest's arch and machine have."""
    target = first_child(element, "target")
    model_element = first_child(target, "model") if target is not None else None
    kind = target.get("type") if target is not None else None
    model = model_element.get("name") if model_element is not None else None
    if kind == "isa-debug" and target is not None and is_x86(ctx) is False:  # (virDomainChrDefPostParse: first)
        yield Problem(Anchor(target, "type"), "isa-debug serial type only valid on x86 architecture",
                      hint="the ISA debug port exists on x86 guests only: remove the serial, or use the arch's "
                           "serial type")
        return
    kind = serial_type(kind, ctx)
    if kind is None:
        return
    if model and model in MODEL_TYPE and MODEL_TYPE[model] != kind:
        yield Problem(Anchor(model_element, "name"),
                      f"Target model '{model}' requires target type '{MODEL_TYPE[model]}'",
                      hint=f"use <target type='{MODEL_TYPE[model]}'>")
        return
    model = model or DEFAULT_MODEL.get(kind)
    if model is None and kind == "system-serial":
        model = "pl011" if is_arm_virt(ctx) else "16550a" if (is_riscv_virt(ctx) or is_loongarch_virt(ctx)) \
            else None
    if model is None:
        return
    if _incompatible(kind, model, ctx):
        anchor = Anchor(target, "type") if target is not None and target.get("type") else \
            Anchor(model_element, "name") if model_element is not None else Anchor(element)
        yield Problem(anchor, f"Serial device with target type '{kind}' and target model '{model}' not "
                              "compatible with guest architecture or machine type",
                      hint="use the arch's serial type (isa-serial on x86, system-serial on ARM virt, "
                           "spapr-vio-serial on pseries, sclp-serial on s390)")


#: Serial target types other than isa-serial (virDomainChrSerialTarget), and none written: the parser's ISA serial
#: check has nothing to say about them
SERIAL_TARGET_TYPES = frozenset((None, "usb-serial", "pci-serial", "spapr-vio-serial", "system-serial",
                                 "sclp-serial", "isa-debug"))
#: a lone ISA serial's ports that need no reading (or none written)
_FIRST_PORTS = frozenset((None, "0", "1", "2", "3"))


def _guestfwd(target: etree._Element) -> Problem | None:
    """virDomainChrDefParseTargetXML: a guestfwd channel's numeric IPv4 address and its port."""
    address = target.get("address")
    if address is None:
        return Problem(Anchor(target), "guestfwd channel does not define a target address",
                       hint="add address='10.0.2.1' port='...' (the guest-side address and port)")
    version = numeric_host_version(address)
    if version is None:
        return Problem(Anchor(target, "address"), f"Cannot parse socket address '{address}': Name or service not known",
                       hint="a numeric IPv4 address, e.g. 10.0.2.1")
    if version != 4:
        return Problem(Anchor(target, "address"), "guestfwd channel only supports IPv4 addresses",
                       hint="use an IPv4 address")
    port = target.get("port")
    if port is None:
        return Problem(Anchor(target), "Missing required attribute 'port' in element 'target'",
                       hint="add port='...'")
    if prop_uint(port, 10) is None:  # (virXMLPropUInt)
        return Problem(Anchor(target, "port"), f"Invalid value for attribute 'port' in element 'target': '{port}'. "
                                               "Expected non-negative integer value",
                       hint="the guest-side TCP port, a number")
    return None


#: (target type, target model, machine family, arch) -> whether ``_serial`` reports such a serial: its verdict
#: reads nothing else, and a fleet has a handful of such pairs
_SERIAL_VERDICTS: dict[tuple[str | None, str | None, str | None, str | None], bool] = {}


def _serial_reports(serial: etree._Element, ctx: Context) -> bool:
    """Whether ``_serial`` reports this serial (memoized by what it reads)."""
    target = first_child(serial, "target")
    if target is None:
        kind = model = None
    else:
        kind = target.get("type")
        model_element = first_child(target, "model")
        model = model_element.get("name") if model_element is not None else None
    key = (kind, model, effective_machine(ctx), effective_arch(ctx))
    verdict = _SERIAL_VERDICTS.get(key)
    if verdict is None:
        if len(_SERIAL_VERDICTS) > 4096:
            _SERIAL_VERDICTS.clear()
        verdict = _SERIAL_VERDICTS[key] = any(True for _ in _serial(serial, ctx))
    return verdict


@register
class SerialTarget(Rule):
    """
    ## What it does
    Reports a `<serial>` whose `<target type>` and `<model name>` disagree,
    or name hardware the guest's arch or machine lacks: `pl011` outside ARM
    virt, `16550a` outside RISC-V/LoongArch virt, `spapr-vio-serial` off
    pseries, `sclp-serial` off s390, `isa-debug` off x86; a `<parallel>`
    port on s390 or pseries;
    a console of type `serial` other than the first, an sclp console off
    s390, a console of another hypervisor's type (`xen`, `uml`, `lxc`,
    `openvz`); `<bios useserial='yes'>` off x86 or without a serial port; more
    than four serials of written type `isa-serial`, or one on a port above 3
    or on a port another has; and a `guestfwd` channel target without a
    numeric IPv4 `address` or without a numeric `port`, a channel without a target
    type. The target type and model
    default as libvirt's do.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `Target
    model 'pl011' requires target type 'system-serial'`, `Serial device with
    target type 'system-serial' and target model 'pl011' not compatible with
    guest architecture or machine type`, `isa-debug serial type only valid on
    x86 architecture` (virDomainChrDefPostParse; every driver, judged for
    QEMU; checked with libvirt 9.0), `parallel ports are not supported`
    (qemuValidateDomainChrTargetDef, qemuValidateDomainChrDef), `Only the
    first console can be a serial port` (virDomainDefAddConsoleCompat),
    `sclpconsole is not supported in this QEMU binary`, `unsupported console
    target type xen` (qemuValidateDomainDefConsole), `BIOS serial console only supported on x86
    architectures`, `need at least one serial port to use BIOS serial output`
    (qemuValidateDomainDefBoot), `Maximum supported number of ISA serial
    ports is '4'`, `target port '1' already allocated`
    (virDomainChrIsaSerialDefPostParse: it runs before serials get their
    default target type, so only a written `isa-serial` counts), `guestfwd
    channel does not define a target address`, `guestfwd channel only
    supports IPv4 addresses`, `Cannot parse socket address 'host': Name or
    service not known`, `Invalid value for attribute 'port' in element
    'target': 'http'. Expected non-negative integer value`
    (virDomainChrDefParseTargetXML), `target type must be
    specified for channel device` (virDomainChrDefaultTargetType). Stage:
    define; driver: QEMU. libvirt 9.0 has no `16550a` model.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><serial type='pty'><target type='system-serial'><model name='pl011'/></target></serial>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><serial type='pty'><target type='isa-serial'><model name='isa-serial'/></target></serial>
      </devices></domain>
    ```
    """

    code = "VL761"
    name = "serial-target"
    severity = Severity.ERROR
    summary = ("A serial or console target foreign to the guest's arch, machine or hypervisor, ISA serial ports "
               "beyond four or taken twice, or a guestfwd channel without its IPv4 address and port.")
    #: <devices> for the serial, parallel and console devices below (one visit for all of them)
    elements = ("devices", "os/bios", "devices/serial/target", "devices/channel/target")
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # the parser's checks of written target types: an isa-serial serial target, a guestfwd or untyped channel
        # target (others pass, at no call)
        if path == "devices/serial/target":
            return (("type", SERIAL_TARGET_TYPES),), None
        if path == "devices/channel/target":
            return (("type", frozenset(("virtio", "xen"))),), None
        return None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx):
            return NOTHING
        if ctx.path == "devices/serial/target":
            return self._isa_serials(element, ctx)
        if ctx.path == "devices/channel/target":
            kind = element.get("type")
            if kind is None:
                return iter((Problem(Anchor(element), "unknown target type '(null)' specified for character device",
                                     hint="add type='virtio' (or guestfwd, xen)", replacements=("virtio",)),))
            problem = _guestfwd(element) if kind == "guestfwd" else None
            return iter((problem,)) if problem is not None else NOTHING
        if ctx.path == "os/bios":
            return _bios_serial(element, ctx) if element.get("useserial") == "yes" else NOTHING
        # the common case first: serials whose pair is known good, no parallel port, consoles that may be as they
        # are (a suspect document gets the full check)
        children = children_by_tag(ctx, element)
        if "parallel" in children:
            return self._problems(children, ctx)
        for channel in children.get("channel", ()):
            if first_child(channel, "target") is None:
                return self._problems(children, ctx)
        for serial in children.get("serial", ()):
            if _serial_reports(serial, ctx):
                return self._problems(children, ctx)
        consoles = children.get("console")
        if consoles:
            first = consoles[0]
            for console in consoles:
                target = first_child(console, "target")
                kind = target.get("type") if target is not None else None
                if (kind in SERIAL_CONSOLES and console is not first) or kind == "sclp" or kind == "sclplm" \
                        or kind in FOREIGN_CONSOLES:
                    return self._problems(children, ctx)
        return NOTHING

    @staticmethod
    def _isa_serials(target: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The ISA serial ports' problem, judged at the first serial target written isa-serial."""
        serials = children_by_tag(ctx, target.getparent().getparent())["serial"]
        if len(serials) == 1 and target.get("port") in _FIRST_PORTS:
            return NOTHING  # the common case: virt-install writes one <target type='isa-serial' port='0'>
        targets = [found for serial in serials
                   if (found := first_child(serial, "target")) is not None and found.get("type") == "isa-serial"]
        if not targets or target is not targets[0]:
            return NOTHING  # (a target type the parser refuses is VL850's)
        problem = isa_serial_ports(targets)
        return iter((problem,)) if problem is not None else NOTHING

    def _problems(self, children: dict[str, list[etree._Element]], ctx: Context) -> Iterator[Problem]:
        """The devices' problems (some device may have one)."""
        for channel in children.get("channel", ()):
            if first_child(channel, "target") is None:
                yield Problem(Anchor(channel), "target type must be specified for channel device",
                              hint="add <target type='virtio' name='...'/>")
        for serial in children.get("serial", ()):
            yield from _serial(serial, ctx)
        for parallel in children.get("parallel", ()):
            if is_s390(ctx) or is_pseries(ctx):
                yield Problem(Anchor(parallel), "parallel ports are not supported", hint="remove the <parallel> port")
        consoles = children.get("console")
        if consoles:
            first = consoles[0]
            for console in consoles:
                yield from _console(console, console is first, ctx)
