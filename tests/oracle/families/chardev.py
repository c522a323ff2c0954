"""Character device checks found by probing libvirt 9.0 (misses-F): repeated <source>, <log> and <protocol>, spicevmc
on a target that is not virtio, spiceport channel names (VL760), console target types of other hypervisors and
guestfwd ports that are not numbers (VL761); and what libvirt defines but cannot start (VL763): ISA serial ports of
untyped serials, system-serial on x86, xen channels, spicevmc names, virtio port names, guestfwd port 0, a
virtio-serial controller without ports, a fourth parallel port, nmdm, a long UNIX socket path; and a fw_cfg name
QEMU finds too long (VL783). Each with its accepted twin, which starts on this host."""

from __future__ import annotations

from cases import Case, case_maker

SPICE = "<graphics type='spice' autoport='yes'/>"
AGENT = "<channel type='unix'><target type='virtio' name='{}'/></channel>"
GUESTFWD = "<channel type='pty'><target type='guestfwd' address='10.0.2.1' port='{}'/></channel>"
SPICEVMC = "<channel type='spicevmc'><target type='virtio'{}/></channel>"
SERIAL = "<serial type='pty'>{}</serial>"
UNIX_BIND = "<serial type='unix'><source mode='bind' path='{}'/></serial>"


def _socket(length: int) -> str:
    """A socket path under /tmp of ``length`` bytes."""
    return "/tmp/" + "s" * (length - len("/tmp/") - len(".sock")) + ".sock"


def _fwcfg(length: int) -> str:
    name = "opt/com.example/" + "n" * (length - len("opt/com.example/"))
    return f"<sysinfo type='fwcfg'><entry name='{name}'>x</entry></sysinfo>"


def cases(kvm: bool) -> list[Case]:
    q35 = case_maker("chardev-q35")
    return [
        # VL760: virDomainChrSourceDefParseXML's counts
        q35("tcp-two-sources", "VL760", devices="<serial type='tcp'><source mode='bind' host='127.0.0.1' "
            "service='44561'/><source mode='bind' host='127.0.0.1' service='44562'/></serial>"),
        q35("tcp-one-source", None, devices="<serial type='tcp'><source mode='bind' host='127.0.0.1' "
            "service='44563'/><protocol type='raw'/></serial>"),
        q35("tcp-two-protocols", "VL760", devices="<serial type='tcp'><source mode='bind' host='127.0.0.1' "
            "service='44564'/><protocol type='raw'/><protocol type='telnet'/></serial>"),
        q35("udp-three-sources", "VL760", devices="<serial type='udp'><source mode='bind' host='127.0.0.1' "
            "service='44571'/><source mode='connect' host='127.0.0.1' service='44572'/><source mode='connect' "
            "host='127.0.0.1' service='44573'/></serial>"),
        q35("udp-two-sources", None, devices="<serial type='udp'><source mode='bind' host='127.0.0.1' "
            "service='44574'/><source mode='connect' host='127.0.0.1' service='44575'/></serial>"),
        q35("pty-two-logs", "VL760", devices=SERIAL.format("<log file='/var/log/libvirt/qemu/chardev-a.log'/>"
                                                          "<log file='/var/log/libvirt/qemu/chardev-b.log'/>")),
        q35("pty-one-log", None, devices=SERIAL.format("<log file='/var/log/libvirt/qemu/chardev-a.log'/>")),
        # VL760: virDomainChrDefParseXML's spicevmc check (enum value 2 for every device)
        q35("spicevmc-guestfwd", "VL760", devices="<channel type='spicevmc'><target type='guestfwd' "
            "address='10.0.2.1' port='4600'/></channel>" + SPICE),
        q35("spicevmc-virtio", None, devices=SPICEVMC.format(" name='com.redhat.spice.0'") + SPICE),
        q35("spicevmc-serial", "VL760", devices="<serial type='spicevmc'/>" + SPICE),
        q35("spicevmc-parallel", "VL760", devices="<parallel type='spicevmc'/>" + SPICE),
        # VL760: virDomainChrSourceDefValidateChannelName
        q35("spiceport-no-channel", "VL760", devices="<serial type='spiceport'/>" + SPICE),
        q35("spiceport-bad-channel", "VL760",
            devices="<serial type='spiceport'><source channel='org qemu/console'/></serial>" + SPICE),
        q35("spiceport-channel", None,
            devices="<serial type='spiceport'><source channel='org.qemu.console.serial.0'/></serial>" + SPICE),
        q35("dbus-no-channel", "VL760", devices="<serial type='dbus'/>"),
        # VL761: qemuValidateDomainDefConsole; virDomainChrDefParseTargetXML's guestfwd port
        *[q35(f"console-{kind}", "VL761", devices=f"<console type='pty'><target type='{kind}'/></console>")
          for kind in ("xen", "uml", "lxc", "openvz")],
        q35("console-virtio", None, devices="<console type='pty'><target type='virtio'/></console>"),
        q35("guestfwd-port-text", "VL761", devices=GUESTFWD.format("http")),
        q35("guestfwd-port-negative", "VL761", devices=GUESTFWD.format("-1")),
        q35("guestfwd-port", None, devices=GUESTFWD.format("4600")),
        # VL763: at start
        q35("serial-untyped-same-port", "VL763", devices=SERIAL.format("<target port='0'/>") * 2),
        q35("serial-untyped-two-ports", None,
            devices=SERIAL.format("<target port='0'/>") + SERIAL.format("<target port='1'/>")),
        q35("serial-untyped-five", "VL763", devices=SERIAL.format("") * 5),
        q35("serial-untyped-four", None, devices=SERIAL.format("") * 4),
        q35("serial-untyped-after-3", "VL763", devices=SERIAL.format("<target port='3'/>") + SERIAL.format("")),
        q35("serial-untyped-after-2", None, devices=SERIAL.format("<target port='2'/>") + SERIAL.format("")),
        q35("serial-typed-and-untyped", "VL763", devices=SERIAL.format("<target type='isa-serial' port='0'/>")
            + SERIAL.format("<target port='0'/>")),
        q35("serial-system-x86", "VL763", devices=SERIAL.format("<target type='system-serial'/>")),
        q35("serial-isa", None, devices=SERIAL.format("<target type='isa-serial'/>")),
        q35("channel-xen", "VL763", devices="<channel type='pty'><target type='xen' name='x'/></channel>"),
        q35("channel-virtio", None, devices="<channel type='pty'><target type='virtio' name='x'/></channel>"),
        q35("agent-twice", "VL763", devices=AGENT.format("org.qemu.guest_agent.0") * 2),
        q35("agent-and-other", None, devices=AGENT.format("org.qemu.guest_agent.0") + AGENT.format("org.example.x")),
        q35("spicevmc-twice", "VL763",
            devices=SPICEVMC.format("") + SPICEVMC.format(" name='com.redhat.spice.0'") + SPICE),
        q35("spicevmc-unnamed", None, devices=SPICEVMC.format("") + SPICE),
        q35("spicevmc-other-name", "VL763", devices=SPICEVMC.format(" name='org.example.x'") + SPICE),
        q35("guestfwd-port-0", "VL763", devices=GUESTFWD.format("0")),
        q35("guestfwd-port-65536", "VL763", devices=GUESTFWD.format("65536")),
        q35("guestfwd-port-70000", None, devices=GUESTFWD.format("70000")),
        q35("vserial-ports-0", "VL763", devices="<controller type='virtio-serial' ports='0'/>"),
        q35("vserial-ports-1", None, devices="<controller type='virtio-serial' ports='1'/>"),
        q35("parallel-four", "VL763", devices="<parallel type='pty'/>" * 4),
        q35("parallel-three", None, devices="<parallel type='pty'/>" * 3),
        q35("serial-nmdm", "VL763",
            devices="<serial type='nmdm'><source master='/dev/nmdm0A' slave='/dev/nmdm0B'/></serial>"),
        q35("unix-path-108", "VL763", devices=UNIX_BIND.format(_socket(108))),
        q35("unix-path-107", None, devices=UNIX_BIND.format(_socket(107))),
        # VL783: QEMU's fw_cfg name limit
        q35("fwcfg-name-56", "VL783", after=_fwcfg(56)),
        q35("fwcfg-name-55", None, after=_fwcfg(55)),
    ]
