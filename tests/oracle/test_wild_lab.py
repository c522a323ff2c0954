"""The wild corpus on the real libvirt (tests/oracle/wild_lab.py): every domain libvirt refuses at define gets a
virtlint error, and on a domain it defines virtlint's errors are refusals that come at start, on this host or
another (skipped without a libvirt daemon or the shared corpus). The table goes to $VIRTLINT_ARTIFACTS as
libvirt-wild.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import libvirt_oracle  # noqa: E402
import wild_lab  # noqa: E402

pytestmark = pytest.mark.libvirt

#: The rules whose errors on a domain libvirt defines are refusals at start: the host checks, read from the host's
#: capabilities, and the CPU, firmware, passthrough and image-lock checks made when QEMU starts. Starting a wild
#: domain of each on the libvirt 9.0 here was refused at start; for VL252, VL302, VL604 and VL762 another start-time
#: refusal of the same domain spoke first (the rules' own cases in tests/oracle/families check them alone).
AT_START = {
    "VL250": "host NUMA nodes a <numatune> names (`NUMA node 1 is unavailable`)",
    "VL252": "huge pages the host's pool does not hold (QEMU cannot preallocate the memory)",
    "VL253": "host CPUs a vCPU, emulator or IOThread pinning names (the domain does not start)",
    "VL254": "an IOMMU for PCI passthrough (`host doesn't support passthrough of host PCI devices`)",
    "VL255": "a security driver the host does not run (`Security driver model 'selinux' is not available`)",
    "VL302": "a PCI passthrough backend (VFIO) the host lacks (its other values are not judged at start)",
    "VL501": "UEFI without firmware on this host (`Unable to find any firmware to satisfy 'efi'`)",
    "VL502": "a firmware feature no firmware of this machine has (`Unable to find any firmware to satisfy 'efi'`)",
    "VL601": "a CPU mode this virt type cannot give (`CPU mode 'host-passthrough' for aarch64 qemu domain`)",
    "VL604": "a CPU model this host cannot run with check='full'",
    "VL762": "two disks writing one image (QEMU's lock, at start)",
    "VL771": "a VFIO backend for an <interface type='hostdev'> the host lacks",
}


@pytest.fixture(scope="module")
def rows() -> list[wild_lab.Row]:
    if not libvirt_oracle.available():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    if not wild_lab.WILD.is_dir():
        pytest.skip(f"{wild_lab.WILD} is not available (the shared corpus lives beside the repository)")
    rows = wild_lab.run()
    libvirt_oracle.write_artifact("libvirt-wild.md", wild_lab.table(rows) + "\n")
    return rows


def test_enough_domains_run_here(rows: list[wild_lab.Row]) -> None:
    if libvirt_oracle.kvm_usable():
        assert len(rows) >= 400 and sum(r.refusal is not None for r in rows) >= 50
    else:  # (the KVM domains are left out: TCG would not give their verdicts)
        assert len(rows) >= 40


def test_every_refusal_at_define_is_an_error(rows: list[wild_lab.Row]) -> None:
    missed = [(r.document, r.refusal) for r in rows if r.refusal is not None and not r.errors]
    assert not missed


#: Codes whose other errors come at define: the part of their message that marks the start-time ones
AT_START_ONLY_WITH = {"VL302": "passthrough backend"}


def test_errors_on_defined_domains_come_at_start(rows: list[wild_lab.Row]) -> None:
    """A domain libvirt defines may get only start-time errors: those of the codes above, or whose message says so
    (the rules end a start-time refusal's message with QEMU_START or LIBVIRT_START)."""
    from virtlint.rules._devices import LIBVIRT_START, QEMU_START

    at_define = [(r.document, code, message) for r in rows if r.refusal is None
                 for code, message in r.errors
                 if not message.endswith((QEMU_START, LIBVIRT_START))
                 and (code not in AT_START or AT_START_ONLY_WITH.get(code, "") not in message)]
    assert not at_define
