"""Ask a running libvirt for its verdict on a domain XML: define, then start paused and destroy.

Uses `virsh` (libvirt-clients) so it needs no Python bindings in the test venv.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path

URI = "qemu:///system"


def write_artifact(name: str, text: str) -> None:
    """Write a table the oracle tests make to $VIRTLINT_ARTIFACTS (default: artifacts/ in the repository)."""
    artifacts = Path(os.environ.get("VIRTLINT_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / name).write_text(text)


@dataclass(frozen=True, slots=True)
class Verdict:
    accepted: bool
    phase: str  # 'define' | 'start' | '' when accepted
    message: str

    def __str__(self) -> str:
        return "ACCEPT" if self.accepted else f"REJECT [{self.phase}] {self.message}"


def _virsh(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["virsh", "-q", "-c", URI, *args], capture_output=True, text=True, timeout=timeout)


def _answers() -> bool:
    try:
        return _virsh("version", timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def available() -> bool:
    """A daemon answers at qemu:///system now. One .ci/libvirt.sh started that is gone is started again: libvirt
    9.0's daemon dies on some refusals, or a few calls after one (a damaged heap), and a test that runs after such
    a case must not find it gone."""
    if shutil.which("virsh") is None:
        return False
    if _answers():
        return True
    if SCRIPT.exists() and STATE_PID.exists():
        restart_daemon()
        return _answers()
    return False


@cache
def versions() -> str:
    out = _virsh("version").stdout
    library = re.search(r"Using library: libvirt (\S+)", out)
    hypervisor = re.search(r"Running hypervisor: QEMU (\S+)", out)
    return f"libvirt {library.group(1) if library else '?'}, QEMU {hypervisor.group(1) if hypervisor else '?'}"


@cache
def library_version() -> tuple[int, int] | None:
    """The daemon's libvirt release, (major, minor); None when `virsh version` does not say."""
    match = re.search(r"Using library: libvirt (\d+)\.(\d+)", _virsh("version").stdout)
    return (int(match.group(1)), int(match.group(2))) if match else None


@cache
def capabilities() -> str:
    """The host's `virsh capabilities` (its NUMA nodes, CPUs, pages, IOMMU, security drivers)."""
    result = _virsh("capabilities")
    if result.returncode != 0:
        raise RuntimeError(f"virsh capabilities: {result.stderr.strip()}")
    return result.stdout


@cache
def domcapabilities(virttype: str, arch: str, machine: str) -> str:
    result = _virsh("domcapabilities", "--virttype", virttype, "--arch", arch, "--machine", machine)
    if result.returncode != 0:
        raise RuntimeError(f"virsh domcapabilities {virttype} {arch} {machine}: {result.stderr.strip()}")
    return result.stdout


@cache
def kvm_usable() -> bool:
    return _virsh("domcapabilities", "--virttype", "kvm", "--arch", "x86_64", "--machine", "q35").returncode == 0


def _error(result: subprocess.CompletedProcess[str]) -> str:
    text = " ".join(result.stderr.split())
    text = re.sub(r"\d{4}-\d\d-\d\dT[\d:.]+Z ", "", text)  # QEMU's timestamps: keep the table stable
    # "error: Failed to define domain from /tmp/x.xml error: <libvirt's message>" -> libvirt's message
    return re.sub(r"^error: (Failed to \w+ domain( from)? \S+\s+)?(error: )?", "", text)


#: virsh's words when the daemon is gone (it crashed, or is restarting)
DAEMON_GONE = re.compile(r"Failed to connect socket|End of file while reading data|Cannot recv data|"
                         r"client socket is closed|Connection reset by peer|failed to connect to the hypervisor",
                         re.IGNORECASE)
SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "libvirt.sh"
#: The pid file of the daemon that script started (see its STATE)
STATE_PID = Path(os.environ.get("VIRTLINT_LIBVIRT_STATE", "/var/tmp/virtlint-libvirt")) / "libvirtd.pid"


def restart_daemon() -> None:
    """Restart the daemon .ci/libvirt.sh started (a daemon started otherwise is left as it is)."""
    subprocess.run(["bash", str(SCRIPT), "restart"], capture_output=True, text=True, timeout=180)


def ensure_image(path: str) -> None:
    """The disk image the cases name: an empty 1 MiB raw file, made when missing (a fresh machine has none, and
    libvirt refuses to start a domain whose disk file does not exist)."""
    image = Path(path)
    if not image.exists():
        image.parent.mkdir(parents=True, exist_ok=True)
        with image.open("wb") as handle:
            handle.truncate(1 << 20)


def verdict(domain_xml: str) -> Verdict:
    """libvirt's verdict (see _verdict), asked again once after a restart when the daemon was gone. libvirt 9.x
    writes past an array when it refuses a NUMA <distances> (virDomainNumaDefNodeDistanceParseXML's cleanup; 10.x
    has no such cleanup), which crashes its daemon a few calls later: the daemon is restarted after such a refusal."""
    result = _verdict(domain_xml)
    if not result.accepted and DAEMON_GONE.search(result.message) and SCRIPT.exists():
        restart_daemon()
        result = _verdict(domain_xml)
    if not result.accepted and "<distances>" in domain_xml and (library_version() or (10, 0)) < (10, 0) \
            and SCRIPT.exists():
        restart_daemon()
    return result


#: A domain's <uuid> that libvirt reads (a malformed one is left as it is: the verdict is about it)
_UUID = re.compile(r"<uuid>\s*([0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12})\s*</uuid>")


def _define(domain_xml: str) -> tuple[str, subprocess.CompletedProcess[str]]:
    """Define the domain under a unique name and, when it has a well-formed one, a unique UUID (libvirt's test
    inputs share one: two runs at once, or a domain a killed run left behind, must not refuse each other's): (that
    name, virsh's result). The UUID is replaced wherever the document spells it (a sysinfo entry must match it)."""
    name = f"virtlint-oracle-{uuid.uuid4().hex[:12]}"
    xml = re.sub(r"<name>[^<]*</name>", f"<name>{name}</name>", domain_xml, count=1)
    given = _UUID.search(xml)
    if given is not None:
        xml = xml.replace(given.group(1), str(uuid.uuid4()))
    with tempfile.NamedTemporaryFile("w", suffix=".xml", delete=False) as handle:
        handle.write(xml)
    try:
        return name, _virsh("define", handle.name)
    finally:
        Path(handle.name).unlink(missing_ok=True)


def _undefine(name: str, domain_xml: str) -> None:
    """Undefine the domain, with the NVRAM file libvirt made for it; an NVRAM the document names is kept: `undefine
    --nvram` deletes whatever file it names, and a case whose NVRAM is /dev/null once took /dev/null away."""
    if _virsh("undefine", "--keep-nvram" if "<nvram" in domain_xml else "--nvram", name).returncode != 0:
        _virsh("undefine", name)


#: How long `virsh start` may take, and the verdict's message when it took longer (host state, not a verdict)
START_TIMEOUT = 90
START_HUNG = f"virsh start did not return within {START_TIMEOUT} s (QEMU waiting on the host)"


def _verdict(domain_xml: str) -> Verdict:
    """Define the domain under a unique name, start it paused, destroy and undefine it."""
    name, defined = _define(domain_xml)
    if defined.returncode != 0:
        return Verdict(False, "define", _error(defined))
    try:
        try:
            started = _virsh("start", "--paused", name, timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            # (QEMU waiting for something this host does not serve, such as a vhost-user socket: the domain stays
            # behind, paused or starting, and would hold its images' locks against every later start)
            _virsh("destroy", name)
            return Verdict(False, "start", START_HUNG)
        if started.returncode != 0:
            return Verdict(False, "start", _error(started))
        _virsh("destroy", name)
        return Verdict(True, "", "")
    finally:
        _undefine(name, domain_xml)


def define_refusal(domain_xml: str, retried: bool = False) -> str | None:
    """libvirt's refusal of the domain at define, None when it defined it (undefined again at once). A daemon that
    died on it is restarted and asked again: a crash the domain causes again is the refusal (libvirt 9.0's daemon
    dies on <vcpu>-1</vcpu>: four billion vCPUs); one it does not was an earlier refusal's damage (9.0's heap after
    a NUMA <distances> refusal), not a verdict on this domain."""
    name, defined = _define(domain_xml)
    if defined.returncode == 0:
        _undefine(name, domain_xml)
        return None
    refusal = _error(defined)
    if DAEMON_GONE.search(refusal) and SCRIPT.exists():
        restart_daemon()
        return f"the daemon crashed ({refusal})" if retried else define_refusal(domain_xml, retried=True)
    return refusal


#: What QEMU prints when it aborts at start because nested KVM cannot set the guest CPU's MSRs
#: (`kvm_buf_set_msrs: Assertion ... failed`, `failed to set MSR 0x... to 0x...`).
KVM_MSR_ABORT = re.compile(r"kvm_buf_set_msrs|failed to set MSR", re.IGNORECASE)
#: libvirt's words for a QEMU process that exited while starting (after libvirt accepted the domain).
QEMU_EXITED = re.compile(r"qemu unexpectedly closed the monitor|process exited while connecting to monitor",
                         re.IGNORECASE)

PROBE = """<domain type='kvm'>
  <name>virtlint-oracle-probe</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <cpu mode='host-passthrough'/>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
"""


TCG_PROBE = """<domain type='qemu'>
  <name>virtlint-oracle-tcg-probe</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator></devices>
</domain>
"""


@cache
def guest_start_failure() -> str | None:
    """Probe once per run: why the smallest TCG guest does not start here, None when it does. A machine where no
    guest starts (a container whose /dev libvirt cannot mirror in QEMU's mount namespace, say) gives no start-time
    verdict at all: its start failures are its state."""
    result = verdict(TCG_PROBE)
    return None if result.accepted or result.phase != "start" else result.message


@cache
def kvm_cpu_start_aborts() -> bool:
    """Probe once per run: does QEMU abort at start for a tiny, paused host-passthrough KVM guest here?

    On some machines nested KVM makes QEMU abort for CPU modes such as host-passthrough and maximum.
    That is the host's state, not libvirt's verdict on a domain.
    """
    if not kvm_usable():
        return False
    result = verdict(PROBE)
    return not result.accepted and result.phase == "start" and bool(KVM_MSR_ABORT.search(result.message))


def host_cpu_abort(result: Verdict) -> bool:
    """A start failure that is this host's nested KVM aborting QEMU (the probe saw it too)."""
    return (not result.accepted and result.phase == "start" and bool(KVM_MSR_ABORT.search(result.message))
            and kvm_cpu_start_aborts())
