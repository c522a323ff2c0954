"""VL813 duplicate-alias: virDomainDefValidateAliases, each refusal with its valid twin (checked with libvirt 9.0)."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import Q35, dom, errors

NIC = "<interface type='user'><model type='e1000'/><alias name='{}'/></interface>"
DISK = ("<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/a.img'/>"
        "<target dev='vda' bus='virtio'/><alias name='{}'/></disk>")
SERIAL = "<serial type='pty'><alias name='{}'/></serial>"
CONSOLE = "<console type='pty'><target type='{}'/><alias name='{}'/></console>"

CASES = [
    ("two-nics", dom(NIC.format("ua-x") + NIC.format("ua-x"), dtype="qemu"), "non unique alias detected: ua-x"),
    ("nics-distinct", dom(NIC.format("ua-x") + NIC.format("ua-y"), dtype="qemu"), None),
    ("disk-and-nic", dom(DISK.format("ua-a") + NIC.format("ua-a"), dtype="qemu"), "non unique alias detected: ua-a"),
    ("disk-and-nic-distinct", dom(DISK.format("ua-a") + NIC.format("ua-b"), dtype="qemu"), None),
    # libvirt drops an alias that is not a user alias, or has other characters, from an inactive definition
    ("not-user-aliases", dom(NIC.format("net0") + NIC.format("net0"), dtype="qemu"), None),
    ("dotted-user-aliases", dom(NIC.format("ua-a.b") + NIC.format("ua-a.b"), dtype="qemu"), None),
    # its console may be the first serial's copy: both are let be
    ("serial-console-copy", dom(SERIAL.format("ua-s") + CONSOLE.format("serial", "ua-s"), dtype="qemu"), None),
    # (the first serial's alias is not counted: libvirt 9.0 defines these, and QEMU refuses them at start)
    ("second-serial", dom(SERIAL.format("ua-s") + SERIAL.format("ua-s"), dtype="qemu"),
     "-chardev id=charua-s: Duplicate ID 'charua-s' for chardev (the first serial port has this alias too) (QEMU "
     "refuses to start the domain)"),
    ("serial-and-nic", dom(SERIAL.format("ua-s") + NIC.format("ua-s"), dtype="qemu"),
     "Duplicate device ID 'ua-s' (the first serial port has this alias too, which define does not compare) (QEMU "
     "refuses to start the domain)"),
    ("serial-and-ps2", dom(SERIAL.format("ua-s") + "<input type='mouse' bus='ps2'><alias name='ua-s'/></input>",
                           dtype="qemu"), None),
    # a console without a serial becomes the first serial, alias and all
    ("console-alone-and-disk", dom(CONSOLE.format("serial", "ua-c") + DISK.format("ua-c"), dtype="qemu"),
     "Duplicate device ID 'ua-c' (the first serial port has this alias too, which define does not compare) (QEMU "
     "refuses to start the domain)"),
    # the first console is counted when it is virtio, or a serial console of the first serial's source
    ("virtio-console-and-disk", dom("<serial type='pty'/>" + CONSOLE.format("virtio", "ua-c") + DISK.format("ua-c"),
                                    dtype="qemu"), "non unique alias detected: ua-c"),
    ("serial-console-same-source-and-disk", dom("<serial type='pty'/>" + CONSOLE.format("serial", "ua-c")
                                                + DISK.format("ua-c"), dtype="qemu"), "non unique alias detected: ua-c"),
    ("serial-console-other-source-and-disk", dom("<serial type='pty'/><console type='file'><source path='/tmp/c'/>"
                                                 "<target type='serial'/><alias name='ua-c'/></console>"
                                                 + DISK.format("ua-c"), dtype="qemu"), None),
    # QEMU's HDA codec devices are named '<sound alias>-codec<N>' (start)
    ("codec-id-taken", dom("<sound model='ich9'><alias name='ua-snd'/></sound>" + NIC.format("ua-snd-codec0"),
                           dtype="qemu"),
     "Duplicate device ID 'ua-snd-codec0' (QEMU's codec device 0 of the sound device 'ua-snd') (QEMU refuses to start "
     "the domain)"),
    ("codec-id-of-ac97", dom("<sound model='ac97'><alias name='ua-snd'/></sound>" + NIC.format("ua-snd-codec0"),
                             dtype="qemu"), None),
    ("codec-id-beyond", dom("<sound model='ich9'><alias name='ua-snd'/></sound>" + NIC.format("ua-snd-codec1"),
                            dtype="qemu"), None),
    ("second-and-third-serial", dom(SERIAL.format("ua-0") + SERIAL.format("ua-s") + SERIAL.format("ua-s"),
                                    dtype="qemu"), "non unique alias detected: ua-s"),
    ("channel-and-nic", dom("<channel type='pty'><target type='virtio' name='a.b'/><alias name='ua-c'/></channel>"
                            + NIC.format("ua-c"), dtype="qemu"), "non unique alias detected: ua-c"),
]


@pytest.mark.parametrize(("xml", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_user_aliases_are_unique(xml: str, message: str | None) -> None:
    found = [m for c, m in errors(xml, Q35) if c == "VL813"]
    assert found == ([] if message is None else [message])
