"""VL707 usb-controller: xhci port counts and USB companion controllers without a master."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, parse_uint
from virtlint.rules._addresses import NOTHING, XHCI_MAX_PORTS, XHCI_MODELS, Controller, facts, int_attr
from virtlint.rules._devices import LIBVIRT_START, effective_arch, qemu_driver, signed_copy_message
from virtlint.rules._libvirt_enums import CONTROLLER_MODELS

UHCI_COMPANIONS = ("ich9-uhci1", "ich9-uhci2", "ich9-uhci3")
#: The EHCI controllers that take companions: QEMU gives them to its ICH9 EHCI only (the hotpluggable usb-ehci,
#: libvirt's model 'ehci', refuses a masterbus; checked on 9.0 with QEMU 7.2)
EHCI_MASTERS = ("ich9-ehci1",)
#: The companion models the parser gives a master when none is written, with its start port
#: (virDomainControllerDefParseXML): a controller of these models counts as one with a <master>
DEFAULT_MASTER_PORT = {"ich9-uhci1": 0, "ich9-uhci2": 2, "ich9-uhci3": 4}
EHCI_PORTS = 6
#: USB controller models whose QEMU device the binaries of these arches lack (vt82c686b-usb-uhci is the VIA
#: southbridge's, built for MIPS and PowerPC boards only; checked on 9.0 with QEMU 7.2, x86_64 and aarch64)
ABSENT_FROM_BINARIES = {"vt82c686b-uhci": ("x86_64", "i686", "aarch64", "armv7l")}
#: Xen's USB controller models, which the QEMU driver refuses
XEN_MODELS = ("qusb1", "qusb2")
#: x86 architectures, where a USB controller without a model gets piix3-uhci (qemuDomainControllerDefPostParse)
X86 = ("x86_64", "i686")


def _master_anchor(companion: Controller, attribute: str | None = None) -> Anchor:
    """Where a companion's master is written: its <master> (or that attribute of it), else its model, which gave
    it the parser's default master."""
    if companion.master is not None:
        return Anchor(companion.master, attribute)
    return Anchor(companion.element, "model")


@register
class UsbController(Rule):
    """
    ## What it does
    Reports a `nec-xhci` or `qemu-xhci` controller with more than 15 `ports`,
    and USB controllers that are all companions (each has a `<master>`, which
    the parser gives an `ich9-uhci1`, `-uhci2` or `-uhci3` without one) with
    no master controller among them, e.g. an `ich9-uhci2` without its
    `ich9-ehci1` (checked on 9.0). At start libvirt refuses companions whose
    index has no master controller (`masterbus not found`, while another
    index has one; checked on 9.0), and QEMU ICH9 UHCI companions whose
    master (the controller of their index without `<master>`) is not an
    `ich9-ehci1` (QEMU's plain `usb-ehci`, model `ehci`, takes no companions),
    a `vt82c686b-uhci` controller on x86 and ARM, whose QEMU has no such
    device (`USB controller model 'vt82c686b-uhci' not supported in this QEMU
    binary`, at start),
    a `startport` beyond the master's 6 ports (each companion
    takes 2), and two companions on one port. For QEMU, a controller of
    Xen's models `qusb1` or `qusb2`.

    ## Why is this bad?
    libvirt (QEMU driver) refuses the domain at define time: `'qemu-xhci' controller only
    supports up to '15' ports` (`qemuDomainControllerDefPostParse`), `No
    master USB controller specified` (`virDomainDefControllersParse`), `USB
    controller model type 'qusb1' or 'qusb2' is not supported in kvm`
    (`qemuDomainControllerDefPostParse`). Same in libvirt 9.0 and 10.7. QEMU at start: `Can't use USB bus 'usb.0' as
    masterbus, it doesn't support companion controllers`, `firstport must be
    between 0 and 4`, `firstport 0 asks for ports 0-1, but port 0 has a
    companion assigned already`. libvirt at start (stage: start, QEMU driver):
    `usb controller type 'ehci' doesn't support 'ports' with this QEMU binary`
    (qemuValidateDomainDeviceDefControllerUSB, from
    qemuBuildUSBControllerDevProps; a `ports` value that parses, 0 included;
    checked on libvirt 9.0), and a `startport` above 2147483647, which
    libvirt's formatter writes as a negative number when it copies the domain
    to start it (`Invalid value for attribute 'startport' in element
    'master': '-2147483648'`; checked on 9.0).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='qemu-xhci' ports='16'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><controller type='usb' index='0' model='qemu-xhci' ports='15'/></devices></domain>
    ```
    """

    code = "VL707"
    name = "usb-controller"
    severity = Severity.ERROR
    summary = ("An xhci controller with more than 15 ports, ports on another model, USB companions without a "
               "master, or a Xen USB model.")
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        usb = facts(ctx).controllers_of("usb")
        # the usual document: xhci controllers within their port limit, no companion controllers
        for c in usb:
            if c.master is not None or c.model in XEN_MODELS or c.model in DEFAULT_MASTER_PORT or \
                    c.model in ABSENT_FROM_BINARIES:
                return self._problems(usb, ctx)
            ports = c.element.get("ports")
            if ports is not None and (c.model not in XHCI_MODELS or
                                      (int_attr(ports) or 0) > XHCI_MAX_PORTS):
                return self._problems(usb, ctx)
        return NOTHING

    def _problems(self, usb: list[Controller], ctx: Context) -> Iterator[Problem]:
        found = facts(ctx)
        for c in usb:
            if c.model in XEN_MODELS and qemu_driver(ctx):
                yield Problem(Anchor(c.element, "model"), f"USB controller model type 'qusb1' or 'qusb2' is not "
                              f"supported in {ctx.domain_type or 'kvm'}",
                              hint="qusb1 and qusb2 are Xen's: use qemu-xhci", replacements=("qemu-xhci",))
                continue
            arches = ABSENT_FROM_BINARIES.get(c.model or "")
            if arches is not None and qemu_driver(ctx) and effective_arch(ctx) in arches:
                # (qemuValidateDomainDeviceDefControllerUSB, from the command line's build: the device's capability)
                yield Problem(Anchor(c.element, "model"), f"USB controller model '{c.model}' not supported in this "
                              "QEMU binary" + LIBVIRT_START, hint="use qemu-xhci", replacements=("qemu-xhci",))
                continue
            if c.model not in XHCI_MODELS:
                continue
            ports = int_attr(c.element.get("ports"))
            if ports is not None and ports > XHCI_MAX_PORTS:
                yield Problem(Anchor(c.element, "ports"),
                              f"'{c.model}' controller only supports up to '{XHCI_MAX_PORTS}' ports",
                              hint=f"use ports='{XHCI_MAX_PORTS}' and add a hub or another controller for more",
                              replacements=(str(XHCI_MAX_PORTS),))
        for c in usb:
            if c.master is not None or c.model in DEFAULT_MASTER_PORT:
                break
        else:
            yield from self._ports(usb, ctx)
            return  # neither companions nor the lack of a master
        others = [c for c in usb if c.model != "none"]
        if others and all(c.master is not None or c.model in DEFAULT_MASTER_PORT for c in usb):
            yield Problem(Anchor(others[0].element), "No master USB controller specified",
                          hint="add the master controller (e.g. model='ich9-ehci1' with the same index) "
                               "or remove <master> from one controller")
            return
        yield from self._ports(usb, ctx)
        yield from self._companions(usb, found.platform.arch in X86)

    @staticmethod
    def _ports(usb: list[Controller], ctx: Context) -> Iterator[Problem]:
        """qemuValidateDomainDeviceDefControllerUSB (at start): only the xhci models take a port count."""
        if not qemu_driver(ctx):
            return
        x86 = facts(ctx).platform.arch in X86
        for c in usb:
            ports = int_attr(c.element.get("ports"))
            if ports is None or ports < 0 or c.model in XHCI_MODELS or c.model == "none":
                continue
            model = c.model or ("piix3-uhci" if x86 else None)
            if model is None or model in XEN_MODELS or model not in CONTROLLER_MODELS["usb"]:
                continue  # (the host QEMU's default model; Xen's and unknown models are refused at define)
            yield Problem(Anchor(c.element, "ports"),
                          f"usb controller type '{model}' doesn't support 'ports' with this QEMU binary"
                          + LIBVIRT_START,
                          hint="only the nec-xhci and qemu-xhci controllers take ports=: remove it, or use "
                               "model='qemu-xhci'")

    @staticmethod
    def _companions(usb: list[Controller], x86: bool) -> Iterator[Problem]:
        """QEMU's checks of UHCI companions on their EHCI master (at start)."""
        for index in sorted({c.index for c in usb if c.index is not None}):
            group = [c for c in usb if c.index == index]
            masters = [c for c in group if c.master is None and c.model not in DEFAULT_MASTER_PORT]
            companions = [c for c in group if (c.master is not None or c.model in DEFAULT_MASTER_PORT)
                          and c.model in UHCI_COMPANIONS]
            if companions and not masters:
                # (qemuBuildUSBControllerFindMasterAlias, at start: the controller of their index without <master>)
                yield Problem(_master_anchor(companions[0]), "masterbus not found" + LIBVIRT_START,
                              hint=f"give USB index {index} its master: <controller type='usb' index='{index}' "
                                   "model='ich9-ehci1'/>")
                continue
            if not companions:
                continue
            master_model = masters[0].model or ("piix3-uhci" if x86 else None)
            bus = ("usb" if index == 0 else f"usb{index}") + ".0"
            if master_model is None:
                continue
            if master_model not in EHCI_MASTERS:
                yield Problem(_master_anchor(companions[0]),
                              f"Can't use USB bus '{bus}' as masterbus, it doesn't support companion controllers "
                              "(QEMU, at start)",
                              hint=f"companions need an EHCI master: give index {index} an ich9-ehci1 controller")
                continue
            taken: set[int] = set()
            for c in companions:
                master = c.master
                first = parse_uint(master.get("startport", "0")) if master is not None else DEFAULT_MASTER_PORT[
                    c.model or ""]
                if first is None:
                    continue
                if first > INT_MAX:  # (libvirt formats it with %d when it copies the domain to start it)
                    yield Problem(_master_anchor(c, "startport"), signed_copy_message("startport", "master", first),
                                  hint="startport 0, 2 or 4")
                    continue
                if not 0 <= first <= EHCI_PORTS - 2:
                    yield Problem(_master_anchor(c, "startport"),
                                  f"firstport must be between 0 and {EHCI_PORTS - 2} (QEMU, at start)",
                                  hint="an EHCI master has 6 ports; each UHCI companion takes 2: startport 0, 2 or 4")
                    continue
                clash = sorted(taken & {first, first + 1})
                if clash:
                    yield Problem(_master_anchor(c, "startport"),
                                  f"firstport {first} asks for ports {first}-{first + 1}, but port {clash[0]} has a "
                                  "companion assigned already (QEMU, at start)",
                                  hint="give each companion its own pair of ports: startport 0, 2 and 4")
                    continue
                taken |= {first, first + 1}
