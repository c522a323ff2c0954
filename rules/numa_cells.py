"""VL207 numa-cells: guest NUMA cells libvirt refuses (ids, vCPU sets, distances, sizes)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.machines import parse_machine
from virtlint.linter.units import parse_uint, prop_uint, scaled_kib
from virtlint.rules._devices import (LIBVIRT_START, QEMU_START, caps_qemu_release, effective_arch,
                                     effective_machine_name, qemu_driver)
from virtlint.rules._domain import (MAX_MEMORY_KIB, NumaCell, aligned, max_vcpus, memory_alignment, numa_cells,
                                    vcpu_counts)
from virtlint.rules._support import domain_find
from virtlint.rules._host import page_entries, page_for

#: LOCAL_DISTANCE and UNREACHABLE: the range of a NUMA distance.
LOCAL_DISTANCE, UNREACHABLE = 10, 255

#: Machine families whose versions up to NUMA_MEM_LAST take a node's memory as `-numa node,mem=` (QEMU's
#: numa_mem_supported; 'virt' as ARM's): libvirt gives every node a memory backend on later versions.
NUMA_MEM_FAMILIES = frozenset(("pc-i440fx", "pc-q35", "virt", "pseries"))
NUMA_MEM_LAST = (5, 0)
_ARM_ARCHES = frozenset(("aarch64", "armv7l"))


def _machine_needs_backends(ctx: Context) -> str | None:
    """The machine as libvirt runs it (an alias as the newest of its family) when it has no `-numa node,mem=`
    (virQEMUCapsGetMachineNumaMemSupported false); None when it has, or when that is unknown: a machine of another
    family or arch, a distribution's flavour, an alias whose QEMU release nothing tells."""
    name = effective_machine_name(ctx)
    if name is None:
        return None
    machine = parse_machine(name)
    if machine.family not in NUMA_MEM_FAMILIES or machine.flavor or (
            machine.family == "virt" and effective_arch(ctx) not in _ARM_ARCHES):
        return None
    version = machine.version
    if version is None:
        release = caps_qemu_release(ctx)
        version = release[0] if release is not None else None
    if version is None or version <= NUMA_MEM_LAST:
        return None
    return name if machine.version is not None else f"{name} (QEMU {'.'.join(map(str, version))})"


def _zero_memory_cell(numa: etree._Element, cells: list[NumaCell], ctx: Context) -> Problem | None:
    """QEMU at start: a cell of no memory once libvirt gives the cells memory backends (qemuBuildNumaCommandLine:
    the machine takes no `mem=`, HMAT, or a cell whose backing needs a backend object, qemuBuildMemoryBackendProps);
    a backend of size 0 is refused. Older machine types take `mem=0` (checked on 9.0 with QEMU 7.2: pc-q35-5.0,
    pc-i440fx-5.0, virt-5.0 start; their 5.1 refuse)."""
    zero = next((cell for cell in cells if cell.memory_kib == 0), None)
    if zero is None or not qemu_driver(ctx):
        return None
    backing = next(ctx.root.iterchildren("memoryBacking"), None)
    source = access = None
    hugepages: etree._Element | None = None
    if backing is not None:
        source_element = next(backing.iterchildren("source"), None)
        source = source_element.get("type") if source_element is not None else None
        access_element = next(backing.iterchildren("access"), None)
        access = access_element.get("mode") if access_element is not None else None
        hugepages = next(backing.iterchildren("hugepages"), None)
    machine = _machine_needs_backends(ctx)
    if machine is not None:
        why = f"machine {machine} takes no -numa node,mem=, so libvirt gives each cell a memory backend"
    elif next(numa.iterchildren("interconnects"), None) is not None or any(
            next(cell.element.iterchildren("cache"), None) is not None for cell in cells):
        why = "with HMAT, libvirt gives each cell a memory backend"
    elif source in ("file", "memfd") or access is not None or hugepages is not None or any(
            cell.element.get("memAccess") is not None for cell in cells) or any(
            memnode.get("cellid") is not None for memnode in ctx.root.iterfind("numatune/memnode")):
        why = "the memory backing needs memory backend objects, which libvirt then gives every cell"
    else:
        return None
    cell_access = zero.element.get("memAccess") or access
    if source == "memfd":
        backend = "memory-backend-memfd"
    elif source == "file" or cell_access is not None or _hugepages_back(ctx, zero.cell_id):
        backend = "memory-backend-file"
    else:
        backend = "memory-backend-ram"
    return Problem(Anchor(zero.element, "memory"), f"property 'size' of {backend} doesn't take value '0'" + QEMU_START,
                   hint=f"give NUMA cell {zero.cell_id} some memory ({why})")


def _hugepages_back(ctx: Context, cell_id: int | None) -> bool:
    """Whether huge pages back this cell (qemuBuildMemoryGetPagesize's choice: _host.page_for)."""
    entries = page_entries(ctx.root)
    return entries is not None and page_for(entries, cell_id) is not None


#: QEMU's compressed HMAT entries: 16 bits (UINT16_MAX is out of range)
HMAT_ENTRY_LIMIT = 0xFFFF


def _hmat_links(interconnects: etree._Element) -> Iterator[Problem]:
    """QEMU's parse_numa_hmat_lb on the -numa hmat-lb options libvirt writes, in the document's order: a bandwidth
    in whole MiB, and the values of one table (cache level, access type, latency or bandwidth) within what QEMU's
    16-bit entries over a common base take."""
    # (hierarchy, type, tag) -> (base, range): latency's base a power of ten, bandwidth's the values' bits
    tables: dict[tuple[str, str | None, str], list[int]] = {}
    for link in interconnects.iterchildren("latency", "bandwidth"):
        initiator, target = link.get("initiator"), link.get("target")
        key = (link.get("cache") or "0", link.get("type"), link.tag)
        if link.tag == "latency":
            value = prop_uint(link.get("value"), 10, 64)
            if not value:
                continue
            base, widest = tables.setdefault(key, [2**64 - 1, 0])
            power = 1
            while value % (power * 10) == 0:
                power *= 10
            entry = max(widest, value // base)
            if entry >= HMAT_ENTRY_LIMIT:
                yield Problem(Anchor(link, "value"), f"Latency {value} between initiator={initiator} and target="
                              f"{target} should not differ from previously entered min or max values on more than "
                              f"{HMAT_ENTRY_LIMIT - 1}" + QEMU_START,
                              hint="QEMU stores latencies as 16-bit multiples of one base: keep them closer together")
                return
            tables[key] = [min(base, power), entry]
            continue
        kib = scaled_kib(link.get("value"), link.get("unit"))
        if not kib:
            continue
        value = kib * 1024  # (libvirt writes bandwidth=<KiB>K)
        if kib % 1024:
            yield Problem(Anchor(link, "value"), f"Bandwidth {value} between initiator={initiator} and target={target} "
                          "should be 1MB aligned" + QEMU_START, hint="a bandwidth in whole MiB/s (a multiple of 1024 KiB)")
            return
        bits = tables.get(key, [0, 0])[1] | value
        low = (bits & -bits).bit_length() - 1
        if bits.bit_length() - low > 16 or value >> low >= HMAT_ENTRY_LIMIT:
            yield Problem(Anchor(link, "value"), f"Bandwidth {value} between initiator={initiator} and target={target} "
                          "should not differ from previously entered values on more than "
                          f"{HMAT_ENTRY_LIMIT - 1}" + QEMU_START,
                          hint="QEMU stores bandwidths as 16-bit multiples of one power of two: keep them closer")
            return
        tables[key] = [1 << low, bits]


def _hmat_caches(numa: etree._Element, cells: list[NumaCell]) -> Iterator[Problem]:
    """QEMU's parse_numa_hmat_cache, at start, on the -numa hmat-cache options libvirt writes after the hmat-lb
    ones, cell by cell in the document's order: a node's memory side cache needs a non-zero latency and a non-zero
    bandwidth targeting it, and each level above 1 the level below it, earlier and smaller (checked on 9.0 with
    QEMU 7.2)."""
    interconnects = next(numa.iterchildren("interconnects"), None)
    targeted: dict[str, set[int | None]] = {"latency": set(), "bandwidth": set()}
    if interconnects is not None:
        for link in interconnects:
            if link.tag == "latency" and prop_uint(link.get("value"), 10, 64) or \
                    link.tag == "bandwidth" and scaled_kib(link.get("value"), link.get("unit")):
                targeted[link.tag].add(parse_uint(link.get("target")))
    for cell in cells:
        if cell.cell_id is None:
            continue
        sizes: dict[int, int] = {}
        for cache in cell.element.iterchildren("cache"):
            if cell.cell_id not in targeted["latency"] or cell.cell_id not in targeted["bandwidth"]:
                yield Problem(Anchor(cache),
                              f"The latency and bandwidth information of node-id={cell.cell_id} should be provided "
                              "before memory side cache attributes" + QEMU_START,
                              hint=f"add <interconnects> with a non-zero <latency> and <bandwidth> whose target is "
                                   f"{cell.cell_id}, or remove the cache")
                return
            level = parse_uint(cache.get("level"))
            size_element = next(cache.iterchildren("size"), None)
            # (libvirt reads the unit from ./size/unit, an element nobody writes: the value is always KiB)
            size = scaled_kib(size_element.get("value"), None) if size_element is not None else None
            if level is None or size is None or not 1 <= level <= 3:
                continue
            if level > 1 and level - 1 not in sizes:
                yield Problem(Anchor(cache, "level"), f"Cache level={level - 1} shall be defined first" + QEMU_START,
                              hint=f"describe the level {level - 1} cache before this one")
                return
            if level > 1 and size <= sizes[level - 1]:
                yield Problem(Anchor(size_element, "value"), f"Invalid size={size * 1024}, the size of level={level} "
                              f"should be larger than the size({sizes[level - 1] * 1024}) of level={level - 1}"
                              + QEMU_START, hint="each cache level is larger than the one below it")
                return
            if level + 1 in sizes and size >= sizes[level + 1]:
                yield Problem(Anchor(size_element, "value"), f"Invalid size={size * 1024}, the size of level={level} "
                              f"should be less than the size({sizes[level + 1] * 1024}) of level={level + 1}"
                              + QEMU_START, hint="each cache level is smaller than the one above it")
                return
            sizes[level] = size


def _cpuless_cell_before(cells: list[NumaCell], ctx: Context) -> Problem | None:
    """At start, qemuProcessSetupPid looks for each online vCPU's guest cell, cell by cell in id order, and asks each
    cell's vCPU set without checking that it has one: a cell without cpus before the vCPU's cell makes libvirtd
    crash (a NULL bitmap; 9.0 checked, three times; 10.7's code is the same). Post-parse first gives cell 0 the
    vCPUs no cell lists (qemuDomainDefNumaCPUsRectify). Reached where the domain's cgroup has the cpu or cpuset
    controller, as a system libvirtd's has."""
    if domain_find(ctx, "vcpus") is not None:
        return None  # (online vCPUs named one by one: not judged)
    maximum, current = vcpu_counts(ctx)
    if maximum is None or current is None or any(cell.cell_id is None for cell in cells):
        return None
    by_id = sorted(cells, key=lambda cell: cell.cell_id or 0)
    if all(cell.element.get("cpus") is not None for cell in by_id):
        return None
    if any(cell.element.get("cpus") is not None and cell.cpus is None for cell in by_id):
        return None  # (a malformed set is the parser's)
    sets = [None if cell.cpus is None else set(cell.cpus) for cell in by_id]
    listed = set().union(*(cpus for cpus in sets if cpus is not None))
    unlisted = {vcpu for vcpu in range(maximum) if vcpu not in listed}
    if unlisted and by_id[0].cell_id == 0:
        sets[0] = (sets[0] or set()) | unlisted
    for vcpu in range(current):
        for cell, cpus in zip(by_id, sets):
            if cpus is None:
                return Problem(Anchor(cell.element), f"libvirtd crashes starting the domain: guest NUMA cell "
                               f"{cell.cell_id} has no cpus and comes before the cell of vCPU {vcpu} "
                               "(qemuProcessSetupPid reads its missing vCPU set)" + LIBVIRT_START,
                               hint="give this cell vCPUs, or make the cells without cpus the last ones")
            if vcpu in cpus:
                break
    return None


def _hmat_start(numa: etree._Element, cells: list[NumaCell]) -> Iterator[Problem]:
    """At start, in the order libvirt writes the command line: the interconnects, then the caches; and the copy of
    the definition a start makes, which loses a cache line of 0 (virNumaCacheFormat writes none, and libvirt reads
    ./line/@value, unscaled, into an unsigned int: 2^32 is 0 too; checked on 9.0)."""
    for cell in cells:
        for cache in cell.element.iterchildren("cache"):
            line = next(cache.iterchildren("line"), None)
            value = prop_uint(line.get("value"), 10, 64) if line is not None else None
            if line is not None and value is not None and value % 2**32 == 0:
                yield Problem(Anchor(line, "value"), "missing element or attribute './line/@value'" + LIBVIRT_START,
                              hint="libvirt drops a cache line of 0 when it copies the domain to start it: give the "
                                   "line size in bytes, e.g. 64")
                return
    interconnects = next(numa.iterchildren("interconnects"), None)
    if interconnects is not None:
        problems = list(_hmat_links(interconnects))
        if problems:
            yield from problems
            return
    yield from _hmat_caches(numa, cells)


def _reparsed_caches(cells: list[NumaCell]) -> Iterator[Problem]:
    """At start, up to libvirt 9.0: the parser takes a cache's associativity or policy 'none' (the enums' zero),
    the formatter leaves a zero out, and the copy a start makes, formatted and parsed again, lacks it (checked on
    9.0; 9.8 writes and reads 'none'; the release between that changed it is unknown, so only 9.0 and older are
    judged)."""
    for cell in cells:
        for cache in cell.element.iterchildren("cache"):
            if cache.get("associativity") == "none":
                yield Problem(Anchor(cache, "associativity"), "Missing 'associativity' attribute in cache element "
                              f"for NUMA node {cell.cell_id}" + LIBVIRT_START,
                              hint="libvirt 9.0 loses 'none' when it copies the domain to start it: use 'direct' or "
                                   "'full'", replacements=("direct", "full"))
                return
            if cache.get("policy") == "none":
                yield Problem(Anchor(cache, "policy"), "Invalid cache policy '(null)'" + LIBVIRT_START,
                              hint="libvirt 9.0 loses 'none' when it copies the domain to start it: use "
                                   "'writeback' or 'writethrough'", replacements=("writeback", "writethrough"))
                return


def _hmat(numa: etree._Element, cells: list[NumaCell], count: int) -> Problem | None:
    """virDomainNumaDefValidate: each cell's caches and the interconnects (latencies and bandwidths) between cells
    (numbers libvirt cannot read are the parser's: not judged here)."""
    by_id = {cell.cell_id: cell for cell in cells if cell.cell_id is not None}
    levels: dict[int, set[int]] = {}
    for cell in cells:
        seen = levels.setdefault(cell.cell_id if cell.cell_id is not None else -1, set())
        for cache in cell.element.iterchildren("cache"):
            for part in ("size", "line"):  # (virDomainNumaDefNodeCacheParseXML; their values are VL851's)
                if next(cache.iterchildren(part), None) is None:
                    return Problem(Anchor(cache), f"missing element or attribute './{part}/@value'",
                                   hint=f"add <{part} value='...'/> (in {'KiB' if part == 'size' else 'bytes'})")
            level = parse_uint(cache.get("level"))
            if level is None:
                continue
            if level > 3:
                return Problem(Anchor(cache, "level"), "Ain't nobody heard of that much cache level",
                               hint="cache levels are 1 to 3")
            if level in seen:
                return Problem(Anchor(cache, "level"), f"Cache level '{level}' already defined",
                               hint="describe each cache level of a cell once")
            seen.add(level)
    interconnects = next(numa.iterchildren("interconnects"), None)
    if interconnects is None:
        return None
    earlier: list[tuple[str, int, int, int, str | None]] = []
    for link in interconnects.iterchildren("latency", "bandwidth"):
        initiator, target = parse_uint(link.get("initiator")), parse_uint(link.get("target"))
        cache = parse_uint(link.get("cache")) if link.get("cache") is not None else 0
        if initiator is None or target is None or cache is None:
            continue
        if initiator >= count:
            return Problem(Anchor(link, "initiator"), "'initiator' refers to a non-existent NUMA node",
                           hint=f"name a cell id from 0 to {count - 1}")
        if target >= count:
            return Problem(Anchor(link, "target"), "'target' refers to a non-existent NUMA node",
                           hint=f"name a cell id from 0 to {count - 1}")
        initiator_cell = by_id.get(initiator)
        if initiator_cell is not None and initiator_cell.cpus is None:
            return Problem(Anchor(link, "initiator"), "NUMA nodes without CPUs can't be initiator",
                           hint="the initiator is a cell with vCPUs")
        if cache > 0 and cache not in levels.get(target, set()):
            return Problem(Anchor(link, "cache"), "'cache' refers to a non-existent NUMA node cache",
                           hint="describe that cache level in the target cell, or remove cache=")
        key = (link.tag, initiator, target, cache, link.get("type"))
        for tag, other_initiator, other_target, other_cache, other_type in earlier:
            if (tag, other_initiator, other_target, other_cache, other_type) == key:
                return Problem(Anchor(link), "Duplicate info for NUMA latencies", hint="remove the repeated entry")
            if initiator != target and initiator == other_target and target == other_initiator:
                return Problem(Anchor(link), "Link already defined",
                               hint="a link between two cells is described once, in one direction")
        earlier.append(key)
    return None


@register
class NumaCells(Rule):
    """
    ## What it does
    Checks `<cpu><numa>` as libvirt's parser (virDomainNumaDefParseXML,
    virDomainDefParseXML) and QEMU's start (qemuDomainAlignMemorySizes) do:
    a `<numa>` with no `<cell>`; cell ids numbered 0..N-1 with no gaps
    (`Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous
    ranges or ranges not starting from 0 are not allowed`) and no duplicates
    (`Duplicate NUMA cell info for cell id 'N'`); vCPU sets that overlap
    (`NUMA cells N and M have overlapping vCPU ids`), that hold more vCPUs
    than `<vcpu>` (`Number of CPUs in <numa> exceeds the <vcpu> count`) or
    ids beyond it (`CPU IDs in <numa> exceed the <vcpu> count`); distances
    naming a cell that does not exist (`'sibling_id N' does not refer to a
    valid cell within NUMA 'cell id M'`) or outside 10..255, 10 only to
    itself (`'value N' is invalid for 'sibling id M' under NUMA 'cell id
    K'`) or a `<distances>` with no `<sibling>` (`NUMA distances defined
    without siblings`; virDomainNumaDefNodeDistanceParseXML, in 9.0 too,
    whose daemon this error crashes: judged from the source); an HMAT
    `<cache>` without its `<size>` or `<line>` (`missing element or
    attribute './size/@value'`, virDomainNumaDefNodeCacheParseXML);
    and, at start, a cell whose size overflows once rounded to QEMU's
    alignment (`memory size of NUMA node 'N' overflowed after alignment`);
    modelling libvirt 9.0 or older, at start, a cache whose associativity or
    policy is `none`, which 9.0 leaves out of the copy it makes to start the
    domain (`Missing 'associativity' attribute in cache element for NUMA
    node 0`, `Invalid cache policy '(null)'`; checked on 9.0; 9.8 keeps it);
    and (QEMU, at start) a cell with a `<cache>` but no `<latency>` or no
    `<bandwidth>` targeting it (`The latency and bandwidth information of
    node-id=0 should be provided before memory side cache attributes`;
    checked on 9.0 with QEMU 7.2); and (QEMU, at start) a cell of
    `memory='0'` once libvirt gives the cells memory backends: on a
    pc/q35, ARM virt or pseries machine type after 5.0 (an alias as the
    newest the capabilities show), with HMAT, or with a memory backing
    that needs backend objects (`property 'size' of memory-backend-ram
    doesn't take value '0'`; machine types up to 5.0 take `mem=0`; checked
    on 9.0 with QEMU 7.2, pseries from QEMU's source).
    Stage: define, except the alignment, the `none` caches, the caches
    without interconnects and the cells of no memory (start).

    ## Why is this bad?
    libvirt refuses the definition (or the start) with the message above.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='MiB'>2048</memory><vcpu>4</vcpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-2' memory='1024' unit='MiB'/>
        <cell id='1' cpus='2-3' memory='1024' unit='MiB'/></numa></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='MiB'>2048</memory><vcpu>4</vcpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='1024' unit='MiB'/>
        <cell id='1' cpus='2-3' memory='1024' unit='MiB'/></numa></cpu></domain>
    ```
    """

    code = "VL207"
    name = "numa-cells"
    severity = Severity.ERROR
    summary = "Guest NUMA cells that libvirt refuses: ids, overlapping vCPUs, distances, sizes."
    elements = ("cpu/numa",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element is not ctx.root.find("cpu/numa"):
            return
        cells = numa_cells(ctx.root)
        if not cells:
            yield Problem(Anchor(element), "NUMA topology defined without NUMA cells",
                          hint="add <cell> elements or remove <numa>")
            return
        count = len(cells)
        seen: dict[int, NumaCell] = {}
        for cell in cells:
            if cell.cell_id is None:
                continue  # VL851
            anchor = Anchor(cell.element, "id" if cell.element.get("id") is not None else None)
            if cell.cell_id >= count:
                yield Problem(anchor,
                              "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or "
                              f"ranges not starting from 0 are not allowed (cell id {cell.cell_id} with {count} "
                              f"cell(s))", hint=f"number the cells 0 to {count - 1}")
                continue
            if cell.cell_id in seen:
                yield Problem(anchor, f"Duplicate NUMA cell info for cell id '{cell.cell_id}'",
                              hint=f"number the cells 0 to {count - 1}, each once")
                continue
            for other in seen.values():
                if cell.cpus and other.cpus and cell.cpus & other.cpus:
                    yield Problem(Anchor(cell.element, "cpus"),
                                  f"NUMA cells {cell.cell_id} and {other.cell_id} have overlapping vCPU ids "
                                  f"({', '.join(str(i) for i in sorted(cell.cpus & other.cpus)[:8])})",
                                  hint="give each vCPU to one cell only")
            seen[cell.cell_id] = cell
        yield from self._vcpus(element, cells, ctx)
        if qemu_driver(ctx):
            crash = _cpuless_cell_before(cells, ctx)
            if crash is not None:
                yield crash
        yield from self._distances(cells, count)
        yield from self._alignment(cells, ctx)
        problem = _hmat(element, cells, count)
        if problem is not None:
            yield problem
            return
        if not ctx.libvirt_at_least(9, 1):
            problems = list(_reparsed_caches(cells))
            if problems:
                yield from problems
                return
        if qemu_driver(ctx):
            problems = list(_hmat_start(element, cells))
            if problems:
                yield from problems
                return
        zero = _zero_memory_cell(element, cells, ctx)
        if zero is not None:
            yield zero

    def _vcpus(self, numa: etree._Element, cells: list[NumaCell], ctx: Context) -> Iterator[Problem]:
        maximum = max_vcpus(ctx.root)
        if maximum is None:
            return
        total = sum(len(c.cpus) for c in cells if c.cpus)
        if total > maximum:
            yield Problem(Anchor(numa), f"Number of CPUs in <numa> exceeds the <vcpu> count ({total} > {maximum})",
                          hint=f"raise <vcpu> to {total} or give the cells fewer vCPUs")
            return
        for cell in cells:
            if cell.cpus and max(cell.cpus) >= maximum:
                yield Problem(Anchor(cell.element, "cpus"),
                              f"CPU IDs in <numa> exceed the <vcpu> count: vCPU {max(cell.cpus)} does not exist "
                              f"with {maximum} vCPUs", hint=f"use vCPU ids below {maximum}")

    def _distances(self, cells: list[NumaCell], count: int) -> Iterator[Problem]:
        for cell in cells:
            distances = cell.element.find("distances")
            if distances is None or cell.cell_id is None:
                continue
            siblings = distances.findall("sibling")
            if not siblings:
                yield Problem(Anchor(distances), "NUMA distances defined without siblings",
                              hint="add <sibling id='...' value='...'/> elements, or remove <distances>")
                continue
            for sibling in siblings:
                sibling_id = parse_uint(sibling.get("id"))
                if sibling_id is None:
                    continue
                if sibling_id >= count:
                    yield Problem(Anchor(sibling, "id"),
                                  f"'sibling_id {sibling_id}' does not refer to a valid cell within NUMA "
                                  f"'cell id {cell.cell_id}'", hint=f"use a cell id from 0 to {count - 1}")
                    continue
                value = parse_uint(sibling.get("value"))
                if value is None:
                    continue
                local = sibling_id == cell.cell_id
                if not LOCAL_DISTANCE <= value <= UNREACHABLE or local != (value == LOCAL_DISTANCE):
                    yield Problem(Anchor(sibling, "value"),
                                  f"'value {value}' is invalid for 'sibling id {sibling_id}' under NUMA "
                                  f"'cell id {cell.cell_id}'",
                                  hint="a cell's distance to itself is 10; to others 11 to 255")

    def _alignment(self, cells: list[NumaCell], ctx: Context) -> Iterator[Problem]:
        align = memory_alignment(ctx.arch)
        for cell in cells:
            if cell.memory_kib is not None and aligned(cell.memory_kib, align) > MAX_MEMORY_KIB:
                yield Problem(Anchor(cell.element, "memory"),
                              f"memory size of NUMA node '{cell.index}' overflowed after alignment "
                              f"(QEMU rounds it up to {align} KiB)", hint="use a smaller cell size")

