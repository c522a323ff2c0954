"""Refusals found by listing libvirt 10.7's messages (domain_conf.c, domain_validate.c, qemu_validate.c) that no
rule gave, and putting a case of each to the real libvirt 9.0: a TCG cache size, a bootloader on QEMU, the ncr53c90
SCSI controller, virtio input models. Each with its valid twin."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt


def qemu(devices: str = "", *, extra: str = "", machine: str = "q35") -> str:
    return dom(devices, extra=extra, machine=machine, dtype="qemu")


def tb_cache(size: str, unit: str) -> str:
    return qemu(extra=f"<features><tcg><tb-cache unit='{unit}'>{size}</tb-cache></tcg></features>")


SCSI = "<controller type='scsi' index='{}' model='{}'/>"

CASES = [
    # VL407: QEMU sizes the TCG translation block cache in MiB
    ("tb-cache-1536-kib", tb_cache("1536", "KiB"), "VL407", "tb-cache size must be an integer multiple of MiB"),
    ("tb-cache-a-byte-over", tb_cache("1048577", "b"), "VL407", "tb-cache size must be an integer multiple of MiB"),
    ("tb-cache-2-mib", tb_cache("2", "MiB"), None, ""),
    ("tb-cache-2048-kib", tb_cache("2048", "KiB"), None, ""),
    ("tb-cache-word", tb_cache("x", "KiB"), "VL851", "Invalid value 'x' for element or attribute './tb-cache'"),
    # VL012: a Xen bootloader on QEMU
    ("bootloader", qemu(extra="<bootloader>/usr/bin/pygrub</bootloader>"), "VL012",
     "bootloader is not supported by QEMU"),
    ("bootloader-args", qemu(extra="<bootloader_args>-q</bootloader_args>"), "VL012",
     "bootloader is not supported by QEMU"),
    ("bootloader-empty", qemu(extra="<bootloader></bootloader>"), None, ""),
    # VL794: the ncr53c90 (ESP) SCSI controller is some boards' own
    ("ncr53c90-second", qemu(SCSI.format(0, "lsilogic") + SCSI.format(1, "ncr53c90"), machine="pc"), "VL794",
     "ncr53c90 can only be used as first SCSI controller"),
    ("ncr53c90-on-pc", qemu(SCSI.format(0, "ncr53c90"), machine="pc"), "VL794",
     "ncr53c90 SCSI controller is not a built-in for this machine"),
    ("lsilogic-on-pc", qemu(SCSI.format(0, "lsilogic"), machine="pc"), None, ""),
    # VL793: virtio input models
    ("virtio-tablet-on-usb", qemu("<input type='tablet' bus='usb' model='virtio'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("virtio-tablet-default-bus", qemu("<input type='tablet' model='virtio'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("virtio-keyboard-default-bus", qemu("<input type='keyboard' model='virtio-non-transitional'/>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio-non-transitional'"),
    ("virtio-evdev", qemu("<input type='evdev' model='virtio'><source dev='/dev/input/event1'/></input>"), "VL793",
     "only bus 'virtio' is supported for input model 'virtio'"),
    ("transitional-mouse-on-virtio", qemu("<input type='mouse' bus='virtio' model='virtio-transitional'/>"), "VL793",
     "virtio (non-)transitional models are not supported for input type=mouse"),
    ("virtio-tablet-on-virtio", qemu("<input type='tablet' bus='virtio' model='virtio'/>"), None, ""),
    ("virtio-passthrough-default-bus", qemu("<input type='passthrough' model='virtio'><source "
                                            "evdev='/dev/input/event1'/></input>"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_the_message_audit(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)
