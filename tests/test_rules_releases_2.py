"""Refusals libvirt added after 9.0, gated on the release that added them: libvirt 9.0 defines each failing case
(checked with the real 9.0: the setting is dropped), so virtlint modelling 9.0 is silent, and modelling the
release that added it (and 10.7) reports it in 10.7's words. Each failing case has its valid twin. And the
encryption format luks-any, which 9.0 refuses and 9.3 learnt."""

from __future__ import annotations

import pytest

from test_rules_releases import errors


def define_errors(xml: str, version: tuple[int, int]) -> list[tuple[str, str]]:
    """The errors libvirt gives at define (a start-time one ends by saying who refuses the start)."""
    return [(c, m) for c, m in errors(xml, version) if not m.endswith("refuses to start the domain)")]

def dom(devices: str = "", extra: str = "", os: str = "", head: str = "") -> str:
    return (f"<domain type='kvm'><name>t</name><memory>65536</memory><vcpu>1</vcpu>{head}<os><type arch='x86_64' "
            f"machine='q35'>hvm</type>{os}</os>{extra}<devices>{devices}</devices></domain>")


SSH = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='ssh' name='/img'>"
       "<host name='h' port='22'/>{}</source><target dev='vda' bus='virtio'/></disk>")
SHARED = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
VIRTIOFS = ("<filesystem type='mount' accessmode='passthrough'><driver type='virtiofs'/><binary "
            "path='/usr/libexec/virtiofsd'>{}</binary><source dir='/srv'/><target dir='t'/></filesystem>")
LOADER = "<loader readonly='yes' type='pflash'{}>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>"
NVRAM = "<nvram{}>/var/lib/libvirt/qemu/nvram/t_VARS.fd</nvram>"
ACPI = "<features><acpi/></features>"
MAXPHYS = "<cpu mode='{}'><maxphysaddr mode='{}'{}/></cpu>"
DISK = ("<disk type='file' device='{device}'><driver name='qemu' type='{fmt}'{driver}>{inner}</driver><source "
        "file='/var/lib/libvirt/images/t.{fmt}'/><target dev='{dev}' bus='{bus}'/>{more}</disk>")


def disk(fmt: str = "qcow2", driver: str = "", inner: str = "", more: str = "", device: str = "disk",
         dev: str = "vda", bus: str = "virtio") -> str:
    return DISK.format(fmt=fmt, driver=driver, inner=inner, more=more, device=device, dev=dev, bus=bus)


MEMORY = "<maxMemory slots='4'>4194304</maxMemory>"
NUMA = "<cpu><numa><cell id='0' cpus='0' memory='65536' unit='KiB'/></numa></cpu>"
PMEM = ("<memory model='virtio-pmem' access='shared'><source><path>/tmp/pmem</path></source><target><size "
        "unit='KiB'>131072</size><address base='{}'/></target></memory>")
VMEM = ("<memory model='virtio-mem'><target><size unit='KiB'>131072</size><node>0</node><block unit='KiB'>2048"
        "</block><requested unit='KiB'>0</requested><address base='{}'/></target></memory>")
IOTHREADS = "<iothreads>1</iothreads>"
BLOB = "<video><model type='virtio' blob='{}'/></video>"
VGA = "<video><model type='vga'/></video>"
MEMFD = "<memoryBacking><source type='memfd'/></memoryBacking>"
VDPA = ("<disk type='vhostvdpa' device='disk'><driver name='qemu' type='raw'{}/><source dev='/dev/vhost-vdpa-0'/>"
        "<target dev='vda' bus='virtio'/></disk>")
PS2_OFF = "<features><ps2 state='off'/></features>"
PS2_ON_THEN_OFF = "<features><ps2 state='on'/><ps2 state='off'/></features>"
MAPPING = "<iothreads><iothread id='1'/></iothreads>"

#: (id, failing domain, its valid twin, the release that added the refusal, the code, 10.7's message)
ADDED_REFUSALS = [
    ("ssh-identity-without-key", dom(SSH.format("<identity username='u'/>")),
     dom(SSH.format("<identity username='u' keyfile='/root/.ssh/id_ed25519'/>")), (9, 8), "VL759",
     "element 'identity' requires either 'keyfile' or 'agentsock' attribute"),
    ("ssh-identity-without-user", dom(SSH.format("<identity agentsock='/run/agent.sock'/>")),
     dom(SSH.format("<identity username='u' agentsock='/run/agent.sock'/>")), (9, 8), "VL759",
     "Missing required attribute 'username' in element 'identity'"),
    ("ssh-known-hosts-without-path", dom(SSH.format("<knownHosts/>")),
     dom(SSH.format("<knownHosts path='/root/.ssh/known_hosts'/>")), (9, 8), "VL759",
     "Missing required attribute 'path' in element 'knownHosts'"),
    ("virtiofs-openfiles-word", dom(VIRTIOFS.format("<openfiles max='abc'/>"), SHARED),
     dom(VIRTIOFS.format("<openfiles max='1024'/>"), SHARED), (10, 6), "VL791",
     "cannot parse openfiles 'abc' for virtiofs"),
    ("virtiofs-openfiles-trailing-blank", dom(VIRTIOFS.format("<openfiles max='10 '/>"), SHARED),
     dom(VIRTIOFS.format("<openfiles max=''/>"), SHARED), (10, 6), "VL791",
     "cannot parse openfiles '10 ' for virtiofs"),
    ("nvram-format-vmdk", dom(extra=ACPI, os=LOADER.format("") + NVRAM.format(" format='vmdk'")),
     dom(extra=ACPI, os=LOADER.format("") + NVRAM.format(" format='raw'")), (9, 2), "VL507",
     "Unsupported nvram format 'vmdk'"),
    ("loader-format-vmdk", dom(extra=ACPI, os=LOADER.format(" format='vmdk'")),
     dom(extra=ACPI, os=LOADER.format(" format='qcow2'")), (9, 2), "VL507", "Unsupported loader format 'vmdk'"),
    ("loader-format-unknown", dom(extra=ACPI, os=LOADER.format(" format='bogus'")),
     dom(extra=ACPI, os=LOADER.format(" format='none'")), (9, 2), "VL850",
     "Invalid value for attribute 'format' in element 'loader': 'bogus'."),
    ("nvram-none-with-qcow2-loader", dom(extra=ACPI, os=LOADER.format(" format='qcow2'") +
                                         NVRAM.format(" format='dmg'")),
     dom(extra=ACPI, os=LOADER.format(" format='qcow2'") + NVRAM.format(" format='none'")), (9, 2), "VL507",
     "Unsupported nvram format 'dmg'"),
    ("maxphysaddr-limit-with-emulate", dom(extra=MAXPHYS.format("host-model", "emulate", " bits='42' limit='40'")),
     dom(extra=MAXPHYS.format("host-passthrough", "passthrough", " limit='40'")), (9, 3), "VL212",
     "attribute 'limit' is only supported for maxphysaddr mode 'passthrough'"),
    ("maxphysaddr-limit-zero", dom(extra=MAXPHYS.format("host-passthrough", "passthrough", " limit='0'")),
     dom(extra=MAXPHYS.format("host-passthrough", "passthrough", "")), (9, 3), "VL851",
     "Invalid value for attribute 'limit' in element 'maxphysaddr': Zero is not permitted"),
    ("discard-no-unref-raw", dom(disk("raw", " discard_no_unref='on'")),
     dom(disk("raw", " discard_no_unref='off'")), (9, 5), "VL758",
     "'discard_no_unref' only works with qcow2 disk format"),
    ("discard-no-unref-no-format", dom(disk("qcow2", " discard_no_unref='on'").replace(" type='qcow2'", "")),
     dom(disk("qcow2", " discard_no_unref='on'")), (9, 5), "VL758",
     "'discard_no_unref' only works with qcow2 disk format"),
    ("discard-no-unref-readonly", dom(disk("qcow2", " discard_no_unref='on'", more="<readonly/>")),
     dom(disk("qcow2", more="<readonly/>")), (9, 5), "VL758",
     "'discard_no_unref' is not compatible with read-only disk"),
    ("discard-no-unref-cdrom", dom(disk("qcow2", " discard_no_unref='on'", device="cdrom", dev="sda", bus="sata")),
     dom(disk("qcow2", device="cdrom", dev="sda", bus="sata")), (9, 5), "VL758",
     "'discard_no_unref' is not compatible with read-only disk"),
    ("iothread-with-mapping", dom(disk(driver=" iothread='1'", inner=MAPPING), head=IOTHREADS),
     dom(disk(driver=" iothread='1'", inner="<iothreads/>"), head=IOTHREADS), (10, 0), "VL758",
     "disk driver 'iothread' attribute can't be used together with 'iothreads' subelement"),
    ("virtio-pmem-unaligned", dom(PMEM.format("0x100000100"), NUMA, head=MEMORY),
     dom(PMEM.format("0x100001000"), NUMA, head=MEMORY), (9, 8), "VL797",
     "memory address must be aligned to 4096 bytes"),
    ("virtio-mem-unaligned", dom(VMEM.format("0x100100000"), NUMA, head=MEMORY),
     dom(VMEM.format("0x100200000"), NUMA, head=MEMORY), (9, 8), "VL797",
     "memory device address must be aligned to blocksize"),
    ("virtio-mem-base-unreadable", dom(VMEM.format("xyz"), NUMA, head=MEMORY),
     dom(VMEM.format("100200000"), NUMA, head=MEMORY), (9, 8), "VL851",
     "Invalid value for attribute 'base' in element 'address': 'xyz'. Expected non-negative integer value"),
    ("virtio-pmem-base-with-blank", dom(PMEM.format("0x100001000 "), NUMA, head=MEMORY),
     dom(PMEM.format(" 0x100001000"), NUMA, head=MEMORY), (9, 8), "VL851",
     "Invalid value for attribute 'base' in element 'address': '0x100001000 '."),
    # (9.0 defines a blob='on' video on any memory: checked; 10.7's source refuses it without memfd)
    ("virtio-gpu-blob-without-memfd", dom(BLOB.format("on")), dom(BLOB.format("on"), MEMFD), (9, 2), "VL765",
     "'blob' support for virtio-gpu devices requires a memfd memory backend"),
    ("virtio-gpu-blob-without-memfd-beside-vga", dom(VGA + BLOB.format("on")), dom(VGA + BLOB.format("off")), (9, 2),
     "VL765", "'blob' support for virtio-gpu devices requires a memfd memory backend"),
]

#: (id, failing domain, its valid twin, the release that first reads the setting, the code and 10.7's message, and
#: the code of the older releases' refusal of the setting itself): refusals read from 10.7's source about settings
#: libvirt 9.0 does not know, so the lab's 9.0 cannot check them
NEWER_SETTINGS = [
    ("vhostvdpa-default-cache", dom(VDPA.format(""), SHARED), dom(VDPA.format(" cache='none'"), SHARED), (9, 8),
     "VL758", "disk type 'vhostvdpa' requires cache mode 'directsync' or 'none'", "VL850"),
    ("vhostvdpa-writeback", dom(VDPA.format(" cache='writeback'"), SHARED),
     dom(VDPA.format(" cache='directsync'"), SHARED), (9, 8), "VL758",
     "disk type 'vhostvdpa' requires cache mode 'directsync' or 'none'", "VL850"),
    ("vhostvdpa-private-memory", dom(VDPA.format(" cache='none'")), dom(VDPA.format(" cache='none'"), SHARED), (9, 8),
     "VL204", "'vhostvdpa' requires shared memory", "VL850"),
    ("ps2-off-ps2-mouse", dom("<input type='mouse' bus='ps2'/>", PS2_OFF), dom("<input type='mouse' bus='usb'/>",
                                                                               PS2_OFF),
     (10, 7), "VL793", "ps2 bus inputs require the ps2 feature not to be disabled", "VL407"),
    ("ps2-off-keyboard-on-its-default-bus", dom("<input type='keyboard'/>", PS2_OFF),
     dom("<input type='keyboard'/>", PS2_OFF.replace("'off'", "'on'")), (10, 7), "VL793",
     "ps2 bus inputs require the ps2 feature not to be disabled", "VL407"),
    ("ps2-on-then-off", dom("<input type='mouse' bus='ps2'/>", PS2_ON_THEN_OFF),  # (libvirt keeps the last)
     dom("<input type='mouse' bus='ps2'/>", "<features><ps2 state='off'/><ps2 state='on'/></features>"),
     (10, 7), "VL793", "ps2 bus inputs require the ps2 feature not to be disabled", "VL407"),
    ("vmport-without-ps2", dom(extra="<features><vmport state='on'/><ps2 state='off'/></features>"),
     dom(extra="<features><vmport state='off'/><ps2 state='off'/></features>"), (10, 7), "VL407",
     "vmport feature requires the ps2 feature not to be disabled", "VL407"),
]


def _before(release: tuple[int, int]) -> tuple[int, int]:
    return (release[0], release[1] - 1) if release[1] else (release[0] - 1, 10)


def _reported_from(since: tuple[int, int], xml: str, twin: str, code: str, message: str) -> None:
    """The refusal is reported modelling the release that added it and 10.7, and the valid twin gets no error."""
    for version in (since, (10, 7)):
        found = errors(xml, version)
        assert any(c == code and m.startswith(message) for c, m in found), (version, found)
        assert errors(twin, version) == [], (version, errors(twin, version))


@pytest.mark.parametrize(("xml", "twin", "since", "code", "message"), [c[1:] for c in ADDED_REFUSALS],
                         ids=[c[0] for c in ADDED_REFUSALS])
def test_a_refusal_is_reported_from_the_release_that_added_it(xml: str, twin: str, since: tuple[int, int],
                                                              code: str, message: str) -> None:
    _reported_from(since, xml, twin, code, message)
    for version in (_before(since), (9, 0)):  # (libvirt 9.0 defines it, dropping the setting: checked)
        assert define_errors(xml, version) == [], (version, errors(xml, version))
        assert define_errors(twin, version) == [], (version, errors(twin, version))


@pytest.mark.parametrize(("xml", "twin", "since", "code", "message", "older"), [c[1:] for c in NEWER_SETTINGS],
                         ids=[c[0] for c in NEWER_SETTINGS])
def test_a_refusal_about_a_newer_setting(xml: str, twin: str, since: tuple[int, int], code: str, message: str,
                                         older: str) -> None:
    _reported_from(since, xml, twin, code, message)
    for version in (_before(since), (9, 0)):  # the setting itself is the older release's refusal, and nothing else
        found = errors(xml, version)
        assert found and {c for c, _ in found} == {older} and message not in [m for _, m in found], (version, found)


RBD = ("<disk type='network' device='disk'><driver name='qemu' type='raw'/><source protocol='rbd' name='pool/img'>"
       "<host name='example.com'/><encryption format='{}' engine='librbd'><secret type='passphrase' "
       "uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/></encryption></source><target dev='vda' bus='virtio'/></disk>")


def test_luks_any_is_refused_before_9_3() -> None:
    xml, twin = dom(RBD.format("luks-any")), dom(RBD.format("luks"))
    for version in ((9, 0), (9, 2)):  # (9.0 refuses it in these words, checked)
        assert ("VL759", "unknown volume encryption format type luks-any") in errors(xml, version)
        assert errors(twin, version) == []
    for version in ((9, 3), (10, 7)):
        assert errors(xml, version) == [] and errors(twin, version) == []


DIMM = "<memory model='dimm'><target><size unit='KiB'>131072</size><node>0</node></target></memory>"


@pytest.mark.parametrize("other", [VMEM.format("0x140000000"), PMEM.format("0x140000000")],
                         ids=["virtio-mem", "virtio-pmem"])
def test_libvirt_9_0_gives_every_memory_device_a_slot(other: str) -> None:
    """libvirt 9.0 counts virtio-mem and virtio-pmem devices against <maxMemory slots> (`memory device count '2'
    exceeds slots count '1'`, checked on the lab); 10.7 counts DIMMs and NVDIMMs only. The releases between are
    not known: they get 10.7's count, which refuses less."""
    acpi = "<features><acpi/></features>"  # (which a DIMM needs at start)
    one_slot = acpi + "<maxMemory slots='1'>4194304</maxMemory>" + NUMA
    xml, twin = dom(DIMM + other, one_slot), dom(DIMM + other, acpi + MEMORY + NUMA)
    assert ("VL210", "memory device count '2' exceeds slots count '1'") in errors(xml, (9, 0))
    assert define_errors(twin, (9, 0)) == []  # (9.0 cannot start a virtio-pmem device: VL797, at start)
    for version in ((9, 1), (10, 7)):
        assert errors(xml, version) == [] and errors(twin, version) == []
