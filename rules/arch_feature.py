"""VL406 arch-feature: <features> and <clock><timer> that exist only on some arches or machines, from one table."""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import X86
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, fw_cfg_without_dma
from virtlint.rules._domain import PPC64, is_arm_virt, is_pseries, machine_of
from virtlint.rules._support import NOTHING

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: (arch, machine, domain type) -> whether the construct is allowed there
Where = Callable[[str | None, str | None, str | None], bool]

GENERIC = "The '{name}' feature is not supported for architecture '{arch}' or machine type '{machine}'"
TIMER = "Configuring the '{name}' timer is not supported for virtType={virt} arch={arch} machine={machine} guests"


def _x86(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return arch in X86


def _pseries(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return is_pseries(arch, machine)


def _arm_virt(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return is_arm_virt(arch, machine)


def _x86_or_arm_virt(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return arch in X86 or is_arm_virt(arch, machine)


def _vmport_machine(arch: str | None, machine: str | None, virt: str | None) -> bool:
    """virQEMUCapsSupportsVmport: i440fx, q35 or isapc."""
    if arch not in X86 or not machine:
        return False
    return (machine in ("pc", "q35", "isapc") or machine.startswith(("pc-0.", "pc-1.", "pc-i440fx-", "rhel",
                                                                    "pc-q35-")))


def _not_arm_virt(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return not is_arm_virt(arch, machine)


def _fw_cfg_dma(arch: str | None, machine: str | None, virt: str | None) -> bool:
    """Whether the machine's fw_cfg has DMA, which vmcoreinfo needs."""
    return not fw_cfg_without_dma(machine)


def _kvm_arm_virt(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return virt == "kvm" and is_arm_virt(arch, machine)


def _not_ppc64(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return arch not in PPC64


def _tcg(arch: str | None, machine: str | None, virt: str | None) -> bool:
    return virt == "qemu"


def _kvm_cpu_property(element: etree._Element) -> bool:
    """A <kvm> feature libvirt writes as a guest CPU property (qemuBuildCpuCommandLine: hidden on is kvm=off, the
    others only in the state shown)."""
    for child in element:
        state = child.get("state")
        if (child.tag, state) in (("hidden", "on"), ("hint-dedicated", "on"), ("poll-control", "on"),
                                  ("pv-ipi", "off")):
            return True
    return False


def _present(element: etree._Element) -> bool:
    return True


def _timer_present(element: etree._Element) -> bool:
    return element.get("present") == "yes"


def _pm_state_set(element: etree._Element) -> bool:
    """A <pm> state libvirt holds as set: the first of its kind in the domain, enabled='yes' or 'no'."""
    if element.get("enabled") not in ("yes", "no"):
        return False
    pm = element.getparent()
    root = pm.getparent() if pm is not None else None
    return root is None or root.find(f"pm/{element.tag}") is element


class Bound(FrozenRecord):
    """A construct libvirt allows only where ``allowed`` says, with libvirt's message."""

    path: str  # element path below <domain>
    allowed: Where
    message: str  # {name} {arch} {machine} {virt}
    where: str  # for the hint: where it does exist
    active: Callable[[etree._Element], bool]
    name: str | None  # the construct's name in the message (default: the element's tag)
    attribute: str | None  # what the finding points at (None: the element)
    needs_machine: bool  # the verdict depends on the machine type
    #: ``active`` holds only for an element whose name attribute is ``name`` (the timers): the rule reads that
    #: attribute alone to rule such bounds out
    named: bool

    __slots__ = ("path", "allowed", "message", "where", "active", "name", "attribute", "needs_machine", "named")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        allowed: Where,
        message: str,
        where: str,
        active: Callable[[etree._Element], bool] = _present,
        name: str | None = None,
        attribute: str | None = None,
        needs_machine: bool = True,
        named: bool = False,
    ) -> None:
        _set(self, "path", path)
        _set(self, "allowed", allowed)
        _set(self, "message", message)
        _set(self, "where", where)
        _set(self, "active", active)
        _set(self, "name", name)
        _set(self, "attribute", attribute)
        _set(self, "needs_machine", needs_machine)
        _set(self, "named", named)


BOUNDS: tuple[Bound, ...] = (
    Bound("features/ioapic", _x86, GENERIC, "x86", lambda e: e.get("driver") is not None, needs_machine=False),
    *(Bound(f"features/{tag}", _pseries, GENERIC, "pSeries (ppc64) machines")
      for tag in ("hpt", "htm", "nested-hv", "ccf-assist", "cfpc", "sbbc", "ibs")),
    # libvirt sets the gic feature on when the element is present; VL401 reports it where the caps say supported='no'
    Bound("features/gic", _arm_virt, GENERIC, "ARM 'virt' machines"),
    Bound("features/vmport", _vmport_machine, "vmport is not available with this QEMU binary",
          "x86 i440fx, q35 and isapc machines"),
    Bound("features/apic", _x86, "The 'eoi' attribute of the '{name}' feature is not supported for architecture "
          "'{arch}' or machine type '{machine}'", "x86", lambda e: e.get("eoi") is not None, attribute="eoi",
          needs_machine=False),
    Bound("features/pvspinlock", _x86, GENERIC, "x86", needs_machine=False),
    # (qemuProcessVerifyKVMFeatures, at start: TCG's guest CPU has no kvm_pv_unhalt; <pvspinlock/> is on)
    Bound("features/pvspinlock", lambda a, m, v: v != "qemu" or a not in X86,
          "host doesn't support paravirtual spinlocks" + LIBVIRT_START, "KVM domains",
          lambda e: e.get("state") in (None, "on"), needs_machine=False),
    Bound("features/hyperv", _x86_or_arm_virt,
          "Hyperv features are not supported for architecture '{arch}' or machine type '{machine}'",
          "x86 and ARM 'virt' machines", lambda e: e.get("mode") != "none"),
    # (qemuBuildCpuCommandLine gives the guest CPU the enlightenments switched on, hv-relaxed=on..., whatever the
    # arch; libvirt allows <hyperv> on ARM virt, whose QEMU CPUs have no such property: at start, checked on 9.0)
    Bound("features/hyperv", _not_arm_virt,
          "can't apply global hv-* properties: QEMU's {arch} CPUs have no Hyper-V enlightenments" + QEMU_START,
          "x86", lambda e: e.get("mode") == "passthrough" or any(child.get("state") == "on" for child in e)),
    # (the same for <kvm>: kvm=off, kvm-hint-dedicated=on, kvm-poll-control=on, kvm-pv-ipi=off; checked on 9.0 with
    # ARM virt, the one non-x86 QEMU here: other arches are left alone, as is <smm> below)
    Bound("features/kvm", _not_arm_virt, "can't apply global kvm properties: QEMU's {arch} CPUs have no KVM "
          "paravirtual features (hidden, hint-dedicated, poll-control, pv-ipi)" + QEMU_START, "x86",
          _kvm_cpu_property),
    # (qemuBuildMachineCommandLine writes smm=on or off whatever the arch: x86 machines have the property, ARM virt
    # not: `Property 'virt-7.2-machine.smm' not found`, checked on 9.0)
    Bound("features/smm", _not_arm_virt, "Property 'smm' not found: the {arch} machine '{machine}' has no System "
          "Management Mode" + QEMU_START, "x86"),
    # (QEMU: a host GIC version needs KVM; checked on 9.0 with an ARM virt TCG domain)
    Bound("features/gic", lambda a, m, v: v != "qemu" or not is_arm_virt(a, m),
          "gic-version=host requires KVM" + QEMU_START, "KVM domains", lambda e: e.get("version") == "host",
          attribute="version"),
    Bound("features/pmu", _not_ppc64, "PMU is always enabled for architecture '{arch}'",
          "any arch but ppc64", lambda e: e.get("state") == "off", attribute="state", needs_machine=False),
    Bound("features/tcg", _tcg, "TCG features are incompatible with domain type '{virt}'", "domain type 'qemu'",
          needs_machine=False),
    Bound("features/ras", _arm_virt, "ras feature is only supported with ARM Virt machines", "ARM 'virt' machines",
          lambda e: e.get("state") is not None),
    *(Bound("clock/timer", _x86, TIMER, "x86", (lambda n: lambda e: e.get("name") == n and _timer_present(e))(name),
            name=name, attribute="name", needs_machine=False, named=True)
      for name in ("tsc", "kvmclock", "hypervclock")),
    # (qemuBuildCpuCommandLine writes kvmclock=off whatever the arch; QEMU's CPUs off x86 have no such property:
    # at start, checked on 9.0 with aarch64; present='yes' is refused at define, above)
    Bound("clock/timer", lambda a, m, v: a in X86, "can't apply global kvmclock=off: Property 'kvmclock' not found "
          "(QEMU's {arch} CPUs have no kvmclock)" + QEMU_START, "x86",
          lambda e: e.get("name") == "kvmclock" and e.get("present") == "no", name="kvmclock", attribute="present",
          needs_machine=False, named=True),
    # (catching up needs the kvm-pit device's lost_tick_policy, QEMU_CAPS_KVM_PIT_TICK_POLICY: x86 QEMU's only;
    # qemuValidateDomainDefClockTimers, checked on 9.0 with aarch64)
    Bound("clock/timer", lambda a, m, v: a in X86, "unsupported pit tickpolicy 'catchup'", "x86",
          lambda e: e.get("name") == "pit" and e.get("tickpolicy") == "catchup", name="pit", attribute="tickpolicy",
          needs_machine=False, named=True),
    Bound("clock/timer", lambda a, m, v: a in X86, "hpet timer is not supported by this architecture", "x86",
          lambda e: e.get("name") == "hpet" and _timer_present(e), name="hpet", attribute="name",
          needs_machine=False, named=True),
    # (libvirt asks only for the device; QEMU's vmcoreinfo_realize refuses a fw_cfg without DMA: checked on 9.0 with
    # QEMU 7.2, pc-i440fx-2.4 and pc-q35-2.4 refused, 2.5 started)
    Bound("features/vmcoreinfo", _fw_cfg_dma, "-device vmcoreinfo: vmcoreinfo device requires fw_cfg with DMA"
          + QEMU_START, "machines of version 2.5 and later", lambda e: e.get("state") != "off", attribute=None),
    # (libvirt writes -machine hpet=off where the binary has the property, and microvm's machine has none: QEMU, at
    # start, checked on 9.0; present='yes' writes nothing there)
    Bound("clock/timer", lambda a, m, v: m != "microvm", "Property 'microvm-machine.hpet' not found" + QEMU_START,
          "pc and q35 machines", lambda e: e.get("name") == "hpet" and e.get("present") == "no", name="hpet",
          attribute="present", named=True),
    Bound("clock/timer", _kvm_arm_virt, TIMER, "KVM ARM 'virt' machines", lambda e: e.get("name") == "armvtimer",
          name="armvtimer", attribute="name", named=True),
    # (qemuValidateDomainDef: pm.s3/s4 set, enabled='yes' or 'no', by the first of its kind: virXPathNode)
    *(Bound(f"pm/{tag}", _x86, "setting ACPI S3/S4 not supported", "x86", _pm_state_set, attribute="enabled",
            needs_machine=False) for tag in ("suspend-to-mem", "suspend-to-disk")),
)

_BY_PATH: dict[str, list[Bound]] = {}
for _bound in BOUNDS:
    _BY_PATH.setdefault(_bound.path, []).append(_bound)

#: (arch, machine, domain type) -> path -> (the bounds that refuse their construct there, in table order; the
#: names of their elements when all are ``named``, else None): the verdicts depend on those three alone, so
#: they are decided once per combination (a bounded memo).
_Refusing = tuple[tuple[Bound, ...], frozenset[str] | None]
_REFUSING: dict[tuple[str, str | None, str | None], dict[str, _Refusing]] = {}


def _refusing(arch: str, machine: str | None, virt: str | None) -> dict[str, _Refusing]:
    key = (arch, machine, virt)
    table = _REFUSING.get(key)
    if table is None:
        table = {path: (refusing, frozenset(str(bound.name) for bound in refusing)
                        if all(bound.named for bound in refusing) else None)
                 for path, bounds in _BY_PATH.items()
                 if (refusing := tuple(bound for bound in bounds if (machine or not bound.needs_machine)
                                       and not bound.allowed(arch, machine, virt)))}
        if len(_REFUSING) < 256:
            _REFUSING[key] = table
    return table


#: ctx.memo key: this document's ``_refusing`` table (empty without an arch)
_TABLE_KEY = "arch-feature:refusing"


@register
class ArchFeature(Rule):
    """
    ## What it does
    Reports `<features>` and `<clock><timer>` that libvirt allows only on some
    arches, machines or domain types, from one table (qemuValidateDomainDefFeatures,
    qemuValidateDomainDefPSeriesFeature, qemuValidateDomainDefClockTimers):
    `ioapic`, `pvspinlock`, the `eoi` of `apic` and the `tsc`, `kvmclock`,
    `hypervclock` and `hpet` timers are x86-only; `hpt`, `htm`,
    `nested-hv`, `ccf-assist`, `cfpc`, `sbbc` and `ibs` pSeries-only; `gic`,
    `ras` ARM `virt`-only; `armvtimer` needs KVM on ARM `virt`; `hyperv` x86
    or ARM `virt`; `vmport` the i440fx, q35 and isapc machines; `pmu
    state='off'` is refused on ppc64; `tcg` needs domain type `qemu`; `<pm>`
    `suspend-to-mem` and `suspend-to-disk` (enabled or not) exist on x86 only
    (`setting ACPI S3/S4 not supported`, qemuValidateDomainDef; libvirt 9.0
    asks the binary for the PIIX4/ICH9 disable-s3/s4 properties, which only
    x86 QEMU has, and says `setting ACPI S3 not supported`; checked on 9.0
    with aarch64). The arch and machine come from `<os><type>`. Stage: define
    (QEMU driver); and at start, `pvspinlock` turned on in an x86 TCG domain
    (type `qemu`: `host doesn't support paravirtual spinlocks`,
    qemuProcessVerifyKVMFeatures; TCG's guest CPU has no kvm_pv_unhalt;
    libvirt defines the domain and refuses to start it, checked with 9.0),
    `<vmcoreinfo/>` on the i440fx and q35 machines of 2.4 and older, whose
    fw_cfg has no DMA (QEMU: `vmcoreinfo device requires fw_cfg with DMA`;
    checked on 9.0, 2.5 starts), an hpet timer with `present='no'` on microvm, whose machine has no hpet
    property (QEMU: `Property 'microvm-machine.hpet' not found`; checked on
    9.0, where `present='yes'` starts), and a pit timer's `catchup` tick
    policy off x86 (`unsupported pit
    tickpolicy 'catchup'`: only x86 QEMU has the kvm-pit device that catches
    up; define, checked on 9.0 with aarch64), and at start a `kvmclock` timer
    with `present='no'` off x86 (libvirt passes
    `kvmclock=off` to QEMU, whose CPUs there have no such property: `can't
    apply global cortex-a15-arm-cpu.kvmclock=off`; checked on 9.0 with
    aarch64). Also at start (QEMU), each checked on 9.0 with ARM virt: on
    ARM `virt`, a `<hyperv>` in passthrough mode or with an enlightenment
    switched on (libvirt allows it there, and writes `hv-relaxed=on`... for
    the guest CPU, which has no such property), a `<kvm>` feature libvirt
    writes as a CPU property (`hidden` on, `hint-dedicated` on,
    `poll-control` on, `pv-ipi` off) and any `<smm>` (`<smm/>` is on; off is
    written too: `Property 'virt-7.2-machine.smm' not found`); and a `gic
    version='host'` in an ARM TCG domain (`gic-version=host requires KVM`). (Other non-x86
    arches likely refuse the `<kvm>` and `<smm>` ones too; not checked, so
    not judged.)

    ## Why is this bad?
    `virsh define` fails: `The 'hpt' feature is not supported for architecture
    'x86_64' or machine type 'pc'`, `Configuring the 'tsc' timer is not
    supported for virtType=kvm arch=s390x machine=s390-ccw-virtio guests`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><htm state='on'/></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='ppc64le' machine='pseries'>hvm</type></os>
      <features><htm state='on'/></features></domain>
    ```
    """

    code = "VL406"
    name = "arch-feature"
    severity = Severity.ERROR
    summary = "A feature or timer that exists only on other arches, machines or domain types."
    elements = tuple(_BY_PATH)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        table: dict[str, _Refusing] | None = ctx.memo.get(_TABLE_KEY)  # type: ignore[assignment]
        if table is None:
            arch = ctx.arch
            table = ctx.memo[_TABLE_KEY] = _refusing(arch, machine_of(ctx), ctx.domain_type) if arch else {}
        refused = table.get(ctx.path)
        if refused is None:
            return NOTHING  # allowed here whatever the element says
        refusing, names = refused
        if names is not None and element.get("name") not in names:
            return NOTHING  # the common case for timers: one that no bound here is about
        return self._problems(element, refusing, str(ctx.arch), machine_of(ctx), ctx)

    def _problems(self, element: etree._Element, refusing: tuple[Bound, ...], arch: str, machine: str | None,
                  ctx: Context) -> Iterator[Problem]:
        for bound in refusing:
            if not bound.active(element):
                continue
            if bound.path == "features/gic" and ctx.caps.support("features/gic").unsupported:
                continue  # VL401 says it from the caps
            name = bound.name or element.tag
            message = bound.message.format(name=name, arch=arch, machine=machine or ctx.machine or "",
                                           virt=ctx.domain_type or "")
            yield Problem(Anchor(element, bound.attribute), message,
                          hint=f"remove it; it exists only on {bound.where}")
