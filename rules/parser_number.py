"""VL851 parser-number: numbers, sizes, units and CPU/node sets libvirt's parser cannot read, from one table."""

from __future__ import annotations

from typing import Collection, Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import (ULLONG_MAX, parse_bitmap, parse_int, parse_ui, parse_uint, parse_ullong, prop_int0,
                                   prop_uint, unit_scale)
from virtlint.rules._libvirt_enums import (INFO_READ_MODELS, INT_MESSAGE, MISSING, NEGATIVE_MESSAGE, NODEMASK_MODELS,
                                           UINT_MESSAGE, ZERO_MESSAGE)

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__



class NumberAttr(FrozenRecord):
    """An attribute (None: the text) libvirt parses as a number, a size or a bitmap."""

    path: str
    attribute: str | None
    kind: str  # 'uint' (virXMLPropUInt), 'uint0' (virXMLPropUInt in base 0: C's 0x and 0 prefixes),
    #            'ullong' (virXMLPropULongLong), 'int' (virXMLPropInt), 'int+' (virXMLPropInt, non-negative),
    #            'int0' (virXMLPropInt in base 0),
    #            'size' (virParseScaledValue), 'memory' (a size read by virDomainParseMemory, below 8 EiB), 'countll' (a 'count' read as an unsigned 64-bit number),
    #            'bitmap' (virBitmapParse), 'count' (a text count read with virStrToLong_ui(p)),
    #            'ui' (virStrToLong_ui itself: a sign taken, '-1' is the largest number; libvirt's message in extra),
    #            'node' (a NUMA node read with virXPathInt, refused when negative; libvirt's message in extra),
    #            'int0+' (virXMLPropInt in base 0, non-negative), 'ullong0' (virXMLPropULongLong in base 0),
    #            'ullong16' (virXMLPropULongLong in base 16)
    required: bool
    nonzero: bool
    #: for 'size' and 'memory': the attribute holding the unit (None: 'unit'); for 'count': libvirt's message
    extra: str | None
    #: The libvirt release that started parsing it (older ones ignore it).
    since: tuple[int, int] | None
    #: The conditions under which libvirt reads it at all, each (levels up from the element: 0 for itself,
    #: attribute, its values; None among them stands for its absence); () always
    when: tuple[tuple[int, str, tuple[str | None, ...]], ...]
    #: The parser reads the first such element of its parent only (virXPathNode: a timer's first <catchup>)
    first: bool

    __slots__ = ("path", "attribute", "kind", "required", "nonzero", "extra", "since", "when", "first")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        attribute: str | None,
        kind: str,
        required: bool = False,
        nonzero: bool = False,
        extra: str | None = None,
        since: tuple[int, int] | None = None,
        when: tuple[tuple[int, str, tuple[str | None, ...]], ...] = (),
        first: bool = False,
    ) -> None:
        _set(self, "path", path)
        _set(self, "attribute", attribute)
        _set(self, "kind", kind)
        _set(self, "required", required)
        _set(self, "nonzero", nonzero)
        _set(self, "extra", extra)
        _set(self, "since", since)
        _set(self, "when", when)
        _set(self, "first", first)


#: Numbers an empty value leaves unset in libvirt 9.0 (virXPathUInt gives no value for an empty string; 9.0 read
#: the video sizes only when not empty, 10.7 refuses them empty): found by the mutation audit
EMPTY_AS_ABSENT_NUMBERS = frozenset({
    *(("devices/video/model", name) for name in ("ram", "vram", "vram64", "vgamem", "heads")),
    ("memoryBacking/allocation", "threads"), ("devices/interface/mtu", "size"), ("devices/rng/rate", "bytes"),
})
#: A size row's ``extra`` when libvirt reads no unit from an attribute: the HMAT cache sizes, whose unit it reads
#: from a child element (`./size/unit`) that no document has, so a unit= attribute is ignored (KiB for the size, bytes
#: for the line)
NO_UNIT_ATTRIBUTE = ""
#: The XPath libvirt names in a size's message, where it is not the attribute's ("./@NAME") or the element's own
#: ("./NAME[1]")
_XPATHS = {"devices/disk/driver/metadata_cache/max_size": "./metadata_cache/max_size",
           **{f"devices/disk/{'backingStore/' * depth}format/metadata_cache/max_size": "./format/metadata_cache/max_size"
              for depth in range(1, 4)},
           "devices/controller/pcihole64": "./pcihole64",
           "cpu/numa/cell/cache/size": "./size/@value", "cpu/numa/cell/cache/line": "./line/@value",
           "features/tcg/tb-cache": "./tb-cache"}
#: The devices whose info virDomainDeviceInfoParseXML reads (an <acpi index> on any of them)
ACPI_DEVICES = ("disk", "controller", "interface", "hostdev", "video", "sound", "watchdog", "memballoon", "rng",
                "input", "filesystem", "shmem", "vsock", "redirdev", "smartcard", "serial", "console", "channel",
                "tpm", "panic", "memory", "iommu", "crypto", "hub", "parallel")
#: the numbers of <iotune> (virDomainDiskDefIotuneParse reads each with virXPathULongLong)
IOTUNE_NUMBERS = tuple(f"{kind}_{unit}_sec{suffix}" for kind in ("total", "read", "write") for unit in ("bytes", "iops")
                       for suffix in ("", "_max", "_max_length")) + ("size_iops_sec",)

NUMBERS: tuple[NumberAttr, ...] = (
    NumberAttr("vcpu", None, "ui", required=True, extra="maximum vcpus count must be an integer"),
    NumberAttr("vcpu", "current", "uint"),
    NumberAttr("vcpu", "cpuset", "bitmap"),
    NumberAttr("vcpus/vcpu", "id", "uint", required=True),
    NumberAttr("vcpus/vcpu", "order", "uint"),
    # (virDomainDefParseIOThreads reads string(./iothreads[1]): the first only)
    NumberAttr("iothreads", None, "count", extra="invalid iothreads count '{value}'", first=True),
    NumberAttr("iothreadids/iothread", "id", "uint", required=True, nonzero=True),
    *(NumberAttr(path, name, "int+") for path in ("iothreadids/iothread", "defaultiothread")
      for name in ("thread_pool_min", "thread_pool_max")),
    NumberAttr("os/bootmenu", "timeout", "uint", when=((0, "enable", ("yes",)),)),  # (read for an enabled menu)
    *(NumberAttr(f"memtune/{name}", None, "size") for name in ("hard_limit", "soft_limit", "swap_hard_limit",
                                                                "min_guarantee")),
    NumberAttr("os/bios", "rebootTimeout", "int", first=True),  # (./os/bios[1])
    *(NumberAttr("cputune/cachetune/cache", name, "uint", required=True) for name in ("id", "level")),
    NumberAttr("cputune/cachetune/cache", "size", "size", required=True),
    *(NumberAttr("cputune/memorytune/node", name, "uint", required=True) for name in ("id", "bandwidth")),
    *(NumberAttr(f"cputune/{sched}", "priority", "int") for sched in ("vcpusched", "iothreadsched", "emulatorsched")),
    NumberAttr("cpu/topology", "sockets", "uint", required=True, nonzero=True),
    NumberAttr("cpu/topology", "dies", "uint", nonzero=True),
    NumberAttr("cpu/topology", "clusters", "uint", nonzero=True, since=(10, 1)),
    NumberAttr("cpu/topology", "cores", "uint", required=True, nonzero=True),
    NumberAttr("cpu/topology", "threads", "uint", required=True, nonzero=True),
    NumberAttr("cpu/numa/cell", "id", "uint"),
    NumberAttr("cpu/numa/cell", "cpus", "bitmap"),
    NumberAttr("cpu/numa/cell", "memory", "memory", required=True),
    NumberAttr("cpu/numa/cell/distances/sibling", "id", "uint", required=True),
    NumberAttr("cpu/numa/cell/distances/sibling", "value", "uint", required=True),
    NumberAttr("memory", None, "memory"),
    NumberAttr("features/tcg/tb-cache", None, "memory"),  # (virDomainFeaturesTCGDefParse)
    NumberAttr("currentMemory", None, "memory"),
    NumberAttr("maxMemory", None, "memory"),
    NumberAttr("memoryBacking/hugepages/page", "size", "size", required=True),
    NumberAttr("memoryBacking/hugepages/page", "nodeset", "bitmap"),
    NumberAttr("numatune/memory", "nodeset", "bitmap"),
    NumberAttr("numatune/memnode", "cellid", "uint", required=True),
    NumberAttr("numatune/memnode", "nodeset", "bitmap"),
    NumberAttr("cputune/vcpupin", "vcpu", "uint", required=True),
    NumberAttr("cputune/vcpupin", "cpuset", "bitmap"),
    NumberAttr("cputune/emulatorpin", "cpuset", "bitmap"),
    NumberAttr("cputune/iothreadpin", "iothread", "uint", required=True, nonzero=True),
    NumberAttr("cputune/iothreadpin", "cpuset", "bitmap"),
    NumberAttr("cputune/vcpusched", "vcpus", "bitmap"),
    NumberAttr("cputune/iothreadsched", "iothreads", "bitmap"),
    NumberAttr("devices/memory/target/size", None, "memory"),
    NumberAttr("devices/controller", "index", "int+"),
    NumberAttr("devices/controller", "ports", "int+"),
    NumberAttr("devices/disk/driver", "queues", "uint"),
    NumberAttr("devices/disk/driver", "queue_size", "uint"),
    *(NumberAttr("devices/controller/driver", name, "uint") for name in ("queues", "cmd_per_lun", "max_sectors")),
    NumberAttr("devices/iommu/driver", "aw_bits", "uint"),
    NumberAttr("maxMemory", "slots", "count", extra="Failed to parse memory slot count"),
    # (virDomainDeviceInfoParseXML, for every device that has one)
    *(NumberAttr(f"devices/{device}/acpi", "index", "uint", nonzero=True,
                 when=((1, "model", tuple(None if m == "~" else m for m in INFO_READ_MODELS[device].split())),)
                 if device in INFO_READ_MODELS else ()) for device in ACPI_DEVICES),
    NumberAttr("devices/disk/driver", "iothread", "uint", nonzero=True),
    NumberAttr("devices/controller/driver", "iothread", "uint"),
    NumberAttr("devices/controller/master", "startport", "uint"),
    NumberAttr("devices/controller", "vectors", "int+", when=((0, "type", ("virtio-serial",)),)),
    # (a PCI controller's <target>: virXMLPropInt in base 0, not negative)
    *(NumberAttr("devices/controller/target", name, "int0+", when=((1, "type", ("pci",)),))
      for name in ("chassisNr", "chassis", "port", "busNr", "index")),
    NumberAttr("devices/controller/target", "memReserve", "ullong0", nonzero=True, since=(10, 3),
               when=((1, "type", ("pci",)),)),  # (formatdomain: "Since 10.3.0"; 9.0 ignores it, checked)
    NumberAttr("devices/controller/pcihole64", None, "size",
               when=((1, "type", ("pci",)), (1, "model", ("pci-root", "pcie-root")))),
    *(NumberAttr("devices/graphics/audio", "id", "uint", required=True, nonzero=True,
                 when=((1, "type", ("vnc", "dbus")),)),),
    # (virDomainSoundDefParseXML reads the first <audio> of a sound device)
    NumberAttr("devices/sound/audio", "id", "uint", required=True, nonzero=True, first=True),
    # (virDomainMemorySourceDefParseXML reads it for these models only: an NVDIMM's or virtio-pmem's is ignored)
    NumberAttr("devices/memory/source/nodemask", None, "bitmap", when=((2, "model", NODEMASK_MODELS),)),
    # (virDomainMemoryTargetDefParseXML, 9.8 on: a virtio-mem's or virtio-pmem's guest address, in base 16)
    NumberAttr("devices/memory/target/address", "base", "ullong16", since=(9, 8),
               when=((2, "model", ("virtio-mem", "virtio-pmem")),)),
    NumberAttr("cpu/maxphysaddr", "bits", "int+"),
    NumberAttr("cpu/cache", "level", "int+"),  # (virCPUDefParseXMLCache; its range is VL212's)
    NumberAttr("cpu/maxphysaddr", "limit", "uint", nonzero=True, since=(9, 3)),  # (formatdomain: "Since 9.3.0")
    *(NumberAttr(f"devices/{holder}/source/reconnect", "timeout", "uint", required=True,
                 when=((0, "enabled", ("yes",)), (up, "type", types)))
      for holder, up, types in ((chardev, 2, ("tcp", "unix"))
                                for chardev in ("serial", "parallel", "console", "channel", "redirdev", "smartcard"))),
    NumberAttr("devices/rng/backend/source/reconnect", "timeout", "uint", required=True,
               when=((0, "enabled", ("yes",)), (2, "type", ("tcp", "unix")))),
    # (an interface's is VL770's, with its vhost-user source)
    NumberAttr("devices/disk/source/reconnect", "timeout", "uint", required=True,
               when=((0, "enabled", ("yes",)), (2, "type", ("vhostuser",)))),
    NumberAttr("cpu/numa/cell/cache", "level", "uint", required=True, nonzero=True),
    NumberAttr("cpu/numa/cell/cache/size", "value", "memory", required=True, extra=NO_UNIT_ATTRIBUTE),
    NumberAttr("cpu/numa/cell/cache/line", "value", "size", required=True, extra=NO_UNIT_ATTRIBUTE),
    *(NumberAttr(f"cpu/numa/interconnects/{kind}", name, "uint", required=True)
      for kind in ("latency", "bandwidth") for name in ("initiator", "target")),
    *(NumberAttr(f"cpu/numa/interconnects/{kind}", "cache", "uint") for kind in ("latency", "bandwidth")),
    NumberAttr("cpu/numa/interconnects/latency", "value", "ullong", required=True),
    NumberAttr("cpu/numa/interconnects/bandwidth", "value", "memory", required=True),
    NumberAttr("devices/controller/target/node", None, "node", extra="invalid NUMA node in target"),
    *(NumberAttr("iothreadids/iothread/poll", name, "ullong", since=(9, 4)) for name in ("max", "grow", "shrink")),
    NumberAttr("devices/lease/target", "offset", "ullong"),
    *(NumberAttr("devices/interface/portForward/range", name, "uint", nonzero=True, since=(9, 0))
      for name in ("start", "end", "to")),
    # (virDomainChrDefParseTargetXML: a serial, parallel or console target's port, with virStrToLong_ui)
    *(NumberAttr(f"devices/{chardev}/target", "port", "ui", extra="Invalid port number: {value}")
      for chardev in ("serial", "parallel", "console")),
    NumberAttr("devices/interface/driver", "queues", "uint"),
    # virDomainDeviceBootParseXML, for the devices that take a <boot> (virDomainDeviceInfoParseXML's ALLOW_BOOT)
    *(NumberAttr(f"devices/{device}/boot", "order", "uint", required=True, nonzero=True)
      for device in ("disk", "interface", "hostdev", "redirdev", "filesystem")),
    NumberAttr("devices/disk/driver/metadata_cache/max_size", None, "size"),
    *(NumberAttr(f"devices/disk/{'backingStore/' * depth}format/metadata_cache/max_size", None, "size")
      for depth in range(1, 4)),  # (each backing layer's: virDomainDiskBackingStoreParse, three deep here)
    NumberAttr("clock/timer", "frequency", "ullong"),
    *(NumberAttr("clock/timer/catchup", name, "ullong", first=True) for name in ("threshold", "slew", "limit")),
    NumberAttr("devices/audio", "id", "uint", required=True, nonzero=True),
    *(NumberAttr(f"devices/interface/bandwidth/{direction}", name, "ullong")
      for direction in ("inbound", "outbound") for name in ("average", "peak", "burst", "floor")),
    NumberAttr("devices/audio", "timerPeriod", "uint", nonzero=True),
    *(NumberAttr(f"devices/audio/{direction}", name, "uint", nonzero=True)
      for direction in ("input", "output") for name in ("voices", "bufferLength")),
    *(NumberAttr(f"devices/audio/{direction}/settings", name, "uint", nonzero=True)
      for direction in ("input", "output") for name in ("frequency", "channels")),
    NumberAttr("devices/interface/vlan/tag", "id", "uint", required=True),
    # (virNetDevIPRouteParseXML: the guest side's routes and an ethernet interface's host side's)
    *(NumberAttr(path, name, "uint", nonzero=name == "metric") for path in ("devices/interface/route",
                                                                              "devices/interface/source/route")
      for name in ("prefix", "metric")),
    NumberAttr("devices/interface/mtu", "size", "count", extra="malformed mtu size"),
    NumberAttr("devices/vsock/cid", "address", "uint", nonzero=True),
    NumberAttr("devices/rng/rate", "bytes", "count", extra="invalid RNG rate bytes value"),
    NumberAttr("devices/memballoon/stats", "period", "int0"),  # (virXMLPropInt in base 0; read for model='none' too)
    NumberAttr("devices/crypto/backend", "queues", "uint", since=(9, 1)),  # (the devices older releases drop)
    NumberAttr("devices/pstore/size", None, "memory", required=True, since=(10, 6)),
    NumberAttr("devices/shmem/msi", "vectors", "uint0"),
    NumberAttr("devices/shmem/size", None, "size"),
    NumberAttr("memoryBacking/allocation", "threads", "count", extra="Failed to parse memory allocation threads"),
    NumberAttr("devices/video/model/resolution", "x", "uint", required=True),
    NumberAttr("devices/video/model/resolution", "y", "uint", required=True),
    *(NumberAttr("devices/video/model", name, "uint") for name in ("ram", "vram", "vram64", "vgamem", "heads")),
    NumberAttr("devices/memory/target/node", None, "count", extra="invalid value of memory device node"),
    *(NumberAttr(f"devices/memory/{path}", None, "memory")
      for path in ("source/pagesize", "source/alignsize", "target/label/size", "target/block", "target/requested")),
    NumberAttr("devices/disk/target", "rotation_rate", "uint"),
    *(NumberAttr("devices/disk/geometry", name, "uint") for name in ("cyls", "heads", "secs")),
    *(NumberAttr("devices/disk/blockio", name, "uint") for name in ("logical_block_size", "physical_block_size")),
    NumberAttr("devices/disk/blockio", "discard_granularity", "uint", since=(9, 8)),  # (9.0 does not read it, 9.8 does)
    *(NumberAttr(f"devices/disk/iotune/{name}", None, "countll", extra=f"disk iotune field '{name}' must be an integer")
      for name in IOTUNE_NUMBERS),
    NumberAttr("devices/hostdev/source/vendor", "id", "uint0", required=True, nonzero=True),
    NumberAttr("devices/hostdev/source/product", "id", "uint0", required=True),
)

_BY_PATH: dict[str, list[NumberAttr]] = {}
for _row in NUMBERS:
    _BY_PATH.setdefault(_row.path, []).append(_row)

#: Small numbers as written canonically: every reader of the table accepts them (uint, int, count, bitmap).
_SMALL = frozenset(map(str, range(1024)))  # larger numbers take the full check: a smaller set imports faster
#: The unit spellings written in practice, all of which virScaleInteger accepts.
_UNITS = frozenset({None, "", "b", "B", "byte", "bytes", *(
    letter + suffix for power in "kmgtpe" for letter in (power, power.upper())
    for suffix in ("", "iB", "ib", "B", "b"))})
assert all(unit_scale(unit) is not None for unit in _UNITS)
_UNITS_BELOW_TEBI = frozenset(unit for unit in _UNITS if not unit or unit[0] not in "tTpPeE")
#: the kinds read as a number and a unit
SIZES = ("size", "memory")
#: virMemoryMaxValue on a 64-bit host: LLONG_MAX bytes
MEMORY_LIMIT = 2**63 - 1
#: Values the full check has read without error (the readers are pure), as the screens' accepted values: the
#: small numbers and absence for bitmaps (none is required), sizes without and with absence (some are
#: required). Each grows by a bounded number of values, so a repeated cpuset or memory size costs a lookup.
_READABLE_BITMAPS: set[str | None] = {None, *_SMALL}
_READABLE_SIZES: set[str | None] = set()
_READABLE_SIZES_OR_ABSENT: set[str | None] = {None}
_LEARNED_AT_MOST = 4096


def _accepted(row: NumberAttr) -> Collection[str | None]:
    """The values of a row the screen lets pass: certainly readable, or absent where that is allowed."""
    if row.kind == "bitmap":
        assert not row.required and not row.nonzero, "the readable bitmaps include absence and 0"
        return _READABLE_BITMAPS
    if row.kind in SIZES:
        return _READABLE_SIZES if row.required else _READABLE_SIZES_OR_ABSENT
    if row.kind in BASE0_KINDS:  # (read in base 0: the usual hexadecimal spellings too, 0x1f and 0x01)
        return _SMALL_BASE0_NUMBERS[row.nonzero, row.required]
    return _SMALL_NUMBERS[row.nonzero, row.required]


#: the kinds read in base 0 (C's 0x and 0 prefixes)
BASE0_KINDS = frozenset(("uint0", "int0", "int0+", "ullong0"))
#: (nonzero, required) -> the small numbers a row of a plain number accepts, with absence unless required: four
#: sets shared by the ~140 rows (one set per row cost ~5 ms of every start)
_SMALL_NUMBERS: dict[tuple[bool, bool], frozenset[str | None]] = {
    (nonzero, required): frozenset((*(_SMALL - {"0"} if nonzero else _SMALL), *(() if required else (None,))))
    for nonzero in (False, True) for required in (False, True)}
#: the same for the rows read in base 0, with the small numbers' hexadecimal spellings (0x1f, 0x01), not octal ones
_SMALL_HEX = frozenset((*(f"0x{n:x}" for n in range(256)), *(f"0x{n:02x}" for n in range(256)),
                        *(f"0x{n:04x}" for n in range(256))))
_SMALL_BASE0_NUMBERS: dict[tuple[bool, bool], frozenset[str | None]] = {
    key: numbers | (_SMALL_HEX - {"0x0", "0x00", "0x0000"} if key[0] else _SMALL_HEX)
    for key, numbers in _SMALL_NUMBERS.items()}


def _screen(rows: list[NumberAttr]) -> Screen:
    """A path's no-finding test: each row's value readable for sure (a size's unit among the usual ones)."""
    attributes: list[tuple[str, Collection[str | None]]] = []
    texts: Collection[str | None] | None = None
    for row in rows:
        if row.attribute is None:
            assert texts is None, "one text row per path"
            texts = _accepted(row)
        else:
            attributes.append((row.attribute, _accepted(row)))
        if row.kind in SIZES and row.extra != NO_UNIT_ATTRIBUTE:
            # (a memory size in TiB, PiB or EiB may be too large: those take the full check)
            attributes.append((row.extra or "unit", _UNITS if row.kind == "size" else _UNITS_BELOW_TEBI))
    return tuple(attributes), texts


_SCREENS: dict[str, Screen] = {path: _screen(rows) for path, rows in _BY_PATH.items()}


@register
class ParserNumber(Rule):
    """
    ## What it does
    Checks the numbers, memory sizes, size units and CPU or node sets that
    libvirt's parser reads, from one table: `<vcpu>` and `<iothreads>`
    counts (`maximum vcpus count must be an integer`), non-negative integer
    attributes (`Invalid value for attribute 'current' in element 'vcpu':
    'x'. Expected non-negative integer value`, `... Zero is not permitted`,
    `Missing required attribute 'sockets' in element 'topology'`), a device's
    `<boot order>` (required, not zero), a clock `<timer frequency>`, controller
    indexes (`... Expected non-negative value`), sizes (`Invalid value 'x'
    for element or attribute ...`) and their units (`unknown suffix 'XB'`),
    and bitmaps such as `cpuset` and `nodeset` (`Failed to parse bitmap
    'aaa'`; items `N`, `N-M`, `^N` up to 16383, comma-separated). Blanks
    after a number are refused as libvirt refuses them (`<vcpu>2 </vcpu>`,
    `index='0 '`, a `<memory>` written on a line of its own); blanks before
    it, and in a bitmap, are read. Version: `clusters` of `<topology>` is
    parsed since libvirt 10.1, `limit` of `<maxphysaddr>` (not zero) since
    9.3, a PCI controller's `memReserve` (not zero) since 10.3 (9.0 defines
    and starts `memReserve='-1'`). Stage: define (parser).

    ## Why is this bad?
    `virsh define` fails with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='XB'>4</memory><vcpu>four</vcpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='GB'>4</memory><vcpu>4</vcpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL851"
    name = "parser-number"
    severity = Severity.ERROR
    summary = "A number, size, unit or CPU/node set libvirt's parser cannot read."
    elements = tuple(_BY_PATH)
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        return _SCREENS.get(path)  # the engine runs it: check sees only the elements failing it

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for row in _BY_PATH.get(ctx.path, ()):
            if row.since and not ctx.libvirt_at_least(*row.since):
                continue
            if row.when and not _holds(row.when, element):
                continue
            if row.first and next(element.itersiblings(element.tag, preceding=True), None) is not None:
                continue  # (an element the parser never reads)
            problem = _judge(row, element)
            if problem is not None:
                yield problem


def _holds(conditions: tuple[tuple[int, str, tuple[str | None, ...]], ...], element: etree._Element) -> bool:
    """Whether every condition of a row holds for the element (see NumberAttr.when)."""
    for levels, attribute, values in conditions:
        holder: etree._Element | None = element
        for _ in range(levels):
            holder = holder.getparent() if holder is not None else None
        if holder is None or holder.get(attribute) not in values:
            return False
    return True


def _judge(row: NumberAttr, element: etree._Element) -> Problem | None:
    if row.attribute is None:
        raw = element.text
        anchor = Anchor(element, text=True)
    else:
        raw = element.get(row.attribute)
        anchor = Anchor(element, row.attribute)
    names = {"attribute": row.attribute, "element": element.tag}
    if raw is None:
        if row.required and row.attribute is None and row.kind in ("count", "countll", "ui"):
            # (an empty element: virXMLNodeContentString gives '', which the count reader refuses)
            return Problem(Anchor(element), (row.extra or "").format(value=""), hint="write a decimal number")
        if row.required and row.kind in SIZES:  # (virParseScaledValue names the XPath it read)
            where = _XPATHS.get(row.path) or f"./@{row.attribute}"
            return Problem(Anchor(element), f"missing element or attribute '{where}'", hint=f"add {row.attribute}='...'")
        if row.required:
            return Problem(Anchor(element), MISSING.format(**names), hint=f"add {row.attribute}='...'")
        return None
    if not raw and (row.path, row.attribute) in EMPTY_AS_ABSENT_NUMBERS:
        return None  # (an empty value is no value to this reader)
    value = raw.rstrip()
    # libvirt reads these numbers with virStrToLong_* and no end pointer: anything after the digits, blanks
    # included, is refused (leading blanks are skipped; a bitmap is read apart and takes blanks)
    trailing = len(value) != len(raw)
    if row.kind == "ui":
        if trailing or parse_ui(value) is None:
            return Problem(anchor, (row.extra or "{value}").format(value=raw), hint="write a decimal number")
    elif row.kind == "node":  # virXPathInt (virStrToLong_i), then not negative
        number = None if trailing or not value else parse_int(value)
        if value and (number is None or number < 0):
            return Problem(anchor, row.extra or "", hint="a host NUMA node number, from 0")
    elif row.kind in ("count", "countll"):  # (virStrToLong_uip: no sign; 'ui' is virStrToLong_ui, which takes one)
        reader = parse_ullong if row.kind == "countll" else parse_uint
        if trailing or reader(value) is None:
            return Problem(anchor, (row.extra or "{value}").format(value=raw), hint="write a decimal number")
    elif row.kind == "uint":
        number = None if trailing else parse_uint(value)
        if number is None:
            return Problem(anchor, UINT_MESSAGE.format(value=raw, **names), hint="write a non-negative decimal number")
        if row.nonzero and number == 0:
            return Problem(anchor, ZERO_MESSAGE.format(**names), hint="use 1 or more")
    elif row.kind in ("int0", "int0+", "ullong0"):  # virXMLPropInt (signed, non-negative) / ULongLong in base 0
        number = None if trailing else prop_uint(value, 0, 64) if row.kind == "ullong0" else prop_int0(value)
        if number is None:
            message = UINT_MESSAGE if row.kind == "ullong0" else INT_MESSAGE
            return Problem(anchor, message.format(value=raw, **names),
                           hint="write a number: decimal, 0x-prefixed hexadecimal or 0-prefixed octal")
        if number < 0 and row.kind != "int0":
            return Problem(anchor, NEGATIVE_MESSAGE.format(value=raw, **names), hint="use 0 or more")
        if row.nonzero and number == 0:
            return Problem(anchor, ZERO_MESSAGE.format(**names), hint="use 1 or more")
    elif row.kind == "uint0":
        number = None if trailing else prop_uint(value, 0)
        if number is None:
            return Problem(anchor, UINT_MESSAGE.format(value=raw, **names),
                           hint="write a number: decimal, 0x-prefixed hexadecimal or 0-prefixed octal")
        if row.nonzero and number == 0:
            return Problem(anchor, ZERO_MESSAGE.format(**names), hint="use 1 or more")
    elif row.kind == "ullong16":  # virXMLPropULongLong in base 16 (an optional 0x)
        if trailing or prop_uint(value, 16, 64) is None:
            return Problem(anchor, UINT_MESSAGE.format(value=raw, **names),
                           hint="write a hexadecimal number (0x-prefixed or not)")
    elif row.kind == "ullong":
        if trailing or parse_ullong(value) is None:
            return Problem(anchor, UINT_MESSAGE.format(value=raw, **names), hint="write a non-negative decimal number")
    elif row.kind == "int":
        if trailing or parse_int(value) is None:
            return Problem(anchor, INT_MESSAGE.format(value=raw, **names), hint="write a decimal number")
    elif row.kind == "int+":
        number = None if trailing else parse_int(value)
        if number is None:
            return Problem(anchor, INT_MESSAGE.format(value=raw, **names), hint="write a decimal number")
        if number < 0:
            return Problem(anchor, NEGATIVE_MESSAGE.format(value=raw, **names), hint="use 0 or more")
    elif row.kind == "bitmap":
        if parse_bitmap(raw) is None:
            return Problem(anchor, f"Failed to parse bitmap '{raw}'",
                           hint="write ids as 'N', 'N-M' or '^N' separated by commas, below 16384")
        if len(_READABLE_BITMAPS) < len(_SMALL) + _LEARNED_AT_MOST:
            _READABLE_BITMAPS.add(raw)
    elif row.kind in SIZES:
        where = _XPATHS.get(row.path) or (f"./@{row.attribute}" if row.attribute else f"./{element.tag}[1]")
        if not value.strip():  # libvirt reads an empty string as absent
            if row.required:
                return Problem(anchor, f"missing element or attribute '{where}'", hint="write the size")
            return None
        if trailing or parse_ullong(value) is None:
            return Problem(anchor, f"Invalid value '{raw}' for element or attribute '{where}'",
                           hint="write the size as a whole number, with the unit in unit='...'")
        if len(_READABLE_SIZES) < _LEARNED_AT_MOST and len(value) < 10:
            # (readable whatever the unit below TiB, which the screen reads apart: under a billion GiB is below the
            # memory limit)
            _READABLE_SIZES.add(raw)
            _READABLE_SIZES_OR_ABSENT.add(raw)
        if row.extra == NO_UNIT_ATTRIBUTE:
            return _memory_limit(anchor, int(value), None) if row.kind == "memory" else None
        unit_attribute = row.extra or "unit"
        unit = element.get(unit_attribute)
        if unit is not None and unit_scale(unit) is None:
            return Problem(Anchor(element, unit_attribute), f"unknown suffix '{unit}'",
                           hint="use b, KiB, MiB, GiB, TiB (powers of 1024) or KB, MB, GB, TB (powers of 1000)",
                           replacements=("KiB", "MiB", "GiB"))
        if row.kind == "memory":
            return _memory_limit(anchor, int(value), unit)
        if unit and int(value) > ULLONG_MAX // (unit_scale(unit) or 1):
            # (virScaleInteger: the number times its unit beyond 64 bits, whatever the row's own limit)
            return Problem(anchor, f"value too large: {int(value)}{unit}", hint="write a smaller size")
    return None


def _memory_limit(anchor: Anchor, number: int, unit: str | None) -> Problem | None:
    """virDomainParseMemory: a size of 8 EiB or more (virScaleInteger first: the number times its unit)."""
    scale = unit_scale(unit) or 1024
    if number > MEMORY_LIMIT // scale:
        return Problem(anchor, f"value too large: {number}{unit or ''}", hint="guest memory is below 8 EiB")
    if -(-number * scale // 1024) >= -(-MEMORY_LIMIT // 1024):
        return Problem(anchor, "size value too large", hint="guest memory is below 8 EiB")
    return None
