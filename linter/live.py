"""Capabilities from a running libvirt (`--connect URI`), through libvirt-python or `virsh`: the host's
`virsh capabilities` and the `virsh domcapabilities` of each virt type, arch, machine and emulator."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache

from virtlint.linter.caps import CapsError, DomainCaps
from virtlint.linter.document import Document


@cache
def fetch(uri: str, virttype: str | None, arch: str | None, machine: str | None, emulator: str | None) -> str:
    """The domcapabilities XML the host at ``uri`` reports for this combination."""
    try:
        import libvirt
    except ImportError:
        return _fetch_virsh(uri, virttype, arch, machine, emulator)
    try:
        connection = libvirt.openReadOnly(uri)
        try:
            return connection.getDomainCapabilities(emulator, arch, machine, virttype, 0)
        finally:
            connection.close()
    except libvirt.libvirtError as err:
        raise CapsError(f"{uri}: {err.get_error_message()}") from None


def _fetch_virsh(uri: str, virttype: str | None, arch: str | None, machine: str | None, emulator: str | None) -> str:
    if shutil.which("virsh") is None:
        raise CapsError("--connect needs libvirt-python or virsh (Debian: libvirt-clients)")
    command = ["virsh", "-q", "-c", uri, "domcapabilities"]
    for flag, value in (("--virttype", virttype), ("--arch", arch), ("--machine", machine),
                        ("--emulatorbin", emulator)):
        if value:
            command += [flag, value]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise CapsError(f"{uri}: virsh domcapabilities timed out") from None
    if result.returncode != 0:
        reason = " ".join(result.stderr.split()).removeprefix("error: ")
        raise CapsError(f"{uri}: {reason or 'virsh domcapabilities failed'}")
    return result.stdout


def caps_for(uri: str, virttype: str | None, arch: str | None, machine: str | None,
             emulator: str | None) -> DomainCaps:
    text = fetch(uri, virttype, arch, machine, emulator)
    label = f"{uri} ({', '.join(v for v in (virttype, arch, machine) if v) or 'defaults'})"
    return DomainCaps(Document(text, label))


@cache
def fetch_host(uri: str) -> str:
    """The host capabilities XML (`virsh capabilities`) of the libvirt at ``uri``."""
    try:
        import libvirt
    except ImportError:
        return _virsh(uri, ["capabilities"], "virsh capabilities")
    try:
        connection = libvirt.openReadOnly(uri)
        try:
            return connection.getCapabilities()
        finally:
            connection.close()
    except libvirt.libvirtError as err:
        raise CapsError(f"{uri}: {err.get_error_message()}") from None


def _virsh(uri: str, arguments: list[str], what: str) -> str:
    if shutil.which("virsh") is None:
        raise CapsError("--connect needs libvirt-python or virsh (Debian: libvirt-clients)")
    try:
        result = subprocess.run(["virsh", "-q", "-c", uri, *arguments], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        raise CapsError(f"{uri}: {what} timed out") from None
    if result.returncode != 0:
        reason = " ".join(result.stderr.split()).removeprefix("error: ")
        raise CapsError(f"{uri}: {reason or what + ' failed'}")
    return result.stdout


def host_for(uri: str):
    """The host capabilities document of the libvirt at ``uri``."""
    from virtlint.linter.host import HostCaps

    return HostCaps(Document(fetch_host(uri), f"{uri} (virsh capabilities)"))


def combinations(host, arch: str | None = None, virttype: str | None = None,
                 machine: str | None = None) -> list[tuple[str | None, str | None, str | None]]:
    """(virttype, arch, machine) of the domcapabilities worth saving for a host: for its native arch (or
    ``arch``), each virt type it offers and each machine alias (pc, q35, virt...), or just what was asked."""
    arch = arch or host.host_arch
    guests = host.guests_for(arch) if arch else []
    if not guests:
        return [(virttype, arch, machine)]
    guest = guests[0]
    types = [virttype] if virttype else list(guest.domains) or [None]
    wanted = []
    for virt_type in types:
        machines = [machine] if machine else [m.name for m in guest.machines_for(virt_type) if m.canonical] or [None]
        wanted += [(virt_type, arch, name) for name in machines]
    return wanted


def save_all(uri: str, folder: str, virttype: str | None = None, arch: str | None = None,
             machine: str | None = None, emulator: str | None = None) -> list[str]:
    """Write the host's capabilities.xml and its domcapabilities into ``folder``; the paths written."""
    import os

    from virtlint.linter.host import HostCaps

    host_text = fetch_host(uri)
    host = HostCaps(Document(host_text, "capabilities.xml"))
    written = [os.path.join(folder, "capabilities.xml")]
    with open(written[0], "w", encoding="utf-8") as out:
        out.write(host_text)
    for virt_type, guest_arch, machine_name in combinations(host, arch, virttype, machine):
        text = fetch(uri, virt_type, guest_arch, machine_name, emulator)
        caps = DomainCaps(Document(text, "domcaps.xml"))
        name = "-".join(p for p in ("domcaps", caps.domain_type or virt_type, caps.arch or guest_arch,
                                    caps.machine or machine_name) if p)
        path = os.path.join(folder, f"{name}.xml")
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
        written.append(path)
    return written
def host_libvirt_version(uri: str) -> tuple[int, int]:
    """The libvirt release of the daemon at ``uri`` (libvirt-python getLibVersion, or `virsh version`)."""
    from virtlint.linter import versions

    try:
        import libvirt
    except ImportError:
        libvirt = None
    if libvirt is not None:
        try:
            connection = libvirt.openReadOnly(uri)
            try:
                return versions.parse(str(connection.getLibVersion()))
            finally:
                connection.close()
        except libvirt.libvirtError as err:
            raise CapsError(f"{uri}: {err.get_error_message()}") from None
    if shutil.which("virsh") is None:
        raise CapsError("--connect needs libvirt-python or virsh (Debian: libvirt-clients)")
    try:
        result = subprocess.run(["virsh", "-c", uri, "version"], capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        raise CapsError(f"{uri}: virsh version timed out") from None
    if result.returncode != 0:
        reason = " ".join(result.stderr.split()).removeprefix("error: ")
        raise CapsError(f"{uri}: {reason or 'virsh version failed'}")
    return parse_virsh_version(result.stdout)


def parse_virsh_version(text: str) -> tuple[int, int]:
    """The daemon's release from `virsh version` ('Running against daemon: 9.0.0'), else the library's."""
    import re

    from virtlint.linter import versions

    for pattern in (r"Running against daemon:\s*(\d+\.\d+)", r"Using library: libvirt\s*(\d+\.\d+)"):
        match = re.search(pattern, text)
        if match:
            return versions.parse(match.group(1))
    raise CapsError("cannot read the libvirt version from `virsh version`")
