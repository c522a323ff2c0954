"""VL213 cpu-features: CPU feature names libvirt's CPU driver does not know, and SVE lengths with SVE off."""

from __future__ import annotations

from itertools import chain
from typing import Iterator

from lxml import etree

from virtlint.linter import versions
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._addresses import ARM, X86
from virtlint.rules._cpu import custom_model
from virtlint.rules._cpu_features import ARM_FEATURES, X86_FEATURES
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, qemu_driver
from virtlint.rules._support import NOTHING, domain_find

#: The arches each CPU driver validates (virCPUValidateFeatures dispatches by arch).
KNOWN_FEATURES = {**{arch: X86_FEATURES for arch in X86},
                  **{arch: ARM_FEATURES for arch in ("aarch64", "armv7l", "armv6l", "armv7b")}}

#: Per arch, the feature names with nothing to report: known ones, but the SVE ones (``_sve`` and ``_sve_model``
#: look at them) and pauth (a newer release's name).
_UNREMARKABLE = {arch: frozenset(name for name in known if not name.startswith("sve") and name != "pauth")
                 for arch, known in KNOWN_FEATURES.items()}
#: ARM features and the libvirt release whose CPU map added them (older ones refuse them: `unknown CPU feature`)
ARM_FEATURE_SINCE = {"pauth": (10, 6)}
#: ARM CPU models QEMU gives no SVE (its cortex-a57-arm-cpu has no 'sve' property): the Armv8.0-8.2 and 32-bit cores
NO_SVE_MODELS = frozenset(("cortex-a7", "cortex-a15", "cortex-a35", "cortex-a53", "cortex-a55", "cortex-a57",
                           "cortex-a72", "cortex-a76", "neoverse-n1"))
#: the vector lengths (bits) QEMU's a64fx CPU has
A64FX_LENGTHS = frozenset((128, 256, 512))
#: SVE feature policies libvirt gives QEMU as sve=on / sve=off (require, disable and forbid checked on 9.0;
#: optional is not passed on)
SVE_ON, SVE_OFF = ("require", "force"), ("disable", "forbid")
_NONE: frozenset[str] = frozenset()


def _sve_lengths(cpu: etree._Element, policies: tuple[str, ...]) -> list[tuple[int, etree._Element]]:
    """The SVE vector lengths (sveNNN) the CPU's features give one of these policies, with their elements."""
    lengths = []
    for feature in cpu.iterchildren("feature"):
        name = feature.get("name") or ""
        if name.startswith("sve") and name[3:].isdigit() and feature.get("policy", "require") in policies:
            lengths.append((int(name[3:]), feature))
    return lengths


def _arm32_binary(ctx: Context) -> bool:
    """Whether the domain runs on QEMU's 32-bit ARM binary (qemu-system-arm), whose CPUs, max among them, have no
    SVE (checked on 9.0: `Property 'max-arm-cpu.sve' not found`)."""
    emulator = domain_find(ctx, "devices/emulator")
    path = (emulator.text or "").strip() if emulator is not None else ctx.caps.emulator if ctx.identity_matches else ""
    return (path or "").rsplit("/", 1)[-1] == "qemu-system-arm"


def _sve_model(cpu: etree._Element, ctx: Context) -> Iterator[Problem]:
    """At start (QEMU): SVE settings of a custom model that lacks SVE (`Property 'cortex-a57-arm-cpu.sve' not
    found`), a64fx lengths other than 128, 256 and 512, and a disabled power-of-two length below the largest enabled
    one (`cannot disable sve256 sve256 is required as it is a power-of-two length smaller than the maximum, sve512`;
    each checked on 9.0 with QEMU 7.2)."""
    found = custom_model(cpu)
    if found is None or not qemu_driver(ctx):
        return
    name = found[1]
    if name in NO_SVE_MODELS or _arm32_binary(ctx):
        for feature in cpu.iterchildren("feature"):
            if (feature.get("name") or "").startswith("sve") and feature.get("policy", "require") in SVE_ON + SVE_OFF:
                yield Problem(Anchor(feature, "name"), f"Property '{name}-arm-cpu.{feature.get('name')}' not found "
                              f"({name} has no SVE)" + QEMU_START, hint="remove the SVE features, or use a model "
                              "with SVE (max, a64fx)")
                return
        return
    enabled = _sve_lengths(cpu, SVE_ON)
    if name == "a64fx":
        for length, feature in enabled:
            if length not in A64FX_LENGTHS:
                yield Problem(Anchor(feature, "name"), f"cannot enable sve{length} This CPU does not support the "
                              f"vector length {length}-bits." + QEMU_START, hint="a64fx has 128, 256 and 512 bits",
                              replacements=("sve512", "sve256", "sve128"))
                return
    if name not in ("max", "a64fx") or not enabled:
        return  # (a model's SVE beyond these two depends on the QEMU release)
    largest = max(length for length, _ in enabled)
    for length, feature in _sve_lengths(cpu, SVE_OFF):
        if length < largest and not length & (length - 1):
            yield Problem(Anchor(feature, "policy"), f"cannot disable sve{length} sve{length} is required as it is "
                          f"a power-of-two length smaller than the maximum, sve{largest}" + QEMU_START,
                          hint=f"drop the disabled sve{length}", replacements=("require",))
            return


def _tcg_invtsc(cpu: etree._Element) -> Problem | None:
    """qemuProcessVerifyCPUFeatures, at start: a CPU that requires (or forces) invtsc gets none under TCG, whose
    guest CPU never has an invariant TSC: a custom model, maximum, host-model (whose partial check refuses it first,
    as a feature the host lacks; each checked with libvirt 9.0 and QEMU 7.2)."""
    mode = cpu.get("mode")
    if mode in (None, "custom") and cpu.find("model") is None or mode == "host-passthrough":
        return None  # (no model: libvirt checks nothing; host-passthrough: TCG has none, VL601)
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
    domain (type `qemu`) whose CPU (a custom model, `maximum` or
    `host-model`) requires or forces `invtsc` is refused (`host doesn't support invariant TSC`,
    qemuProcessVerifyCPUFeatures: TCG's guest CPU has none; checked with
    libvirt 9.0). On ARM: `pauth` before libvirt 10.6, whose CPU map added it
    (`unknown CPU feature: pauth` at start on 9.0); and at start, QEMU's
    refusals of SVE settings: any on a model without SVE (`cortex-a57`,
    `neoverse-n1`...: `Property 'cortex-a57-arm-cpu.sve' not found`), or
    on any model of the 32-bit binary, qemu-system-arm (`max` included), a64fx
    lengths other than 128, 256 and 512, and a disabled power-of-two length
    below the largest enabled one (`cannot disable sve256 sve256 is required
    as it is a power-of-two length smaller than the maximum, sve512`; each
    checked on 9.0 with QEMU 7.2).

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
        return chain((problem for feature, name in suspects for problem in self._problems(feature, name, ctx)),
                     _sve_model(element, ctx) if ctx.arch in ARM and any(name.startswith("sve") for _, name in suspects)
                     else ())

    def _problems(self, element: etree._Element, name: str, ctx: Context) -> Iterator[Problem]:
        yield from self._sve(element, name)
        known = KNOWN_FEATURES.get(ctx.arch or "")
        since = ARM_FEATURE_SINCE.get(name) if ctx.arch in ARM else None
        if since is not None and not ctx.libvirt_at_least(*since):
            yield Problem(Anchor(element, "name"), f"unknown CPU feature: {name} (libvirt {since[0]}.{since[1]} added "
                          f"it to its {ctx.arch} CPU map; the modelled release is older)" + LIBVIRT_START,
                          hint="remove it, or run libvirt 10.6 or later")
            return
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
