"""libvirt's hypervisor drivers, and which one handles a domain.

Each rule states the drivers whose checks it models (``Rule.drivers``); the
engine runs on a domain only the rules of the driver its ``type`` selects, so
a bhyve or Xen domain is not judged by the QEMU driver's validation.
"""

from __future__ import annotations

#: Every stateful driver virtlint knows; rules modelling generic code (domain_conf.c,
#: domain_validate.c, the RelaxNG schema) apply to all of them.
ALL_DRIVERS: tuple[str, ...] = ("qemu", "xen", "lxc", "bhyve", "ch", "vz", "vmware", "hyperv", "vbox", "openvz",
                                "test")

#: ``<domain type=...>`` -> the libvirt driver that defines and starts it (virDomainVirtType).
DRIVER_OF_TYPE: dict[str, str] = {
    "qemu": "qemu",  # TCG
    "kvm": "qemu",
    "hvf": "qemu",
    "kqemu": "qemu",
    "xen": "xen",  # src/libxl
    "lxc": "lxc",
    "bhyve": "bhyve",
    "ch": "ch",  # cloud-hypervisor
    "vz": "vz",
    "parallels": "vz",
    "vmware": "vmware",  # ESX and VMware Workstation
    "hyperv": "hyperv",
    "vbox": "vbox",
    "openvz": "openvz",
    "test": "test",
}


def driver_of(domain_type: str | None) -> str | None:
    """The driver of a domain type; None when the type is missing or unknown (then every rule runs)."""
    return DRIVER_OF_TYPE.get(domain_type) if domain_type else None


def describe(drivers: tuple[str, ...]) -> str:
    """'qemu', or 'all' for the generic rules."""
    return "all" if set(drivers) >= set(ALL_DRIVERS) else ", ".join(drivers)
