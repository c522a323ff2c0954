"""VL606 cpu-host-compare: a guest CPU libvirt's start-time comparison with the host CPU model refuses."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
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
    required CPU vendor Intel`) and, under TCG, a required feature the
    host-model disables (`Host CPU does not provide required features:
    avx512f`; x86Compute); with the `full` check under TCG, in any mode, a
    required feature the host model disables (`guest CPU doesn't match
    specification: missing features: vme`, virCPUx86UpdateLive). Only what
    the capabilities list is judged: the
    features of the host's model itself are not (libvirt's CPU map has
    them). libvirt 10.7 skips the comparison for a model the capabilities
    mark usable with every feature disabled (virQEMUCapsIsCPUUsable; 9.8
    does not: the releases after 9.8 are given 10.7's answer).

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
    summary = ("A forbidden feature the host CPU model has, or with the partial check a vendor other than the "
               "host's or (TCG) a required feature the host-model disables.")
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
        tcg = ctx.domain_type == "qemu"
        for child in element:
            if child.tag == "feature":
                policy = child.get("policy", "require")
                if policy == "forbid":
                    forbidden.append(child)
                elif policy == "require" and tcg:
                    required.append(child)
            elif child.tag == "vendor" and vendor is None:
                vendor = child
        partial = check == "partial" and mode_of(element) in ("custom", "host-model")
        full = check == "full" and tcg
        if not forbidden and not (partial and (vendor is not None or required)) and not (full and required):
            return
        host_block = ctx.caps.block("cpu/mode/host-model")
        arch = ctx.arch or ctx.caps.arch
        if host_block is None or host_block.supported is False or arch not in X86 or not qemu_driver(ctx):
            return
        host = host_block.element
        features = _host_features(ctx.caps, host)
        for feature in forbidden:
            name = feature.get("name") or ""
            if features.get(name, "disable") != "disable":
                yield Problem(Anchor(feature, "policy"), f"{INCOMPATIBLE}Host CPU provides forbidden feature "
                              f"'{name}'" + LIBVIRT_START, hint=f"the host CPU model has {name}: disable it "
                              "(policy='disable') instead of forbidding it", replacements=("disable",),
                              evidence=ctx.caps.evidence(host))
                return
        # (the required features TCG's host model disables, what TCG cannot give: ``required`` is TCG's only, since
        # KVM's full host model has features its migratable one, the caps', disables)
        lacking = [feature for feature in required if features.get(feature.get("name") or "") == "disable"]
        if full:
            # (virCPUx86UpdateLive, check='full': a required feature the started CPU lacks; checked on 9.0 with
            # maximum, host-model and custom CPUs)
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
        if lacking:
            names = ", ".join(feature.get("name") or "" for feature in lacking)
            yield Problem(Anchor(lacking[0], "name"), f"{INCOMPATIBLE}Host CPU does not provide required features: "
                          f"{names}" + LIBVIRT_START, hint="TCG's host CPU model disables it: drop the feature, or "
                          "use check='none'", evidence=ctx.caps.evidence(host))
