"""VL213 cpu-features: CPU feature names libvirt's CPU driver does not know, and SVE lengths with SVE off."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter import versions
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import X86
from virtlint.rules._cpu_features import ARM_FEATURES, X86_FEATURES
from virtlint.rules._devices import LIBVIRT_START
from virtlint.rules._support import NOTHING

#: The arches each CPU driver validates (virCPUValidateFeatures dispatches by arch).
KNOWN_FEATURES = {**{arch: X86_FEATURES for arch in X86},
                  **{arch: ARM_FEATURES for arch in ("aarch64", "armv7l", "armv6l", "armv7b")}}

#: Per arch, the feature names with nothing to report: known ones, but 'sve' (``_sve`` looks at it).
_UNREMARKABLE = {arch: known - {"sve"} for arch, known in KNOWN_FEATURES.items()}
_NONE: frozenset[str] = frozenset()


def _tcg_invtsc(cpu: etree._Element) -> Problem | None:
    """qemuProcessVerifyCPUFeatures, at start: a custom CPU model that requires (or forces) invtsc gets none under
    TCG, whose guest CPU never has an invariant TSC (checked with libvirt 9.0 and QEMU 7.2)."""
    if cpu.get("mode") not in (None, "custom") or cpu.find("model") is None:
        return None  # (no model: libvirt checks nothing; host-model: another refusal)
    for feature in cpu.iterchildren("feature"):
        if feature.get("name") == "invtsc" and feature.get("policy") in (None, "require", "force"):
            return Problem(Anchor(feature, "name"), "host doesn't support invariant TSC" + LIBVIRT_START,
                           hint="TCG (domain type 'qemu') has no invariant TSC: drop the feature, or use KVM")
    return None


@register
class CpuFeatures(Rule):
    """
    ## What it does
    Checks the `<cpu><feature>` names: on x86 and ARM, libvirt's CPU driver
    knows a fixed list (its CPU map: 360 x86 names with QEMU's aliases, and
    `sve`, `sve128`...`sve2048`, `pauth` on ARM) and refuses any other name
    when the domain starts (`unknown CPU feature: vmx`, virCPUValidateFeatures,
    whatever the CPU mode). It also reports SVE vector lengths
    (`sve128`...) with `sve` itself disabled or forbidden (`SVE disabled, but
    SVE vector lengths provided`, qemuDomainDefCPUPostParse, at define), and,
    as the parser does at define (virCPUDefParseXML, all arches), a feature
    without a name (`Invalid CPU feature name`) or named twice (`CPU feature
    'pdpe1gb' specified more than once`). The
    names are libvirt 10.7's; with a newer `libvirt_version` an unknown name
    is only a warning (newer releases add features). At start, an x86 TCG
    domain (type `qemu`) whose custom CPU model requires or forces `invtsc`
    is refused (`host doesn't support invariant TSC`,
    qemuProcessVerifyCPUFeatures: TCG's guest CPU has none; checked with
    libvirt 9.0).

    ## Why is this bad?
    The domain is defined but does not start (or is not defined, for SVE).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-8.2</machine><arch>aarch64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type></os>
      <cpu mode='host-passthrough'><feature policy='disable' name='sve'/></cpu></domain>
    ```
    """

    code = "VL213"
    name = "cpu-features"
    severity = Severity.ERROR
    summary = "A CPU feature name libvirt does not know for the arch or reads twice, or SVE lengths with SVE off."
    # the <cpu> visits its features: one call per CPU, not one per feature
    elements = ("cpu",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        unremarkable = _UNREMARKABLE.get(ctx.arch or "", _NONE)
        suspects: list[tuple[etree._Element, str]] | None = None
        seen: set[str] = set()
        # every child, its name first: cheaper than lxml's tag filter (iterchildren('feature')), and the tag is
        # read only for a suspect name (a comment or PI has none)
        for feature in element:
            name = feature.get("name")
            if name in unremarkable and name not in seen:
                seen.add(name)
                continue  # the common case: a feature libvirt knows, named once, not one _sve looks at
            if feature.tag != "feature":
                continue
            if name:
                if name in seen:
                    return iter((Problem(Anchor(feature, "name"), f"CPU feature '{name}' specified more than once",
                                         hint="keep one <feature> of each name"),))
                seen.add(name)
            else:
                return iter((Problem(Anchor(feature, "name") if name is not None else Anchor(feature),
                                     "Invalid CPU feature name", hint="name the feature: name='...'"),))
            if suspects is None:
                suspects = []
            suspects.append((feature, name))
        if "invtsc" in seen and ctx.domain_type == "qemu" and ctx.arch in X86:
            problem = _tcg_invtsc(element)
            if problem is not None:
                return iter((problem,))
        if suspects is None:
            return NOTHING
        return (problem for feature, name in suspects for problem in self._problems(feature, name, ctx))

    def _problems(self, element: etree._Element, name: str, ctx: Context) -> Iterator[Problem]:
        yield from self._sve(element, name)
        known = KNOWN_FEATURES.get(ctx.arch or "")
        if known is None or name in known:
            return
        import difflib  # only for a feature name it does not know

        similar = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
        newer = ctx.libvirt_version > versions.NEWEST
        yield Problem(Anchor(element, "name"),
                      f"unknown CPU feature: {name} (libvirt's CPU map for {ctx.arch} has no such feature)",
                      hint=(f"did you mean '{similar[0]}'?" if similar else f"remove this feature; it is not a "
                            f"{ctx.arch} CPU feature libvirt knows"),
                      replacements=tuple(similar),
                      severity=Severity.WARNING if newer else None)

    @staticmethod
    def _sve(element: etree._Element, name: str) -> Iterator[Problem]:
        if name != "sve" or element.get("policy") not in ("disable", "forbid"):
            return
        cpu = element.getparent()
        if any((f.get("name") or "").startswith("sve") and f.get("name") != "sve" for f in cpu.iterchildren("feature")):
            yield Problem(Anchor(element, "policy"), "SVE disabled, but SVE vector lengths provided",
                          hint="remove the sveNNN features or enable sve")
