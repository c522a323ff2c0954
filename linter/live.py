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
