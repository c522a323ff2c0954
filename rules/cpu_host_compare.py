"""VL606 cpu-host-compare: a guest CPU libvirt's start-time comparison with the host CPU model refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.cpu_map import Bits, CpuMap
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import X86
from virtlint.rules._cpu import lookup, mode_of
from virtlint.rules._devices import LIBVIRT_START, qemu_driver
from virtlint.rules._support import first_child

#: libvirt's message prefix for a failed comparison (VIR_ERR_CPU_INCOMPATIBLE)
INCOMPATIBLE = "the CPU is incompatible with host CPU: "


def effective_check(cpu: etree._Element, domain_type: str | None) -> str:
    """The check libvirt applies (qemuDomainDefCPUPostParse): the given one, else none for host-passthrough and
    maximum, partial for host-model, and for a custom model partial but with TCG, where it is none."""
    given = cpu.get("check")
    if given in ("none", "partial", "full"):
        return given
    mode = mode_of(cpu)
    if mode in ("host-passthrough", "maximum"):
        return "none"
    if mode == "host-model":
        return "partial"
    return "none" if domain_type == "qemu" else "partial"


def _host_features(caps: DomainCaps, host: etree._Element) -> dict[str, str]:
    """The host-model's <feature>s in the caps: name -> policy (read once per caps)."""
    found = caps.memo.get(_HOST_FEATURES_KEY)
    if found is None:
        found = caps.memo[_HOST_FEATURES_KEY] = {feature.get("name") or "": feature.get("policy") or "require"
                                                 for feature in host.iterchildren("feature")}
    return found  # type: ignore[return-value]


#: caps.memo key of _host_features
_HOST_FEATURES_KEY = "VL606 host-model features"
#: caps.memo key of _host_bits (per host document and CPU map)
_HOST_BITS_KEY = "VL606 host CPU bits"
#: The domain types whose host CPU libvirt completes with the physical CPU's own CPUID features (virQEMUCapsInit-
#: HostCPUModel: an accelerated type on x86, `virsh capabilities`' <host><cpu>), beyond what the caps report
ACCELERATED = ("kvm", "hvf")
#: The feature policies (virCPUFeaturePolicy), each a set of bits in x86Compute
POLICIES = ("force", "require", "optional", "disable", "forbid")


def _cpu_bits(cpu: etree._Element, cpu_map: CpuMap, policy_default: str) -> tuple[Bits, dict[str, Bits]] | None:
    """A CPU's model bits and its features' bits by policy (x86ModelFromCPU); None when the map lacks a name."""
    model = first_child(cpu, "model")
    name = (model.text or "").strip() if model is not None else ""
    model_bits: Bits = 0
    if name:
        found = cpu_map.models.get(name)
        if found is None:
            return None
        model_bits = found.bits
    by_policy = dict.fromkeys(POLICIES, 0)
    for feature in cpu.iterchildren("feature"):
        bits = cpu_map.features.get(feature.get("name") or "")
        policy = feature.get("policy", policy_default)
        if bits is None or policy not in by_policy:
            return None
        by_policy[policy] |= bits
    return model_bits, by_policy


def _host_bits(ctx: Context, host: etree._Element, cpu_map: CpuMap) -> tuple[Bits, bool] | None:
    """The host CPU libvirt compares with (VIR_QEMU_CAPS_HOST_CPU_FULL) as CPU bits, and whether they are all of
    them: the caps' host-model (its model's features, with those it requires, less those it disables), with, for
    an accelerated domain type, the physical CPU's (the host document's <host><cpu>; without one some bits may be
    missing). None when the map lacks a name of theirs."""
    memo: dict[object, tuple[Bits, bool] | None] = ctx.caps.memo.setdefault(  # type: ignore[assignment]
        _HOST_BITS_KEY, {})
    accelerated = ctx.domain_type in ACCELERATED
    key = (id(cpu_map), id(ctx.host) if accelerated and ctx.host is not None else None, accelerated)
    if key in memo:
        return memo[key]
    found: tuple[Bits, bool] | None = None
    reported = _cpu_bits(host, cpu_map, "require")
    if reported is not None:
        model_bits, by_policy = reported
        bits = (model_bits | by_policy["require"] | by_policy["force"]) & ~(by_policy["disable"] | by_policy["forbid"])
        certain = not accelerated
        physical_cpu = ctx.host.root.find("host/cpu") if accelerated and ctx.host is not None else None
        if physical_cpu is not None:
            physical = _cpu_bits(physical_cpu, cpu_map, "require")
            if physical is not None:
                bits |= physical[0] | physical[1]["require"]
                certain = True
        found = (bits, certain)
    if len(memo) < 64:
        memo[key] = found
    return found


def _tcg_lacking(required: list[etree._Element], ctx: Context, host: etree._Element,
                 by_name: list[etree._Element]) -> list[etree._Element]:
    """The features a TCG domain requires that its host model lacks, with libvirt's CPU map (else ``by_name``: those
    the host model lists as disabled)."""
    cpu_map = ctx.x86_cpu_map() if required else None
    host_found = _host_bits(ctx, host, cpu_map) if cpu_map is not None else None
    if cpu_map is None or host_found is None:
        return by_name
    lacking = []
    for feature in required:
        bits = cpu_map.features.get(feature.get("name") or "")
        if bits is None:
            return by_name
        if bits & ~host_found[0]:
            lacking.append(feature)
    return lacking


def _compared(cpu: etree._Element, ctx: Context, host: etree._Element) -> tuple[str, list[str], bool] | bool | None:
    """x86Compute with libvirt's CPU map, for the partial check: (libvirt's message head, the features it names,
    whether certain) of an incompatibility; False when compatible; None when not judged (no map, a name it lacks)."""
    cpu_map = ctx.x86_cpu_map()
    if cpu_map is None:
        return None
    host_found = _host_bits(ctx, host, cpu_map)
    guest = _cpu_bits(cpu, cpu_map, "require") if host_found is not None else None
    if host_found is None or guest is None:
        return None
    host_bits, complete = host_found
    model_bits, by_policy = guest
    # (the host's full CPU has the bits the caps report, and maybe more: a forbidden or extra bit among the reported
    # ones is certain; a required bit missing from them is certain only when the physical CPU's are known too)
    forbidden = by_policy["forbid"] & host_bits
    if forbidden:
        return "Host CPU provides forbidden features", cpu_map.names(forbidden), True
    left_out = by_policy["force"] | by_policy["optional"] | by_policy["disable"]
    required = (model_bits | by_policy["require"]) & ~left_out
    missing = required & ~host_bits
    if missing:
        return "Host CPU does not provide required features", cpu_map.names(missing), complete
    if cpu.get("match") == "strict" and mode_of(cpu) == "custom":
        extra = host_bits & ~(left_out | required)
        if extra:
            return "Host CPU does not strictly match guest CPU: Extra features", cpu_map.names(extra), True
    return False


def _usable_skip(cpu: etree._Element, ctx: Context) -> bool:
    """virQEMUCapsIsCPUUsable (checked before the comparison from libvirt 10.7; after 9.8, release unknown): a model
    the caps mark usable='yes' with every feature disabled is not compared."""
    if not ctx.libvirt_at_least(9, 9):
        return False
    model = first_child(cpu, "model")
    entry = lookup(ctx.caps, (model.text or "").strip()) if model is not None else None
    return entry is not None and entry.usable == "yes" and all(
        feature.get("policy") == "disable" for feature in cpu.iterchildren("feature"))


@register
class CpuHostCompare(Rule):
    """
    ## What it does
    Compares the guest CPU with the host CPU model of the capabilities
    (`<mode name='host-model'>`: its vendor and the features it lists) as
    libvirt does when the domain starts (qemuProcessUpdateGuestCPU). Unless
    the check is `none` (the default for host-passthrough, maximum, and a
    custom model under TCG), a feature the domain forbids and the host-model
    requires (`Host CPU provides forbidden feature 'la57'`,
    virCPUCheckForbiddenFeatures). With the `partial` check (the default for
    host-model and for a custom model under KVM) of a custom or host-model
    CPU: a `<vendor>` other than the host's (`host CPU vendor does not match
    required CPU vendor Intel`), then, as x86Compute does with libvirt's x86
    CPU map (each model's and feature's CPUID and MSR bits, read from
    libvirt's installed `cpu_map` folder beside its schemas): a forbidden
    feature the host CPU has (`Host CPU provides forbidden features: sse`),
    a feature the guest requires (its model's and those it requires, less
    those it disables, forces or makes optional) that the host CPU lacks
    (`Host CPU does not provide required features: x2apic, tsc-deadline`),
    and with `match='strict'` a host feature the guest does not name (`Host
    CPU does not strictly match guest CPU: Extra features: vme`). The host
    CPU is the capabilities' host-model (its model's features, those it
    requires, less those it disables); under KVM libvirt adds the physical
    CPU's own features, which the host document (`virsh capabilities`)
    lists: without one, a missing feature is a warning. With the `full`
    check under TCG, in any mode, a required feature TCG's host model lacks
    (`guest CPU doesn't match specification: missing features: avx512f`,
    virCPUx86UpdateLive; the model's own features are QEMU's to define and
    not judged). Without libvirt's CPU map, only what the capabilities list
    by name is judged: under TCG a required feature the host-model
    disables. A model or feature the map lacks is not judged. libvirt 10.7
    skips the comparison for a model the capabilities mark usable with every
    feature disabled (virQEMUCapsIsCPUUsable; 9.8 does not: the releases
    after 9.8 are given 10.7's answer).

    ## Why is this bad?
    The domain is defined and does not start: `the CPU is incompatible with
    host CPU: ...` (each checked on 9.0 with QEMU 7.2 under TCG, with its
    twin: the check `none`, the feature not forbidden, the host's vendor).
    Driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>qemu</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <cpu><mode name='host-model' supported='yes'><model fallback='forbid'>EPYC</model><vendor>AMD</vendor>
        <feature policy='require' name='la57'/><feature policy='disable' name='vme'/></mode>
      <mode name='custom' supported='yes'><model usable='yes' vendor='Intel'>qemu64</model></mode></cpu>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='host-model'><feature policy='forbid' name='la57'/></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='qemu'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='host-model'><feature policy='disable' name='la57'/></cpu></domain>
    ```
    """

    code = "VL606"
    name = "cpu-host-compare"
    severity = Severity.ERROR
    summary = ("A forbidden feature the host CPU has, or with the partial check a vendor other than the host's or a "
               "feature the host CPU lacks (libvirt's CPU map).")
    elements = ("cpu",)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        host = caps.block("cpu/mode/host-model")
        return host is not None and host.supported is not False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not len(element):
            return
        check = effective_check(element, ctx.domain_type)
        if check == "none":
            return
        # one pass over the CPU's children: most CPUs forbid nothing, name no vendor and (under KVM) are not
        # compared feature by feature here, and then the host model is not read at all
        forbidden: list[etree._Element] = []
        required: list[etree._Element] = []
        vendor = None
        model = None
        features = False
        tcg = ctx.domain_type == "qemu"
        for child in element:
            if child.tag == "feature":
                features = True
                policy = child.get("policy", "require")
                if policy == "forbid":
                    forbidden.append(child)
                elif policy == "require" and tcg:
                    required.append(child)
            elif child.tag == "vendor" and vendor is None:
                vendor = child
            elif child.tag == "model" and model is None:
                model = child
        partial = check == "partial" and mode_of(element) in ("custom", "host-model")
        full = check == "full" and tcg
        if not forbidden and not (partial and (vendor is not None or model is not None or features)) and \
                not (full and required):
            return
        host_block = ctx.caps.block("cpu/mode/host-model")
        arch = ctx.arch or ctx.caps.arch
        if host_block is None or host_block.supported is False or arch not in X86 or not qemu_driver(ctx):
            return
        host = host_block.element
        listed = _host_features(ctx.caps, host)
        for feature in forbidden:
            name = feature.get("name") or ""
            if listed.get(name, "disable") != "disable":
                yield Problem(Anchor(feature, "policy"), f"{INCOMPATIBLE}Host CPU provides forbidden feature "
                              f"'{name}'" + LIBVIRT_START, hint=f"the host CPU model has {name}: disable it "
                              "(policy='disable') instead of forbidding it", replacements=("disable",),
                              evidence=ctx.caps.evidence(host))
                return
        # (the required features TCG's host model disables, what TCG cannot give: ``required`` is TCG's only, since
        # KVM's full host model has features its migratable one, the caps', disables)
        lacking = [feature for feature in required if listed.get(feature.get("name") or "") == "disable"]
        if full:
            # (virCPUx86UpdateLive, check='full': a required feature the started CPU lacks; checked on 9.0 with
            # maximum, host-model and custom CPUs). With libvirt's CPU map: each required feature whose bits TCG's
            # host model lacks (what TCG cannot give; the model's own features are QEMU's to define, not judged)
            lacking = _tcg_lacking(required, ctx, host, lacking)
            if lacking:
                names = ",".join(feature.get("name") or "" for feature in lacking)
                yield Problem(Anchor(lacking[0], "name"), f"guest CPU doesn't match specification: missing features: "
                              f"{names}" + LIBVIRT_START, hint="TCG cannot give it: drop the feature, or use "
                              "check='partial'", evidence=ctx.caps.evidence(host))
            return
        if not partial or _usable_skip(element, ctx):
            return
        host_vendor = first_child(host, "vendor")
        # (x86Compute compares the text as it is: ' AMD' is no AMD, checked on 9.0)
        wanted = (vendor.text or "") if vendor is not None else ""
        if wanted and host_vendor is not None and host_vendor.text and wanted != host_vendor.text.strip():
            yield Problem(Anchor(vendor, text=True), f"{INCOMPATIBLE}host CPU vendor does not match required CPU "
                          f"vendor {wanted}" + LIBVIRT_START, hint=f"the host's vendor is {host_vendor.text.strip()}: "
                          "remove <vendor>, or use check='none'", evidence=ctx.caps.evidence(host))
            return
        compared = _compared(element, ctx, host)
        if compared is not None:
            if isinstance(compared, tuple):
                yield self._incompatible(element, ctx, host, *compared)
            return  # (judged with libvirt's CPU map: the names alone below say less)
        if lacking:
            names = ", ".join(feature.get("name") or "" for feature in lacking)
            yield Problem(Anchor(lacking[0], "name"), f"{INCOMPATIBLE}Host CPU does not provide required features: "
                          f"{names}" + LIBVIRT_START, hint="TCG's host CPU model disables it: drop the feature, or "
                          "use check='none'", evidence=ctx.caps.evidence(host))

    @staticmethod
    def _incompatible(cpu: etree._Element, ctx: Context, host: etree._Element, head: str, names: list[str],
                      certain: bool) -> Problem:
        """The finding for x86Compute's answer: at the feature that asks for the first named one, else the model
        (or, for extra features, match='strict')."""
        named = set(names)
        anchor = next((Anchor(feature, "name") for feature in cpu.iterchildren("feature")
                       if feature.get("name") in named), None)
        model = first_child(cpu, "model")
        if head.startswith("Host CPU does not strictly"):
            anchor = Anchor(cpu, "match")
            hint = "use match='exact' (the host may have more features than the guest CPU asks for)"
        elif head.startswith("Host CPU provides"):
            hint = "the host CPU model has it: disable it (policy='disable') instead of forbidding it"
        else:
            hint = ("the host CPU lacks it: drop the feature, choose a CPU model the host runs (host-model), or use "
                    "check='none'")
        if anchor is None:
            anchor = Anchor(model, text=True) if model is not None else Anchor(cpu)
        message = f"{INCOMPATIBLE}{head}: {', '.join(names)}" + LIBVIRT_START
        if not certain:
            message += (" (judged against the caps' host-model alone: libvirt also counts the host CPU's own "
                        "features, which `virsh capabilities` lists; pass it to be sure)")
        return Problem(anchor, message, hint=hint, severity=None if certain else Severity.WARNING,
                       evidence=ctx.caps.evidence(host))
