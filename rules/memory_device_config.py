"""VL797 memory-device-config: a `<memory>` device missing what its model needs, or with what it does not take."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_bitmap, parse_uint, prop_uint, scaled_kib
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, effective_machine, is_x86, qemu_driver
from virtlint.rules._domain import aligned, module_alignment, numa_cells
from virtlint.rules._libvirt_enums import NODEMASK_MODELS
from virtlint.rules._support import NOTHING, devices_of, domain_find, first_child, parse_uuid, string_value

#: an nvdimm label's minimum (KiB)
LABEL_MIN_KIB = 128
#: the smallest virtio-mem block libvirt takes on x86: the host's transparent huge page size, 2 MiB there
BLOCK_MIN_KIB_X86 = 2048
PATH_MODELS = ("nvdimm", "virtio-pmem")
NODE_MODELS = ("dimm", "nvdimm", "virtio-mem")
#: the host's page size virtio-pmem addresses align to (virGetSystemPageSize), on x86
PAGE_SIZE_X86 = 4096


def _size(element: etree._Element | None) -> int | None:
    return scaled_kib(element.text, element.get("unit")) if element is not None else None


def _misaligned(target: etree._Element, model: str, ctx: Context) -> Problem | None:
    """virDomainMemoryDefValidate, libvirt 9.8 on (NEWS: the virtio-mem/virtio-pmem address checks; 9.4 added the
    address, 9.0 drops it): a virtio-pmem address on a host page (judged on x86, 4 KiB pages), a virtio-mem one
    on a block."""
    address = first_child(target, "address")
    base = prop_uint(address.get("base"), 16, 64) if address is not None else None  # (virXMLPropULongLong, base 16)
    if not base:
        return None
    if model == "virtio-pmem":
        if is_x86(ctx) and base % PAGE_SIZE_X86:
            return Problem(Anchor(address, "base"), f"memory address must be aligned to {PAGE_SIZE_X86} bytes",
                           hint="a multiple of the host's page size")
        return None
    block = _size(first_child(target, "block"))
    if block and base % (block * 1024):
        return Problem(Anchor(address, "base"), "memory device address must be aligned to blocksize",
                       hint=f"a multiple of the block size ({block} KiB)")
    return None


def _problem(memory: etree._Element, ctx: Context) -> Problem | None:
    """virDomainMemoryDefParseXML, virDomainMemoryDefValidate, qemuDomainDefValidateMemoryHotplugDevice."""
    model = memory.get("model")
    source = first_child(memory, "source")
    if source is not None and model in NODEMASK_MODELS:
        # (virDomainMemorySourceDefParseXML, before the target is read: a bitmap it cannot parse is VL851's)
        nodemask = first_child(source, "nodemask")
        text = string_value(nodemask) if nodemask is not None else ""
        if text and parse_bitmap(text) == frozenset():
            return Problem(Anchor(nodemask, text=True), f"Invalid value of 'nodemask': {text}",
                           hint="name at least one host NUMA node: <nodemask>0</nodemask>")
    if model not in ("dimm", "nvdimm", "virtio-pmem", "virtio-mem"):
        return None  # (sgx-epc has its own rules; an unknown model is VL850's)
    target = first_child(memory, "target")
    if target is None:
        return Problem(Anchor(memory), "missing <target> element for <memory> device",
                       hint="add <target><size unit='MiB'>...</size></target>")
    size_element = first_child(target, "size")
    if size_element is None:
        return Problem(Anchor(target), "missing element or attribute './size'", hint="add <size unit='MiB'>...</size>")
    size = _size(size_element)
    if model == "nvdimm":
        label = _size(target.find("label/size"))
        if label and label < LABEL_MIN_KIB:
            return Problem(Anchor(target.find("label/size"), text=True), "nvdimm label must be at least 128KiB")
        if size is not None and (label or 0) >= size:  # (no label is 0: a size of 0 is refused too)
            return Problem(Anchor(target.find("label/size"), text=True) if label else Anchor(size_element, text=True),
                           "label size must be smaller than NVDIMM size")
        uuid = first_child(memory, "uuid")
        if uuid is not None and parse_uuid(string_value(uuid)) is None:
            return Problem(Anchor(uuid, text=True), "malformed uuid element")
    path = first_child(source, "path") if source is not None else None
    if model in PATH_MODELS and (path is None or not string_value(path)):  # (virXPathString: an empty one is none)
        return Problem(Anchor(source if source is not None else memory), f"path is required for model '{model}'",
                       hint="add <source><path>/path/to/file</path></source>")
    if model == "nvdimm":
        if memory.get("discard") == "yes":
            return Problem(Anchor(memory, "discard"), "discard is not supported for nvdimms", replacements=("no",))
        uuid = first_child(memory, "uuid")
        if uuid is not None and not (ctx.arch or "").startswith("ppc64"):
            return Problem(Anchor(uuid), "UUID is not supported for NVDIMM device", hint="remove <uuid> (pSeries only)")
    node = first_child(target, "node")
    if model == "virtio-pmem":
        if memory.get("discard") == "yes":
            return Problem(Anchor(memory, "discard"), "discard is not supported for model 'virtio-pmem'",
                           replacements=("no",))
        # (post-parse makes an absent access shared: only an explicit one can be another)
        if memory.get("access") == "private":
            return Problem(Anchor(memory, "access"), "shared access mode required for virtio-pmem device",
                           replacements=("shared",))
        if node is not None:
            return Problem(Anchor(node), "virtio-pmem does not support NUMA nodes", hint="remove <node>")
    if model == "virtio-mem":
        block_element = first_child(target, "block")
        block = _size(block_element) or 0
        requested = _size(first_child(target, "requested"))
        if block & (block - 1) or not block:
            return Problem(Anchor(block_element if block_element is not None else target),
                           "block size must be a power of two", hint="add <block unit='MiB'>2</block> (a power of two)")
        if is_x86(ctx) and block < BLOCK_MIN_KIB_X86:
            return Problem(Anchor(block_element, text=True),
                           f"block size too small, must be at least {BLOCK_MIN_KIB_X86}KiB")
        if requested is not None and size is not None and requested > size:
            return Problem(Anchor(first_child(target, "requested"), text=True),
                           f"requested size must be smaller than or equal to @size ({size}KiB)")
        if requested is not None and requested % block:
            return Problem(Anchor(first_child(target, "requested"), text=True),
                           "requested size must be an integer multiple of block size")
    if model in ("virtio-pmem", "virtio-mem") and ctx.libvirt_at_least(9, 8):
        problem = _misaligned(target, model, ctx)
        if problem is not None:
            return problem
    if not qemu_driver(ctx):
        return None
    if model in NODE_MODELS and node is None and numa_cells(ctx.root):
        return Problem(Anchor(target), "target NUMA node needs to be specified for memory device",
                       hint="add <node>0</node> (a guest NUMA cell)")
    address = first_child(memory, "address")
    address_type = address.get("type") if address is not None else None
    if model in ("virtio-pmem", "virtio-mem") and address_type not in (None, "pci"):
        return Problem(Anchor(address, "type"), f"only 'pci' addresses are supported for the {model} device",
                       replacements=("pci",))
    if model == "virtio-pmem" and not ctx.libvirt_at_least(9, 1):
        # (9.0 defines it, starts QEMU, then fails reading the device back from the monitor; checked on 9.0 with
        # QEMU 7.2; 9.8's and 10.7's code read it, and the release between that did is unknown)
        return Problem(Anchor(memory, "model"), "virtio-pmem memory device info is not handled yet" + LIBVIRT_START,
                       hint="libvirt 9.0 cannot start a virtio-pmem device: use a newer libvirt, or an nvdimm")
    if model in ("dimm", "nvdimm") and address is not None and address_type == "dimm":
        slot = parse_uint(address.get("slot"))
        max_memory = ctx.root.find("maxMemory")
        slots = parse_uint(max_memory.get("slots")) if max_memory is not None and max_memory.get("slots") else None
        if slot is not None and slots is not None and slot >= slots:
            return Problem(Anchor(address, "slot"), f"memory device slot '{slot}' exceeds slots count '{slots}'",
                           hint=f"use a slot from 0 to {slots - 1}, or raise <maxMemory slots>")
    if model == "virtio-mem" and size:
        return _virtio_mem_backend(target, size, ctx)
    if model in ("dimm", "nvdimm"):
        return _acpi_hotplug(memory, ctx)
    return None


def _acpi_hotplug(memory: etree._Element, ctx: Context) -> Problem | None:
    """pc_memory_pre_plug (QEMU), at start: a pc or q35 machine plugs a DIMM through its ACPI device, and libvirt
    turns ACPI off (acpi=off) for a domain without <features><acpi/> (qemuBuildMachineACPI); reported at the first
    DIMM, where QEMU stops (checked on 9.0 with QEMU 7.2, pc, TCG)."""
    if not is_x86(ctx) or effective_machine(ctx) not in ("pc-i440fx", "pc-q35") or \
            domain_find(ctx, "features/acpi") is not None:
        return None
    first = next((device for device in devices_of(ctx, "memory") if device.get("model") in ("dimm", "nvdimm")), memory)
    if memory is not first:
        return None
    return Problem(Anchor(memory, "model"), "memory hotplug is not enabled: missing acpi device or acpi disabled"
                   + QEMU_START, hint="add <acpi/> to <features> (libvirt turns ACPI off without it)")


def _virtio_mem_backend(target: etree._Element, size: int, ctx: Context) -> Problem | None:
    """virtio_mem_device_realize (QEMU), at start: the memory backend, which libvirt sizes as the device's size
    rounded up to a module's alignment (qemuDomainAlignMemorySizes: 2 MiB, 256 MiB on ppc64), is a whole number of
    blocks (checked on 9.0 with QEMU 7.2: 130 MiB in 4 MiB blocks refused)."""
    block = _size(first_child(target, "block"))
    if not block or block & (block - 1):
        return None  # (no block size, or one libvirt refuses: above)
    backend = aligned(size, module_alignment(ctx.arch))
    if backend % block == 0:
        return None
    return Problem(Anchor(first_child(target, "size"), text=True), f"backend memory size must be multiple of "
                   f"0x{block * 1024:x}" + QEMU_START, hint=f"a size that is a whole number of {block} KiB blocks "
                   f"({aligned(backend, block)} KiB, say)")


@register
class MemoryDeviceConfig(Rule):
    """
    ## What it does
    Checks each `<memory>` device by its model: a `<target>` with a `<size>`;
    an nvdimm's `<source><path>`, label of at least 128 KiB below its size,
    no `discard` and a UUID only on pSeries; a virtio-pmem's path, no
    `discard`, no `access='private'` (an absent access is shared) and no NUMA
    node; a dimm, virtio-mem or sgx-epc `<source><nodemask>` naming no node
    (`0,^0`); a virtio-mem block that is a power of two of at least 2 MiB (x86)
    and a requested size within the size and a multiple of the block; with
    guest NUMA cells, the node of a dimm, nvdimm or virtio-mem; a PCI address
    for virtio-pmem and virtio-mem; a dimm slot below `<maxMemory slots>`.
    Modelling libvirt 9.0 or older, any virtio-pmem device at start (libvirt:
    `virtio-pmem memory device info is not handled yet`; it defines the
    domain and fails reading the device back from QEMU; checked on 9.0; 9.8
    reads it, and the release between that began to is unknown). At start,
    a virtio-mem size that, rounded up to 2 MiB (256 MiB on ppc64) as libvirt
    aligns memory modules, is not a whole number of blocks (QEMU:
    `backend memory size must be multiple of 0x400000`; checked on 9.0 with
    QEMU 7.2), and a dimm or nvdimm on a pc or q35 machine without
    `<features><acpi/>` (libvirt then turns ACPI off: `memory hotplug is not
    enabled: missing acpi device or acpi disabled`; checked on 9.0, pc).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `missing <target> element
    for <memory> device`, `nvdimm label must be at least 128KiB`, `label size
    must be smaller than NVDIMM size`, `malformed uuid element`
    (virDomainMemoryDefParseXML), `Invalid value of 'nodemask': 0,^0`
    (virDomainMemorySourceDefParseXML), `path is required for model 'nvdimm'`,
    `discard is not supported for nvdimms`, `discard is not supported for
    model 'virtio-pmem'`, `shared access mode required for virtio-pmem
    device`, `UUID is not supported for NVDIMM
    device`, `virtio-pmem does not support NUMA nodes`, `block size must be a
    power of two`, `block size too small, must be at least 2048KiB`,
    `requested size must be smaller than or equal to @size (524288KiB)`,
    `requested size must be an integer multiple of block size`
    (virDomainMemoryDefValidate; every driver), `target NUMA node needs to be
    specified for memory device`, `only 'pci' addresses are supported for
    the virtio-mem device`, `memory device slot '4' exceeds slots count '4'`
    (qemuDomainDefValidateMemoryHotplugDevice; QEMU). Each was checked with
    the real libvirt 9.0, with its twin. The virtio-mem block minimum is the
    host's transparent huge page size: judged on x86 only, where it is 2 MiB.
    Since libvirt 9.8 a virtio-pmem `<target><address base>` must be on a
    host page (`memory address must be aligned to 4096 bytes`, judged on
    x86) and a virtio-mem one on a block (`memory device address must be
    aligned to blocksize`; virDomainMemoryDefValidate): 9.0 drops the
    address (checked), so these follow the libvirt-version setting.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='GiB'>2</memory>
      <cpu><numa><cell id='0' cpus='0' memory='2' unit='GiB'/></numa></cpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memory model='virtio-mem'><target><size unit='MiB'>512</size><node>0</node>
        <block unit='MiB'>3</block></target></memory></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><maxMemory slots='4' unit='GiB'>8</maxMemory><memory unit='GiB'>2</memory>
      <cpu><numa><cell id='0' cpus='0' memory='2' unit='GiB'/></numa></cpu>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><memory model='virtio-mem'><target><size unit='MiB'>512</size><node>0</node>
        <block unit='MiB'>2</block></target></memory></devices></domain>
    ```
    """

    code = "VL797"
    name = "memory-device-config"
    severity = Severity.ERROR
    summary = "A memory device missing what its model needs, or with settings its model does not take."
    elements = ("devices/memory",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _problem(element, ctx)
        return iter((problem,)) if problem is not None else NOTHING
