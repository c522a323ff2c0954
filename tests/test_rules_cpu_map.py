"""libvirt's x86 CPU map (linter/cpu_map.py) and VL606's comparison of a guest CPU with the host's in its terms
(x86Compute at start, with the partial check; virCPUx86UpdateLive's missing features with the full check under
TCG). The map here is tests/fixtures/cpu_map, a small one in libvirt's format written for these tests; one test
reads the installed libvirt's, when there is one."""

from __future__ import annotations

from pathlib import Path

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.cpu_map import CpuMapSource, find_cpu_map_dir, load
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps

FIXTURE = str(Path(__file__).resolve().parent / "fixtures" / "cpu_map")
INCOMPATIBLE = "the CPU is incompatible with host CPU: "
START = " (libvirt refuses to start the domain)"


def test_the_map_reads_features_in_order_and_models_with_their_parents() -> None:
    cpu_map = load(FIXTURE)
    assert cpu_map is not None
    assert list(cpu_map.features) == ["fpu", "vme", "sse", "x2apic", "tsc-deadline", "avx512f", "rdctl-no"]
    def bits_of(name: str) -> set[tuple[str, int, int, str, int]]:
        return {bit for bit, index in cpu_map.bit_index.items() if cpu_map.features[name] >> index & 1}

    assert bits_of("sse") == {("cpuid", 1, 0, "edx", 25)}
    assert bits_of("avx512f") == {("cpuid", 7, 0, "ebx", 16)}
    assert bits_of("rdctl-no") == {("msr", 0x10A, 0, "eax", 0)}
    wide = cpu_map.models["Wide"]
    assert wide.vendor == "Intel" and cpu_map.names(wide.bits) == ["fpu", "sse", "x2apic", "tsc-deadline"]
    assert "Broken" not in cpu_map.models  # (a feature the map lacks: libvirt refuses such a map; not used here)
    assert cpu_map.bits(["fpu", "vme"]) == cpu_map.models["Old"].bits
    assert cpu_map.bits(["fpu", "nope"]) is None


def test_no_map_and_a_broken_map(tmp_path: Path) -> None:
    assert load(str(tmp_path)) is None
    (tmp_path / "index.xml").write_text("<cpus><arch name='x86'><include filename='gone.xml'/></arch></cpus>")
    assert load(str(tmp_path)) is None
    (tmp_path / "index.xml").write_text("<cpus><arch name='x86'>")
    assert load(str(tmp_path)) is None
    assert CpuMapSource(directory=str(tmp_path)).get() is None


def test_the_map_is_found_beside_the_schemas(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "cpu_map").mkdir()
    (tmp_path / "cpu_map" / "index.xml").write_text("<cpus/>")
    assert find_cpu_map_dir(str(tmp_path / "schemas")) == str(tmp_path / "cpu_map")


def caps(virt: str = "qemu", host_model: str = "Base", host_features: str = "", models: str = "") -> DomainCaps:
    return DomainCaps(Document(
        f"<domainCapabilities><path>/usr/bin/qemu-system-x86_64</path><domain>{virt}</domain>"
        "<machine>pc-q35-7.2</machine><arch>x86_64</arch><cpu>"
        f"<mode name='host-model' supported='yes'><model fallback='forbid'>{host_model}</model><vendor>Intel</vendor>"
        f"{host_features}</mode><mode name='custom' supported='yes'>{models}</mode></cpu></domainCapabilities>",
        "caps.xml"))


HOST_DOC = """<capabilities><host><cpu><arch>x86_64</arch><model>{model}</model><vendor>Intel</vendor>{features}
  </cpu></host><guest><os_type>hvm</os_type><arch name='x86_64'><emulator>/usr/bin/qemu-system-x86_64</emulator>
  <machine>pc-q35-7.2</machine><domain type='kvm'/></arch></guest></capabilities>"""


def vl606(cpu: str, virt: str = "qemu", host_features: str = "", models: str = "", host_doc: str | None = None,
          version: tuple[int, int] | None = None, host_model: str = "Base") -> list[tuple[str, str]]:
    xml = (f"<domain type='{virt}'><name>t</name><memory unit='MiB'>128</memory><vcpu>1</vcpu><os>"
           f"<type arch='x86_64' machine='q35'>hvm</type></os>{cpu}<devices>"
           "<emulator>/usr/bin/qemu-system-x86_64</emulator></devices></domain>")
    hosts = [HostCaps(Document(host_doc, "host.xml"))] if host_doc else []
    linter = Linter([caps(virt, host_model, host_features, models)], hosts=hosts, libvirt_version=version,
                    cpu_maps=CpuMapSource(directory=FIXTURE))
    return [(f.severity.value, f.message) for f in linter.lint_document(Document(xml, "d.xml")).findings
            if f.code == "VL606"]


MISSING = INCOMPATIBLE + "Host CPU does not provide required features: "


@pytest.mark.parametrize(("cpu", "host_features", "expected"), [
    # a model's features the host model lacks (TCG, the partial check written)
    ("<cpu check='partial'><model>Wide</model></cpu>", "", [("error", MISSING + "x2apic, tsc-deadline" + START)]),
    ("<cpu check='partial'><model>Wide</model></cpu>", "<feature policy='require' name='x2apic'/>",
     [("error", MISSING + "tsc-deadline" + START)]),
    ("<cpu check='partial'><model>Wide</model></cpu>",
     "<feature policy='require' name='x2apic'/><feature policy='require' name='tsc-deadline'/>", []),
    # what the guest takes out of the comparison: disabled, optional and forced features
    ("<cpu check='partial'><model>Wide</model><feature policy='disable' name='x2apic'/>"
     "<feature policy='optional' name='tsc-deadline'/></cpu>", "", []),
    ("<cpu check='partial'><model>Wide</model><feature policy='force' name='x2apic'/>"
     "<feature policy='disable' name='tsc-deadline'/></cpu>", "", []),
    # a required feature, and one the host model disables
    ("<cpu check='partial'><model>Base</model><feature name='avx512f'/></cpu>", "",
     [("error", MISSING + "avx512f" + START)]),
    ("<cpu check='partial'><model>Base</model></cpu>", "<feature policy='disable' name='sse'/>",
     [("error", MISSING + "sse" + START)]),
    # host-model: its required features alone
    ("<cpu mode='host-model'><feature name='rdctl-no'/></cpu>", "", [("error", MISSING + "rdctl-no" + START)]),
    ("<cpu mode='host-model'><feature name='fpu'/></cpu>", "", []),
    # the check none (TCG's default for a custom model): nothing compared
    ("<cpu><model>Wide</model></cpu>", "", []),
    ("<cpu check='none'><model>Wide</model></cpu>", "", []),
    # a name the map lacks: not judged here
    ("<cpu check='partial'><model>Unknown-Model</model></cpu>", "", []),
])
def test_required_features_the_host_lacks(cpu: str, host_features: str, expected: list[tuple[str, str]]) -> None:
    assert vl606(cpu, host_features=host_features) == expected


def test_forbidden_and_extra_features() -> None:
    # a feature of the host model's own model, forbidden: the named check passes (the caps do not list it), the
    # comparison does not
    assert vl606("<cpu check='partial'><model>Base</model><feature policy='forbid' name='sse'/></cpu>") == [
        ("error", INCOMPATIBLE + "Host CPU provides forbidden features: sse" + START)]
    assert vl606("<cpu check='partial'><model>Base</model><feature policy='forbid' name='avx512f'/></cpu>") == []
    # match='strict': the host may have nothing the guest does not ask for
    strict = vl606("<cpu check='partial' match='strict'><model>Base</model></cpu>",
                   host_features="<feature policy='require' name='vme'/>")
    assert strict == [("error", INCOMPATIBLE + "Host CPU does not strictly match guest CPU: Extra features: vme"
                       + START)]
    assert vl606("<cpu check='partial' match='exact'><model>Base</model></cpu>",
                 host_features="<feature policy='require' name='vme'/>") == []
    assert vl606("<cpu check='partial' match='strict'><model>Base</model><feature policy='optional' name='vme'/>"
                 "</cpu>", host_features="<feature policy='require' name='vme'/>") == []


def test_kvm_counts_the_physical_cpu() -> None:
    cpu = "<cpu><model>Wide</model></cpu>"  # (KVM's default check for a custom model is partial)
    without_host = vl606(cpu, virt="kvm")
    assert [severity for severity, _ in without_host] == ["warning"]
    assert without_host[0][1].startswith(MISSING + "x2apic, tsc-deadline" + START)
    has_them = HOST_DOC.format(model="Base", features="<feature name='x2apic'/><feature name='tsc-deadline'/>")
    assert vl606(cpu, virt="kvm", host_doc=has_them) == []
    lacks_one = HOST_DOC.format(model="Base", features="<feature name='x2apic'/>")
    assert vl606(cpu, virt="kvm", host_doc=lacks_one) == [("error", MISSING + "tsc-deadline" + START)]
    # (a physical CPU the map cannot read: back to the caps' host model alone, a warning)
    unknown = HOST_DOC.format(model="Nope", features="")
    assert [severity for severity, _ in vl606(cpu, virt="kvm", host_doc=unknown)] == ["warning"]


def test_libvirt_10_7_skips_a_usable_model_without_features() -> None:
    models = "<model usable='yes' vendor='Intel'>Wide</model>"
    assert vl606("<cpu check='partial'><model>Wide</model></cpu>", models=models) == []
    assert vl606("<cpu check='partial'><model>Wide</model></cpu>", models=models, version=(9, 0)) == [
        ("error", MISSING + "x2apic, tsc-deadline" + START)]


def test_full_check_under_tcg_misses_what_tcg_lacks() -> None:
    assert vl606("<cpu check='full'><model>Base</model><feature name='avx512f'/></cpu>") == [
        ("error", "guest CPU doesn't match specification: missing features: avx512f" + START)]
    assert vl606("<cpu check='full'><model>Base</model><feature name='avx512f'/></cpu>",
                 host_features="<feature policy='require' name='avx512f'/>") == []


def test_without_a_map_only_what_the_caps_name() -> None:
    xml = ("<domain type='qemu'><name>t</name><memory unit='MiB'>128</memory><os><type arch='x86_64' "
           "machine='q35'>hvm</type></os><cpu check='partial'><model>Wide</model></cpu></domain>")
    linter = Linter([caps()], cpu_maps=None)
    assert not [f for f in linter.lint_document(Document(xml, "d.xml")).findings if f.code == "VL606"]


@pytest.mark.skipif(find_cpu_map_dir() is None, reason="libvirt's CPU map is not installed")
def test_the_installed_map() -> None:
    # (libvirt's own map: Westmere has aes, Nehalem not; EPYC is AMD's)
    directory = find_cpu_map_dir()
    assert directory is not None
    cpu_map = load(directory)
    assert cpu_map is not None and cpu_map.models["EPYC"].vendor == "AMD"
    assert "aes" in cpu_map.names(cpu_map.models["Westmere"].bits & ~cpu_map.models["Nehalem"].bits)
