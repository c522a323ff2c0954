"""Capabilities from a running libvirt (`--connect URI`), through libvirt-python or `virsh`."""

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
        import libvirt  # type: ignore[import-not-found]
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
def host_libvirt_version(uri: str) -> tuple[int, int]:
    """The libvirt release of the daemon at ``uri`` (libvirt-python getLibVersion, or `virsh version`)."""
    from virtlint.linter import versions

    try:
        import libvirt  # type: ignore[import-not-found]
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
