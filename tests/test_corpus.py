"""Real-world checks against the shared corpus (skipped when ../shared is absent).

* every domcapabilities document from libvirt's test suite works as --caps;
* no error on the 681 domain XMLs libvirt 10.7 accepts, except start-time
  findings listed in KNOWN_START_TIME with the reason libvirt's test did not see them.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import shared_path
from virtlint.linter.caps import DomainCaps
from virtlint.linter.cli import main
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

#: Rules whose verdict libvirt reaches only when it starts the domain, which
#: qemuxmlconftest never does: code -> why.
START_TIME_RULES = {
    "VL604": "libvirt compares the guest CPU model with the host CPU only at start "
             "(the caps mark these models usable='no' on the host they were probed on)",
    "VL762": "QEMU's image locking refuses two disks of one image at start; libvirt's test suite writes command "
             "lines and never starts QEMU (several of its files give many disks one path)",
    "VL226": "QEMU's ARM boards refuse RAM or vCPU counts they cannot have when they start (versatilepb more than "
             "256 MiB: `versatilepb: memory size must not exceed 256MB`, checked on 9.0 with QEMU 7.2); the suite's "
             "versatilepb inputs give it 1 GiB and never start QEMU",
    "VL225": "QEMU bounds the guest's highest address by the CPU's address bits at start; the suite's memory-hotplug "
             "files give TCG domains a 1 PiB <maxMemory>, far beyond TCG's 40 bits, and never start QEMU",
}

#: Start-time refusals whose inputs the suite writes many of: libvirt's message -> why the suite accepts them.
START_TIME_MESSAGES = {
    "fsdev: fsdriver handle not found (QEMU 6.0 removed the 'handle' 9p backend; these capabilities are QEMU 9.1's) "
    "(QEMU refuses to start the domain)":
        "the 9p 'handle' driver, which QEMU 6.0 removed: QEMU refuses it at start (checked on 9.0 with QEMU 7.2); the "
        "suite never starts QEMU",
    "SCSI host device doesn't support managed mode (libvirt refuses to start the domain)":
        "the suite gives SCSI host devices managed='yes', which virHostdevPrepareSCSIHostDevices refuses at start "
        "before it looks at the host (checked on 9.0); the suite never starts a domain",
    "memory hotplug is not enabled: missing acpi device or acpi disabled (QEMU refuses to start the domain)":
        "the suite's memory hotplug inputs give a pc or q35 machine DIMMs or NVDIMMs without <acpi/>, so libvirt "
        "turns ACPI off (acpi=off, or -no-acpi) and QEMU refuses the first DIMM at start (checked on 9.0 with QEMU "
        "7.2); the suite writes command lines and never starts QEMU",
    "Scheduler priority 0 out of range [1, 99] (libvirt refuses to start the domain)":
        "the suite's cputune input gives fifo and rr schedulers priority 0, which virProcessSetScheduler refuses when "
        "it sets the thread's scheduler at start (Linux's real-time priorities are 1 to 99; checked on 9.0); the "
        "suite never starts a domain",
    "queue-size property must be a power of 2 (QEMU refuses to start the domain)":
        "the suite's virtiofs openfiles input gives the share queue='1027', which vhost-user-fs refuses when QEMU "
        "creates the device (checked on 9.0 with QEMU 7.2: 1000 is refused, 1024 starts); the suite writes command "
        "lines and never starts QEMU",
    "virtio-gpu-gl: opengl is not available: 3D acceleration needs a display that gives QEMU OpenGL (these "
    "capabilities are QEMU 9.1's) (QEMU refuses to start the domain)":
        "the suite's virtio video inputs with accel3d='yes' and no display of OpenGL (no egl-headless, no <gl "
        "enable='yes'/>) give QEMU virtio-gpu-gl, whose realize refuses to run without one (checked on 9.0 with QEMU "
        "7.2); the suite writes command lines and never starts QEMU",
}

#: (file, code) -> why libvirt's qemuxmlconftest accepted it although a real host
#: with these capabilities fails at start. The test suite never starts QEMU and
#: mocks host probes (SEV, swtpm) that the caps document reports as absent.
KNOWN_START_TIME = {
    ("launch-security-sev-direct.xml", "VL401"): "caps report <sev supported='no'>: no SEV on the host, QEMU fails at start",
    ("launch-security-sev-snp.xml", "VL401"): "caps report <sev supported='no'>: no SEV on the host, QEMU fails at start",
    ("launch-security-sev-direct.xml", "VL402"): "caps report <launchSecurity supported='no'>, as above",
    ("launch-security-sev-snp.xml", "VL402"): "caps report <launchSecurity supported='no'>, as above",
    ("cpu-translation.xml", "VL406"): "pvspinlock on a TCG domain: TCG's guest CPU has no kvm_pv_unhalt, which "
                                      "libvirt checks after QEMU starts (9.0 refuses it there)",
    ("pv-spinlock-enabled.xml", "VL406"): "the same: pvspinlock on a TCG domain",
    ("tpm-emulator.xml", "VL302"): "caps' backendVersion (from swtpm_setup) lists only 2.0; the suite mocks swtpm; "
                                   "the same input is in rejected/ with \"TPM version '1.2' is not supported\"",
    ("firmware-manual-efi-features.xml", "VL504"): "a read-only pflash loader without <nvram>: the suite's caps "
                                                   "list its mock's fake firmware (/obviously/fake/firmware1.fd), "
                                                   "while its firmware descriptors describe this loader, which a "
                                                   "host's caps would list; the NVRAM is made at start, which the "
                                                   "suite never reaches",
    ("cputune-zero-shares.xml", "VL211"): "<shares>0</shares>: the host's cgroups refuse a weight of 0 at start "
                                          "(9.0: `shares '0' must be in range [2, 262144]`, checked); the suite "
                                          "never starts it",
    ("net-mcast.xml", "VL770"): "an mcast interface on 192.0.0.1, no multicast group: QEMU refuses it at start "
                                "(`specified mcastaddr 192.0.0.1 (0xc0000001) does not contain a multicast address`, "
                                "checked on 9.0)",
    ("disk-serial.xml", "VL751"): "an sd disk on pc: the suite writes -drive if=sd and never starts QEMU, which "
                                   "refuses it (`machine type does not support if=sd,bus=0,unit=0`; checked on 9.0)",
    ("disk-scsi.xml", "VL794"): "an ibmvscsi controller on x86: libvirt writes -device spapr-vscsi, which only "
                                "qemu-system-ppc64 has (`'spapr-vscsi' is not a valid device model name`, checked on "
                                "9.0); the suite never starts QEMU",
    **{(f"virtio-options{part}.xml", "VL803"): "virtio devices with <driver iommu='on'> on the i440fx machine's PCI "
                                              "bus keep their legacy interface, and QEMU refuses them at start "
                                              "(`VIRTIO_F_IOMMU_PLATFORM was supported by neither legacy nor "
                                              "transitional device`, checked on 9.0 for each device kind); the "
                                              "suite never starts QEMU"
       for part in ("", "-controller-iommu", "-disk-iommu", "-fs-iommu", "-memballoon-iommu", "-net-iommu",
                    "-rng-iommu")},
    **{(name, "VL700"): "IDE disks on an i440fx machine at unit 2 and above, or on bus 2: its piix3-ide has buses 0 "
                        "and 1 of two units each, and QEMU refuses the rest at start (`Can't create IDE unit 2, bus "
                        "supports only 2 units`, `Bus 'ide.2' not found`; checked on 9.0 with QEMU 7.2); the suite "
                        "never starts QEMU"
       for name in ("disk-blockio.xml", "disk-ide-split.xml", "disk-serial.xml", "disk-snapshot.xml",
                    "disk-source-pool-mode.xml", "disk-source-pool.xml")},
    **{(name, "VL210"): "a DIMM at 4 GiB on a pc machine with 4 GiB of initial memory, whose last GiB QEMU maps from "
                        "4 GiB: the device memory region starts at 5 GiB, and QEMU refuses the DIMM at start "
                        "(`can't add memory device [0x100000000:0x20000000], usable range for memory devices "
                        "[0x140000000:0x500000000]`; checked on 9.0 with QEMU 7.2, pc and q35); the suite never "
                        "starts QEMU"
       for name in ("hugepages-memaccess.xml", "hugepages-memaccess2.xml")},
    ("net-many-models.xml", "VL770"): "a netfront (Xen) NIC on QEMU: libvirt writes -device netfront, which QEMU "
                                      "refuses at start (checked on 9.0); the suite never starts QEMU",
}


def _minimal_domain(caps: DomainCaps) -> str:
    machine = f" machine='{caps.machine}'" if caps.machine else ""
    return (f"<domain type='{caps.domain_type}'><name>m</name><memory>1048576</memory><vcpu>1</vcpu>"
            f"<os><type arch='{caps.arch}'{machine}>hvm</type></os><devices/></domain>")


def _corpus_caps() -> list[Path]:
    folder = shared_path("corpus", "libvirt-domaincaps")
    return sorted(folder.glob("*.xml"))


def test_every_corpus_caps_file_works_with_the_cli(tmp_path: Path) -> None:
    runner = CliRunner()
    for path in _corpus_caps():
        caps = DomainCaps.from_file(str(path))
        domain = tmp_path / f"{path.stem}-domain.xml"
        domain.write_text(_minimal_domain(caps))
        result = runner.invoke(main, ["check", "--caps", str(path), "--format", "json", "--ignore", "VL9", str(domain)])
        assert result.exception is None or isinstance(result.exception, SystemExit), (path.name, result.output)
        assert result.exit_code in (0, 1), (path.name, result.output)
        assert json.loads(result.output) == [], (path.name, result.output)


def test_corpus_caps_directory_in_a_real_process(tmp_path: Path) -> None:
    domain = tmp_path / "q35.xml"
    domain.write_text("<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>")
    folder = str(shared_path("corpus", "libvirt-domaincaps"))
    result = subprocess.run([sys.executable, "-m", "virtlint", "check", "--caps", folder, "--format", "json",
                             str(domain)], capture_output=True, text=True, timeout=120)
    assert result.returncode in (0, 1), result.stderr
    json.loads(result.stdout)


@cache
def _linter(caps_name: str) -> Linter:
    return Linter([DomainCaps.from_file(str(shared_path("corpus", "libvirt-domaincaps", caps_name)))])


def _rows(kind: str) -> list[dict[str, str]]:
    table = shared_path("corpus", "libvirt-qemuxml", f"{kind}.tsv")
    with open(table, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_no_false_errors_on_what_libvirt_accepts() -> None:
    unexpected = []
    for row in _rows("accepted"):
        path = shared_path("corpus", "libvirt-qemuxml", "accepted", row["file"])
        result = _linter(row["caps"]).lint_document(Document.from_file(str(path)))
        assert not result.internal_errors, (row["file"], result.internal_errors)
        unexpected += [
            f"{row['file']}: {f.code} {f.message}"
            for f in result.findings
            if f.severity is Severity.ERROR and (row["file"], f.code) not in KNOWN_START_TIME
            and f.code not in START_TIME_RULES and f.message not in START_TIME_MESSAGES
        ]
    assert unexpected == []


def test_start_time_messages_still_fire() -> None:
    found = set()
    for row in _rows("accepted"):
        path = shared_path("corpus", "libvirt-qemuxml", "accepted", row["file"])
        found |= {f.message for f in _linter(row["caps"]).lint_document(Document.from_file(str(path))).findings}
    assert set(START_TIME_MESSAGES) <= found


def test_rejected_corpus_never_crashes() -> None:
    for row in _rows("rejected"):
        path = shared_path("corpus", "libvirt-qemuxml", "rejected", row["file"])
        assert not _linter(row["caps"]).lint_document(Document.from_file(str(path))).internal_errors


@pytest.mark.parametrize(("file", "code"), sorted(KNOWN_START_TIME))
def test_known_start_time_findings_still_fire(file: str, code: str) -> None:
    row = next(r for r in _rows("accepted") if r["file"] == file)
    path = shared_path("corpus", "libvirt-qemuxml", "accepted", file)
    findings = _linter(row["caps"]).lint_document(Document.from_file(str(path))).findings
    assert code in [f.code for f in findings]
