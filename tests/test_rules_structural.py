"""What libvirt refuses when a part of a valid domain is removed or written twice (found by the structural mutation
audit, tests/oracle/mutations.py): required elements and attributes, storage sources of every layer and of the
NVRAM, leases, HMAT caches, and elements libvirt takes once. Each case was put to the real libvirt 9.0, with its
valid twin."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import Q35, dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

ISCSI = "<source protocol='iscsi' name='iqn.2013-07.com.example:x/1'><host name='example.com'/>{}</source>"
SECRET = "<secret type='iscsi' usage='x'/>"
FILE_DISK = ("<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.img'>{source}</source>{disk}"
             "<target dev='vda' bus='virtio'/></disk>")
NET_DISK = "<disk type='network' device='disk'>{source}{disk}<target dev='vda' bus='virtio'/></disk>"
BACKING = ("<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source "
           "file='/var/lib/libvirt/images/a.qcow2'/><backingStore "
           "type='network'><format type='raw'/>{}</backingStore><target dev='vda' bus='virtio'/></disk>")
VHOST_USER = "<disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/>{}<target dev='vda' bus='virtio'/></disk>"
SHARED_MEMORY = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
NVRAM = "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>{}"
EFI = "<features><acpi/></features>"
LEASE = "<lease>{}</lease>"
LOCKSPACE, KEY, TARGET = "<lockspace>area</lockspace>", "<key>thekey</key>", "<target path='/some/lease' offset='1024'/>"
CELL = ("<vcpu>2</vcpu><cpu><numa><cell id='0' cpus='0-1' memory='65536'><cache level='1' associativity='direct' "
        "policy='writeback'>{}</cache></cell><interconnects><latency initiator='0' target='0' type='access' "
        "value='5'/><bandwidth initiator='0' target='0' type='access' value='204800' unit='KiB'/></interconnects>"
        "</numa></cpu>")  # (QEMU wants a cached node's latency and bandwidth: VL207)
SIZE, LINE = "<size value='10' unit='KiB'/>", "<line value='8' unit='B'/>"
SPICE = "<graphics type='spice'/>"
CARD = "<smartcard mode='passthrough' type='spicevmc'>{}</smartcard>"
AUTH_ONLY = "<auth username='u'/>"
MAX_MEMORY = ("<features><acpi/></features><maxMemory slots='4' unit='MiB'>2048</maxMemory><cpu><numa><cell id='0' cpus='0' memory='256' "
              "unit='MiB'/></numa></cpu>")


def no_os(inner: str = "", extra: str = "") -> str:
    return f"<domain type='kvm'><name>t</name><memory>262144</memory>{extra}{inner}</domain>"


CASES = [
    # VL012: no <os><type> at all
    ("os-without-type", no_os("<os><boot dev='hd'/></os>"), "VL012", "an os <type> must be specified"),
    ("no-os", no_os(), "VL012", "an os <type> must be specified"),
    ("os-with-type", no_os("<os><type arch='x86_64' machine='q35'>hvm</type></os>"), None, ""),
    # VL850: required enum attributes; the domain's type
    ("domain-without-type", dom().replace("<domain type='kvm'>", "<domain>"), "VL850", "missing domain type attribute"),
    ("domain-empty-type", dom(dtype=""), "VL850", "missing domain type attribute"),
    ("domain-unknown-type", dom(dtype="foo"), "VL850", "invalid domain type foo"),
    ("input-without-type", dom("<input bus='usb'/>"), "VL850", "missing input device type"),
    ("input-with-type", dom("<input type='tablet' bus='usb'/>"), None, ""),
    ("codec-without-type", dom("<sound model='ich9'><codec/></sound>"), "VL850", "unknown codec type '(null)'"),
    ("codec-with-type", dom("<sound model='ich9'><codec type='duplex'/></sound>"), None, ""),
    # VL709: a PCI controller without a model
    ("pci-0-without-model-q35", dom("<controller type='pci' index='0'/>"), "VL709",
     "must be model='pcie-root' for this machine type, but model='(null)' was found instead"),
    ("pci-0-without-model-pc", dom("<controller type='pci' index='0'/>", machine="pc"), "VL709",
     "must be model='pci-root' for this machine type, but model='(null)'"),
    ("pci-1-without-model", dom("<controller type='pci' index='1'/>"), "VL709",
     "PCI controller model was not set correctly"),
    ("pci-1-with-model", dom("<controller type='pci' index='1' model='pcie-root-port'/>"), None, ""),
    # VL206: <vcpus> without vCPU 0
    ("vcpus-without-0", dom().replace("<vcpu>1</vcpu>", "<vcpu current='2'>3</vcpu><vcpus><vcpu id='1' enabled='yes' "
                                                        "hotpluggable='no'/><vcpu id='2' enabled='yes' "
                                                        "hotpluggable='yes'/></vcpus>"), "VL206",
     "vcpu 0 can't be offline"),
    ("vcpus-with-0", dom().replace("<vcpu>1</vcpu>", "<vcpu current='2'>3</vcpu><vcpus><vcpu id='0' enabled='yes' "
                                                     "hotpluggable='no'/><vcpu id='1' enabled='yes' "
                                                     "hotpluggable='yes'/><vcpu id='2' enabled='no' "
                                                     "hotpluggable='yes'/></vcpus>"), None, ""),
    # VL759: auth in any source and in its old place, network sources of backing layers
    ("file-source-auth-without-username", dom(FILE_DISK.format(source=f"<auth>{SECRET}</auth>", disk="")), "VL759",
     "missing username for auth"),
    ("file-source-auth", dom(FILE_DISK.format(source=f"<auth username='u'>{SECRET}</auth>", disk="")), None, ""),
    ("disk-auth-without-username", dom(NET_DISK.format(source=ISCSI.format(""), disk=f"<auth>{SECRET}</auth>")),
     "VL759", "missing username for auth"),
    ("disk-auth-without-secret", dom(NET_DISK.format(source=ISCSI.format(""), disk="<auth username='u'/>")), "VL759",
     "Missing <secret> element in auth"),
    ("disk-auth-secret-without-usage", dom(NET_DISK.format(source=ISCSI.format(""),
                                                           disk="<auth username='u'><secret type='iscsi'/></auth>")),
     "VL759", "missing secret uuid or usage attribute"),
    ("disk-auth-secret-uuid-and-usage",
     dom(NET_DISK.format(source=ISCSI.format(""), disk="<auth username='u'><secret type='iscsi' usage='x' "
                                                       "uuid='c2177883-f1bb-47f0-914d-32a22e3a8804'/></auth>")),
     "VL759", "either secret uuid or usage expected"),
    ("disk-auth", dom(NET_DISK.format(source=ISCSI.format(""), disk=f"<auth username='u'>{SECRET}</auth>")), None, ""),
    ("network-source-without-protocol", dom(NET_DISK.format(source="<source name='x/y'><host name='h'/></source>",
                                                            disk="")),
     "VL759", "Missing required attribute 'protocol' in element 'source'"),
    ("backing-without-protocol", dom(BACKING.format("<source name='/x'><host name='h'/></source>")), "VL759",
     "Missing required attribute 'protocol' in element 'source'"),
    ("backing-without-name", dom(BACKING.format("<source protocol='nfs'><host name='h'/></source>")), "VL759",
     "missing name for disk source"),
    ("backing-nfs-without-host", dom(BACKING.format("<source protocol='nfs' name='/x'/>")), "VL753",
     "'nfs' protocol requires the usage of exactly one host"),
    ("backing-nfs-two-hosts", dom(BACKING.format("<source protocol='nfs' name='/x'><host name='h'/><host name='i'/>"
                                                 "</source>")), "VL753", "exactly one host"),
    ("backing-nfs", dom(BACKING.format("<source protocol='nfs' name='/x'><host name='h'/></source>")), None, ""),
    # (an untyped <backingStore> ends the chain: what it holds is not parsed)
    ("backing-nfs-after-the-end", dom(BACKING.replace("<backingStore type='network'>", "<backingStore><backingStore "
                                                      "type='network'>").replace("</backingStore>", "</backingStore>"
                                                                                 "</backingStore>")
                                      .format("<source protocol='nfs' name='/x'/>")), None, ""),
    ("nbd-without-name", dom(NET_DISK.format(source="<source protocol='nbd'><host name='h'/></source>", disk="")),
     None, ""),
    # VL758: a vhost-user disk's socket
    ("vhostuser-without-path", dom(VHOST_USER.format("<source type='unix'/>"), extra=SHARED_MEMORY), "VL758",
     "missing 'path' attribute for vhostuser disk source"),
    ("vhostuser-without-type", dom(VHOST_USER.format("<source path='/tmp/s.sock'/>"), extra=SHARED_MEMORY), "VL758",
     "missing 'type' attribute for vhostuser disk source"),
    ("vhostuser", dom(VHOST_USER.format("<source type='unix' path='/tmp/s.sock'/>"), extra=SHARED_MEMORY), None, ""),
    # VL759: a typed NVRAM's source
    ("nvram-typed-without-source", dom(os=NVRAM.format("<nvram type='network'/>"), extra=EFI), "VL759",
     "An error occurred, but the cause is unknown"),
    ("nvram-without-protocol", dom(os=NVRAM.format("<nvram type='network'><source name='x'><host name='h'/></source>"
                                                   "</nvram>"), extra=EFI), "VL759",
     "Missing required attribute 'protocol' in element 'source'"),
    ("nvram-host-without-name", dom(os=NVRAM.format("<nvram type='network'><source protocol='nbd' name='x'><host/>"
                                                    "</source></nvram>"), extra=EFI), "VL759", "missing name for host"),
    ("nvram-auth-without-secret", dom(os=NVRAM.format("<nvram type='network'>" + ISCSI.format(AUTH_ONLY) + "</nvram>"),
                                      extra=EFI), "VL759", "Missing <secret> element"),
    ("nvram-host-port-word", dom(os=NVRAM.format("<nvram type='network'><source protocol='nbd' name='x'><host "
                                                 "name='h' port='x'/></source></nvram>"), extra=EFI), "VL759",
     "failed to parse port number 'x'"),
    ("nvram-network", dom(os=NVRAM.format(f"<nvram type='network'>{ISCSI.format('')}</nvram>"), extra=EFI), None, ""),
    ("nvram-file", dom(os=NVRAM.format("<nvram type='file'><source file='/var/lib/libvirt/qemu/nvram/t.fd'/></nvram>"),
                       extra=EFI), None, ""),
    ("nvram-untyped", dom(os=NVRAM.format("<nvram>/var/lib/libvirt/qemu/nvram/t.fd</nvram>"), extra=EFI), None, ""),
    # VL784 and VL760: a TPM's external backend
    ("tpm-external-without-source", dom("<tpm model='tpm-crb'><backend type='external'/></tpm>"), "VL784",
     "missing external TPM backend source type"),
    ("tpm-external-two-sources", dom("<tpm model='tpm-crb'><backend type='external'>"
                                     + "<source type='unix' mode='connect' path='/tmp/a.sock'/>" * 2 + "</backend></tpm>"),
     "VL760", "only one source element is allowed for character device"),
    ("tpm-external", dom("<tpm model='tpm-crb'><backend type='external'><source type='unix' mode='connect' "
                         "path='/tmp/a.sock'/></backend></tpm>"), None, ""),
    # VL811 lease-config
    ("lease-without-lockspace", dom(LEASE.format(KEY + TARGET)), "VL811", "An error occurred, but the cause is unknown"),
    ("lease-empty-lockspace", dom(LEASE.format("<lockspace/>" + KEY + TARGET)), "VL811", "the cause is unknown"),
    ("lease-without-key", dom(LEASE.format(LOCKSPACE + TARGET)), "VL811", "Missing 'key' element for lease"),
    ("lease-empty-key", dom(LEASE.format(LOCKSPACE + "<key></key>" + TARGET)), "VL811", "Missing 'key' element"),
    ("lease-without-target", dom(LEASE.format(LOCKSPACE + KEY)), "VL811", "Missing 'target' element for lease"),
    ("lease-target-without-path", dom(LEASE.format(LOCKSPACE + KEY + "<target offset='1024'/>")), "VL811",
     "Missing 'path' attribute to 'target' element for lease"),
    ("lease", dom(LEASE.format(LOCKSPACE + KEY + TARGET)), None, ""),
    ("lease-blank-key-empty-path", dom(LEASE.format(LOCKSPACE + "<key> </key><target path=''/>")), None, ""),
    # VL207 and VL851: HMAT caches
    ("cache-without-line", dom(extra=CELL.format(SIZE)).replace("<vcpu>1</vcpu>", ""), "VL207",
     "missing element or attribute './line/@value'"),
    ("cache-without-size", dom(extra=CELL.format(LINE)).replace("<vcpu>1</vcpu>", ""), "VL207",
     "missing element or attribute './size/@value'"),
    ("cache-size-without-value", dom(extra=CELL.format("<size/>" + LINE)).replace("<vcpu>1</vcpu>", ""), "VL851",
     "missing element or attribute './size/@value'"),
    ("cache-size-empty", dom(extra=CELL.format("<size value=''/>" + LINE)).replace("<vcpu>1</vcpu>", ""), "VL851",
     "missing element or attribute './size/@value'"),
    ("cache-size-negative", dom(extra=CELL.format("<size value='-1'/>" + LINE)).replace("<vcpu>1</vcpu>", ""), "VL851",
     "Invalid value '-1' for element or attribute './size/@value'"),
    ("cache-line-word", dom(extra=CELL.format(SIZE + "<line value='x'/>")).replace("<vcpu>1</vcpu>", ""), "VL851",
     "Invalid value 'x' for element or attribute './line/@value'"),
    ("cache-size-too-large", dom(extra=CELL.format("<size value='9007199254740992'/>" + LINE)).replace(
        "<vcpu>1</vcpu>", ""), "VL851", "value too large: 9007199254740992"),
    ("cache-unit-ignored", dom(extra=CELL.format("<size value='10' unit='QQ'/>" + LINE)).replace("<vcpu>1</vcpu>", ""),
     None, ""),
    ("cache-size-largest", dom(extra=CELL.format("<size value='9007199254740991'/>" + LINE)).replace(
        "<vcpu>1</vcpu>", ""), None, ""),
    ("cache", dom(extra=CELL.format(SIZE + LINE)).replace("<vcpu>1</vcpu>", ""), None, ""),
    # VL851: a required size libvirt reads with virParseScaledValue names its XPath
    ("hugepage-without-size", dom(extra="<memoryBacking><hugepages><page unit='KiB'/></hugepages></memoryBacking>"),
     "VL851", "missing element or attribute './@size'"),
    # written twice
    ("numatune-twice", dom(extra="<numatune><memory mode='strict' nodeset='0'/></numatune>" * 2), "VL208",
     "only one numatune is supported"),
    ("numatune-once", dom(extra="<numatune><memory mode='strict' nodeset='0'/></numatune>"), None, ""),
    ("emulatorpin-in-two-cputunes", dom(extra="<cputune><emulatorpin cpuset='0'/></cputune>" * 2), "VL211",
     "only one emulatorpin is supported"),
    ("iothread-id-in-two-lists", dom(extra="<iothreads>2</iothreads>" + "<iothreadids><iothread id='1'/></iothreadids>"
                                     * 2), "VL211", "duplicate iothread id '1' found"),
    ("iothread-ids-in-two-lists", dom(extra="<iothreads>2</iothreads><iothreadids><iothread id='1'/></iothreadids>"
                                      "<iothreadids><iothread id='2'/></iothreadids>"), None, ""),
    ("blkio-path-in-two-blkiotunes", dom(extra="<blkiotune><device><path>/dev/sda</path><weight>100</weight></device>"
                                         "</blkiotune>" * 2), "VL215", "duplicate blkio device path '/dev/sda'"),
    ("blkio-paths-in-two-blkiotunes", dom(extra="<blkiotune><device><path>/dev/sda</path><weight>100</weight></device>"
                                          "</blkiotune><blkiotune><device><path>/dev/sdb</path><weight>100</weight>"
                                          "</device></blkiotune>"), None, ""),
    ("hugepages-twice", dom(extra="<memoryBacking><hugepages><page size='2048' unit='KiB'/></hugepages>"
                                  "<hugepages><page size='2048' unit='KiB'/></hugepages></memoryBacking>"), "VL209",
     "two master hugepages detected: 2048 and 2048"),
    ("controller-model-twice", dom("<controller type='pci' index='0' model='pcie-root'/><controller type='pci' "
                                   "index='1' model='pcie-root-port'>" + "<model name='pcie-root-port'/>" * 2
                                   + "</controller>"), "VL794",
     "Multiple <model> elements in controller definition not allowed"),
    ("controller-target-twice", dom("<controller type='pci' index='0' model='pcie-root'/><controller type='pci' "
                                    "index='1' model='pcie-root-port'>" + "<target chassis='1' port='0x10'/>" * 2
                                    + "</controller>"), "VL794",
     "Multiple <target> elements in controller definition not allowed"),
    ("controller-model-and-target", dom("<controller type='pci' index='0' model='pcie-root'/><controller type='pci' "
                                        "index='1' model='pcie-root-port'><model name='pcie-root-port'/><target "
                                        "chassis='1' port='0x10'/></controller>"), None, ""),
    ("smartcard-twice", dom(SPICE + CARD.format("") * 2), "VL795", "this QEMU binary lacks multiple smartcard support"),
    ("smartcard-in-slot-1", dom(SPICE + CARD.format("<address type='ccid' controller='0' slot='1'/>")), "VL795",
     "lacks multiple smartcard support"),
    ("smartcard-on-controller-1", dom(SPICE + "<controller type='ccid' index='0'/><controller type='ccid' index='1'/>"
                                      + CARD.format("<address type='ccid' controller='1' slot='0'/>")), "VL795",
     "lacks multiple smartcard support"),
    ("smartcard-in-slot-0", dom(SPICE + CARD.format("<address type='ccid' controller='0' slot='0'/>")), None, ""),
    ("smartcard", dom(SPICE + CARD.format("")), None, ""),
    # empty values libvirt reads as none (found by the audit with the value '')
    ("nvdimm-empty-path", dom("<memory model='nvdimm'><source><path></path></source><target><size unit='MiB'>128"
                              "</size><node>0</node></target></memory>", extra=MAX_MEMORY), "VL797",
     "path is required for model 'nvdimm'"),
    ("nvdimm-path", dom("<memory model='nvdimm'><source><path>/tmp/nvdimm</path></source><target><size unit='MiB'>"
                        "128</size><node>0</node></target></memory>", extra=MAX_MEMORY), None, ""),
    ("smartcard-empty-database", dom(SPICE + "<smartcard mode='host-certificates'><certificate>a</certificate>"
                                     "<certificate>b</certificate><certificate>c</certificate><database></database>"
                                     "</smartcard>"), "VL795", "An error occurred, but the cause is unknown"),
    ("smartcard-database", dom(SPICE + "<smartcard mode='host-certificates'><certificate>a</certificate>"
                               "<certificate>b</certificate><certificate>c</certificate><database>/etc/pki/nssdb"
                               "</database></smartcard>"), None, ""),
    # a second of what libvirt reads once is no error of the rules that read the first
    ("disk-target-twice", dom("<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.img'/>"
                              "<target dev='vda' bus='virtio'/><target dev='vda' bus='virtio'/></disk>"), None, ""),
    ("boot-twice-in-a-disk", dom("<disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.img'/>"
                                 "<target dev='vda' bus='virtio'/><boot order='1'/><boot order='1'/></disk>"), None, ""),
]


@pytest.mark.parametrize(("xml", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_structural_checks(xml: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(xml, code, fragment)


@pytest.mark.parametrize(("version", "refused"), [((9, 0), True), ((10, 7), False)])
def test_a_second_inbound_is_refused_by_9_0_only(version: tuple[int, int], refused: bool) -> None:
    xml = dom("<interface type='user'><bandwidth>" + "<inbound average='100'/>" * 2 + "</bandwidth></interface>")
    findings = Linter([caps_from_text(Q35)], libvirt_version=version).lint_document(Document(xml, "t.xml")).findings
    errors = [f.message for f in findings if f.severity is Severity.ERROR]
    assert errors == (["Only one child <inbound> element allowed"] if refused else [])

