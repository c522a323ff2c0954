"""Character device checks added after probing libvirt 9.0 (misses-F): the parser's counts, spicevmc targets and
channel names (VL760), console target types and guestfwd ports (VL761), what libvirt defines but cannot start
(VL763) and QEMU's fw_cfg name limit (VL783); each with a failing case and its valid twin."""

from __future__ import annotations

import pytest

from conftest import lint
from virtlint.linter.model import Severity

Q35 = "<domainCapabilities><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch></domainCapabilities>"
ARM = "<domainCapabilities><domain>kvm</domain><machine>virt-9.1</machine><arch>aarch64</arch></domainCapabilities>"
SPICE = "<graphics type='spice'/>"


def dom(devices: str = "", *, extra: str = "", machine: str = "q35", arch: str = "x86_64", dtype: str = "kvm") -> str:
    return (f"<domain type='{dtype}'><name>t</name><memory>262144</memory><vcpu>1</vcpu>"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os>{extra}<devices>{devices}</devices></domain>")


def errors(xml: str, caps: str = Q35) -> list[tuple[str, str]]:
    return [(f.code, f.message) for f in lint(xml, caps) if f.severity is Severity.ERROR]


def serial(inner: str = "", kind: str = "pty") -> str:
    return f"<serial type='{kind}'>{inner}</serial>"


TCP = "<source mode='bind' host='127.0.0.1' service='{}'/>"
UDP = "<source mode='{}' host='127.0.0.1' service='{}'/>"
GUESTFWD = "<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='{}'/></channel>"
AGENT = "<channel type='unix'><target type='virtio' name='{}'/></channel>"
SPICEVMC = "<channel type='spicevmc'><target type='virtio'{}/></channel>"
LONG = "s" * 98  # /tmp/ + 98 + .sock = 108 bytes


def fwcfg(length: int) -> str:
    return f"<sysinfo type='fwcfg'><entry name='opt/{'n' * (length - 4)}'>x</entry></sysinfo>"


CASES = [
    # VL760: virDomainChrSourceDefParseXML
    ("tcp-two-sources", dom(serial(TCP.format(1) + TCP.format(2), "tcp")), "VL760",
     "only one source element is allowed for character device"),
    ("tcp-one-source", dom(serial(TCP.format(1), "tcp")), None, ""),
    ("udp-three-sources", dom(serial(UDP.format("bind", 1) + UDP.format("connect", 2) + UDP.format("connect", 3),
                                     "udp")), "VL760", "only two source elements are allowed for character device"),
    ("udp-two-sources", dom(serial(UDP.format("bind", 1) + UDP.format("connect", 2), "udp")), None, ""),
    ("two-logs", dom(serial("<log file='/tmp/a.log'/><log file='/tmp/b.log'/>")), "VL760",
     "only one log element is allowed for character device"),
    ("one-log", dom(serial("<log file='/tmp/a.log'/>")), None, ""),
    ("two-protocols", dom(serial(TCP.format(1) + "<protocol type='raw'/><protocol type='raw'/>", "tcp")), "VL760",
     "only one protocol element is allowed for character device"),
    ("one-protocol", dom(serial(TCP.format(1) + "<protocol type='raw'/>", "tcp")), None, ""),
    ("rng-two-sources", dom("<rng model='virtio'><backend model='egd' type='udp'>" + UDP.format("bind", 1)
                            + UDP.format("connect", 2) + UDP.format("connect", 3) + "</backend></rng>"),
     "VL760", "only two source elements"),
    ("alias-console-two-sources", dom(serial() + "<console type='tcp'>" + TCP.format(1) + TCP.format(2)
                                      + "<target type='serial'/></console>"), "VL760", "only one source element"),
    # VL760: virDomainChrDefParseXML's spicevmc check (VIR_DOMAIN_CHR_CHANNEL_TARGET_TYPE_VIRTIO, 2, for every device)
    ("spicevmc-guestfwd", dom("<channel type='spicevmc'><target type='guestfwd' address='10.0.2.1' port='1'/>"
                              "</channel>" + SPICE), "VL760", "spicevmc device type only supports virtio"),
    ("spicevmc-virtio", dom(SPICEVMC.format(" name='com.redhat.spice.0'") + SPICE), None, ""),
    ("spicevmc-serial", dom(serial(kind="spicevmc") + SPICE), "VL760", "spicevmc device type only supports virtio"),
    ("spicevmc-serial-isa", dom(serial("<target type='isa-serial'/>", "spicevmc") + SPICE), "VL760",
     "spicevmc device type only supports virtio"),
    ("spicevmc-serial-usb", dom(serial("<target type='usb-serial'/>", "spicevmc") + SPICE), None, ""),
    ("spicevmc-parallel", dom("<parallel type='spicevmc'/>" + SPICE), "VL760", "only supports virtio"),
    ("spicevmc-console-virtio", dom("<console type='spicevmc'><target type='virtio'/></console>" + SPICE), "VL760",
     "only supports virtio"),
    # VL760: virDomainChrSourceDefValidateChannelName
    ("spiceport-no-channel", dom(serial(kind="spiceport") + SPICE), "VL760",
     "Missing source channel attribute for char device"),
    ("spiceport-bad-channel", dom(serial("<source channel='org qemu/console'/>", "spiceport") + SPICE), "VL760",
     "Invalid character in source channel for char device"),
    ("spiceport-channel", dom(serial("<source channel='org.qemu-console_0'/>", "spiceport") + SPICE), None, ""),
    ("spiceport-empty-channel", dom(serial("<source channel=''/>", "spiceport") + SPICE), None, ""),
    ("dbus-no-channel", dom(serial(kind="dbus")), "VL760", "Missing source channel attribute"),
    ("redirdev-spiceport-bad", dom("<redirdev bus='usb' type='spiceport'><source channel='a:b'/></redirdev>" + SPICE),
     "VL760", "Invalid character in source channel"),
    ("redirdev-dbus-no-channel", dom("<redirdev bus='usb' type='dbus'/><graphics type='dbus'/>"), None, ""),
    # VL761: qemuValidateDomainDefConsole
    *[(f"console-{kind}", dom(f"<console type='pty'><target type='{kind}'/></console>"), "VL761",
       f"unsupported console target type {kind}") for kind in ("xen", "uml", "lxc", "openvz")],
    ("console-virtio", dom("<console type='pty'><target type='virtio'/></console>"), None, ""),
    # VL761: virDomainChrDefParseTargetXML's guestfwd port (virXMLPropUInt, base 10)
    ("guestfwd-port-text", dom(GUESTFWD.format("http")), "VL761",
     "Invalid value for attribute 'port' in element 'target': 'http'. Expected non-negative integer value"),
    ("guestfwd-port-negative", dom(GUESTFWD.format("-1")), "VL761", "Expected non-negative integer value"),
    ("guestfwd-port-hex", dom(GUESTFWD.format("0x10")), "VL761", "Expected non-negative integer value"),
    ("guestfwd-port-33-bits", dom(GUESTFWD.format("4294967296")), "VL761", "Expected non-negative integer value"),
    ("guestfwd-port", dom(GUESTFWD.format("4600")), None, ""),
    ("guestfwd-port-blank-plus", dom(GUESTFWD.format(" +4600")), None, ""),
    # VL763: virDomainChrIsaSerialDefPostParse again at start, untyped x86 serials counted
    ("serial-untyped-same-port", dom(serial("<target port='0'/>") * 2), "VL763", "target port '0' already allocated"),
    ("serial-untyped-two-ports", dom(serial("<target port='0'/>") + serial("<target port='1'/>")), None, ""),
    ("serial-untyped-five", dom(serial() * 5), "VL763", "Maximum supported number of ISA serial ports is '4'"),
    ("serial-untyped-four", dom(serial() * 4), None, ""),
    ("serial-untyped-after-3", dom(serial("<target port='3'/>") + serial()), "VL763", "Maximum supported number"),
    ("serial-untyped-after-2", dom(serial("<target port='2'/>") + serial()), None, ""),
    ("serial-typed-and-untyped", dom(serial("<target type='isa-serial' port='0'/>") + serial("<target port='0'/>")),
     "VL763", "target port '0' already allocated"),
    ("serial-untyped-arm", dom(serial("<target port='0'/>") * 2, machine="virt", arch="aarch64"), None, ""),
    # VL763: qemuBuildSerialChrDeviceProps
    ("serial-system-x86", dom(serial("<target type='system-serial'/>")), "VL763",
     "Invalid target model for serial device"),
    ("serial-system-arm-virt", dom(serial("<target type='system-serial'/>"), machine="virt", arch="aarch64"), None, ""),
    ("serial-isa", dom(serial("<target type='isa-serial'/>")), None, ""),
    # VL763: channels
    ("channel-xen", dom("<channel type='pty'><target type='xen' name='x'/></channel>"), "VL763",
     "An error occurred, but the cause is unknown"),
    ("channel-virtio", dom("<channel type='pty'><target type='virtio' name='x'/></channel>"), None, ""),
    ("agent-twice", dom(AGENT.format("org.qemu.guest_agent.0") * 2), "VL763",
     "virtio-serial-bus: A port already exists by name org.qemu.guest_agent.0"),
    ("agent-and-other", dom(AGENT.format("org.qemu.guest_agent.0") + AGENT.format("org.example.x")), None, ""),
    ("spicevmc-twice", dom(SPICEVMC.format("") + SPICEVMC.format(" name='com.redhat.spice.0'") + SPICE), "VL763",
     "A port already exists by name com.redhat.spice.0"),
    ("spicevmc-unnamed", dom(SPICEVMC.format("") + SPICE), None, ""),
    ("spicevmc-other-name", dom(SPICEVMC.format(" name='org.example.x'") + SPICE), "VL763",
     "Unsupported spicevmc target name 'org.example.x'"),
    ("guestfwd-port-0", dom(GUESTFWD.format("0")), "VL763",
     "Invalid guest forwarding rule 'tcp:10.0.2.1:0-chardev:charchannel0'"),
    ("guestfwd-port-65536", dom(GUESTFWD.format("65536")), "VL763", "Invalid guest forwarding rule"),
    ("guestfwd-port-70000", dom(GUESTFWD.format("70000")), None, ""),
    ("guestfwd-port-high-zero", dom(GUESTFWD.format(str(65535 * 65536))), "VL763", "Invalid guest forwarding rule"),
    # VL763: QEMU's virtio-serial and isa-parallel
    ("vserial-ports-0", dom("<controller type='virtio-serial' ports='0'/>"), "VL763",
     "Maximum number of serial ports not specified"),
    ("vserial-ports-1", dom("<controller type='virtio-serial' ports='1'/>"), None, ""),
    ("parallel-four", dom("<parallel type='pty'/>" * 4), "VL763", "Max. supported number of parallel ports is 3."),
    ("parallel-three", dom("<parallel type='pty'/>" * 3), None, ""),
    # VL763: qemuProcessPrepareHostBackendChardevOne
    ("serial-nmdm", dom(serial("<source master='/dev/nmdm0A' slave='/dev/nmdm0B'/>", "nmdm")), "VL763",
     "unsupported chardev 'nmdm'"),
    ("rng-nmdm", dom("<rng model='virtio'><backend model='egd' type='nmdm'/></rng>"), "VL763",
     "unsupported chardev 'nmdm'"),
    ("unix-path-108", dom(serial(f"<source mode='bind' path='/tmp/{LONG}.sock'/>", "unix")), "VL763",
     "too long"),
    ("unix-path-107", dom(serial(f"<source mode='bind' path='/tmp/{LONG[1:]}.sock'/>", "unix")), None, ""),
    ("unix-path-108-connect", dom(serial(f"<source mode='connect' path='/tmp/{LONG}.sock'/>", "unix")), None, ""),
    # VL783: QEMU's fw_cfg name limit (55 bytes)
    ("fwcfg-name-56", dom(extra=fwcfg(56)), "VL783", "name too long (max. 55 char)"),
    ("fwcfg-name-55", dom(extra=fwcfg(55)), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_chardev_checks(xml: str, code: str | None, fragment: str) -> None:
    mine = errors(xml, ARM if "aarch64" in xml else Q35)
    if code is None:
        assert mine == []
    else:
        assert any(c == code and fragment in m for c, m in mine), mine


def test_start_rule_leaves_written_isa_serials_to_the_define_rule() -> None:
    """Two written isa-serial ports 0: libvirt refuses it at define (VL761), the start rule stays silent."""
    found = errors(dom(serial("<target type='isa-serial' port='0'/>") * 2))
    assert [c for c, _m in found] == ["VL761"]


def test_start_rule_is_qemu_only() -> None:
    """QEMU's refusals are QEMU's: a Xen domain's fourth parallel port is not VL763's."""
    assert "VL763" in [c for c, _m in errors(dom("<parallel type='pty'/>" * 4))]
    assert "VL763" not in [c for c, _m in errors(dom("<parallel type='pty'/>" * 4, dtype="xen"))]


def test_repeated_source_is_reported_once_at_the_second() -> None:
    """The parser stops at the second <source>: one finding, on that element, and no validation finding beside it."""
    xml = dom("<serial type='tcp'>" + TCP.format(1) + "<source mode='bind'/><source mode='bind'/></serial>")
    found = [f for f in lint(xml, Q35) if f.code == "VL760"]
    assert [f.message for f in found] == ["only one source element is allowed for character device"]
    assert found[0].start.line == 0 and xml[found[0].start.column:].startswith("source mode='bind'/><source")


@pytest.mark.parametrize(("device", "expected"), [
    (serial(kind="spicevmc"), ["VL760"]),  # the parser's refusal of its target comes first: one finding
    ("<console type='spicevmc'><target type='virtio'/></console>", ["VL760"]),  # (virtio is value 4 on a console)
    (serial("<target type='usb-serial'/>", "spicevmc"), ["VL807"]),  # (usb-serial is value 2: parsed, then validated)
    (SPICEVMC.format(" name='com.redhat.spice.0'"), ["VL807"]),
])
def test_spicevmc_without_spice_graphics_is_reported_once(device: str, expected: list[str]) -> None:
    """libvirt stops at the parser's `spicevmc device type only supports virtio`; the missing SPICE graphics
    (validation) is reported only for a spicevmc device that passes it."""
    assert sorted(c for c, _m in errors(dom(device)) if c in ("VL760", "VL807")) == expected
