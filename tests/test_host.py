"""The host model (`virsh capabilities`), libvirt's scaled integers and bitmaps, and the engine's host hook."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from virtlint.linter.caps import CapsError
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps, is_domain_caps, is_host_caps
from virtlint.linter.units import format_bitmap, format_kib, parse_bitmap, scaled_bytes, scaled_kib, unit_scale

from conftest import CAPS, REPO, SHARED, shared_path

Q35_KVM = CAPS / "x86_64-q35-kvm.xml"


def host_from_text(text: str, path: str = "host.xml") -> HostCaps:
    return HostCaps(Document(text, path))


def real_host_docs() -> list[Path]:
    wild = SHARED / "corpus" / "wild"
    return sorted((wild / "virt-manager" / "host-caps").glob("*.xml")) + [wild / "debian12-caps" / "capabilities.xml"]


# -- units -----------------------------------------------------------------


@pytest.mark.parametrize(("unit", "scale"), [
    (None, 1024), ("", 1024), ("b", 1), ("bytes", 1), ("Byte", 1), ("k", 1024), ("KiB", 1024), ("KB", 1000),
    ("kb", 1000), ("M", 1024 ** 2), ("MiB", 1024 ** 2), ("MB", 1000 ** 2), ("G", 1024 ** 3), ("GiB", 1024 ** 3),
    ("GB", 1000 ** 3), ("T", 1024 ** 4), ("TB", 1000 ** 4), ("P", 1024 ** 5), ("E", 1024 ** 6), ("EiB", 1024 ** 6),
])
def test_unit_scales_follow_virScaleInteger(unit: str | None, scale: int) -> None:
    assert unit_scale(unit) == scale


@pytest.mark.parametrize("unit", ["x", "KiBB", "Ki", "mbit", "pages", "kB2", " KiB"])  # libvirt does not strip
def test_unknown_suffixes_are_refused(unit: str) -> None:
    assert unit_scale(unit) is None
    assert scaled_kib("4", unit) is None


def test_scaled_values() -> None:
    assert scaled_kib("2", "M") == 2048
    assert scaled_kib("1", "G") == 1024 * 1024
    assert scaled_kib("2048", None) == 2048
    assert scaled_kib("1", "b") == 1  # rounded up to whole KiB, as virDomainParseMemory does
    assert scaled_kib("1000", "KB") == 977
    assert scaled_bytes("3", "KB") == 3000
    assert scaled_bytes("2", None, default=1) == 2
    for bad in ("", "-1", "1.5", "0x10", "ten", None, str(2**64)):
        assert scaled_kib(bad, "KiB") is None


@pytest.mark.parametrize(("text", "members"), [
    ("0", {0}), ("0-3", {0, 1, 2, 3}), ("0-3,^2,8", {0, 1, 3, 8}), (" 1 , 4 - 5 ", {1, 4, 5}),
    ("^2,0-3", {0, 1, 2, 3}),  # a clear only removes what was set before it
    ("0-3,^0,^1,^2,^3", set()), ("5,5", {5}), ("3-3", {3}), ("1,", {1}),
    ("1-+3", {1, 2, 3}),  # the range's end is read by virStrToLong_i, sign and all
])
def test_bitmaps_parse_like_virBitmapParse(text: str, members: set[int]) -> None:
    assert parse_bitmap(text) == frozenset(members)


@pytest.mark.parametrize("text", ["", " ", "a", "3-1", "^1-2", "1,,2", "1-", "-1", "1;2", None,
                                  "16384", "0-16384", "^16384"])  # VIR_DOMAIN_CPUMASK_LEN bits at most
def test_bitmaps_libvirt_refuses(text: str | None) -> None:
    assert parse_bitmap(text) is None


def test_formatting() -> None:
    assert format_bitmap(frozenset({0, 1, 2, 3, 8, 10, 11})) == "0-3,8,10-11"
    assert format_kib(2048) == "2 MiB" and format_kib(1048576) == "1 GiB" and format_kib(1536) == "1536 KiB"


# -- the host model ----------------------------------------------------------


def test_debian_host() -> None:
    host = HostCaps.from_file(str(shared_path("corpus", "wild", "debian12-caps", "capabilities.xml")))
    assert host.host_arch == "x86_64"
    assert list(host.cells) == [0] and host.cpu_ids == frozenset({0, 1})
    assert host.cells[0].memory_kib == 5204184 and host.memory_kib == 5204184
    assert host.cells[0].pages == {4: 1301046, 2048: 0, 1048576: 0}
    assert host.page_sizes_kib == (4, 2048, 1048576)
    assert host.iommu is False
    assert host.secmodels == ("none", "dac")
    assert host.tsc_frequency_hz == 2596132000 and host.tsc_scaling is False
    x86 = host.guests_for("x86_64")
    assert len(x86) == 1 and set(x86[0].domains) == {"qemu", "kvm"}
    assert x86[0].emulator == "/usr/bin/qemu-system-x86_64" and x86[0].wordsize == 64
    q35 = next(m for m in x86[0].machines if m.name == "q35")
    assert q35.canonical == "pc-q35-7.2" and q35.max_cpus == 288
    assert host.guests_for("x86_64", "xen") == [] and host.guests_for("sparc") == []
    evidence = host.evidence(host.iommu_element)
    assert evidence.label == "<iommu support='no'>" and evidence.start.line + 1 == 91


@pytest.mark.parametrize("name", [p.name for p in real_host_docs()] or ["none"])
def test_every_real_host_document_reads(name: str) -> None:
    path = next((p for p in real_host_docs() if p.name == name), None)
    if path is None or not path.exists():
        pytest.skip("the shared corpus is not available")
    host = HostCaps.from_file(str(path))
    assert host.guests, "every real host lists guests"
    for guest in host.guests:
        assert guest.arch and guest.os_type
        for machine in guest.machines:
            assert machine.name
    for cell_id, cell in host.cells.items():
        assert cell.id == cell_id
    assert host.cpu_ids == frozenset().union(*(c.cpu_ids for c in host.cells.values())) if host.cells else True


def test_multi_node_real_hosts() -> None:
    folder = shared_path("corpus", "wild", "virt-manager", "host-caps")
    aarch64 = HostCaps.from_file(str(folder / "kvm-aarch64.xml"))
    assert len(aarch64.cells) == 2 and 1048576 in aarch64.page_sizes_kib and aarch64.iommu is True
    ppc = HostCaps.from_file(str(folder / "kvm-ppc64le.xml"))
    assert len(ppc.cells) == 2 and ppc.page_sizes_kib == (64, 16384, 16777216)
    assert ppc.memory_kib == sum(c.memory_kib for c in ppc.cells.values())
    xen = HostCaps.from_file(str(folder / "xen-rhel5.4.xml"))
    assert xen.cpu_ids == frozenset({0, 1}) and xen.memory_kib is None and xen.iommu is None
    assert xen.node_memory_kib(0) is None
    assert {g.os_type for g in xen.guests} == {"xen", "xenpvh", "hvm"}
    assert xen.guests_for("i686", "xen")[0].machines[0].name == "xenpv"
    bhyve = HostCaps.from_file(str(folder / "bhyve.xml"))
    assert bhyve.cells == {} and bhyve.cpu_ids == frozenset() and bhyve.memory_kib is None


FOUR_NODES = """<capabilities>
  <host>
    <cpu><arch>x86_64</arch>
      <pages unit='KiB' size='4'/><pages unit='M' size='2'/><pages unit='G' size='1'/>
    </cpu>
    <topology><cells num='4'>
      <cell id='0'><memory unit='GiB'>16</memory>
        <pages unit='KiB' size='4'>4194304</pages><pages unit='KiB' size='2048'>512</pages>
        <cpus num='2'><cpu id='0'/><cpu id='1'/></cpus></cell>
      <cell id='2'><memory unit='KiB'>0</memory><cpus num='0'/></cell>
      <cell id='4'><memory unit='GiB'>16</memory>
        <pages unit='KiB' size='2048'>0</pages><pages unit='KiB' size='1048576'>4</pages>
        <cpus num='2'><cpu id='8'/><cpu id='9'/></cpus></cell>
      <cell id='5'><memory>1048576</memory><cpus num='1'><cpu id='12'/></cpus></cell>
    </cells></topology>
  </host>
  <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize>
    <emulator>/usr/bin/qemu-system-x86_64</emulator><machine canonical='pc-q35-9.0' maxCpus='4096'>q35</machine>
    <domain type='qemu'/><domain type='kvm'><emulator>/usr/bin/qemu-kvm</emulator></domain></arch></guest>
</capabilities>"""


def test_hand_made_four_node_host() -> None:
    host = host_from_text(FOUR_NODES)
    assert sorted(host.cells) == [0, 2, 4, 5]
    assert host.cells[2].memory_kib == 0 and host.cells[2].cpu_ids == frozenset()
    assert host.node_memory_kib(2) == 0 and host.node_memory_kib(4) == 16 * 1024 * 1024
    assert host.node_memory_kib(3) is None and host.system_page_kib == 4
    assert host.cpu_ids == frozenset({0, 1, 8, 9, 12})
    assert host.page_sizes_kib == (4, 2048, 1048576)
    assert host.memory_kib == 33 * 1024 * 1024
    assert host.page_count(2048) is None  # nodes 2 and 5 do not report 2 MiB pages
    assert host.page_count(2048, frozenset({0, 4})) == 512
    assert host.page_count(1048576, frozenset({4})) == 4
    guest = host.guests_for("x86_64")[0]
    assert guest.emulator_for("kvm") == "/usr/bin/qemu-kvm" and guest.emulator_for("qemu") == guest.emulator
    assert guest.machines_for("kvm") == guest.machines
    assert host.iommu is None and host.secmodels == () and host.tsc_frequency_hz is None


@pytest.mark.parametrize("text", [
    "<capabilities/>",
    "<capabilities><host/><guest/><guest><arch/></guest></capabilities>",
    "<capabilities><host><cpu><pages size='x'/></cpu><iommu support='maybe'/><topology><cells>"
    "<cell id='a'/><cell><cpus><cpu id='-1'/></cpus></cell><cell id='1'><memory unit='parsecs'>3</memory>"
    "<pages size='4'>lots</pages><cpus><cpu/></cpus></cell></cells></topology><secmodel/></host></capabilities>",
])
def test_lenient_on_odd_documents(text: str) -> None:
    host = host_from_text(text)
    assert host.iommu is None and host.page_sizes_kib == ()
    assert all(cell.memory_kib is None for cell in host.cells.values())


def test_refuses_other_documents(tmp_path: Path) -> None:
    with pytest.raises(CapsError, match="not a host capabilities document"):
        HostCaps.from_file(str(Q35_KVM))
    bad = tmp_path / "bad.xml"
    bad.write_text("<capabilities>")
    with pytest.raises(CapsError, match="not well-formed"):
        HostCaps.from_file(str(bad))
    with pytest.raises(CapsError):
        HostCaps.from_file(str(tmp_path / "missing.xml"))
    assert is_domain_caps(Document(Q35_KVM.read_text()).root)
    assert is_host_caps(Document(FOUR_NODES).root) and not is_host_caps(Document(Q35_KVM.read_text()).root)


def _daemon_capabilities() -> str:
    sys.path.insert(0, str(REPO / "tests" / "oracle"))
    import libvirt_oracle

    if not libvirt_oracle.available():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    result = subprocess.run(["virsh", "-q", "-c", "qemu:///system", "capabilities"], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.libvirt
def test_the_running_daemons_capabilities() -> None:
    host = host_from_text(_daemon_capabilities(), "virsh-capabilities.xml")
    assert host.host_arch and host.guests
    assert host.cells and host.cpu_ids and host.memory_kib
    assert host.guests_for(host.host_arch)


# -- the engine hook ---------------------------------------------------------


DOMAIN = "<domain type='kvm'><name>vm</name><memory>1048576</memory><os><type arch='{arch}'>hvm</type></os></domain>"


def test_host_selection_and_uses_host() -> None:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.model import Rule

    aarch64_only = host_from_text(FOUR_NODES.replace("x86_64", "aarch64"), "arm.xml")
    x86 = host_from_text(FOUR_NODES, "x86.xml")
    caps = [DomainCaps.from_file(str(Q35_KVM))]
    linter = Linter(caps, hosts=[aarch64_only, x86])
    assert linter._context(Document(DOMAIN.format(arch="x86_64"))).host is x86
    # no host offers s390x: the one the domcaps were fetched on (it lists their binary) is used
    assert linter._context(Document(DOMAIN.format(arch="s390x"))).host is x86
    assert Linter([], hosts=[aarch64_only, x86]).hosts == [aarch64_only, x86]
    assert Linter(caps)._context(Document(DOMAIN.format(arch="x86_64"))).host is None
    assert Rule.uses_host is False
