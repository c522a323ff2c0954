"""The capability model: three answers, leniency across libvirt versions, evidence."""

from __future__ import annotations

import pytest

from conftest import CAPS, caps_from_text, shared_path
from virtlint.linter.caps import Availability, CapsError, DomainCaps
from virtlint.linter.machines import MachineFit, machine_fit, parse_machine

SAMPLE = """<domainCapabilities>
  <path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
  <vcpu max='288'/>
  <devices>
    <disk supported='yes'><enum name='bus'><value>sata</value><value>virtio</value></enum></disk>
    <hostdev supported='yes'><enum name='capsType'/></hostdev>
    <tpm supported='no'/>
  </devices>
  <features><gic supported='no'/></features>
</domainCapabilities>"""


def test_three_answers() -> None:
    caps = caps_from_text(SAMPLE)
    listed = caps.enum("devices/disk", "bus")
    assert listed.availability is Availability.LISTED and listed.values == ("sata", "virtio")
    assert listed.allows("sata") is True and listed.allows("ide") is False
    empty = caps.enum("devices/hostdev", "capsType")
    assert empty.availability is Availability.LISTED and empty.allows("storage") is False
    assert caps.enum("devices/tpm", "model").availability is Availability.UNSUPPORTED
    assert caps.enum("devices/disk", "model").availability is Availability.UNKNOWN  # enum omitted
    assert caps.enum("devices/video", "modelType").allows("qxl") is None  # block omitted
    assert caps.support("features/gic").unsupported
    assert caps.support("features/sev").availability is Availability.UNKNOWN


def test_identity_and_evidence_positions() -> None:
    caps = caps_from_text(SAMPLE)
    assert (caps.emulator, caps.domain_type, caps.machine, caps.arch, caps.vcpu_max) == (
        "/usr/bin/qemu-system-x86_64", "kvm", "pc-q35-7.2", "x86_64", 288)
    evidence = caps.enum("devices/disk", "bus").evidence
    assert evidence.start.line == 4 and evidence.label == "<enum name='bus'>"


def test_cpu_models_from_real_caps() -> None:
    caps = DomainCaps.from_file(str(CAPS / "x86_64-q35-kvm.xml"))
    assert caps.cpu_models["486"].usable == "yes"
    assert caps.cpu_models["Haswell"].usable == "no"
    assert caps.block("cpu/mode/host-passthrough").supported is True


@pytest.mark.parametrize("text", ["<capabilities/>", "<domain/>"])
def test_other_documents_are_refused(text: str) -> None:
    with pytest.raises(CapsError, match="not a domcapabilities document"):
        caps_from_text(text)


def test_unreadable_caps(tmp_path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<domainCapabilities>")
    with pytest.raises(CapsError, match="not well-formed"):
        DomainCaps.from_file(str(broken))
    with pytest.raises(CapsError, match="No such file"):
        DomainCaps.from_file(str(tmp_path / "missing.xml"))
    binary = tmp_path / "bin.xml"
    binary.write_bytes(b"\x00\x01\x02")
    with pytest.raises(CapsError, match="binary"):
        DomainCaps.from_file(str(binary))


@pytest.mark.parametrize("name", sorted(p.name for p in CAPS.glob("*.xml")))
def test_fixture_caps_load(name: str) -> None:
    assert DomainCaps.from_file(str(CAPS / name)).arch


def test_every_corpus_caps_document_loads() -> None:
    folder = shared_path("corpus", "libvirt-domaincaps")
    loaded = [DomainCaps.from_file(str(p)) for p in sorted(folder.glob("*.xml"))]
    assert len(loaded) >= 46
    assert {c.arch for c in loaded} >= {"x86_64", "aarch64", "s390x", "ppc64", "riscv64"}


@pytest.mark.parametrize(
    ("domain", "caps", "fit"),
    [
        ("q35", "pc-q35-7.2", MachineFit.SAME),
        ("pc", "pc-i440fx-7.2", MachineFit.SAME),
        ("pc-q35-6.2", "pc-q35-7.2", MachineFit.OLDER),
        ("pc-q35-7.2", "pc-q35-7.2", MachineFit.SAME),
        ("pc-q35-8.0", "pc-q35-7.2", MachineFit.NEWER),
        ("pc-q35-7.10", "pc-q35-7.2", MachineFit.NEWER),
        ("pc", "pc-q35-7.2", MachineFit.OTHER),
        ("pc-1.0", "pc-i440fx-7.2", MachineFit.OLDER),
        ("virt", "virt-8.2", MachineFit.SAME),
        ("virt-6.2", "virt-8.2", MachineFit.OLDER),
        ("virt", "virt", MachineFit.SAME),
        ("pseries", "pseries-7.1", MachineFit.SAME),
        ("s390-ccw-virtio-2.12", "s390-ccw-virtio-8.2", MachineFit.OLDER),
        ("pc-q35-rhel9.2.0", "pc-q35-7.2", MachineFit.OTHER),
        ("SS-5", "SS-5", MachineFit.SAME),
        ("microvm", "pc-q35-7.2", MachineFit.OTHER),
    ],
)
def test_machine_fit(domain: str, caps: str, fit: MachineFit) -> None:
    assert machine_fit(domain, caps) is fit


def test_parse_machine() -> None:
    assert parse_machine("pc-q35-rhel9.4.0") == parse_machine("pc-q35-rhel9.4.0")
    assert parse_machine("pc-q35-rhel9.4.0").flavor == "rhel"
    assert parse_machine("SS-5").family == "SS-5"
