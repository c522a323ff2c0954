"""Realistic domain XMLs, like virt-install output (about 5 KB, 100+ elements), reproducibly.

    python benchmarks/generate.py OUT_DIR COUNT [--scale N]

--scale repeats the disks, NICs and PCIe root ports N times, for the growth measurements.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

CPU_FEATURES = ["vmx", "pcid", "spec-ctrl", "ssbd", "md-clear", "stibp", "arch-capabilities", "pdpe1gb", "x2apic",
                "tsc-deadline", "hypervisor", "arat", "tsc_adjust", "umip", "xsaves"]


def _disk_name(number: int) -> str:
    """vda, vdb, ..., vdz, vdaa, vdab, ... as libvirt names them."""
    letters = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(97 + rest) + letters
    return "vd" + letters


def repeatable(rng: random.Random, index: int, copy: int) -> str:
    """Devices a domain may have many of: disks, NICs, PCIe root ports."""
    count = rng.randint(2, 4)
    disks = "".join(
        f"""
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2' discard='unmap' cache='none' io='native'/>
      <source file='/var/lib/libvirt/images/vm{index}-disk{copy}-{d}.qcow2'/>
      <target dev='{_disk_name(copy * 4 + d)}' bus='virtio'/>
    </disk>""" for d in range(count))
    nics = "".join(
        f"""
    <interface type='network'>
      <mac address='52:54:00:{rng.randint(0, 255):02x}:{copy % 256:02x}:{n:02x}'/>
      <source network='net{n}'/>
      <model type='virtio'/>
    </interface>""" for n in range(rng.randint(1, 3)))
    ports = "".join(f"""
    <controller type='pci' index='{copy * 7 + p}' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='{copy * 7 + p}' port='0x{0x10 + p:x}'/>
    </controller>""" for p in range(1, 8) if copy * 7 + p <= 255)  # libvirt's limit for index and chassis
    return disks + nics + ports


def singletons() -> str:
    """Devices a domain has once."""
    return """
    <disk type='file' device='cdrom'>
      <driver name='qemu' type='raw'/>
      <target dev='sda' bus='sata'/>
      <readonly/>
      <address type='drive' controller='0' bus='0' target='0' unit='0'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci' ports='15'/>
    <controller type='sata' index='0'/>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='virtio-serial' index='0'/>
    <serial type='pty'>
      <target type='isa-serial' port='0'>
        <model name='isa-serial'/>
      </target>
    </serial>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <channel type='unix'>
      <target type='virtio' name='org.qemu.guest_agent.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='1'/>
    </channel>
    <channel type='spicevmc'>
      <target type='virtio' name='com.redhat.spice.0'/>
      <address type='virtio-serial' controller='0' bus='0' port='2'/>
    </channel>
    <input type='tablet' bus='usb'>
      <address type='usb' bus='0' port='1'/>
    </input>
    <graphics type='spice' autoport='yes'>
      <listen type='address'/>
      <image compression='off'/>
    </graphics>
    <sound model='ich9'/>
    <audio id='1' type='spice'/>
    <video>
      <model type='virtio' heads='1' primary='yes'/>
    </video>
    <redirdev bus='usb' type='spicevmc'/>
    <memballoon model='virtio'/>
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
    </rng>
    <tpm model='tpm-crb'>
      <backend type='emulator' version='2.0'/>
    </tpm>"""


def domain(rng: random.Random, index: int, scale: int = 1) -> str:
    features = "".join(f"\n    <feature policy='require' name='{f}'/>" for f in rng.sample(CPU_FEATURES, 8))
    body = "".join(repeatable(rng, index, copy) for copy in range(scale)) + singletons()
    return f"""<domain type='kvm'>
  <name>vm{index}</name>
  <uuid>{rng.getrandbits(128):032x}</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://debian.org/debian/12"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='KiB'>{rng.choice([2, 4, 8]) * 1048576}</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>{rng.choice([2, 4, 8])}</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
    <vmport state='off'/>
  </features>
  <cpu mode='custom' match='exact' check='partial'>
    <model fallback='forbid'>pentium3</model>{features}
  </cpu>
  <clock offset='utc'>
    <timer name='rtc' tickpolicy='catchup'/>
    <timer name='pit' tickpolicy='delay'/>
    <timer name='hpet' present='no'/>
  </clock>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <pm>
    <suspend-to-mem enabled='no'/>
    <suspend-to-disk enabled='no'/>
  </pm>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>{body}
  </devices>
</domain>
"""


def write(out: Path, count: int, scale: int = 1, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = out / f"vm{index:05d}.xml"
        path.write_text(domain(rng, index, scale))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()
    write(args.out, args.count, args.scale)


if __name__ == "__main__":
    main()
