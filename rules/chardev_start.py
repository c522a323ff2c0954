"""VL763 chardev-start: character devices libvirt defines but the domain cannot start with (libvirt's start-time
checks and QEMU's refusals)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import parse_int, prop_uint
from virtlint.rules._chardev import (CHARDEVS, ISA_PORTS, SOURCE_HOLDERS, isa_serial_problem, serial_alias_console,
                                     source_holders, written_isa_serial_problem)
from virtlint.rules._devices import (ISA_IRQ_HINT, ISA_IRQ_REFUSAL, ISA_IRQS, LIBVIRT_START, QEMU_START,
                                     effective_arch, has_isa, is_arm_virt, is_loongarch_virt, is_riscv_virt, is_x86,
                                     qemu_driver)
from virtlint.rules._support import NOTHING, children_by_tag, first_child

#: the name libvirt gives a spicevmc channel without one, the only one it takes (qemuBuildVirtioSerialPortDevProps)
SPICE_PORT_NAME = "com.redhat.spice.0"
#: sizeof(struct sockaddr_un.sun_path) less the terminating NUL (qemuOpenChrChardevUNIXSocket)
UNIX_PATH_MAX = 107
#: a lone serial's ports that need no ISA check at start (or none written)
FIRST_PORTS = frozenset((None, "0", "1", "2", "3"))
#: QEMU's isa-parallel: MAX_PARALLEL_PORTS
PARALLEL_PORTS = 3
#: address types a virtio console cannot have at start (qemuBuildVirtioSerialPortDevProps takes none, ccw and
#: virtio-serial; libvirt keeps a console's own address where it gives a channel a virtio-serial one; the parser
#: and VL704 refuse 'unassigned' and 'virtio-s390')
CONSOLE_ADDRESSES = frozenset(("pci", "drive", "ccid", "usb", "spapr-vio", "virtio-mmio", "isa", "dimm"))


#: The user-mode network libvirt gives each guestfwd channel its own -netdev user of (libslirp's default
#: 10.0.2.0/24): check_guestfwd refuses an address outside it, its host (.2) and its DNS (.3); 0.0.0.0 is .4
SLIRP_NET, SLIRP_HOST, SLIRP_DNS = "10.0.2.", 2, 3
#: The IPv4 wildcard address (a TCP server on it takes the port on every address; slirp reads it as 10.0.2.4)
IPV4_ANY = "0.0.0.0"
#: The source types whose backend _backends judges (a chardev without a type is a pty)
BACKEND_KINDS = frozenset(("stdio", "file", "pipe", "tcp"))
#: What each backend with an empty path fails on at start: virtlogd opening the file, the DAC driver its stat
EMPTY_PATH_MESSAGES = {"file": "Unable to open file: : No such file or directory",
                       "pipe": "unable to stat: : No such file or directory"}


def _backends(children: dict[str, list[etree._Element]]) -> Iterator[Problem]:
    """The serials', parallels', consoles' and channels' backends QEMU cannot open: a second stdio, a file or pipe
    of an empty path, two TCP servers on one port (the console libvirt makes an alias of the first serial shares
    its backend)."""
    stdio: list[etree._Element] = []
    listening: dict[int, list[tuple[str, etree._Element]]] = {}
    for tag in CHARDEVS:
        for device in children.get(tag, ()):
            kind = device.get("type")
            if kind not in BACKEND_KINDS or (tag == "console" and serial_alias_console(device)):
                continue
            if kind == "stdio":
                stdio.append(device)
                continue
            source = first_child(device, "source")
            if source is None:
                continue  # (VL760)
            if kind == "tcp":
                service = source.get("service")
                if source.get("mode") == "bind" and service is not None and service.isdigit() and int(service):
                    listening.setdefault(int(service), []).append((source.get("host", ""), source))
            elif source.get("path") == "":
                yield Problem(Anchor(source, "path"), EMPTY_PATH_MESSAGES[kind] + LIBVIRT_START,
                              hint="name the file or pipe this device uses")
    if len(stdio) > 1:
        yield Problem(Anchor(stdio[1], "type"), "cannot use stdio by multiple character devices" + QEMU_START,
                      hint="give one character device type='stdio', the others pty or file")
    for port, servers in listening.items():
        for index, (host, source) in enumerate(servers[1:], 1):
            if any(other == host or IPV4_ANY in (other, host) and _ipv4(other) and _ipv4(host)
                   for other, _ in servers[:index]):
                yield Problem(Anchor(source, "service"), "Failed to find an available port: Address already in use"
                              + QEMU_START, hint=f"another character device of this domain listens on port {port}")
                break


def _isa_irq(serial: etree._Element, target: etree._Element | None, x86: bool) -> Problem | None:
    """An ISA serial's irq (read in hexadecimal) that QEMU's ISA bus does not have."""
    address = first_child(serial, "address")
    if address is None or address.get("type") != "isa":
        return None
    kind = target.get("type") if target is not None else None
    irq = prop_uint(address.get("irq"), 16)
    if irq is None or irq < ISA_IRQS or not (kind == "isa-serial" or kind is None and x86):
        return None
    return Problem(Anchor(address, "irq"), ISA_IRQ_REFUSAL, hint=ISA_IRQ_HINT)


def _virtio_serial_bus(device: etree._Element) -> Problem | None:
    """A virtio-serial address on a bus other than 0 with its port: libvirt writes the bus as the controller's
    alias '.bus' (qemuBuildDeviceAddressProps), and the controller has bus 0 only (without a port, libvirt
    assigns one, on bus 0)."""
    address = first_child(device, "address")
    if address is None or address.get("type") != "virtio-serial":
        return None
    bus_text = address.get("bus")
    if bus_text in (None, "", "0"):
        return None  # (the usual)
    bus, port = prop_uint(bus_text, 10), prop_uint(address.get("port") or "0", 10)
    if not bus or not port:
        return None
    controller = prop_uint(address.get("controller") or "0", 10)
    return Problem(Anchor(address, "bus"), f"Bus 'virtio-serial{controller}.{bus}' not found" + QEMU_START,
                   hint="a virtio-serial controller has one bus: bus='0'", replacements=("0",))


def _ipv4(address: str | None) -> tuple[int, ...] | None:
    """The four numbers of an IPv4 address in canonical dotted decimal quads; None for anything else (a leading
    zero is octal to the C library that reads it)."""
    parts = address.split(".") if address is not None else ()
    if len(parts) != 4 or not all(part.isdigit() and part.isascii() and str(int(part)) == part and int(part) < 256
                                  for part in parts):
        return None
    return tuple(int(part) for part in parts)


def _guestfwd_address(target: etree._Element, index: int) -> Problem | None:
    """A guestfwd address outside libslirp's 10.0.2.0/24, or its host or DNS address."""
    address = target.get("address")
    numbers = _ipv4(address)
    if numbers is None or address == IPV4_ANY:
        return None  # (not an IPv4 address in dotted quads: the parser's)
    if ".".join(map(str, numbers[:3])) + "." == SLIRP_NET and numbers[3] not in (SLIRP_HOST, SLIRP_DNS):
        return None
    port = prop_uint(target.get("port"), 10)
    return Problem(Anchor(target, "address"), "Conflicting/invalid host:port in guest forwarding rule "
                   f"'tcp:{address}:{port % 65536 if port is not None else ''}-chardev:charchannel{index}'"
                   + QEMU_START, hint="libvirt gives the channel a user-mode network, 10.0.2.0/24: use an address "
                                      "in it other than 10.0.2.2 (its host) and 10.0.2.3 (its DNS)")


def _serial_port(serial: etree._Element) -> tuple[etree._Element | None, int | None]:
    """A serial's <target> and its written port (-1: none; None: unreadable, the parser's)."""
    target = first_child(serial, "target")
    written = target.get("port") if target is not None else None
    return target, (parse_int(written) if written is not None else -1)


def _start_isa_serials(serials: list[etree._Element]) -> Problem | None:
    """virDomainChrIsaSerialDefPostParse as the start sees it. At define it counts only the serials whose
    <target type='isa-serial'> is written (VL761) and gives those without a port the lowest free one; then each
    serial still without a port gets one more than the highest of them all (virDomainChrDefPostParse), and x86's
    untyped serials become isa-serial (qemuDomainChrDefPostParse). The start copies the definition by formatting
    and parsing it again, so the check then counts every x86 serial with the ports define gave."""
    ports: list[int] = []
    kinds: list[str | None] = []
    for serial in serials:
        target, port = _serial_port(serial)
        if port is None:
            return None
        ports.append(port)
        kinds.append(target.get("type") if target is not None else None)
    if None not in kinds:
        return None  # every ISA serial's type is written: VL761 judges them as the start would
    used = {port for port, kind in zip(ports, kinds) if kind == "isa-serial" and port != -1}
    for index, kind in enumerate(kinds):  # the lowest free ISA port to each written isa-serial without one
        if kind == "isa-serial" and ports[index] == -1:
            free = next((port for port in range(ISA_PORTS) if port not in used), None)
            if free is not None:
                ports[index] = free
                used.add(free)
    for index, port in enumerate(ports):  # one more than the highest, to every other serial without a port
        if port == -1:
            ports[index] = max(ports) + 1
    entries = []
    for index, serial in enumerate(serials):
        if kinds[index] in (None, "isa-serial"):
            target, written = _serial_port(serial)
            entries.append((target if target is not None else serial, ports[index], written != -1))
    return isa_serial_problem(entries, LIBVIRT_START)


def _serial_model(serial: etree._Element, ctx: Context) -> Problem | None:
    """qemuBuildSerialChrDeviceProps: a system-serial without a model gets one only on ARM, LoongArch and RISC-V
    virt machines (qemuDomainChrDefPostParse); elsewhere the command line cannot be built."""
    target = first_child(serial, "target")
    if target is None or target.get("type") != "system-serial" or first_child(target, "model") is not None:
        return None
    if is_arm_virt(ctx) is False and is_loongarch_virt(ctx) is False and is_riscv_virt(ctx) is False:
        return Problem(Anchor(target, "type"), "Invalid target model for serial device" + LIBVIRT_START,
                       hint="this machine has no system serial: use the arch's serial type (isa-serial on x86)",
                       replacements=("isa-serial",) if is_x86(ctx) else ())
    return None


def _channels(channels: list[etree._Element]) -> Iterator[Problem]:
    """qemuBuildChannelsCommandLine, qemuBuildVirtioSerialPortDevProps; QEMU's virtserialport and guestfwd."""
    names: dict[str, etree._Element] = {}
    for index, channel in enumerate(channels):
        target = first_child(channel, "target")
        if target is None:
            continue  # (VL761)
        kind = target.get("type")
        if kind == "xen":
            yield Problem(Anchor(target, "type"), "An error occurred, but the cause is unknown (libvirt refuses to "
                                                  "start the domain: QEMU has no xen channel)",
                          hint="use <target type='virtio' name='...'/>", replacements=("virtio",))
        elif kind == "guestfwd":
            port = prop_uint(target.get("port"), 10)  # (one the parser refuses is VL761's)
            if port is not None and port % 65536 == 0:  # libvirt keeps the port's low 16 bits
                yield Problem(Anchor(target, "port"), f"Invalid guest forwarding rule 'tcp:{target.get('address')}:0-"
                                                      f"chardev:charchannel{index}'" + QEMU_START,
                              hint="a guest-side TCP port from 1 to 65535")
            else:
                problem = _guestfwd_address(target, index)
                if problem is not None:
                    yield problem
        elif kind == "virtio":
            problem = _virtio_serial_bus(channel) if len(channel) > 1 else None
            if problem is not None:
                yield problem
            name = target.get("name")
            if channel.get("type") == "spicevmc":
                if name is not None and name != SPICE_PORT_NAME:
                    yield Problem(Anchor(target, "name"), f"Unsupported spicevmc target name '{name}'" + LIBVIRT_START,
                                  hint=f"name a spicevmc channel '{SPICE_PORT_NAME}' (or leave the name out)",
                                  replacements=(SPICE_PORT_NAME,))
                    continue
                name = name or SPICE_PORT_NAME
            if name is None:
                continue
            if name in names:
                yield Problem(Anchor(target, "name") if target.get("name") is not None else Anchor(target),
                              f"virtio-serial-bus: A port already exists by name {name}" + QEMU_START,
                              hint="give each virtio channel its own name")
            else:
                names[name] = target


def _consoles(consoles: list[etree._Element]) -> Problem | None:
    """qemuBuildVirtioSerialPortDevProps: a virtio console's address (qemuDomainAssignVirtioSerialAddresses gives
    a console a virtio-serial port without replacing the address it has)."""
    for console in consoles:
        address = first_child(console, "address")
        if address is None:
            continue
        target = first_child(console, "target")
        if address.get("type") == "virtio-serial" and target is not None and target.get("type") == "virtio":
            problem = _virtio_serial_bus(console)
            if problem is not None:
                return problem
        if address.get("type") not in CONSOLE_ADDRESSES:
            continue
        if target is not None and target.get("type") == "virtio":
            return Problem(Anchor(address, "type"), "virtio serial device has invalid address type" + LIBVIRT_START,
                           hint="leave the address out (libvirt gives a virtio console a virtio-serial port)")
    return None


#: The most ports QEMU's virtio-serial device takes (VIRTIO_QUEUE_MAX / 2 - 1; checked on 9.0 with QEMU 7.2)
VIRTIO_SERIAL_MAX_PORTS = 511


def _long_socket_path(holder: etree._Element) -> etree._Element | None:
    """The <source> of a UNIX chardev whose path is longer than a socket address holds (any mode)."""
    source = first_child(holder, "source")
    path = source.get("path") if source is not None else None
    return source if path is not None and len(path.encode()) > UNIX_PATH_MAX else None


def _holders_problems(children: dict[str, list[etree._Element]]) -> Iterator[Problem]:
    """qemuProcessPrepareHostBackendChardevOne: a chardev type QEMU lacks, a listening UNIX socket path too long."""
    for tag in SOURCE_HOLDERS:
        for device in children.get(tag, ()):
            written = first_child(device, "backend") if tag == "rng" else device
            kind = written.get("type") if written is not None else None
            if kind != "nmdm" and (kind != "unix" or _long_socket_path(written) is None):
                continue  # the common case: a pty, a spicevmc channel, an agent socket libvirt generates
            for _device, _chardev, holder in source_holders(device):  # (as libvirt keeps them: egd backends...)
                if kind == "nmdm":
                    yield Problem(Anchor(holder, "type"), "unsupported chardev 'nmdm'" + LIBVIRT_START,
                                  hint="nmdm is bhyve's; use pty (or unix) with QEMU", replacements=("pty",))
                    continue
                source = _long_socket_path(holder)
                if source is not None and source.get("mode") == "bind":  # (QEMU connects to the others)
                    yield Problem(Anchor(source, "path"), f"UNIX socket path '{source.get('path')}' too long"
                                  + LIBVIRT_START, hint=f"a UNIX socket path holds at most {UNIX_PATH_MAX} bytes")


@register
class ChardevStart(Rule):
    """
    ## What it does
    Reports character devices libvirt defines but cannot start: on x86, a
    serial without a target type (an ISA serial at start) on a port another
    ISA serial has, or beyond the fourth ISA serial or on a port above 3
    (after the ports libvirt gives serials without one); a `system-serial`
    target without a model on a machine that has no system serial (all but
    ARM, LoongArch and RISC-V virt); a channel with a `xen` target; a
    spicevmc channel named other than `com.redhat.spice.0`; two virtio
    channels of one name (a spicevmc channel without a name is
    `com.redhat.spice.0`); a guestfwd port 0 (libvirt keeps a port's low 16
    bits: 65536 too); a virtio-serial controller with `ports='0'` or more
    than 511; more than three parallel ports on x86, and any on ARM, RISC-V
    or s390 (QEMU's
    isa-parallel needs an ISA bus); a virtio console with an address other than
    `virtio-serial` or `ccw`; an `nmdm` source (serial, parallel,
    console, channel, redirdev, egd rng backend, passthrough smartcard); a
    listening UNIX socket path longer than 107 bytes. Among serials,
    parallels, consoles and channels: a second `stdio` backend (the console
    libvirt makes an alias of the first serial shares its backend), a `file`
    or `pipe` source or a `<log>` of an empty path, two TCP servers of the
    domain on one port (the same host, or 0.0.0.0 and an IPv4 address). An
    ISA serial's `irq` of 0x10 or more (read in hexadecimal); a guestfwd
    address outside libslirp's 10.0.2.0/24 or on its host (.2) or DNS (.3)
    address (each guestfwd channel gets its own user-mode network; 0.0.0.0
    stands for 10.0.2.4); a virtio-serial address with a port on a bus other
    than 0.

    ## Why is this bad?
    libvirt defines the domain, and `virsh start` fails (each checked with
    libvirt 9.0 and QEMU 7.2; the same code in 10.7). libvirt's start-time
    messages (QEMU driver; start): `target port '0' already allocated`,
    `Maximum supported number of ISA serial ports is '4'`
    (virDomainChrIsaSerialDefPostParse, run again on the copy the start
    makes), `Invalid target model for serial device`
    (qemuBuildSerialChrDeviceProps), `An error occurred, but the cause is
    unknown` (qemuBuildChannelsCommandLine fails for a xen channel without
    saying why), `Unsupported spicevmc target name 'org.example.x'`
    (qemuBuildVirtioSerialPortDevProps), `virtio serial device has invalid
    address type` (the same function: libvirt keeps a virtio console's PCI,
    USB... address, where it gives a channel a virtio-serial one),
    `unsupported chardev 'nmdm'`
    (qemuProcessPrepareHostBackendChardevOne), `UNIX socket path '...' too
    long` (qemuOpenChrChardevUNIXSocket). QEMU's: `virtio-serial-bus: A port
    already exists by name org.qemu.guest_agent.0`, `Invalid guest
    forwarding rule 'tcp:10.0.2.1:0-chardev:charchannel0'`, `Maximum number
    of serial ports not specified`, `maximum ports supported: 511`, `Max.
    supported number of parallel ports is 3.`, `'isa-parallel' is not a
    valid device model name` (checked on aarch64), `cannot use stdio by
    multiple character devices`, `Failed to find an available port: Address
    already in use`, `Conflicting/invalid host:port in guest forwarding rule
    'tcp:10.0.2.2:4600-chardev:charchannel0'`, `Bus 'virtio-serial0.1' not
    found`, and an assertion that aborts QEMU (`isa_get_irq: Assertion
    'isairq < ISA_NUM_IRQS' failed`). libvirt's: `Unable to open file: : No
    such file or directory` (virtlogd opening an empty file or log path),
    `unable to stat: : No such file or directory` (the DAC driver labelling
    an empty pipe path).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
        <channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>
        <channel type='spicevmc'><target type='virtio' name='com.redhat.spice.0'/></channel>
        <graphics type='spice'/></devices></domain>
    ```
    """

    code = "VL763"
    name = "chardev-start"
    severity = Severity.ERROR
    summary = "A character device libvirt defines but the domain cannot start with (libvirt or QEMU refuses, at start)."
    #: the character devices and virtio-serial controllers below (one visit for all of them), and their logs
    elements = ("devices", "devices/controller", *(f"devices/{tag}/log" for tag in CHARDEVS))
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        # a controller without ports='...' has nothing QEMU refuses here
        return ((("ports", frozenset((None,))),), None) if path == "devices/controller" else None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not qemu_driver(ctx):
            return NOTHING
        if element.tag == "log":
            if element.get("file") != "":
                return NOTHING
            return iter((Problem(Anchor(element, "file"), EMPTY_PATH_MESSAGES["file"] + LIBVIRT_START,
                                 hint="name the log file, or remove <log>"),))
        if ctx.path == "devices/controller":
            ports = parse_int(element.get("ports")) if element.get("type") == "virtio-serial" else None
            if ports == 0:
                return iter((Problem(Anchor(element, "ports"), "Maximum number of serial ports not specified" + QEMU_START,
                                     hint="ports='31' (or leave ports out)"),))
            if ports is not None and ports > VIRTIO_SERIAL_MAX_PORTS:
                # (virtio_serial_device_realize: a port takes two of a device's 1024 queues, the control one pair)
                return iter((Problem(Anchor(element, "ports"), f"maximum ports supported: {VIRTIO_SERIAL_MAX_PORTS}"
                                     + QEMU_START, replacements=(str(VIRTIO_SERIAL_MAX_PORTS),)),))
            return NOTHING
        children = children_by_tag(ctx, element)
        problems: list[Problem] = []
        problems.extend(_holders_problems(children))
        problems.extend(_backends(children))
        serials = children.get("serial")
        if serials:
            self._serials(serials, ctx, problems)
        channels = children.get("channel")
        if channels:
            problems.extend(_channels(channels))
        consoles = children.get("console")
        if consoles:
            problem = _consoles(consoles)
            if problem is not None:
                problems.append(problem)
        parallels = children.get("parallel")
        if parallels and has_isa(ctx) is False:
            # (qemuBuildParallelChrDeviceProps: always isa-parallel; checked on 9.0 with aarch64 QEMU 7.2)
            problems.append(Problem(Anchor(parallels[0]), "'isa-parallel' is not a valid device model name (a "
                                    f"parallel port is an ISA device, and the {effective_arch(ctx)} QEMU has no ISA "
                                    "bus)" + QEMU_START, hint="remove <parallel>: use a <serial> or a virtio "
                                    "<console> or <channel>"))
        elif parallels and len(parallels) > PARALLEL_PORTS and is_x86(ctx):
            problems.append(Problem(Anchor(parallels[PARALLEL_PORTS]),
                                    f"Max. supported number of parallel ports is {PARALLEL_PORTS}." + QEMU_START,
                                    hint=f"keep at most {PARALLEL_PORTS} <parallel> ports"))
        return iter(problems) if problems else NOTHING

    @staticmethod
    def _serials(serials: list[etree._Element], ctx: Context, problems: list[Problem]) -> None:
        x86 = is_x86(ctx) is True
        for serial in serials:
            if len(serial) > 1:  # (an address besides the target)
                problem = _isa_irq(serial, first_child(serial, "target"), x86)
                if problem is not None:
                    problems.append(problem)
        if len(serials) == 1:  # the common case: one serial, on its first ports, isa-serial (or untyped)
            target = first_child(serials[0], "target")
            if target is None or (target.get("port") in FIRST_PORTS and target.get("type") != "system-serial"):
                return
        if x86 and written_isa_serial_problem(serials) is None:
            problem = _start_isa_serials(serials)
            if problem is not None:
                problems.append(problem)
        for serial in serials:
            problem = _serial_model(serial, ctx)
            if problem is not None:
                problems.append(problem)
