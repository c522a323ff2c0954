"""Refusals of libvirt's domain parser and post-parse that probing libvirt 9.0 found unmodelled: a <portForward>
address virSocketAddrParse cannot read, a graphics socket attribute the first socket listen contradicts, an unknown
process capability, overlapping resctrl monitors, the order of non-hotpluggable vCPUs, Xen's USB controllers on
QEMU, NUMA distances without siblings (from the source only: the error crashes 9.0's daemon) and an isa-debug
serial off x86. Each failing case with its valid twin (the /tmp/sa/i2 probes: i2-N names the probe)."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import Q35
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity


def domain(devices: str = "", *, extra: str = "", vcpu: str = "<vcpu>1</vcpu>", dtype: str = "qemu",
           arch: str = "x86_64", machine: str = "q35") -> str:
    return (f"<domain type='{dtype}'><name>t</name><memory>262144</memory>{vcpu}{extra}"
            f"<os><type arch='{arch}' machine='{machine}'>hvm</type></os><devices>{devices}</devices></domain>")


#: (10.7, modelled here, wants the passt backend with a <portForward>; the lab's 9.0 has no passt: its probes have none)
PORT_FORWARD = ("<interface type='user'><backend type='passt'/><portForward proto='tcp' address='{}'><range "
                "start='2022' to='22'/></portForward><model type='virtio'/></interface>")
GRAPHICS = "<graphics type='{}' {}>{}</graphics>"
CAPABILITIES = "<features><capabilities policy='{}'>{}</capabilities></features>"

CASES = [
    # VL770: virDomainNetPortForwardDefParseXML reads address with virSocketAddrParse (numeric hosts only)
    ("port-forward-word", domain(PORT_FORWARD.format("notanip")), "VL770",
     "Invalid address 'notanip' in <portForward>"),  # i2-1
    ("port-forward-octet-256", domain(PORT_FORWARD.format("10.0.0.256")), "VL770",
     "Invalid address '10.0.0.256' in <portForward>"),  # i2-3
    ("port-forward-empty", domain(PORT_FORWARD.format("")), "VL770", "Invalid address '' in <portForward>"),  # i2-5
    ("port-forward-leading-blank", domain(PORT_FORWARD.format(" 127.0.0.1")), "VL770",
     "Invalid address ' 127.0.0.1' in <portForward>"),  # i2-8
    ("port-forward-second", domain("<interface type='user'><backend type='passt'/><portForward proto='tcp'><range "
                                   "start='2022' to='22'/>"
                                   "</portForward><portForward proto='udp' address='x'><range start='2023'/>"
                                   "</portForward><model type='virtio'/></interface>"), "VL770",
     "Invalid address 'x' in <portForward>"),  # i2-9
    ("port-forward-ipv4", domain(PORT_FORWARD.format("127.0.0.1")), None, ""),  # i2-2
    ("port-forward-ipv6", domain(PORT_FORWARD.format("::1")), None, ""),  # i2-4
    ("port-forward-short-ipv4", domain(PORT_FORWARD.format("10.1")), None, ""),  # i2-6
    ("port-forward-scoped-ipv6", domain(PORT_FORWARD.format("fe80::1%eth0")), None, ""),  # i2-7
    # VL766: the old socket attribute against the first <listen type='socket'>
    ("vnc-socket-differs", domain(GRAPHICS.format("vnc", "socket='/tmp/a.sock'",
                                                  "<listen type='socket' socket='/tmp/b.sock'/>")), "VL766",
     "graphics 'socket' attribute '/tmp/a.sock' must match 'socket' attribute of first listen element (found "
     "'/tmp/b.sock')"),  # i2-10
    ("spice-socket-differs", domain(GRAPHICS.format("spice", "socket='/tmp/a.sock'",
                                                    "<listen type='socket' socket='/tmp/b.sock'/>")), "VL766",
     "graphics 'socket' attribute '/tmp/a.sock' must match"),  # i2-12
    ("vnc-socket-same", domain(GRAPHICS.format("vnc", "socket='/tmp/a.sock'",
                                               "<listen type='socket' socket='/tmp/a.sock'/>")), None, ""),  # i2-11
    ("vnc-socket-listen-without-path", domain(GRAPHICS.format("vnc", "socket='/tmp/a.sock'",
                                                              "<listen type='socket'/>")), None, ""),  # i2-13
    ("vnc-socket-address-listen", domain(GRAPHICS.format("vnc", "socket='/tmp/a.sock'",
                                                         "<listen type='address' address='127.0.0.1'/>")),
     None, ""),  # i2-16
    # SDL reads no <listen> (9.0 defines these; the listen= twin was reported before)
    ("sdl-listen-differs", domain(GRAPHICS.format("sdl", "listen='1.2.3.4'",
                                                  "<listen type='address' address='5.6.7.8'/>")), None, ""),  # i2-14
    # VL407: <features><capabilities> children are virDomainProcessCapsFeature names
    ("capability-unknown", domain(extra=CAPABILITIES.format("default", "<foo state='on'/>")), "VL407",
     "unexpected capability feature 'foo'"),  # i2-20
    ("capability-upper-case", domain(extra=CAPABILITIES.format("default", "<CHOWN/>")), "VL407",
     "unexpected capability feature 'CHOWN'"),  # i2-22
    ("capability-cap-prefix", domain(extra=CAPABILITIES.format("deny", "<chown/><cap_chown/>")), "VL407",
     "unexpected capability feature 'cap_chown'"),  # i2-24
    ("capability-chown", domain(extra=CAPABILITIES.format("default", "<chown state='on'/>")), None, ""),  # i2-21
    ("capability-several", domain(extra=CAPABILITIES.format("allow", "<sys_admin/><wake_alarm state='off'/>"
                                                            "<!-- c -->")), None, ""),  # i2-23
    # VL761: virDomainChrDefPostParse
    ("isa-debug-on-aarch64", domain("<serial type='pty'><target type='isa-debug'/></serial>", arch="aarch64",
                                    machine="virt"), "VL761",
     "isa-debug serial type only valid on x86 architecture"),  # i2-65
    ("isa-debug-with-model-on-aarch64", domain("<serial type='pty'><target type='isa-debug'><model name="
                                               "'isa-debugcon'/></target></serial>", arch="aarch64", machine="virt"),
     "VL761", "isa-debug serial type only valid on x86 architecture"),  # i2-68
    ("pty-serial-on-aarch64", domain("<serial type='pty'/>", arch="aarch64", machine="virt"), None, ""),  # i2-66
    ("isa-debug-on-x86", domain("<serial type='pty'><target type='isa-debug'/></serial>"), None, ""),  # i2-67
]

USB = "<controller type='usb' index='0' model='{}'/>"
CASES += [
    # VL707: qemuDomainControllerDefPostParse names the virt type
    ("qusb1-on-qemu", domain(USB.format("qusb1")), "VL707",
     "USB controller model type 'qusb1' or 'qusb2' is not supported in qemu"),  # i2-55
    ("qusb2-on-qemu", domain(USB.format("qusb2")), "VL707",
     "USB controller model type 'qusb1' or 'qusb2' is not supported in qemu"),  # i2-56
    ("qusb2-on-kvm", domain(USB.format("qusb2"), dtype="kvm"), "VL707",
     "USB controller model type 'qusb1' or 'qusb2' is not supported in kvm"),  # i2-58
    ("qemu-xhci", domain(USB.format("qemu-xhci")), None, ""),  # i2-57
]


def resctrl(tunes: str, dtype: str = "kvm") -> str:
    return domain(extra=f"<cputune>{tunes}</cputune>", vcpu="<vcpu>4</vcpu>", dtype=dtype)


CACHE = "<cache id='0' level='3' type='both' size='1' unit='MiB'/>"
NODE = "<node id='0' bandwidth='50'/>"


def cache_monitors(*vcpus: str, allocation: str = "") -> str:
    return "<cachetune vcpus='0-3'>" + allocation + "".join(f"<monitor level='3' vcpus='{v}'/>" for v in vcpus) \
        + "</cachetune>"


def memory_monitors(*vcpus: str, allocation: str = NODE) -> str:
    return "<memorytune vcpus='0-3'>" + allocation + "".join(f"<monitor vcpus='{v}'/>" for v in vcpus) \
        + "</memorytune>"


OVERLAP = "vcpus overlaps in resctrl groups"
CASES += [
    # VL220: virDomainResctrlValidateMonitor
    ("monitors-overlap", resctrl(cache_monitors("0-1", "1-2")), "VL220", OVERLAP),  # i2-30
    ("monitors-overlap-allocated", resctrl(cache_monitors("0-1", "1-2", allocation=CACHE)), "VL220",
     OVERLAP),  # i2-34
    ("monitor-of-all-overlaps-unallocated", resctrl(cache_monitors("0-3", "0-1")), "VL220", OVERLAP),  # i2-33
    ("memory-monitors-overlap-unallocated", resctrl(memory_monitors("0-1", "1-2", allocation="")), "VL220",
     OVERLAP),  # i2-39
    ("memorytune-shares-cachetune-monitors", resctrl(cache_monitors("0-1", allocation=CACHE)
                                                     + memory_monitors("1-2")), "VL220", OVERLAP),  # i2-36
    ("cachetune-read-before-memorytune", resctrl(memory_monitors("0-1") + cache_monitors("1-2")), "VL220",
     OVERLAP),  # i2-41
    ("monitors-disjoint", resctrl(cache_monitors("0-1", "2-3")), None, ""),  # i2-31
    ("monitor-of-all-overlaps-allocated", resctrl(cache_monitors("0-3", "0-1", allocation=CACHE)), None,
     ""),  # i2-32
    ("memory-monitor-of-all-overlaps", resctrl(memory_monitors("0-3", "1-2")), None, ""),  # i2-40
    ("cache-and-memory-monitor-same-vcpus", resctrl(cache_monitors("0-1", allocation=CACHE)
                                                    + memory_monitors("0-1")), None, ""),  # i2-35
    # a group with neither an allocation nor a monitor is dropped: no overlap, no KVM needed
    ("empty-cachetune-then-overlap", resctrl("<cachetune vcpus='0-1'/><cachetune vcpus='1-2'>" + CACHE
                                             + "</cachetune>"), None, ""),  # i2-38
    ("empty-cachetune-on-qemu", resctrl("<cachetune vcpus='0-1'/>", dtype="qemu"), None, ""),  # i2-37
    ("cachetune-on-qemu", resctrl("<cachetune vcpus='0-1'>" + CACHE + "</cachetune>", dtype="qemu"), "VL220",
     "cachetune is only supported for KVM domains"),
]


def vcpus(current: int, *listed: tuple[int, str, str | None, int | None]) -> str:
    items = "".join(f"<vcpu id='{i}' enabled='{on}'" + (f" hotpluggable='{plug}'" if plug else "")
                    + (f" order='{order}'" if order else "") + "/>" for i, on, plug, order in listed)
    return domain(vcpu=f"<vcpu current='{current}'>4</vcpu><vcpus>{items}</vcpus>")


PRIOR = "online non-hotpluggable vcpus need to be ordered prior to hotplugable vcpus"
ASCENDING = "online non-hotpluggable vcpus must be ordered in ascending order"
CASES += [
    # VL206: qemuDomainDefVcpusPostParse, before hotpluggable gets its default
    ("non-hotpluggable-after-hotpluggable", vcpus(3, (0, "yes", "no", 1), (1, "yes", "yes", 2), (2, "yes", "no", 3),
                                                  (3, "no", "yes", None)), "VL206", PRIOR),  # i2-45
    ("non-hotpluggable-after-offline-hotpluggable", vcpus(2, (0, "yes", "no", 1), (1, "no", "yes", 1),
                                                          (2, "yes", "no", 3)), "VL206", PRIOR),  # i2-43
    ("non-hotpluggable-descending", vcpus(3, (0, "yes", "no", 1), (1, "yes", "no", 3), (2, "yes", "no", 2),
                                          (3, "no", "yes", None)), "VL206", ASCENDING),  # i2-47
    ("non-hotpluggable-after-greater-offline-order", vcpus(2, (0, "yes", "no", 1), (1, "no", None, 5),
                                                           (2, "yes", "no", 3)), "VL206", ASCENDING),  # i2-42
    ("offline-not-hotpluggable-after-hotpluggable", vcpus(2, (0, "yes", None, None), (1, "yes", "yes", None),
                                                          (2, "no", "no", None)), "VL206", PRIOR),  # i2-44
    ("non-hotpluggable-first", vcpus(3, (0, "yes", "no", 1), (1, "yes", "no", 2), (2, "yes", "yes", 3),
                                     (3, "no", "yes", None)), None, ""),  # i2-46
    ("non-hotpluggable-ascending", vcpus(3, (0, "yes", "no", 1), (1, "yes", "no", 2), (2, "yes", "no", 3),
                                         (3, "no", "yes", None)), None, ""),  # i2-48
    ("non-hotpluggable-sharing-an-order", vcpus(3, (0, "yes", "no", 1), (1, "yes", "no", 2), (2, "yes", "no", 2),
                                                (3, "no", "yes", None)), None, ""),  # i2-52
    # an unwritten hotpluggable is neither yes nor no at that point, an unlisted vCPU has none
    ("online-default-after-unlisted", vcpus(2, (0, "yes", None, None), (2, "yes", None, None)), None, ""),  # i2-49
    ("online-default-after-hotpluggable", vcpus(3, (0, "yes", None, None), (1, "yes", "yes", None),
                                                (2, "yes", None, None), (3, "no", None, None)), None, ""),  # i2-51
    ("hotpluggable-then-unlisted", vcpus(2, (0, "yes", None, None), (1, "yes", "yes", None),
                                         (3, "no", None, None)), None, ""),  # i2-53
]


def numa(*cells: str) -> str:
    body = "".join(f"<cell id='{i}' cpus='{i}' memory='65536' unit='KiB'>{inner}</cell>"
                   for i, inner in enumerate(cells))
    return domain(extra=f"<cpu><numa>{body}</numa></cpu>", vcpu=f"<vcpu>{len(cells)}</vcpu>")


SIBLINGS = "<distances><sibling id='0' value='{}'/><sibling id='1' value='{}'/></distances>"
WITHOUT_SIBLINGS = "NUMA distances defined without siblings"
CASES += [
    # VL207: virDomainNumaDefNodeDistanceParseXML (from the source: never put to the lab, its 9.0 daemon dies)
    ("distances-empty", numa("<distances/>"), "VL207", WITHOUT_SIBLINGS),
    ("distances-other-children", numa("<distances><foo/></distances>"), "VL207", WITHOUT_SIBLINGS),
    ("distances-empty-on-one-cell", numa("<distances/>", ""), "VL207", WITHOUT_SIBLINGS),
    ("distances-empty-second-cell", numa(SIBLINGS.format(10, 20), "<distances/>"), "VL207", WITHOUT_SIBLINGS),
    ("no-distances", numa(""), None, ""),
    ("distances-own-sibling", numa("<distances><sibling id='0' value='10'/></distances>"), None, ""),
    ("distances-two-cells", numa(SIBLINGS.format(10, 20), SIBLINGS.format(20, 10)), None, ""),  # i2-60
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_found_by_probing_libvirt_9_0(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


def _errors(xml: str, version: tuple[int, int]) -> list[str]:
    findings = Linter([caps_from_text(Q35)], libvirt_version=version).lint_document(Document(xml, "t.xml")).findings
    return [f.message for f in findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize(("version", "refused"), [((8, 10), False), ((9, 0), True), ((10, 7), True)])
def test_port_forward_address_is_read_since_libvirt_9_0(version: tuple[int, int], refused: bool) -> None:
    """libvirt reads <portForward> since 9.0 (older releases drop it); 10.7 also wants the passt backend."""
    xml = domain("<interface type='user'><backend type='passt'/><portForward proto='tcp' address='x'><range "
                 "start='2022'/></portForward><model type='virtio'/></interface>")
    assert ("Invalid address 'x' in <portForward>" in _errors(xml, version)) is refused
