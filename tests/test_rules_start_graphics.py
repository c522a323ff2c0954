"""Refusals at start (and a few at define) of VNC and SPICE displays, SMBIOS sysinfo and virtio consoles, found by
listing libvirt 10.7's qemu_process.c and qemu_command.c messages no rule gave, and putting a case of each to the
real libvirt 9.0 (define, then start paused): each with its valid twin, which starts. The SPICE TLS cases that
depend on qemu.conf were refused by libvirt's default (spice_tls = 0), which a host may change: those are warnings."""

from __future__ import annotations

import pytest

from virtlint.linter.model import Severity

from conftest import lint
from test_rules_parse_checks import Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt


def qemu(devices: str = "", *, os: str = "", extra: str = "") -> str:
    return dom(devices, extra=extra, os=os, dtype="qemu")


def vnc(attrs: str = "", inner: str = "") -> str:
    return qemu(f"<graphics type='vnc' {attrs}>{inner}</graphics>")


def spice(attrs: str = "", inner: str = "") -> str:
    return qemu(f"<graphics type='spice' {attrs}>{inner}</graphics>")


def smbios(sysinfo: str, mode: str = "sysinfo") -> str:
    return qemu(os=f"<smbios mode='{mode}'/>", extra=sysinfo)


def console(address: str) -> str:
    return qemu(f"<console type='pty'><target type='virtio'/>{address}</console>")


LISTEN = "<listen type='address' address='127.0.0.{}'/>"
BOARD = "<baseBoard><entry name='{}'>{}</entry></baseBoard>"
LISTENS = "QEMU does not support multiple listens for one graphics device."
VNC_PORT = "vnc port must be in range [5900,65535]"
TLS_DEFINE = "spice TLS port set in XML configuration, but TLS is disabled in qemu.conf"
TLS_AUTO = "Auto allocation of spice TLS port requested but spice TLS is disabled in qemu.conf"
SECURE_DEFAULT = "spice defaultMode secure requested in XML configuration, but TLS connection is not available"
SECURE_CHANNEL = "spice secure channels set in XML configuration, but TLS connection is not available"
PLAIN_DEFAULT = "spice defaultMode insecure requested in XML configuration, but plaintext connection is not available"
PLAIN_CHANNEL = "spice insecure channels set in XML configuration, but plaintext connection is not available"
ONE_EACH = "only 1 graphics device of each type (sdl, vnc, spice, headless, dbus) is supported"
BOARDS = "qemu does not support more than one entry to Type 2 in SMBIOS table"
CONSOLE = "virtio serial device has invalid address type"

CASES = [
    # VL767: qemuProcessStartValidateGraphics, one listen per VNC or SPICE display
    ("vnc-two-listens", vnc("autoport='yes'", LISTEN.format(1) + LISTEN.format(2)), "VL767", LISTENS),
    ("spice-listen-and-none", spice("autoport='yes'", LISTEN.format(1) + "<listen type='none'/>"), "VL767", LISTENS),
    ("vnc-socket-attribute-two-listens", vnc("socket='/tmp/v.sock'", LISTEN.format(1) + "<listen type='none'/>"),
     "VL767", LISTENS),
    ("spice-two-listens-and-tls-port", spice("tlsPort='5902' autoport='no'",
                                             LISTEN.format(1) + "<listen type='none'/>"), "VL767?", TLS_DEFINE),
    ("vnc-one-listen", vnc("autoport='yes'", LISTEN.format(1)), None, ""),
    ("spice-one-listen", spice("autoport='yes'", LISTEN.format(1)), None, ""),
    ("vnc-listen-attribute-and-listen", vnc("autoport='yes' listen='127.0.0.1'", LISTEN.format(1)), None, ""),
    # VL767: qemuBuildGraphicsVNCCommandLine, a fixed port on an address or network listen
    ("vnc-port-5000", vnc("port='5000' autoport='no'"), "VL767", VNC_PORT),
    ("vnc-port-65536", vnc("port='65536' autoport='no'"), "VL767", VNC_PORT),
    ("vnc-port-5000-no-autoport-attribute", vnc("port='5000'"), "VL767", VNC_PORT),
    ("vnc-port-minus-one-autoport-no", vnc("port='-1' autoport='no'"), "VL767", VNC_PORT),
    ("vnc-no-port-autoport-no", vnc("autoport='no'"), "VL767", VNC_PORT),
    ("vnc-port-minus-five", vnc("port='-5'"), "VL767", VNC_PORT),
    ("vnc-port-5000-address-listen", vnc("port='5000' autoport='no'", LISTEN.format(1)), "VL767", VNC_PORT),
    ("vnc-port-5999", vnc("port='5999' autoport='no'"), None, ""),
    ("vnc-port-65535", vnc("port='65535' autoport='no'"), None, ""),
    ("vnc-port-5000-autoport", vnc("port='5000' autoport='yes'"), None, ""),
    ("vnc-port-5000-listen-none", vnc("port='5000' autoport='no'", "<listen type='none'/>"), None, ""),
    ("vnc-port-5000-listen-socket", vnc("port='5000' autoport='no'", "<listen type='socket'/>"), None, ""),
    ("vnc-port-5000-socket-attribute", vnc("port='5000' autoport='no' socket='/tmp/v.sock'"), None, ""),
    # VL767: SPICE TLS with the default qemu.conf; a written TLS port is refused at define
    ("spice-tls-port", spice("tlsPort='5902' autoport='no' defaultMode='insecure'"), "VL767?", TLS_DEFINE),
    ("spice-tls-port-autoport", spice("port='5901' tlsPort='5902' autoport='yes'"), None, ""),
    ("spice-tls-port-socket", spice("port='5901' tlsPort='5902' autoport='no'", "<listen type='socket'/>"), None, ""),
    ("spice-tls-port-listen-none", spice("tlsPort='5902'", "<listen type='none'/>"), None, ""),
    # (qemuProcessSPICEAllocatePorts: a TLS port to allocate)
    ("spice-autoport-secure", spice("autoport='yes' defaultMode='secure'"), "VL767?", TLS_AUTO),
    ("spice-autoport-secure-channel", spice("autoport='yes'", "<channel name='main' mode='secure'/>"), "VL767?",
     TLS_AUTO),
    ("spice-tls-port-minus-one", spice("port='5990' tlsPort='-1' autoport='no'"), "VL767?", TLS_AUTO),
    ("spice-tls-port-minus-one-no-autoport", spice("port='5990' tlsPort='-1'"), "VL767?", TLS_AUTO),
    ("spice-both-ports-minus-one-secure", spice("port='-1' tlsPort='-1' defaultMode='secure'"), "VL767?", TLS_AUTO),
    ("spice-autoport-insecure", spice("autoport='yes' defaultMode='insecure'"), None, ""),
    ("spice-both-ports-minus-one", spice("port='-1' tlsPort='-1'"), None, ""),
    ("spice-secure-channel-then-insecure", spice("autoport='yes'", "<channel name='main' mode='secure'/>"
                                                 "<channel name='main' mode='insecure'/>"), None, ""),
    ("spice-tls-port-minus-two", spice("port='5901' tlsPort='-2' autoport='no'"), None, ""),
    # (qemuBuildGraphicsSPICECommandLine: secure without a TLS port, insecure without a plaintext one)
    ("spice-port-secure", spice("port='5901' autoport='no' defaultMode='secure'"), "VL767", SECURE_DEFAULT),
    ("spice-no-port-secure", spice("autoport='no' defaultMode='secure'"), "VL767", SECURE_DEFAULT),
    ("spice-listen-none-secure", spice("defaultMode='secure'", "<listen type='none'/>"), "VL767", SECURE_DEFAULT),
    ("spice-port-secure-channel", spice("port='5901' autoport='no'", "<channel name='main' mode='secure'/>"),
     "VL767", SECURE_CHANNEL),
    ("spice-socket-secure-channel", spice("", "<listen type='socket'/><channel name='main' mode='secure'/>"),
     "VL767", SECURE_CHANNEL),
    ("spice-port-minus-two-insecure", spice("port='-2' autoport='no' defaultMode='insecure'"), "VL767",
     PLAIN_DEFAULT),
    ("spice-port-minus-two-insecure-channel", spice("port='-2' autoport='no'",
                                                    "<channel name='inputs' mode='insecure'/>"), "VL767",
     PLAIN_CHANNEL),
    ("spice-port-insecure", spice("port='5901' autoport='no' defaultMode='insecure'",
                                  "<channel name='main' mode='insecure'/>"), None, ""),
    ("spice-no-port-insecure", spice("autoport='no' defaultMode='insecure'"), None, ""),
    ("spice-port-minus-two", spice("port='-2' autoport='no'"), None, ""),
    # VL766: qemuBuildCommandLineValidate, one display of each type
    ("two-vnc", qemu("<graphics type='vnc' autoport='yes'/><graphics type='vnc' autoport='yes'/>"), "VL766",
     ONE_EACH),
    ("two-spice", qemu("<graphics type='spice' autoport='yes'/><graphics type='spice' autoport='yes'/>"), "VL766",
     ONE_EACH),
    ("two-sdl", qemu("<graphics type='sdl'/><graphics type='sdl'/>"), "VL766", ONE_EACH),
    ("two-egl-headless", qemu("<graphics type='vnc' autoport='yes'/><graphics type='egl-headless'/>"
                              "<graphics type='egl-headless'/>"), "VL766", ONE_EACH),
    ("vnc-and-spice", qemu("<graphics type='vnc' autoport='yes'/><graphics type='spice' autoport='yes'/>"), None, ""),
    # VL783: qemuBuildSmbiosCommandLine, mode 'sysinfo'
    ("smbios-sysinfo-without-sysinfo", smbios(""), "VL783", "Domain 't' sysinfo are not available"),
    ("smbios-sysinfo-with-fwcfg-only", smbios("<sysinfo type='fwcfg'><entry name='opt/com.example/x'>1</entry>"
                                              "</sysinfo>"), "VL783", "Domain 't' sysinfo are not available"),
    ("smbios-sysinfo-with-smbios", smbios("<sysinfo type='smbios'><bios><entry name='vendor'>x</entry></bios>"
                                          "</sysinfo>"), None, ""),
    ("smbios-sysinfo-with-empty-smbios", smbios("<sysinfo type='smbios'/>"), None, ""),
    ("smbios-emulate-without-sysinfo", smbios("", mode="emulate"), None, ""),
    ("two-base-boards", smbios(f"<sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                               f"{BOARD.format('product', 'b')}</sysinfo>"), "VL783", BOARDS),
    ("two-base-boards-one-blank-serial", smbios(f"<sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                                                f"{BOARD.format('serial', ' ')}</sysinfo>"), "VL783", BOARDS),
    ("two-base-boards-one-empty", smbios(f"<sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                                         f"<baseBoard><entry name='manufacturer'></entry><entry name='other'>x</entry>"
                                         f"</baseBoard></sysinfo>"), None, ""),
    ("two-base-boards-emulate", smbios(f"<sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                                       f"{BOARD.format('product', 'b')}</sysinfo>", mode="emulate"), None, ""),
    ("two-base-boards-in-second-sysinfo", smbios(f"<sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                                                 f"</sysinfo><sysinfo type='smbios'>{BOARD.format('manufacturer', 'a')}"
                                                 f"{BOARD.format('product', 'b')}</sysinfo>"), None, ""),
    # VL763: qemuBuildVirtioSerialPortDevProps, a virtio console's address
    ("virtio-console-usb-address", console("<address type='usb' bus='0' port='1'/>"), "VL763", CONSOLE),
    ("virtio-console-pci-address", console("<address type='pci' domain='0' bus='0' slot='5' function='0'/>"),
     "VL763", CONSOLE),
    ("virtio-console-isa-address", console("<address type='isa' iobase='0x2f8'/>"), "VL763", CONSOLE),
    ("virtio-console-mmio-address", console("<address type='virtio-mmio'/>"), "VL763", CONSOLE),
    ("virtio-console-virtio-serial-address", console("<address type='virtio-serial' controller='0' bus='0' "
                                                     "port='1'/>"), None, ""),
    ("virtio-console-no-address", console(""), None, ""),
    ("virtio-channel-pci-address", qemu("<channel type='pty'><target type='virtio' name='org.example.x'/>"
                                        "<address type='pci' domain='0' bus='0' slot='5' function='0'/></channel>"),
     None, ""),
]


#: "VL767?": refused by libvirt 9.0 with its default qemu.conf (spice_tls = 0), which a host may change: a warning
WARNED = "VL767?"


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_start_audit(xml: str, code: str | None, fragment: str) -> None:
    if code == WARNED:
        warnings = [f.message for f in lint(xml, Q35) if f.code == "VL767" and f.severity is Severity.WARNING]
        assert any(fragment in message for message in warnings), warnings
        judged_as_libvirt(xml, None, "")  # (and no error)
        return
    judged_as_libvirt(xml, code, fragment)
