"""VL210 memory-hotplug: memory sizes, <maxMemory> and memory devices libvirt refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import element_kib, parse_int, parse_uint, prop_uint
from virtlint.linter.machines import upstream_at_most
from virtlint.rules._devices import QEMU_START, effective_machine, effective_machine_name, is_x86, qemu_driver
from virtlint.rules._domain import (MAX_MEMORY_KIB, PPC64, NumaCell, aligned, cell_count, memory_alignment,
                                    module_alignment, numa_cells)
from virtlint.rules._pc_memory import (AMD_HT_START, GIB, device_memory_region, guest_memory, highest_address,
                                       judged_machine)
from virtlint.rules._support import NOTHING, children_by_tag, domain_children, domain_find

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: The most memory slots QEMU's pc and q35 machines take (ACPI_MAX_RAM_SLOTS)
ACPI_MAX_RAM_SLOTS = 256
#: Memory device models that take a memory slot of <maxMemory slots>.
SLOT_MODELS = ("dimm", "nvdimm")
#: Memory device models QEMU places in the device memory region between the initial and the maximum memory
DEVICE_SPACE_MODELS = ("dimm", "nvdimm", "virtio-mem", "virtio-pmem")


class MemoryDevice(FrozenRecord):
    element: etree._Element
    model: str
    size_kib: int | None
    start: int  # guest physical base address in bytes, 0 when unset
    start_anchor: Anchor | None
    slot: int | None

    __slots__ = ("element", "model", "size_kib", "start", "start_anchor", "slot")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        model: str,
        size_kib: int | None,
        start: int,
        start_anchor: Anchor | None,
        slot: int | None,
    ) -> None:
        _set(self, "element", element)
        _set(self, "model", model)
        _set(self, "size_kib", size_kib)
        _set(self, "start", start)
        _set(self, "start_anchor", start_anchor)
        _set(self, "slot", slot)


def memory_devices(ctx: Context) -> list[MemoryDevice]:
    devices = []
    for memory in (memory for devices in domain_children(ctx).get("devices", ())
                   for memory in devices.iterchildren("memory")):
        model = memory.get("model", "")
        size = element_kib(memory.find("target/size"))
        start, anchor, slot = 0, None, None
        if model in ("virtio-mem", "virtio-pmem"):
            # (libvirt 9.4 added their <target><address base>: 9.0 drops it, checked)
            address = memory.find("target/address") if ctx.libvirt_at_least(9, 4) else None
            if address is not None and address.get("base"):
                start, anchor = _hex(address.get("base")), Anchor(address, "base")
        elif model in SLOT_MODELS:
            address = memory.find("address")
            if address is not None and address.get("type") == "dimm":
                slot = parse_uint(address.get("slot"))
                if address.get("base"):
                    start, anchor = _hex(address.get("base")), Anchor(address, "base")
        devices.append(MemoryDevice(memory, model, size, start, anchor, slot))
    return devices


def _plain_memory(ctx: Context) -> bool:
    """The common case, where ``_sizes`` has nothing to say: a <memory> of digits that are not all zero (a
    nonzero size, or one too large that VL851 reports), no <maxMemory> and no memory device."""
    children = domain_children(ctx)
    memories = children.get("memory")
    if memories is None or "maxMemory" in children:
        return False
    text = memories[0].text
    if not (text is not None and text.isdigit() and text.isascii() and text.strip("0")):
        return False
    for devices in children.get("devices", ()):
        if "memory" in children_by_tag(ctx, devices):
            return False
    return True


def _hex(text: str | None) -> int:
    """A base address as libvirt reads it (virXMLPropULongLong in base 16: '0x' optional); 0 when it cannot."""
    return prop_uint(text, 16, 64) or 0


#: The page size of a file or memfd memory backend without huge pages, in bytes
SMALL_PAGE = 4096
#: QEMU_VMALLOC_ALIGN on an x86_64 host: the alignment of anonymous RAM, hence of a RAM-backed DIMM's address
ANONYMOUS_RAM_ALIGN = 2 * 1024 * 1024


def _base_alignment(device: MemoryDevice, ctx: Context) -> tuple[int, bool] | None:
    """The alignment QEMU asks of a DIMM's or NVDIMM's base address (memory_device_get_free_addr: its memory
    backend's), in bytes, and whether it is certain; None when not judged (huge pages, another arch)."""
    if ctx.arch != "x86_64" or device.model not in SLOT_MODELS:
        return None
    backing = domain_find(ctx, "memoryBacking")
    if backing is not None and backing.find("hugepages") is not None:
        return None
    if device.model == "nvdimm":
        alignsize = element_kib(device.element.find("source/alignsize"))
        return (alignsize * 1024 if alignsize else SMALL_PAGE), True
    if _memory_backend(device, ctx) != "memory-backend-ram":
        return SMALL_PAGE, True
    # (anonymous RAM: 2 MiB on an x86_64 host, which a KVM domain has; a TCG one might run elsewhere)
    return ANONYMOUS_RAM_ALIGN, ctx.domain_type == "kvm"


def _memory_backend(device: MemoryDevice, ctx: Context) -> str:
    """The memory backend QEMU is given for a DIMM or virtio-mem device (qemuBuildMemoryBackendProps: memfd or file
    backing where the domain asks for it, else anonymous RAM)."""
    backing = domain_find(ctx, "memoryBacking")
    source = backing.find("source") if backing is not None else None
    kind = source.get("type") if source is not None else None
    if kind == "memfd":
        return "memory-backend-memfd"
    if kind == "file" or device.element.get("access") is not None or backing is not None and (
            backing.find("hugepages") is not None or backing.find("access") is not None):
        return "memory-backend-file"
    return "memory-backend-ram"


def _qemu_memory_slots(max_memory: etree._Element, maximum: int, slots: int, cells: list[NumaCell], initial: int,
                       devices: list[MemoryDevice], ctx: Context) -> Iterator[Problem]:
    """At start (QEMU): libvirt gives `-m size=INITIAL,slots=N,maxmem=MAX`, each size aligned as
    qemuDomainAlignMemorySizes does (1 MiB, 256 MiB on ppc64; the initial memory as the cells' aligned sizes), and
    QEMU refuses a maximum equal to the initial size when slots are given (machine_parse_memory), and a pc or q35
    machine more than 256 slots (pc_memory_init: ACPI_MAX_RAM_SLOTS; checked on 9.0 with QEMU 7.2, KVM and TCG)."""
    alignment = memory_alignment(ctx.arch)
    if cells:
        initial = sum(aligned(cell.memory_kib or 0, alignment) for cell in cells)
    else:
        initial = aligned(initial, alignment)
    maximum = aligned(maximum, alignment)
    if max(maximum, initial) > MAX_MEMORY_KIB:
        return  # (libvirt refuses a size that overflows after alignment when it is defined: VL207's)
    if maximum == initial:
        yield Problem(Anchor(max_memory, text=True), "invalid value of maxmem: memory slots were specified but maximum "
                      f"memory size (0x{maximum * 1024:x}) is equal to the initial memory size "
                      f"(0x{initial * 1024:x})" + QEMU_START,
                      hint="raise <maxMemory> above the initial memory (the memory devices are hotplugged into the "
                           "space between), or remove <maxMemory>")
    elif slots > ACPI_MAX_RAM_SLOTS and is_x86(ctx) and effective_machine(ctx) in ("pc-i440fx", "pc-q35"):
        yield Problem(Anchor(max_memory, "slots"), f"unsupported amount of memory slots: {slots}" + QEMU_START,
                      hint=f"a pc or q35 machine has at most {ACPI_MAX_RAM_SLOTS} memory slots",
                      replacements=(str(ACPI_MAX_RAM_SLOTS),))
    elif alignment == 1024:  # (ppc64's NVDIMMs are aligned otherwise: not judged)
        yield from _device_space(maximum - initial, devices, module_alignment(ctx.arch))


def _device_space(space: int, devices: list[MemoryDevice], alignment: int) -> Iterator[Problem]:
    """memory_device_check_addable: QEMU adds the memory devices in order into the space between the initial and
    the maximum memory, each of the size libvirt aligned it to (qemuDomainAlignMemorySizes: 2 MiB), where libvirt's
    own test compared the sizes as written."""
    used = 0
    for device in devices:
        if device.model not in DEVICE_SPACE_MODELS or not device.size_kib:
            continue
        size = aligned(device.size_kib, alignment)
        if used + size > space:
            size_element = device.element.find("target/size")
            yield Problem(Anchor(size_element, text=True) if size_element is not None else Anchor(device.element),
                          f"not enough space, currently 0x{used * 1024:x} in use of total space for memory devices "
                          f"0x{space * 1024:x}" + QEMU_START,
                          hint=f"libvirt rounds each memory device up to {alignment // 1024} MiB: raise <maxMemory> "
                               "or give the devices sizes in whole 2 MiB")
            return
        used += size


@register
class MemoryHotplug(Rule):
    """
    ## What it does
    Checks the guest memory as libvirt's post-parse (virDomainDefPostParseMemory),
    validation (virDomainMemoryDefValidate) and QEMU validation
    (qemuDomainDefValidateMemoryHotplug) do: some initial memory (`Memory size
    must be specified via <memory> or in the <numa> configuration`), memory
    devices within `<memory>` (`Total size of memory devices exceeds the total
    memory size`) (a document without `<name>` is taken as a fragment and its
    missing memory not reported), `<maxMemory>` not below `<memory>` (`maximum memory size must
    be equal or greater than the actual memory size`); memory hotplug
    (`<maxMemory>`) needs guest NUMA cells except on ppc64 (`At least one numa
    node has to be configured when enabling memory hotplug`) before libvirt 9.6;
    since 9.6 qemuDomainDefNumaAutoAdd gives a domain defined or created one
    cell (node 0) instead, but a definition parsed without ABI update (incoming
    migration, libvirt's own test harness) is still refused, so from 9.6 this
    is a warning (`libvirt_version` setting; the real 9.0 refuses); memory devices
    need `<maxMemory>` (`cannot use/hotplug a memory device when domain
    'maxMemory' is not defined`), an existing guest node (`can't add memory
    backend for guest node 'N' as the guest has only 'M' NUMA nodes
    configured`), their own slot (`memory device slot 'N' is already being used
    by another memory device`), enough slots (`count of memory devices requiring
    memory slots 'N' exceeds slots count 'M'`: DIMMs and NVDIMMs; libvirt 9.0
    counts virtio-mem and virtio-pmem devices too, `memory device count 'N'
    exceeds slots count 'M'`, and the releases between are given 10.7's count)
    and guest addresses that do not
    overlap (`memory device address [0xA:0xB] overlaps with other memory device
    (0xC)`; each size rounded up to 2 MiB as libvirt gives QEMU, an NVDIMM's
    then less its label, rounded down to its alignment; libvirt 9.0 leaves NVDIMM overlaps to QEMU at start, checked;
    a virtio-mem or virtio-pmem base is read from libvirt 9.4, which added it:
    9.0 drops it, checked). Stage: define (QEMU driver for the hotplug checks). At start
    (QEMU): memory slots with a maximum equal to the initial memory, both as
    libvirt aligns them (1 MiB; the initial memory is the NUMA cells'),
    more than 256 slots on a pc or q35 machine, and a DIMM or virtio-mem
    device of size 0 (its memory backend refuses it), memory devices that do
    not fit between the initial and the maximum memory once libvirt has
    rounded each up to 2 MiB (its own test compares the sizes as written),
    and on x86_64 a DIMM or NVDIMM `base` its memory backend's alignment
    refuses (2 MiB for anonymous RAM on an x86_64 host, a warning for a TCG
    domain, which may run on another; 4 KiB for file and memfd backing; an
    NVDIMM's `alignsize`); on a pc or q35 machine (2.5 or later) with guest
    NUMA cells, a DIMM `base` outside the device memory region QEMU lays out
    after the RAM above 4 GiB (the initial memory keeps at most 3 GiB below 4
    GiB on i440fx, 2 GiB on q35, from 3.5 and 2.75 GiB; the region starts at
    the next GiB and holds `<maxMemory>` less the initial memory and 1 GiB
    per slot; the DIMM's size rounded up to 2 MiB: `can't add memory device
    [0x80000000:0x8000000], usable range for memory devices
    [0x100000000:0x138000000]`, memory_device_get_free_addr; checked on 9.0
    with QEMU 7.2 at both ends and both low-memory edges); an NVDIMM
    `alignsize` that is not a power of two
    or (x86_64) not a multiple of the 4 KiB page (`alignment 0x300000 must be
    a power of two`, file_ram_alloc), or an NVDIMM too small for its label and
    one aligned block, its size rounded up to 2 MiB as libvirt does (`the
    size of memdev memnvdimm0 (0x8000000) is too
    small to contain nvdimm label (0x20000) and aligned PMEM (0x8000000)`,
    nvdimm_prepare_memory_region), and memory slots or a maximum on a
    machine without a device memory region, isapc and the i440fx ones of 2.0
    and older (`"-memory 'slots|maxmem'" is not supported by:
    pc-i440fx-2.0`, pc_memory_init). A `base` address is read as libvirt reads
    it, in hexadecimal with or without `0x`.

    ## Why is this bad?
    `virsh define` fails with the message above. At start QEMU refuses `-m
    size=...,slots=N,maxmem=...`: `invalid value of maxmem: memory slots were
    specified but maximum memory size (0x40000000) is equal to the initial
    memory size (0x40000000)` (the machine's memory options), `unsupported
    amount of memory slots: 257` (pc_memory_init; ACPI_MAX_RAM_SLOTS),
    `property 'size' of memory-backend-ram doesn't take value '0'`, `not
    enough space, currently 0x0 in use of total space for memory devices
    0x100000` (memory_device_check_addable), `address must be aligned to
    0x200000 bytes` (memory_device_get_free_addr); each checked on 9.0 with
    QEMU 7.2.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><maxMemory slots='4' unit='GiB'>2</maxMemory><memory unit='GiB'>4</memory>
      <vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='4' unit='GiB'/></numa></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><maxMemory slots='4' unit='GiB'>16</maxMemory><memory unit='GiB'>4</memory>
      <vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='4' unit='GiB'/></numa></cpu></domain>
    ```
    """

    code = "VL210"
    name = "memory-hotplug"
    severity = Severity.ERROR
    summary = "Memory sizes, memory hotplug or memory devices that libvirt refuses."
    elements = ("", "devices/memory")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "" and _plain_memory(ctx):
            return NOTHING
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        devices = ctx.once("memory-devices", lambda: memory_devices(ctx))
        if ctx.path == "":
            yield from self._sizes(element, devices, ctx)
        else:
            device = next((d for d in devices if d.element is element), None)
            if device is not None:
                yield from self._device(device, devices, ctx)

    def _sizes(self, root: etree._Element, devices: list[MemoryDevice], ctx: Context) -> Iterator[Problem]:
        memory = domain_find(ctx, "memory")
        max_memory = domain_find(ctx, "maxMemory")
        # (an empty <memory> is no size to virDomainParseMemory, as an absent one)
        size = element_kib(memory) if memory is not None and (memory.text or "").strip() else 0
        if size is None:
            return  # malformed: VL851
        if size and not devices and max_memory is None:
            return  # the common case: a memory size, no hotplug; nothing below can speak
        total: int = size
        cells = numa_cells(root)
        numa_total = sum(c.memory_kib or 0 for c in cells)
        hotplug = sum(d.size_kib or 0 for d in devices)
        if numa_total:
            total = numa_total + hotplug  # (virDomainDefPostParseMemory: the cells' memory is the initial memory)
        elif not numa_total and hotplug > total:
            yield Problem(Anchor(memory) if memory is not None else Anchor(root),
                          "Total size of memory devices exceeds the total memory size",
                          hint="<memory> counts the memory devices too; raise it")
            return
        initial = numa_total or (total - hotplug)
        # A document without <name> is a fragment (libvirt refuses it for that already): not judged here
        if initial == 0 and domain_find(ctx, "name") is not None:
            yield Problem(Anchor(memory, text=True) if memory is not None else Anchor(root),
                          "Memory size must be specified via <memory> or in the <numa> configuration",
                          hint="add <memory unit='MiB'>1024</memory>")
            return
        if max_memory is None:
            # SGX EPC sections are not hotplugged; whether libvirt counts them here differs between releases
            hotpluggable = [d for d in devices if d.model != "sgx-epc"]
            if hotpluggable:
                first = hotpluggable[0]
                yield Problem(Anchor(first.element), "cannot use/hotplug a memory device when domain 'maxMemory' "
                              "is not defined", hint="add <maxMemory slots='N' unit='GiB'>SIZE</maxMemory>")
            return
        # (an empty <maxMemory> reads as size 0)
        maximum = element_kib(max_memory) if (max_memory.text or "").strip() else 0
        slots = parse_uint(max_memory.get("slots")) if max_memory.get("slots") is not None else 0
        if maximum is None or slots is None:
            return
        if maximum == 0 and slots > 0:
            yield Problem(Anchor(max_memory, text=True) if (max_memory.text or "").strip() else Anchor(max_memory),
                          "maximum memory size must be specified when specifying number of memory slots",
                          hint="give the maximum size: <maxMemory slots='N' unit='GiB'>SIZE</maxMemory>")
            return
        if maximum and slots == 0 and not ctx.libvirt_at_least(9, 1):
            # (libvirt 9.0 and older refuse a size without slots; 9.8 and 10.7 take it: the releases between are
            # unchecked, so only the old ones are judged)
            yield Problem(Anchor(max_memory), "both maximum memory size and memory slot count must be specified",
                          hint="add slots='N' (the number of hotpluggable memory devices)")
            return
        if maximum and maximum < total:
            yield Problem(Anchor(max_memory, text=True),
                          f"maximum memory size must be equal or greater than the actual memory size "
                          f"({maximum} KiB < {total} KiB)", hint="raise <maxMemory> or lower <memory>")
            return
        if (maximum or slots) and ctx.arch not in PPC64 and not cells:
            # Since 9.6 qemuDomainDefNumaAutoAdd gives a definition parsed with ABI update (virsh define/create)
            # one guest cell instead; one parsed without it (incoming migration, libvirt's test harness) is still
            # refused: uncertain, so a warning there
            auto = ctx.libvirt_at_least(9, 6)
            yield Problem(Anchor(max_memory),
                          "At least one numa node has to be configured when enabling memory hotplug"
                          + (" (libvirt 9.6+ adds one on define/create, but refuses a definition parsed without "
                             "ABI update, e.g. on incoming migration)" if auto else ""),
                          hint="add <cpu><numa><cell id='0' cpus='0-N' memory='SIZE'/></numa></cpu>",
                          severity=Severity.WARNING if auto else None)
            return
        slots_anchor = Anchor(max_memory, "slots") if max_memory.get("slots") is not None else Anchor(max_memory)
        if not ctx.libvirt_at_least(9, 1):
            # libvirt 9.0 counts every memory device against the slots, virtio-mem and virtio-pmem too (checked on
            # 9.0); 10.7 counts DIMMs and NVDIMMs only. The releases between are unchecked: they get 10.7's count.
            # (SGX EPC sections, which are not hotplugged, are left out: unchecked)
            count = sum(1 for d in devices if d.model != "sgx-epc")
            if count > slots:
                yield Problem(slots_anchor, f"memory device count '{count}' exceeds slots count '{slots}'",
                              hint=f"set slots='{count}' or more (libvirt 9.0 gives virtio-mem and virtio-pmem "
                                   "devices a slot too)")
                return
        needed = sum(1 for d in devices if d.model in SLOT_MODELS)
        if needed > slots:
            yield Problem(slots_anchor,
                          f"count of memory devices requiring memory slots '{needed}' exceeds slots count '{slots}'",
                          hint=f"set slots='{needed}' or more")
            return
        if qemu_driver(ctx) and (slots or maximum > total - hotplug):
            machine = _without_reserved_memory(ctx)
            if machine is not None:
                yield Problem(Anchor(max_memory), f"\"-memory 'slots|maxmem'\" is not supported by: {machine}"
                              + QEMU_START, hint="memory hotplug needs a machine with a device memory region: "
                              "pc-i440fx-2.1 or later, or q35")
                return
        if qemu_driver(ctx) and slots:
            yield from _qemu_memory_slots(max_memory, maximum, slots, cells, total - hotplug, devices, ctx)

    def _device(self, device: MemoryDevice, devices: list[MemoryDevice], ctx: Context) -> Iterator[Problem]:
        if device.size_kib == 0 and device.model in ("dimm", "virtio-mem") and qemu_driver(ctx):
            # (the backend refuses the size; libvirt rounds a size up to 2 MiB, but not from 0)
            backend = _memory_backend(device, ctx)
            yield Problem(Anchor(device.element.find("target/size"), text=True),
                          f"property 'size' of {backend} doesn't take value '0'" + QEMU_START,
                          hint="give the memory device a size (libvirt rounds it up to 2 MiB, not from 0)")
            return
        if device.model == "nvdimm" and qemu_driver(ctx):
            problem = _nvdimm_layout(device, ctx)
            if problem is not None:
                yield problem
                return
        alignment = _base_alignment(device, ctx) if device.start and qemu_driver(ctx) else None
        if alignment is not None and device.start % alignment[0]:
            align, certain = alignment
            certain = certain or device.start % SMALL_PAGE != 0
            yield Problem(device.start_anchor or Anchor(device.element),
                          f"address must be aligned to 0x{align:x} bytes" + QEMU_START,
                          hint=f"give a base that is a multiple of 0x{align:x}, or none (QEMU then chooses one)"
                               + ("" if certain else " (anonymous RAM is aligned so on an x86_64 host)"),
                          severity=None if certain else Severity.WARNING)
            return
        node = device.element.find("target/node")
        if node is not None:
            target = parse_int((node.text or "").strip())
            cells = cell_count(ctx) or (1 if _auto_numa_cell(ctx) else 0)
            if target is not None and target >= 0:
                if cells == 0:
                    yield Problem(Anchor(node, text=True),
                                  "can't add memory backend as guest has no NUMA nodes configured",
                                  hint="define guest NUMA cells or remove <node>")
                    return
                if target >= cells:
                    yield Problem(Anchor(node, text=True),
                                  f"can't add memory backend for guest node '{target}' as the guest has only "
                                  f"'{cells}' NUMA nodes configured", hint=f"use a node from 0 to {cells - 1}")
                    return
        index = devices.index(device)
        for other in devices[:index]:
            if device.slot is not None and other.slot is not None and device.slot == other.slot:
                address = device.element.find("address")
                yield Problem(Anchor(address, "slot"),
                              f"memory device slot '{device.slot}' is already being used by another memory device",
                              hint="give each memory device its own slot")
                return
        # (QEMU gets each size rounded up to the module alignment, qemuDomainAlignMemorySizes: checked on 9.0, a
        # 127 MiB device ending where a 128 MiB one would)
        rounding = module_alignment(ctx.arch)
        # libvirt validates each device against all others in order: the first overlapping device reports
        for earlier in devices[:index]:
            if any(_overlap(earlier, other, rounding) for other in devices if other is not earlier):
                return
        overlapping = next((o for o in devices if o is not device and _overlap(device, o, rounding)), None)
        if overlapping is not None:
            this_end = device.start + (device.size_kib or 0) * 1024
            yield Problem(device.start_anchor or Anchor(device.element),
                          f"memory device address [0x{device.start:x}:0x{this_end:x}] overlaps with other "
                          f"memory device (0x{overlapping.start:x})", hint="move one device's base address")
            return
        if device.start and device.model == "dimm" and device.size_kib:
            region = ctx.once("device-memory-region", lambda: _device_memory_region(ctx))
            if region is not None:
                start, size = region  # type: ignore[misc]
                length = aligned(device.size_kib, rounding) * 1024
                if device.start < start or device.start + length > start + size:
                    yield Problem(device.start_anchor or Anchor(device.element),
                                  f"can't add memory device [0x{device.start:x}:0x{length:x}], usable range for "
                                  f"memory devices [0x{start:x}:0x{size:x}]" + QEMU_START,
                                  hint=f"give a base from 0x{start:x} whose device ends by 0x{start + size:x} (the "
                                       "region after the RAM above 4 GiB: <maxMemory> less the initial memory, and "
                                       "1 GiB per slot), or none (QEMU then chooses one)")


def _device_memory_region(ctx: Context) -> tuple[int, int] | None:
    """(start, size) in bytes of a pc or q35 domain's device memory region (rules/_pc_memory.py), None when not
    modelled: it needs guest NUMA cells of known sizes (the initial memory) and <maxMemory> with slots; a layout
    that reaches AMD's HyperTransport range may move above 1 TiB (QEMU 7.1+ with an AMD CPU): not judged."""
    machine = judged_machine(ctx)
    if machine is None:
        return None
    sizes = guest_memory(ctx)  # (None for a domain with a DIMM and no cells: its initial memory is not known here)
    if sizes is None:
        return None
    ram, max_ram, slots = sizes
    if max_ram == ram:
        return None  # (no <maxMemory>: libvirt refuses the DIMM first)
    if highest_address(ram, max_ram, slots, 0, machine.family, 4 * GIB) >= AMD_HT_START:
        return None
    return device_memory_region(ram, max_ram, slots, machine.family)


#: The newest i440fx machine version without a device memory region (QEMU's pc_i440fx_2_0_machine_options:
#: has_reserved_memory off; isapc has none either)
NO_RESERVED_MEMORY_NEWEST = (2, 0)


def _without_reserved_memory(ctx: Context) -> str | None:
    """The machine's name when QEMU's pc_memory_init refuses memory slots and a maximum on it (checked on 9.0 with
    QEMU 7.2: pc-i440fx-1.4, 1.7, 2.0 and isapc refused, 2.1 started)."""
    name = effective_machine_name(ctx)
    if name is None or not is_x86(ctx):
        return None
    return name if name == "isapc" or upstream_at_most(name, ("pc-i440fx",), NO_RESERVED_MEMORY_NEWEST) else None


def _auto_numa_cell(ctx: Context) -> bool:
    """qemuDomainDefNumaAutoAdd (libvirt 9.6+): memory hotplug without guest NUMA gets one cell, node 0."""
    max_memory = ctx.root.find("maxMemory")
    if max_memory is None or not ctx.libvirt_at_least(9, 6):
        return False
    size = element_kib(max_memory)
    slots = parse_uint(max_memory.get("slots")) if max_memory.get("slots") is not None else 0
    return bool(size or slots)


def _overlap(one: MemoryDevice, other: MemoryDevice, rounding: int) -> bool:
    """virDomainMemoryDefCheckConflict's address test (and QEMU's at start), with what each device maps once its size
    is rounded up to ``rounding`` KiB."""
    if not one.start or not other.start:
        return False
    one_size, other_size = _mapped_kib(one, rounding), _mapped_kib(other, rounding)
    if one_size is None or other_size is None:
        return False
    one_end = one.start + one_size * 1024
    other_end = other.start + other_size * 1024
    return one.start <= other.start < one_end or other.start <= one.start < other_end


def _mapped_kib(device: MemoryDevice, rounding: int) -> int | None:
    """The KiB a memory device maps at its base: its size rounded up to ``rounding``; an NVDIMM's less its label,
    rounded down to its alignment (QEMU's nvdimm_prepare_memory_region; virDomainMemoryGetMappedSize rounds the
    label up to the same end)."""
    if device.size_kib is None:
        return None
    size = aligned(device.size_kib, rounding) if device.size_kib else 0
    if device.model != "nvdimm":
        return size
    label, align = _nvdimm_label_and_align(device)
    return max(size - label, 0) // align * align


def _nvdimm_label_and_align(device: MemoryDevice) -> tuple[int, int]:
    """An NVDIMM's label size and backend alignment in KiB (its alignsize, else a 4 KiB page)."""
    label = element_kib(device.element.find("target/label/size")) or 0
    alignsize = element_kib(device.element.find("source/alignsize"))
    return label, alignsize or SMALL_PAGE // 1024


def _nvdimm_layout(device: MemoryDevice, ctx: Context) -> Problem | None:
    """QEMU at start: an NVDIMM's backend alignment (file_ram_alloc: a multiple of the page size, a power of two) and
    room for its label and one aligned block (nvdimm_prepare_memory_region)."""
    alignsize = device.element.find("source/alignsize")
    given_kib = element_kib(alignsize)
    if given_kib:
        align = given_kib * 1024
        if align % SMALL_PAGE and ctx.arch == "x86_64":  # (an x86_64 host's page; a huge page is larger still)
            return Problem(Anchor(alignsize, text=True), f"alignment 0x{align:x} must be multiples of page size "
                           f"0x{SMALL_PAGE:x}" + QEMU_START,
                           hint="an alignment of 4 KiB, 2 MiB or another power of two")
        if align & (align - 1):
            return Problem(Anchor(alignsize, text=True), f"alignment 0x{align:x} must be a power of two" + QEMU_START,
                           hint="an alignment of 4 KiB, 2 MiB or another power of two")
    if not device.size_kib or ctx.arch in PPC64:  # (pseries NVDIMMs are sized otherwise)
        return None
    # (the size QEMU gets: libvirt rounds it up to 2 MiB first, qemuDomainAlignMemorySizes; checked on 9.0)
    size_kib = aligned(device.size_kib, module_alignment(ctx.arch))
    label, align_kib = _nvdimm_label_and_align(device)
    if size_kib <= label or (size_kib - label) < align_kib:
        size = device.element.find("target/size")
        return Problem(Anchor(size, text=True) if size is not None else Anchor(device.element),
                       f"the size of the NVDIMM (0x{size_kib * 1024:x}) is too small to contain nvdimm label "
                       f"(0x{label * 1024:x}) and aligned PMEM (0x{align_kib * 1024:x})" + QEMU_START,
                       hint="a size of at least the label and one alignment block")
    return None
