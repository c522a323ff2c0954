"""Capabilities from a running libvirt (`--connect URI`), through libvirt-python or `virsh`: the host's
`virsh capabilities` and the `virsh domcapabilities` of each virt type, arch, machine and emulator."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache
from typing import Any, Callable, TypeVar

from virtlint.linter.caps import CapsError, DomainCaps
from virtlint.linter.document import Document

T = TypeVar("T")


_NO_CLIENT = "--connect needs libvirt-python or virsh (Debian: libvirt-clients)"


def _libvirt_python() -> Any | None:
    """The libvirt-python module, or None where only virsh is installed."""
    try:
        import libvirt
    except ImportError:
        return None
    return libvirt


def _ask_libvirt(libvirt: Any, uri: str, question: Callable[[Any], T]) -> T:
    """``question(connection)`` over a read-only connection to ``uri``; libvirt's error as a CapsError."""
    try:
        connection = libvirt.openReadOnly(uri)
        try:
            return question(connection)
        finally:
            connection.close()
    except libvirt.libvirtError as err:
        raise CapsError(f"{uri}: {err.get_error_message()}") from None


def _virsh(uri: str, arguments: list[str], quiet: bool = True, timeout: float = 120) -> str:
    """The output of ``virsh -c uri ARGUMENTS``; a failure or timeout as a CapsError naming the command."""
    if shutil.which("virsh") is None:
        raise CapsError(_NO_CLIENT)
    what = f"virsh {arguments[0]}"
    try:
        result = subprocess.run(["virsh", *(["-q"] if quiet else []), "-c", uri, *arguments], capture_output=True,
                                text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CapsError(f"{uri}: {what} timed out") from None
    if result.returncode != 0:
        reason = " ".join(result.stderr.split()).removeprefix("error: ")
        raise CapsError(f"{uri}: {reason or what + ' failed'}")
    return result.stdout


@cache
def fetch(uri: str, virttype: str | None, arch: str | None, machine: str | None, emulator: str | None) -> str:
    """The domcapabilities XML the host at ``uri`` reports for this combination."""
    libvirt = _libvirt_python()
    if libvirt is not None:
        return _ask_libvirt(libvirt, uri,
                            lambda connection: connection.getDomainCapabilities(emulator, arch, machine, virttype, 0))
    arguments = ["domcapabilities"]
    for flag, value in (("--virttype", virttype), ("--arch", arch), ("--machine", machine),
                        ("--emulatorbin", emulator)):
        if value:
            arguments += [flag, value]
    return _virsh(uri, arguments)


def caps_for(uri: str, virttype: str | None, arch: str | None, machine: str | None,
             emulator: str | None) -> DomainCaps:
    text = fetch(uri, virttype, arch, machine, emulator)
    label = f"{uri} ({', '.join(v for v in (virttype, arch, machine) if v) or 'defaults'})"
    return DomainCaps(Document(text, label))


@cache
def fetch_host(uri: str) -> str:
    """The host capabilities XML (`virsh capabilities`) of the libvirt at ``uri``."""
    libvirt = _libvirt_python()
    if libvirt is not None:
        return _ask_libvirt(libvirt, uri, lambda connection: connection.getCapabilities())
    return _virsh(uri, ["capabilities"])


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

    libvirt = _libvirt_python()
    if libvirt is not None:
        return _ask_libvirt(libvirt, uri, lambda connection: versions.parse(str(connection.getLibVersion())))
    return parse_virsh_version(_virsh(uri, ["version"], quiet=False, timeout=60))


def parse_virsh_version(text: str) -> tuple[int, int]:
    """The daemon's release from `virsh version` ('Running against daemon: 9.0.0'), else the library's."""
    import re

    from virtlint.linter import versions

    for pattern in (r"Running against daemon:\s*(\d+\.\d+)", r"Using library: libvirt\s*(\d+\.\d+)"):
        match = re.search(pattern, text)
        if match:
            return versions.parse(match.group(1))
    raise CapsError("cannot read the libvirt version from `virsh version`")
