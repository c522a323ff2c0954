"""VL226 board-limits: fewer vCPUs than the cores QEMU's emulated ARM board has, RAM the board cannot have, or
machine properties (pflash, ACPI) it lacks."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import element_kib
from virtlint.rules._addresses import ARM
from virtlint.rules._cpu import custom_model, mode_of
from virtlint.rules._devices import QEMU_START, caps_qemu_release, qemu_driver, refused_since
from virtlint.rules._domain import aligned, memory_alignment, vcpu_counts
from virtlint.rules._identity import emulator_of
from virtlint.rules._support import NOTHING, domain_children, domain_find

#: QEMU's ARM boards (qemu-system-arm and qemu-system-aarch64) whose machine class has a minimum CPU count above 1
#: (MachineClass.min_cpus, from the SoC's fixed cores): each probed on QEMU 7.2 with `-machine NAME -smp 1`
#: (`Invalid SMP CPUs 1. The min CPUs supported by machine 'NAME' is N`). Boards missing here are not judged.
BOARD_MIN_CPUS: dict[str, int] = {
    # Raspberry Pi 2 and 3 (BCM2836, BCM2837), Orange Pi PC (Allwinner H3), Xilinx Versal
    "raspi2b": 4, "raspi3ap": 4, "raspi3b": 4, "orangepi-pc": 4, "xlnx-versal-virt": 4,
    # Facebook's fby35 (an AST2600 BMC and an AST1030)
    "fby35": 3,
    # ASPEED AST2600 boards (two Cortex-A7)
    "ast2600-evb": 2, "bletchley-bmc": 2, "fby35-bmc": 2, "fuji-bmc": 2, "qcom-dc-scm-v1-bmc": 2,
    "qcom-firework-bmc": 2, "rainier-bmc": 2, "tacoma-bmc": 2,
    # Nuvoton NPCM7xx boards (two Cortex-A9)
    "kudo-bmc": 2, "mori-bmc": 2, "npcm750-evb": 2, "quanta-gbs-bmc": 2, "quanta-gsj": 2,
    # Arm's SSE-200 subsystems (two Cortex-M33) and Samsung's Exynos4210 (two Cortex-A9)
    "mps2-an521": 2, "mps3-an524": 2, "musca-a": 2, "musca-b1": 2, "nuri": 2, "smdkc210": 2,
}

MIB = 1024  # KiB
#: ARM boards whose RAM is the board's own size, in KiB (QEMU refuses any other -m: `Invalid RAM size, should be 1
#: GiB`), each probed on QEMU 7.2 with -m 128, 1024, 2048 and 8192
BOARD_RAM: dict[str, int] = {
    "raspi0": 512 * MIB, "raspi1ap": 512 * MIB, "raspi3ap": 512 * MIB, "raspi2b": 1024 * MIB, "raspi3b": 1024 * MIB,
    "mps2-an385": 16 * MIB, "mps2-an386": 16 * MIB, "mps2-an500": 16 * MIB, "mps2-an505": 16 * MIB,
    "mps2-an511": 16 * MIB, "mps2-an521": 16 * MIB, "mps3-an524": 2048 * MIB, "mps3-an547": 2048 * MIB,
    "canon-a1100": 64 * MIB, "cheetah": 32 * MIB, "musicpal": 32 * MIB, "sx1": 32 * MIB, "sx1-v1": 32 * MIB,
    "collie": 512 * MIB, "n800": 128 * MIB, "n810": 128 * MIB,
}
#: ARM boards with a largest RAM, in KiB, and QEMU's message beyond it (probed as above, and 1025 MiB)
BOARD_MAX_RAM: dict[str, tuple[int, str]] = {
    "vexpress-a9": (1024 * MIB, "vexpress-a9: cannot model more than 1GB RAM"),
    "versatilepb": (256 * MIB, "versatilepb: memory size must not exceed 256MB"),
    "versatileab": (256 * MIB, "versatilepb: memory size must not exceed 256MB"),
}

#: The ARM boards besides virt (virt-*, checked apart) with flash machine properties (pflash0, pflash1), where libvirt
#: puts a pflash loader; on any other board QEMU refuses it (checked with libvirt 9.0 and QEMU 7.2 on both binaries:
#: vexpress-a9, vexpress-a15, versatilepb, xlnx-zcu102, raspi3b)
PFLASH_BOARDS = ("sbsa-ref",)
#: The libvirt release (9.0, the one checked) that gives every aarch64 machine acpi=on or off, whatever the machine
#: (9.2 asks QEMU which machines have ACPI), and the QEMU releases checked with it
ACPI_TO_EVERY_MACHINE = ((9, 0), (9, 1))
ACPI_TO_EVERY_MACHINE_QEMU_FROM = (7, 2)

GIB = 1 << 30
#: qemu-system-arm's virt machine bounds its memory map by the CPU's physical address bits (virt_set_memmap;
#: checked with QEMU 7.2, the oldest judged)
VIRT_PA_BITS_FROM = (7, 2)


def _size(kib: int) -> str:
    """QEMU's size_to_str for the sizes above: '512 MiB', '1 GiB'."""
    return f"{kib // (1024 * MIB)} GiB" if kib % (1024 * MIB) == 0 else f"{kib // MIB} MiB"


@register
class BoardLimits(Rule):
    """
    ## What it does
    Checks what QEMU's emulated ARM boards (qemu-system-arm and
    qemu-system-aarch64 machines) demand of the vCPUs and RAM they start
    with, and the machine properties they lack, which the capabilities do
    not report:
    - the vCPUs a domain starts with (`<vcpu current>`, else the `<vcpu>`
      count, 1 without `<vcpu>`) against the cores of the board's SoC: the
      Raspberry Pi 2 and 3 (`raspi2b`, `raspi3b`, `raspi3ap`),
      `orangepi-pc` and `xlnx-versal-virt` need 4, `fby35` 3, the ASPEED
      AST2600, Nuvoton NPCM7xx, SSE-200 and Exynos4210 boards 2 (the
      machine classes' `min_cpus`; machine_parse_smp_config);
    - the initial memory (`<memory>`, libvirt's `-m`) of boards whose RAM is
      the board's own: 512 MiB on `raspi0`, `raspi1ap`, `raspi3ap` and
      `collie`, 1 GiB on `raspi2b` and `raspi3b`, 16 MiB on the `mps2`
      boards, 2 GiB on `mps3-an524` and `mps3-an547`, and those of
      `canon-a1100`, `cheetah`, `musicpal`, `sx1` and the Nokia `n800` and
      `n810`; at most 1 GiB on `vexpress-a9`, 256 MiB on `versatilepb` and
      `versatileab`;
    - on qemu-system-arm's `virt` machine under TCG (QEMU 7.2 and later; not
      qemu-system-aarch64's, whose `max` has 64-bit address bits), a
      CPU of 32 physical address bits (the `max` model, which has no LPAE,
      or mode `maximum`) with more than 3 GiB of RAM: the RAM starts at 1
      GiB and its end, rounded up to a GiB, must be within 4 GiB
      (virt_set_memmap: `Addressing limited to 32 bits, but memory exceeds
      it by 1073741824 bytes`; a domain with `<maxMemory>` is not judged).
    Each probed on QEMU 7.2 (`-smp 1`; `-m` 128, 1024, 1025, 2048 and 8192
    MiB). Boards not in these tables are not judged; nor is the memory of a
    domain with guest NUMA cells or memory devices. Stage: start (QEMU
    driver: QEMU refuses the board when libvirt starts it; checked with
    libvirt 9.0 and QEMU 7.2).

    ## Why is this bad?
    `virsh start` fails: `Invalid SMP CPUs 1. The min CPUs supported by
    machine 'raspi3b' is 4`, `Invalid RAM size, should be 1 GiB`,
    `vexpress-a9: cannot model more than 1GB RAM`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>qemu</domain><machine>raspi3b</machine><arch>aarch64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='qemu'><memory unit='MiB'>1024</memory><vcpu>1</vcpu>
      <os><type arch='aarch64' machine='raspi3b'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='qemu'><memory unit='MiB'>1024</memory><vcpu>4</vcpu>
      <os><type arch='aarch64' machine='raspi3b'>hvm</type></os></domain>
    ```
    """

    code = "VL226"
    name = "board-limits"
    severity = Severity.ERROR
    summary = "vCPUs, RAM or machine properties an emulated ARM machine cannot start with (QEMU refuses it at start)."
    elements = ("os/type",)
    uses_caps = False  # (QEMU's machine tables, not the caps, say the limits)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        machine = ctx.machine
        if machine is None or ctx.arch not in ARM or not qemu_driver(ctx):
            return NOTHING
        if machine == "virt" or machine.startswith("virt-"):
            problem = _virt_32_bit(ctx) if ctx.arch == "armv7l" else None
        else:
            # (QEMU's order: the vCPUs with the machine's options, then its properties, then the board's RAM)
            problem = _cpus(element, machine, ctx) or _pflash(machine, ctx) or _acpi(element, machine, ctx) or \
                _ram(machine, ctx)
        return iter((problem,)) if problem is not None else NOTHING


def _cpus(element: etree._Element, machine: str, ctx: Context) -> Problem | None:
    minimum = BOARD_MIN_CPUS.get(machine)
    current = vcpu_counts(ctx)[1]
    if minimum is None or current is None or current >= minimum:
        return None
    vcpus = domain_children(ctx).get("vcpu")
    vcpu = vcpus[0] if vcpus else None
    if vcpu is None:
        anchor = Anchor(element, "machine")
    elif vcpu.get("current") is not None:
        anchor = Anchor(vcpu, "current")
    else:
        anchor = Anchor(vcpu, text=True)
    return Problem(anchor, f"Invalid SMP CPUs {current}. The min CPUs supported by machine '{machine}' is {minimum}"
                   + QEMU_START, hint=f"the board's SoC has {minimum} cores: start the domain with at least {minimum} "
                                      "vCPUs")


def _pflash(machine: str, ctx: Context) -> Problem | None:
    """A pflash loader (qemuBuildMachineCommandLine: `-machine ...,pflash0=`, virDomainDefHasOldStyleUEFI) on a board
    without flash properties."""
    if machine in PFLASH_BOARDS or machine == "none":  # ('none' not checked)
        return None
    loader = domain_find(ctx, "os/loader")
    if loader is None or loader.get("type") != "pflash":
        return None
    return Problem(Anchor(loader, "type"), f"Property '{machine}-machine.pflash0' not found (libvirt gives a pflash "
                   "loader to the machine's pflash0, which only ARM's virt and sbsa-ref machines have)" + QEMU_START,
                   hint="UEFI firmware on ARM needs the virt machine; on this board load the firmware with "
                        "<loader type='rom'>, or boot a kernel directly", replacements=("rom",))


def _acpi(element: etree._Element, machine: str, ctx: Context) -> Problem | None:
    """libvirt 9.0 (QEMU_CAPS_MACHINE_ACPI, the binary's) gives every aarch64 machine acpi=on or off: a board
    without ACPI fails whatever <acpi/> says (checked on 9.0 with QEMU 7.2: sbsa-ref, vexpress-a15, xlnx-zcu102,
    raspi3b; qemu-system-arm's boards start)."""
    if ctx.arch != "aarch64" or machine == "none":
        return None
    since, until = ACPI_TO_EVERY_MACHINE
    if not refused_since(ctx, *since) or refused_since(ctx, *until):
        return None
    release = caps_qemu_release(ctx)
    if release is None or release[0] < ACPI_TO_EVERY_MACHINE_QEMU_FROM:
        return None
    return Problem(Anchor(element, "machine"),
                   f"Property '{machine}-machine.acpi' not found (libvirt 9.0 gives every aarch64 machine "
                   "acpi=on or off, and this board has no ACPI)" + QEMU_START,
                   hint="use the virt machine: libvirt 9.2 and later give acpi= only to machines that have ACPI")


def _initial_memory(ctx: Context) -> tuple[etree._Element, int] | None:
    """<memory> and the initial memory libvirt gives QEMU (-m: rounded up to 1 MiB), in KiB; None when guest NUMA
    cells or memory devices make it another (not judged here)."""
    memory = domain_find(ctx, "memory")
    if memory is None or ctx.root.find("cpu/numa") is not None or ctx.root.find("devices/memory") is not None:
        return None
    size = element_kib(memory)
    return (memory, aligned(size, memory_alignment(ctx.arch))) if size is not None else None


def _virt_32_bit(ctx: Context) -> Problem | None:
    """qemu-system-arm's virt machine with a CPU of 32 physical address bits (TCG's `max`, which has no LPAE, or
    mode='maximum'): its RAM from 1 GiB ends at a GiB boundary, which must be within 4 GiB (virt_set_memmap)."""
    release = caps_qemu_release(ctx)
    if ctx.domain_type != "qemu" or release is None or release[0] < VIRT_PA_BITS_FROM:
        return None
    # (qemu-system-aarch64 runs an armv7l guest too, and its `max` has 64-bit address bits: judged on the arm binary
    # only, the domain's <emulator> or else the caps')
    binary = emulator_of(ctx) or (ctx.caps.emulator if ctx.identity_matches else None)
    if binary is None or not binary.endswith("/qemu-system-arm"):
        return None
    cpu = domain_find(ctx, "cpu")
    if cpu is None or not (mode_of(cpu) == "maximum" or (custom_model(cpu) or (None, ""))[1] == "max"):
        return None
    if domain_find(ctx, "maxMemory") is not None:
        return None  # (the device memory region after the RAM: not modelled here)
    found = _initial_memory(ctx)
    if found is None:
        return None
    memory, ram = found
    top = aligned(GIB + ram * 1024, GIB)
    if top <= 4 * GIB:
        return None
    return Problem(Anchor(memory, text=True),
                   f"Addressing limited to 32 bits, but memory exceeds it by {top - 4 * GIB} bytes" + QEMU_START,
                   hint="the virt machine maps RAM from 1 GiB and this CPU (no LPAE) addresses 4 GiB: give at most 3 "
                        "GiB, or a CPU with LPAE (cortex-a15, the default)")


def _ram(machine: str, ctx: Context) -> Problem | None:
    found = _initial_memory(ctx)
    if found is None:
        return None
    memory, ram = found
    fixed = BOARD_RAM.get(machine)
    if fixed is not None and ram != fixed:
        return Problem(Anchor(memory, text=True), f"Invalid RAM size, should be {_size(fixed)}" + QEMU_START,
                       hint=f"the board has {_size(fixed)} of RAM: give <memory unit='KiB'>{fixed}</memory>")
    limit = BOARD_MAX_RAM.get(machine)
    if limit is not None and ram > limit[0]:
        return Problem(Anchor(memory, text=True), limit[1] + QEMU_START,
                       hint=f"the board takes at most {_size(limit[0])} of RAM")
    return None
