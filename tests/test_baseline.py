"""The fleet baseline (linter/baseline.py): one table of every element kind's intersection, the schema, and THE
property: a domain without errors against the baseline has no errors against any of its hosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import CAPS, caps_from_text, shared_path
from virtlint.linter.baseline import CONFLICT_PATH, BaselineError, build, cpu_advice
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

SCHEMA = Path("/usr/share/libvirt/schemas/domaincaps.rng")
HEAD = "<path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><machine>{machine}</machine><arch>x86_64</arch>"


def host(body: str, machine: str = "pc-q35-7.2", head: str | None = None) -> DomainCaps:
    text = f"<domainCapabilities>{head if head is not None else HEAD.format(machine=machine)}{body}</domainCapabilities>"
    return caps_from_text(text, f"{machine}-{abs(hash(body)) % 1000}.xml")


def baseline_of(*bodies: str):
    return build([host(body) for body in bodies], names=[f"h{i}" for i in range(len(bodies))])


def find(baseline, xpath: str) -> list:
    return baseline.root.xpath(xpath)


def values(baseline, xpath: str) -> list[str]:
    return [v.text for v in find(baseline, xpath)]


def notes(baseline, kind: str) -> list[str]:
    return [note.path for note in baseline.notes if note.kind == kind]


# -- the unit table: (element kind, hosts' bodies, xpath in the baseline, expected, notes of which kind) ----------

DISK = "<devices><disk supported='{s}'><enum name='bus'>{v}</enum></disk></devices>"


def _vals(*names: str) -> str:
    return "".join(f"<value>{name}</value>" for name in names)


TABLE = [
    # supported: no < unknown < yes
    ("supported yes+yes", ["<iothreads supported='yes'/>"] * 2, "iothreads/@supported", ["yes"], None),
    ("supported yes+no", ["<iothreads supported='yes'/>", "<iothreads supported='no'/>"],
     "iothreads/@supported", ["no"], None),
    ("supported yes+omitted is unknown, never yes", ["<iothreads supported='yes'/>", ""], "iothreads", [], "unknown"),
    ("supported no+omitted: not printable in the older format", ["<iothreads supported='no'/>", ""], "iothreads",
     [], "unrepresentable"),
    ("device block yes+omitted", [DISK.format(s="yes", v=_vals("virtio")), "<devices/>"], "devices/disk", [],
     "unknown"),
    ("device block yes+no", [DISK.format(s="yes", v=_vals("virtio")), "<devices><disk supported='no'/></devices>"],
     "devices/disk/@supported", ["no"], None),
    # enums
    ("enum intersected", [DISK.format(s="yes", v=_vals("ide", "virtio", "sata")),
                          DISK.format(s="yes", v=_vals("virtio", "usb", "sata"))],
     "devices/disk/enum[@name='bus']/value/text()", ["virtio", "sata"], None),
    ("enum disjoint: empty, allows nothing", [DISK.format(s="yes", v=_vals("ide")), DISK.format(s="yes", v=_vals("usb"))],
     "count(devices/disk/enum[@name='bus']/value)", 0.0, None),
    ("enum omitted on one host is unknown", [DISK.format(s="yes", v=_vals("ide")),
                                            "<devices><disk supported='yes'/></devices>"],
     "devices/disk/enum", [], "unknown"),
    ("cpu mode enum", ["<cpu><mode name='host-passthrough' supported='yes'><enum name='hostPassthroughMigratable'>"
                       + _vals("on", "off") + "</enum></mode></cpu>",
                       "<cpu><mode name='host-passthrough' supported='yes'><enum name='hostPassthroughMigratable'>"
                       + _vals("off") + "</enum></mode></cpu>"],
     "cpu/mode[@name='host-passthrough']/enum/value/text()", ["off"], None),
    # minimums
    ("vcpu max: minimum", ["<vcpu max='288'/>", "<vcpu max='4096'/>"], "vcpu/@max", ["288"], None),
    ("vcpu max omitted: unknown", ["<vcpu max='288'/>", ""], "vcpu", [], "unknown"),
    ("maxphysaddr: minimum",
     ["<cpu><mode name='host-model' supported='yes'><model>EPYC</model><vendor>AMD</vendor>"
      "<maxphysaddr mode='passthrough' limit='48'/></mode></cpu>",
      "<cpu><mode name='host-model' supported='yes'><model>EPYC</model><vendor>AMD</vendor>"
      "<maxphysaddr mode='passthrough' limit='46'/></mode></cpu>"],
     "cpu/mode[@name='host-model']/maxphysaddr/@limit", ["46"], None),
    ("maxphysaddr without a common host-model: a note", [
        "<cpu><mode name='host-model' supported='yes'><model>EPYC</model><vendor>AMD</vendor>"
        "<maxphysaddr mode='passthrough' limit='48'/></mode></cpu>",
        "<cpu><mode name='host-model' supported='yes'><model>EPYC-Rome</model><vendor>AMD</vendor>"
        "<maxphysaddr mode='passthrough' limit='46'/></mode></cpu>"],
     "cpu/mode[@name='host-model']/maxphysaddr", [], "unrepresentable"),
    ("host-model differs: no model, a note", [
        "<cpu><mode name='host-model' supported='yes'><model>EPYC</model></mode></cpu>",
        "<cpu><mode name='host-model' supported='yes'><model>Skylake-Client</model></mode></cpu>"],
     "cpu/mode[@name='host-model']/model", [], "per-host"),
    ("sev maxGuests: minimum", [
        "<features><sev supported='yes'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>"
        "<maxGuests>15</maxGuests><maxESGuests>0</maxESGuests><cpu0Id>abc</cpu0Id></sev></features>",
        "<features><sev supported='yes'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>"
        "<maxGuests>9</maxGuests><maxESGuests>4</maxESGuests></sev></features>"],
     "features/sev/*/text()", ["47", "1", "9", "0"], "per-host"),
    ("sev cbitpos differs: conflict", [
        "<features><sev supported='yes'><cbitpos>47</cbitpos><reducedPhysBits>1</reducedPhysBits>"
        "<maxGuests>15</maxGuests><maxESGuests>0</maxESGuests></sev></features>",
        "<features><sev supported='yes'><cbitpos>51</cbitpos><reducedPhysBits>1</reducedPhysBits>"
        "<maxGuests>9</maxGuests><maxESGuests>4</maxESGuests></sev></features>"],
     "features/sev/cbitpos", [], "conflict"),
    ("sgx flags and size", [
        "<features><sgx supported='yes'><flc>yes</flc><sgx1>yes</sgx1><sgx2>no</sgx2>"
        "<section_size unit='KiB'>512</section_size></sgx></features>",
        "<features><sgx supported='yes'><flc>no</flc><sgx1>yes</sgx1><sgx2>yes</sgx2>"
        "<section_size unit='KiB'>256</section_size></sgx></features>"],
     "features/sgx/*/text()", ["no", "yes", "no", "256"], None),
    # paths
    ("loader paths intersected", [
        "<os supported='yes'><loader supported='yes'><value>/a.fd</value><value>/b.fd</value></loader></os>",
        "<os supported='yes'><loader supported='yes'><value>/b.fd</value><value>/c.fd</value></loader></os>"],
     "os/loader/value/text()", ["/b.fd"], "conflict"),
    ("loader paths disjoint: a placeholder no domain names", [
        "<os supported='yes'><loader supported='yes'><value>/a.fd</value></loader></os>",
        "<os supported='yes'><loader supported='yes'><value>/c.fd</value></loader></os>"],
     "os/loader/value/text()", [CONFLICT_PATH], "conflict"),
    # custom CPU models
    ("model usable: weakest", [
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Haswell</model>"
        "<model usable='yes' vendor='Intel'>Westmere</model><model usable='yes' vendor='Intel'>Nehalem</model></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model>"
        "<model usable='unknown' vendor='Intel'>Westmere</model><model usable='yes' vendor='Intel'>Nehalem</model></mode></cpu>"],
     "cpu/mode[@name='custom']/model/@usable", ["no", "unknown", "yes"], None),
    ("model on one host only: left out", [
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='AMD'>EPYC</model>"
        "<model usable='yes' vendor='AMD'>EPYC-Rome</model></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='AMD'>EPYC</model></mode></cpu>"],
     "cpu/mode[@name='custom']/model/text()", ["EPYC"], "per-host"),
    ("blockers: union", [
        "<cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model>"
        "<blockers model='Haswell'><feature name='hle'/></blockers></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model>"
        "<blockers model='Haswell'><feature name='rtm'/><feature name='hle'/></blockers></mode></cpu>"],
     "cpu/mode[@name='custom']/blockers/feature/@name", ["hle", "rtm"], None),
    ("blockers a host's format lacks: a comment", [
        "<cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model>"
        "<blockers model='Haswell'><feature name='hle'/></blockers></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='no' vendor='Intel'>Haswell</model></mode></cpu>"],
     "cpu/mode[@name='custom']/blockers", [], "unrepresentable"),
    ("deprecated: any", [
        "<cpu><mode name='custom' supported='yes'><model usable='yes' deprecated='yes' vendor='Intel'>Icelake-Client</model></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Icelake-Client</model></mode></cpu>"],
     "cpu/mode[@name='custom']/model/@deprecated", ["yes"], None),
    ("canonical kept when every host prints the same", [
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel' canonical='Haswell-v1'>Haswell</model></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel' canonical='Haswell-v1'>Haswell</model></mode></cpu>"],
     "cpu/mode[@name='custom']/model/@canonical", ["Haswell-v1"], None),
    ("canonical one host does not print: left out", [
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel' canonical='Haswell-v1'>Haswell</model></mode></cpu>",
        "<cpu><mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>Haswell</model></mode></cpu>"],
     "cpu/mode[@name='custom']/model/@canonical", [], None),
    ("host-model the same on every host: kept", [
        "<cpu><mode name='host-model' supported='yes'><model fallback='forbid'>EPYC</model><vendor>AMD</vendor>"
        "<feature policy='require' name='x2apic'/></mode></cpu>"] * 2,
     "cpu/mode[@name='host-model']/*/text()", ["EPYC", "AMD"], None),
    ("cpu mode no on one host", ["<cpu><mode name='maximum' supported='yes'/></cpu>",
                                "<cpu><mode name='maximum' supported='no'/></cpu>"],
     "cpu/mode[@name='maximum']/@supported", ["no"], None),
    ("nested block (os/loader) and its enums", [
        "<os supported='yes'><enum name='firmware'>" + _vals("efi", "bios") + "</enum><loader supported='yes'>"
        "<enum name='type'>" + _vals("rom", "pflash") + "</enum></loader></os>",
        "<os supported='yes'><enum name='firmware'>" + _vals("efi") + "</enum><loader supported='yes'>"
        "<enum name='type'>" + _vals("pflash") + "</enum></loader></os>"],
     "os//enum/value/text()", ["efi", "pflash"], None),
    ("feature block with an enum (gic)", [
        "<features><gic supported='yes'><enum name='version'>" + _vals("2", "3") + "</enum></gic></features>",
        "<features><gic supported='yes'><enum name='version'>" + _vals("3") + "</enum></gic></features>"],
     "features/gic/enum/value/text()", ["3"], None),
    ("hyperv defaults kept when equal", [
        "<features><hyperv supported='yes'><enum name='features'>" + _vals("relaxed", "vapic") + "</enum>"
        "<defaults><spinlocks>4095</spinlocks></defaults></hyperv></features>"] * 2,
     "features/hyperv/defaults/spinlocks/text()", ["4095"], None),
]


@pytest.mark.parametrize("bodies,xpath,expected,note_kind", [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_intersection_table(bodies: list[str], xpath: str, expected, note_kind: str | None) -> None:
    baseline = baseline_of(*bodies)
    found = baseline.root.xpath(xpath)
    if isinstance(found, list):
        found = [str(item) if isinstance(item, str) else item for item in found]
        if expected == []:
            assert found == [], etree.tostring(baseline.root)
        else:
            assert [str(x) for x in found] == expected
    else:
        assert found == expected
    if note_kind is not None:
        assert note_kind in [note.kind for note in baseline.notes], baseline.notes


def test_emulator_paths_differ_conflict_placeholder() -> None:
    a = host("", head=HEAD.format(machine="pc-q35-7.2"))
    b = host("", head=HEAD.format(machine="pc-q35-7.2").replace("/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm"))
    baseline = build([a, b], ["a", "b"])
    assert values(baseline, "path") == [CONFLICT_PATH]
    assert "path" in notes(baseline, "conflict")


def test_machine_oldest_version() -> None:
    baseline = build([host("", "pc-q35-8.2"), host("", "pc-q35-6.2")], ["new", "old"])
    assert values(baseline, "machine") == ["pc-q35-6.2"]


@pytest.mark.parametrize("other", ["pc-i440fx-7.2", "pc-q35-rhel9.4.0"])
def test_other_machine_family_refused(other: str) -> None:
    with pytest.raises(BaselineError, match="machine family"):
        build([host("", "pc-q35-7.2"), host("", other)])


def test_other_arch_refused() -> None:
    other = caps_from_text(f"<domainCapabilities>{HEAD.format(machine='virt-7.2').replace('x86_64', 'aarch64')}"
                           "</domainCapabilities>")
    with pytest.raises(BaselineError, match="arch"):
        build([host(""), other])


def test_cpu_advice_newest_first_and_disabled_features() -> None:
    a = host("<cpu><mode name='custom' supported='yes'>"
             "<model usable='yes' vendor='Intel'>Westmere</model><model usable='yes' vendor='Intel'>Haswell</model>"
             "<model usable='yes' vendor='Intel'>Skylake-Client</model><model usable='yes' vendor='Intel'>Nehalem</model>"
             "</mode></cpu>")
    b = host("<cpu><mode name='custom' supported='yes'>"
             "<model usable='yes' vendor='Intel'>Westmere</model><model usable='no' vendor='Intel'>Haswell</model>"
             "<model usable='no' vendor='Intel'>Skylake-Client</model><model usable='yes' vendor='Intel'>Nehalem</model>"
             "<blockers model='Haswell'><feature name='hle'/><feature name='rtm'/></blockers></mode></cpu>")
    advice = cpu_advice([a, b])
    assert advice.usable == ["Westmere", "Nehalem"]
    # Skylake-Client is blocked on b without named blockers: not offered; Haswell is, without hle and rtm
    assert advice.with_disabled == [("Haswell", ("hle", "rtm"))]


def test_comments_say_the_notes() -> None:
    baseline = baseline_of("<iothreads supported='yes'/>", "")
    comments = [c.text for c in baseline.root.iter(etree.Comment)]
    assert any("iothreads" in c and "unknown" in c for c in comments)


# -- real documents -------------------------------------------------------------------------------------------

CORPUS_Q35 = [f"qemu_{v}-q35.x86_64.xml" for v in
              ("4.2.0", "5.2.0", "6.0.0", "6.1.0", "6.2.0", "7.0.0", "7.1.0", "7.2.0", "8.0.0", "8.1.0", "8.2.0", "9.1.0")]


def corpus_caps(*names: str) -> list[DomainCaps]:
    directory = shared_path("corpus", "libvirt-domaincaps")
    return [DomainCaps.from_file(str(directory / name)) for name in names]


def test_debian_and_corpus_baseline_validates_loads_and_checks() -> None:
    if not SCHEMA.exists():
        pytest.skip("libvirt's domaincaps.rng is not installed")
    hosts = [DomainCaps.from_file(str(CAPS / "x86_64-q35-kvm.xml")), *corpus_caps("qemu_8.2.0-q35.x86_64.xml")]
    baseline = build(hosts, ["debian", "corpus"])
    schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
    document = etree.fromstring(baseline.xml().encode())
    assert schema.validate(document), schema.error_log
    caps = DomainCaps(Document(baseline.xml(), "baseline.xml"))
    ok = ("<domain type='kvm'><name>a</name><memory>1048576</memory><vcpu>2</vcpu>"
          "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices><disk type='file' device='disk'>"
          "<source file='/a.img'/><target dev='vda' bus='virtio'/></disk></devices></domain>")
    bad = ok.replace("<vcpu>2</vcpu>", "<vcpu>9000</vcpu>")
    linter = Linter([caps])
    assert not [f for f in linter.lint_document(Document(ok, "ok.xml")).findings if f.severity is Severity.ERROR]
    assert "VL201" in {f.code for f in linter.lint_document(Document(bad, "bad.xml")).findings} or \
        [f for f in linter.lint_document(Document(bad, "bad.xml")).findings if f.severity is Severity.ERROR]


# -- THE property ---------------------------------------------------------------------------------------------

def _pools(hosts: list[DomainCaps]) -> dict[tuple[str, str], list[str]]:
    pools: dict[tuple[str, str], set[str]] = {}
    for caps in hosts:
        for key, block in caps.blocks.items():
            for name, enum in block.enums.items():
                pools.setdefault((key, name), set()).update((v.text or "").strip() for v in enum.iterchildren("value"))
    return {key: sorted(v) for key, v in pools.items()}


@st.composite
def domains(draw, hosts: list[DomainCaps], baseline: DomainCaps) -> str:
    """Domains over the hosts' values: mostly ones the baseline allows (so that many pass it), some that only
    some hosts list, now and then one none lists. Half of them are *focused*: one part of a domain (CPU,
    emulator, vCPUs, OS, devices) on an otherwise plain one, so that a single wrong answer of the baseline
    is not hidden behind an unrelated error."""
    pools, common = _pools(hosts), _pools([baseline])
    focus = draw(st.sampled_from([None, "cpu", None, "emulator", None, "vcpu", None, "os", None, "devices"]))
    loaders = sorted({(v.text or "").strip() for c in hosts for v in c.document.root.iterfind("os/loader/value")}
                     | {"/x.fd"})
    emulators = sorted({c.emulator for c in hosts if c.emulator})

    def pick(key: str, name: str) -> str:
        # mostly values some host lists; now and then one no host lists
        dice = draw(st.integers(0, 19))
        if dice == 13:  # hypothesis favours the ends of ranges: keep the rare cases in the middle
            return "bogus"
        pool = (common if dice < 12 else pools).get((key, name)) or pools.get((key, name)) or ["bogus"]
        return draw(st.sampled_from(pool))

    def sometimes() -> bool:
        return draw(st.integers(0, 4)) == 2

    machines = ["q35", "pc-q35-4.2", "pc-q35-7.2", "pc-q35-9.1", "pc-i440fx-7.2"] + [c.machine for c in hosts]
    models = sorted({m for c in hosts for m in c.cpu_models})
    # models the hosts disagree about are where a baseline can go wrong: draw them often
    disputed = sorted(m for m in models if len({c.cpu_models[m].usable if m in c.cpu_models else None
                                                 for c in hosts}) > 1)
    parts = []
    vcpus = draw(st.sampled_from([1, 2, 4, 16, 240] * 2 + [255, 288, 289, 1024, 1025, 4096]))
    os_bits = ""
    if draw(st.booleans()):
        os_bits += f"<loader type='{pick('os/loader', 'type')}' readonly='{pick('os/loader', 'readonly')}' " \
                   f"secure='{pick('os/loader', 'secure')}'>{draw(st.sampled_from(loaders))}</loader>"
    firmware = draw(st.sampled_from(["", " firmware='efi'", " firmware='bios'"]))
    mode = "custom" if focus == "cpu" and draw(st.booleans()) else \
        draw(st.sampled_from(["", "host-passthrough", "host-model", "maximum", "custom"]))
    if mode == "custom":
        parts.append(f"<cpu mode='custom' match='exact' check='{draw(st.sampled_from(['partial', 'full', 'none']))}'>"
                     f"<model fallback='forbid'>{draw(st.sampled_from(disputed if disputed and draw(st.booleans()) else models))}"
                     "</model></cpu>")
    elif mode in ("host-passthrough", "maximum"):
        migratable = draw(st.sampled_from(["", " migratable='on'", " migratable='off'"]))
        parts.append(f"<cpu mode='{mode}'{migratable}/>")
    elif mode:
        parts.append(f"<cpu mode='{mode}'/>")
    devices = []
    for index in range(draw(st.integers(0, 1))):
        bus = draw(st.sampled_from(["virtio", "sata", "scsi", pick("devices/disk", "bus")]))
        device = draw(st.sampled_from(["disk", "disk", "disk", pick("devices/disk", "diskDevice")]))
        devices.append(f"<disk type='file' device='{device}'><source file='/d{index}.img'/>"
                       f"<target dev='sd{'ab'[index]}' bus='{bus}'/></disk>")
    if sometimes():
        devices.append(f"<graphics type='{pick('devices/graphics', 'type')}'/>")
    if sometimes():
        devices.append(f"<video><model type='{pick('devices/video', 'modelType')}'/></video>")
    if sometimes():
        devices.append(f"<rng model='{pick('devices/rng', 'model')}'><backend model='"
                       f"{pick('devices/rng', 'backendModel')}'>/dev/urandom</backend></rng>")
    if sometimes():
        devices.append(f"<tpm model='{pick('devices/tpm', 'model')}'><backend type='"
                       f"{pick('devices/tpm', 'backendModel')}' version='{pick('devices/tpm', 'backendVersion')}'/></tpm>")
    if sometimes():
        devices.append(f"<redirdev bus='{pick('devices/redirdev', 'bus')}' type='tcp'><source mode='connect' host='h' service='4000'/></redirdev>")
    if sometimes():
        devices.append(f"<channel type='{pick('devices/channel', 'type')}'><target type='virtio' name='x.0'/></channel>")
    if sometimes():
        devices.append(f"<filesystem type='mount'><driver type='{pick('devices/filesystem', 'driverType')}'/>"
                       "<source dir='/s'/><target dir='t'/></filesystem>")
    if sometimes():
        devices.append(f"<hostdev mode='subsystem' type='pci'><driver name='{pick('devices/hostdev', 'pciBackend')}'/>"
                       "<source><address domain='0' bus='1' slot='0' function='0'/></source></hostdev>")
    features = "" if draw(st.integers(0, 4)) == 2 else "<acpi/>"
    features += draw(st.sampled_from(["", "", "<vmcoreinfo/>", "", "", "", "<gic version='3'/>", "", ""]))
    backing = ""
    if sometimes():
        backing = f"<memoryBacking><source type='{pick('memoryBacking', 'sourceType')}'/></memoryBacking>"
    iothreads = "<iothreads>2</iothreads>" if draw(st.booleans()) else ""
    emulator = f"<emulator>{draw(st.sampled_from(emulators))}</emulator>" if draw(st.booleans()) else ""
    machine = draw(st.sampled_from(machines + ["q35", baseline.machine or "q35"] * len(machines)))
    domain_type = draw(st.sampled_from(['kvm'] * 9 + ['qemu']))
    if focus is not None:
        domain_type, machine, features = "kvm", "q35", "<acpi/>"
        vcpus = vcpus if focus == "vcpu" else 2
        os_bits, firmware = (os_bits, firmware) if focus == "os" else ("", "")
        parts = parts if focus == "cpu" else []
        devices, backing = (devices, backing) if focus == "devices" else ([], "")
        emulator = (emulator or f"<emulator>{draw(st.sampled_from(emulators))}</emulator>") \
            if focus == "emulator" else ""
        iothreads = ""
    devices = ([emulator] if emulator else []) + devices
    if vcpus > 255 and draw(st.integers(0, 4)) != 2:  # what libvirt needs for so many, so that vcpu max decides
        features += "<ioapic driver='qemu'/>"
        devices.append("<iommu model='intel'><driver intremap='on' eim='on'/></iommu>")
    if "<video>" not in "".join(devices) and "<graphics" in "".join(devices):
        devices.append("<video><model type='virtio'/></video>")
    return (f"<domain type='{domain_type}'><name>g</name><memory>1048576</memory>"
            f"{backing}<vcpu>{vcpus}</vcpu>{iothreads}<os{firmware}><type arch='x86_64' machine='{machine}'>hvm</type>"
            f"{os_bits}</os><features>{features}</features>{''.join(parts)}<devices>{''.join(devices)}</devices></domain>")


def _errors(linter: Linter, text: str) -> set[str]:
    findings = linter.lint_document(Document(text, "generated.xml")).findings
    return {f"{f.code} {f.message}" for f in findings if f.severity is Severity.ERROR}


def _not_vouched(baseline: Linter, text: str) -> set[str]:
    """What keeps the baseline from vouching for a domain: its errors, and VL004 (the baseline does not describe
    the domain, e.g. a machine version newer than the oldest host's, so its checks were skipped; --fleet
    counts that as not shown to run too)."""
    findings = baseline.lint_document(Document(text, "generated.xml")).findings
    return {f"{f.code} {f.message}" for f in findings if f.severity is Severity.ERROR or f.code == "VL004"}


def _fleet(name: str) -> list[DomainCaps]:
    if name == "corpus":  # twelve QEMU versions' q35 documents, one libvirt format
        return corpus_caps(*CORPUS_Q35)
    # mixed formats: Debian's libvirt 9.0 and two corpus documents of libvirt 10.7's format. The generator
    # uses no block that one of them does not print (the notes name those: crypto, interface, ps2, ...)
    return [DomainCaps.from_file(str(CAPS / "x86_64-q35-kvm.xml")),
            *corpus_caps("qemu_7.2.0-q35.x86_64.xml", "qemu_8.2.0-q35.x86_64.xml")]


@pytest.mark.parametrize("fleet", ["corpus", "mixed"])
def test_property_no_error_on_baseline_means_none_on_any_host(fleet: str) -> None:
    hosts = _fleet(fleet)
    baseline = build(hosts, [Path(c.path).stem for c in hosts])
    baseline_linter = Linter([DomainCaps(Document(baseline.xml(), "baseline.xml"))])
    host_linters = [Linter([caps]) for caps in hosts]

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(domains(hosts, baseline_linter.caps[0]))
    def check(text: str) -> None:
        if _not_vouched(baseline_linter, text):
            return
        for caps, linter in zip(hosts, host_linters):
            assert not _errors(linter, text), (caps.path, text)

    check()


# -- THE property over random fleets: variants of one real document --------------------------------------------

EMULATORS = ("/usr/bin/qemu-system-x86_64", "/usr/libexec/qemu-kvm")


@st.composite
def variants(draw, base: etree._Element, index: int) -> DomainCaps:
    """One host: the base document with some enum values dropped, some blocks refused, another vCPU limit,
    CPU models usable or not, another emulator, machine or loader images (what differs between real hosts)."""
    root = etree.fromstring(etree.tostring(base))
    for enum in list(root.iter("enum")):
        if draw(st.integers(0, 5)) == 1:
            for value in list(enum):
                if draw(st.booleans()):
                    enum.remove(value)
    for block in [e for e in root.iter() if e.get("supported") == "yes" and e.tag != "cpu"]:
        if draw(st.integers(0, 29)) == 5:
            block.set("supported", "no")
            for child in list(block):
                block.remove(child)
    root.find("vcpu").set("max", str(draw(st.sampled_from([288, 1024, 255, 4096]))))
    for model in root.iterfind("cpu/mode[@name='custom']/model"):
        if draw(st.integers(0, 5)) == 2:
            model.set("usable", draw(st.sampled_from(["yes", "no", "unknown"])))
    root.find("path").text = draw(st.sampled_from(EMULATORS))
    root.find("machine").text = draw(st.sampled_from(["pc-q35-8.2", "pc-q35-7.2", "pc-q35-8.0"]))
    loader = root.find("os/loader")
    if loader is not None and loader.get("supported") == "yes":
        for value in loader.findall("value"):
            loader.remove(value)
        for number, path in enumerate(draw(st.lists(st.sampled_from(["/a.fd", "/b.fd", "/c.fd"]), unique=True,
                                                    max_size=2))):
            element = etree.Element("value")
            element.text = path
            loader.insert(number, element)
    return DomainCaps(Document(etree.tostring(root, encoding="unicode"), f"host{index}.xml"))


def test_property_over_random_fleets() -> None:
    base = etree.parse(str(shared_path("corpus", "libvirt-domaincaps", "qemu_8.2.0-q35.x86_64.xml"))).getroot()

    @st.composite
    def fleet_and_domain(draw):
        hosts = [draw(variants(base, index)) for index in range(draw(st.integers(2, 3)))]
        baseline = DomainCaps(Document(build(hosts, [h.path for h in hosts]).xml(), "baseline.xml"))
        return hosts, baseline, draw(domains(hosts, baseline))

    @settings(max_examples=250, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(fleet_and_domain())
    def check(case) -> None:
        hosts, baseline, text = case
        if _not_vouched(Linter([baseline]), text):
            return
        for caps in hosts:
            assert not _errors(Linter([caps]), text), (caps.path, text, etree.tostring(caps.document.root))

    check()
