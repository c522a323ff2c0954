"""VL225 guest-address-space: a pc or q35 guest whose highest physical address is beyond its CPU's address bits."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, c_decimal, element_kib
from virtlint.rules._cpu import custom_model, mode_of, without_long_mode
from virtlint.rules._addresses import facts
from virtlint.rules._devices import QEMU_START, caps_qemu_release
from virtlint.rules._pc_memory import (AMD_ABOVE_1TB_START, AMD_HT_START, GIB, guest_memory, highest_address,
                                       judged_machine)
from virtlint.rules._support import NOTHING, domain_find, first_child

#: QEMU releases that bound the CPU's phys-bits against the highest address the machine uses (pc_memory_init;
#: QEMU 7.1 added the check and the AMD HyperTransport hole, see rules/_pc_memory.py)
CHECKED_FROM = (7, 1)
AMD_HOLE_FROM = (7, 1)
#: QEMU's default 64-bit PCI hole (the host bridge's pci-hole64-size) per machine family
HOLE64_DEFAULT = {"pc-i440fx": 2 * GIB, "pc-q35": 32 * GIB}
#: TCG's physical address width of a 64-bit CPU model (TCG_PHYS_ADDR_BITS)
TCG_PHYS_BITS = 40
#: QEMU's x86 CPU models whose vendor is AMD (qemu64 is the default CPU under TCG), by name prefix
AMD_MODEL_PREFIXES = ("qemu64", "phenom", "Opteron_G", "EPYC")


def _cpu(ctx: Context) -> tuple[int, bool | None] | None:
    """(the guest CPU's physical address bits, whether its vendor is AMD: None when the host's decides), or None
    when unknown: TCG gives a 64-bit model 40 bits, `<maxphysaddr mode='emulate' bits>` its own; a KVM CPU takes
    the host's vendor, and its bits only from maxphysaddr here."""
    cpu = ctx.root.find("cpu")
    limit = cpu.find("maxphysaddr") if cpu is not None else None
    bits: int | None = None
    if limit is not None:
        if limit.get("mode") != "emulate":
            return None
        bits = c_decimal(limit.get("bits"), 0, INT_MAX)
        if bits is None or not 33 <= bits <= 52:
            return None  # (none given, or one QEMU refuses for itself: VL212)
    tcg = ctx.domain_type == "qemu"
    if cpu is not None and mode_of(cpu) != "custom":
        return None  # (host-model, host-passthrough, maximum: the host's bits)
    found = custom_model(cpu) if cpu is not None else None
    name = found[1] if found is not None else "qemu64"
    if without_long_mode(cpu, "x86_64"):
        return None  # (a 32-bit CPU: no 64-bit PCI hole)
    if bits is None:
        if not tcg:
            return None
        bits = TCG_PHYS_BITS
    if not tcg:
        return bits, None
    vendor = found[0].get("vendor_id") if found is not None else None
    return bits, (vendor == "AuthenticAMD" if vendor is not None else name.startswith(AMD_MODEL_PREFIXES))


def _problem(ctx: Context) -> tuple[etree._Element, Problem] | None:
    """The document's one address-space problem, with the element it is reported on."""
    machine = judged_machine(ctx)
    if machine is None:
        return None
    release = caps_qemu_release(ctx)
    if release is None or release[0] < CHECKED_FROM:
        return None
    cpu = _cpu(ctx)
    if cpu is None:
        return None
    bits, amd = cpu
    sizes = guest_memory(ctx)
    if sizes is None:
        return None
    ram, max_ram, slots = sizes
    max_memory = domain_find(ctx, "maxMemory")
    root_bus = facts(ctx).pci_controller(0)
    hole_element = first_child(root_bus.element, "pcihole64") if root_bus is not None else None
    hole64 = HOLE64_DEFAULT[machine.family]
    if hole_element is not None:
        hole_kib = element_kib(hole_element)
        if hole_kib is None:
            return None
        hole64 = hole_kib * 1024
    highest = highest_address(ram, max_ram, slots, hole64, machine.family, 4 * GIB)
    version = machine.version
    if amd and highest >= AMD_HT_START and (version is None or version[:2] >= AMD_HOLE_FROM):
        if version is None:
            return None  # (an unversioned machine: whether it moves the RAM to 1 TiB is unknown)
        highest = highest_address(ram, max_ram, slots, hole64, machine.family, AMD_ABOVE_1TB_START)
    limit = (1 << bits) - 1
    if highest <= limit:
        return None
    needed = highest.bit_length()
    at: etree._Element | None
    if max_memory is not None and (hole_element is None or max_ram - ram >= hole64):
        at = max_memory
    else:
        at = hole_element if hole_element is not None else ctx.root.find("cpu/maxphysaddr")
    if at is None:
        return None
    return at, Problem(Anchor(at), f"Address space limit 0x{limit:x} < 0x{highest:x} phys-bits too low ({bits})"
                       + QEMU_START,
                       hint=f"the guest's highest address (the end of its 64-bit PCI hole, after the RAM and the "
                            f"memory-hotplug region) needs {needed} address bits and the CPU has {bits}: lower "
                            f"<maxMemory> or <pcihole64>, or give <cpu><maxphysaddr mode='emulate' "
                            f"bits='{needed}'/></cpu>")


@register
class GuestAddressSpace(Rule):
    """
    ## What it does
    Checks, for an x86_64 `pc` or `q35` machine, that the highest guest
    physical address QEMU lays out fits the guest CPU's physical address
    bits, as QEMU 7.1 and later check at start (pc_memory_init,
    pc_max_used_gpa): the RAM below 4 GiB (3 GiB of it on i440fx from 3.5
    GiB of RAM, 2 GiB on q35 from 2.75 GiB), the rest from 4 GiB, the
    memory-hotplug region (`<maxMemory>` less the initial memory, and 1 GiB
    per slot), then the 64-bit PCI hole (`<pcihole64>` of the root bus, by
    default 2 GiB on i440fx and 32 GiB on q35), each start rounded up to 1
    GiB; with an AMD CPU model (`qemu64`, the default under TCG, EPYC,
    Opteron) on a machine of 7.1 or later, RAM that would reach AMD's
    HyperTransport range below 1 TiB starts at 1 TiB instead. The CPU's
    bits are TCG's 40 for a 64-bit model, or `<maxphysaddr mode='emulate'
    bits>`; host CPU modes and a KVM CPU without `<maxphysaddr>` take the
    host's, which are not judged; so is a domain without `<maxMemory>`,
    `<pcihole64>` or `<maxphysaddr>` (its RAM alone reaches TCG's 40 bits
    only near 1 TiB). Stage: start (QEMU driver; checked on 9.0
    with QEMU 7.2: the last byte of every refusal's message, i440fx and
    q35, machines 7.0 and 7.2, AMD and Intel models, 40 and 41 bits).

    ## Why is this bad?
    `virsh start` fails: `Address space limit 0xffffffffff <
    0x208ffffffff phys-bits too low (40)`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='qemu'><maxMemory slots='4' unit='GiB'>1024</maxMemory><memory unit='GiB'>4</memory>
      <vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><numa><cell id='0' cpus='0-1' memory='4' unit='GiB'/></numa></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='qemu'><maxMemory slots='4' unit='GiB'>1024</maxMemory><memory unit='GiB'>4</memory>
      <vcpu>2</vcpu><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu><maxphysaddr mode='emulate' bits='42'/><numa><cell id='0' cpus='0-1' memory='4' unit='GiB'/></numa>
      </cpu></domain>
    ```
    """

    code = "VL225"
    name = "guest-address-space"
    severity = Severity.ERROR
    summary = "A guest physical address space beyond the CPU's address bits (QEMU refuses it at start)."
    # (RAM alone reaches TCG's 40 bits only near 1 TiB: a domain without these elements is not judged)
    elements = ("maxMemory", "cpu/maxphysaddr", "devices/controller/pcihole64")
    uses_caps = False  # (the caps tell the machine and QEMU release only)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        found = ctx.once("guest-address-space", lambda: _problem(ctx))
        if found is None or found[0] is not element:  # type: ignore[index]
            return NOTHING
        return iter((found[1],))  # type: ignore[index]
