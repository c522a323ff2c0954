"""Checks reviewed against the real-world corpus (wild/): each refusal next to its accepted twin.

The oracle's linter follows the daemon's libvirt version (9.0 here): memory hotplug without guest NUMA is still
refused there (qemuDomainDefNumaAutoAdd came in 9.6), and ib700 off i440fx is still accepted (refused since 9.3).
"""

from __future__ import annotations

from cases import Case, disk

PREFIX = "wildrev"

_EHCI_AT_4_7 = ("<controller type='usb' index='0' model='ich9-ehci1'>"
                "<address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x7'/></controller>")
_HOTPLUG = "<maxMemory slots='2' unit='MiB'>1024</maxMemory>"


def _dir_disk(driver: str) -> str:
    return (f"<disk type='dir' device='disk'>{driver}<source dir='/usr/share/libvirt/schemas'/>"
            "<target dev='sdb' bus='usb'/><readonly/></disk>")


def cases(kvm: bool) -> list[Case]:
    def case(name: str, rule: str | None, machine: str = "q35", **parts: str) -> Case:
        return Case(f"{PREFIX}-{name}", "qemu", "x86_64", machine, rule, **parts)

    return [
        # VL709 (and not VL702/VL708): an index-0 pcie-root-port on q35, bus-0 devices judged against pcie-root
        case("index0-root-port", "VL709", devices="<controller type='pci' index='0' model='pcie-root-port'/>"
             + _EHCI_AT_4_7),
        case("index0-root-port-ok", None, devices="<controller type='pci' index='0' model='pcie-root'/>"
             + _EHCI_AT_4_7),
        # VL752: a directory disk without a format becomes raw in post-parse
        case("dir-disk-no-format", "VL752", devices=_dir_disk("<driver name='qemu'/>")),
        case("dir-disk-fat-ok", None, devices=_dir_disk("<driver name='qemu' type='fat'/>")),
        # VL704: a virtio disk with a drive address (qemuDomainAssignPCIAddresses, define)
        case("virtio-disk-drive", "VL704", devices=disk("vdb", "virtio").replace(
            "</disk>", "<address type='drive' controller='0' bus='0' target='2' unit='0'/></disk>")),
        case("virtio-disk-pci-ok", None, devices=disk("vdb", "virtio").replace(
            "</disk>", "<address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></disk>")),
        # VL210 at 9.0: memory hotplug without guest NUMA
        case("hotplug-no-numa", "VL210", top=_HOTPLUG),
        case("hotplug-numa-ok", None, top=_HOTPLUG,
             after="<cpu><numa><cell id='0' cpus='0' memory='131072' unit='KiB'/></numa></cpu>"),
        # VL785 follows the version: 9.0 accepts ib700 on q35
        case("ib700-q35-libvirt-9-0-ok", None, devices="<watchdog model='ib700' action='reset'/>"),
    ]
