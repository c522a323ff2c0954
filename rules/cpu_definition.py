"""VL218 cpu-definition: a guest CPU definition libvirt's parser refuses (features or a vendor without a model, a
vendor_id QEMU cannot take, migratable outside host-passthrough and maximum, two caches)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.rules._cpu import custom_model
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, is_arm_virt, is_q35, is_x86, qemu_driver
from virtlint.rules._support import NOTHING, first_child, string_value

#: VIR_CPU_VENDOR_ID_LENGTH
VENDOR_ID_LENGTH = 12
#: CPU modes that take the host's CPU as it is: no model, fallback or vendor_id are read, migratable is
HOST_MODES = ("host-passthrough", "maximum")


def _problem(cpu: etree._Element) -> Problem | None:
    """virCPUDefParseXML's refusals, in its order."""
    mode = cpu.get("mode") or "custom"
    if cpu.get("migratable") in ("on", "off") and mode not in HOST_MODES:
        return Problem(Anchor(cpu, "migratable"),
                       "Attribute migratable is only allowed for 'host-passthrough' / 'maximum' CPU mode",
                       hint="remove migratable=, or use mode='host-passthrough'")
    model = first_child(cpu, "model")
    named = model is not None and bool(string_value(model))
    if model is not None and mode not in HOST_MODES:
        vendor_id = model.get("vendor_id")
        if vendor_id and len(vendor_id.encode()) != VENDOR_ID_LENGTH:
            return Problem(Anchor(model, "vendor_id"), "vendor_id must be exactly 12 characters long",
                           hint="a 12-character CPUID vendor string, e.g. GenuineIntel or AuthenticAMD")
        if vendor_id and "," in vendor_id:
            return Problem(Anchor(model, "vendor_id"), "vendor id is invalid", hint="QEMU cannot take a ',' here")
    if named:
        return None  # (the common case: a model, so features and a vendor are fine)
    vendor = first_child(cpu, "vendor")
    if vendor is not None and string_value(vendor):
        return Problem(Anchor(vendor), "CPU vendor specified without CPU model",
                       hint="add <model>, or remove <vendor>")
    feature = first_child(cpu, "feature") if mode == "custom" else None
    if feature is not None:
        return Problem(Anchor(feature), "Non-empty feature list specified without CPU model",
                       hint="add a <model> (the features change it), or use mode='host-model'")
    return None


#: ARM CPU models QEMU's virt machine never takes (its valid CPUs are Cortex-A7, -A15 and the Armv8 and later
#: application cores): the older and the M- and R-profile ones
NOT_ON_VIRT_PREFIXES = ("arm9", "arm10", "arm11", "cortex-m", "cortex-r", "pxa", "sa1100", "sa1110", "ti925t",
                        "cortex-a8", "cortex-a9")


def _not_on_virt(cpu: etree._Element, ctx: Context) -> Problem | None:
    """At start (QEMU's machvirt_init): a custom model the virt machine does not take (checked on 9.0 with QEMU 7.2:
    cortex-a8, -a9, -r5, -m3, -m4, arm1176, ti925t, sa1100, pxa270 refused; cortex-a7, -a15, -a35, -a53, -a57, -a72,
    -a76, a64fx, neoverse-n1, max started)."""
    found = custom_model(cpu)
    if found is None or not found[1].startswith(NOT_ON_VIRT_PREFIXES) or not is_arm_virt(ctx) \
            or not qemu_driver(ctx):
        return None
    model, name = found
    return Problem(Anchor(model, text=True), f"mach-virt: CPU type {name}-arm-cpu not supported" + QEMU_START,
                   hint="use an application core the virt machine takes: cortex-a57, cortex-a72, max...",
                   replacements=("cortex-a57", "cortex-a72", "max"))


def _full_check_tcg(cpu: etree._Element, ctx: Context) -> Problem | None:
    """At start (virCPUx86UpdateLive): with check='full', libvirt compares the CPU QEMU started with the
    definition, and TCG gives every x86 guest CPU the hypervisor flag, which no CPU model has: without a
    <feature name='hypervisor'> of any policy, it is an extra feature (checked on 9.0 with QEMU 7.2: qemu64,
    Westmere, pentium3, Haswell; other flags a model lacks may come too, e.g. lahf_lm on qemu64)."""
    if ctx.domain_type != "qemu" or custom_model(cpu) is None or not is_x86(ctx):
        return None
    if any(feature.get("name") == "hypervisor" for feature in cpu.iterchildren("feature")):
        return None
    return Problem(Anchor(cpu, "check"), "guest CPU doesn't match specification: extra features: hypervisor (TCG "
                   "gives the guest CPU the hypervisor flag, which no CPU model has)" + LIBVIRT_START,
                   hint="add <feature policy='require' name='hypervisor'/> (and the other flags QEMU adds), or use "
                        "check='partial'", replacements=("partial",))


#: x86 CPU models without a local APIC (libvirt's CPU map and QEMU's: the 486 alone)
NO_APIC_MODELS = ("486",)


def _without_apic(cpu: etree._Element, ctx: Context) -> Problem | None:
    """At start (QEMU): a q35 machine's PCI Express root ports need MSI-X, which a guest CPU without a local APIC
    cannot deliver (checked on 9.0 with QEMU 7.2: 486 refused, 486 with a required apic and 486 on pc started)."""
    policies = {feature.get("name"): feature.get("policy", "require") for feature in cpu.iterchildren("feature")}
    found = custom_model(cpu)
    no_apic = policies.get("apic") == "disable" or (
        found is not None and found[1] in NO_APIC_MODELS and policies.get("apic") not in ("require", "force"))
    if not no_apic or not is_x86(ctx) or is_q35(ctx) is not True or not qemu_driver(ctx) or not _root_ports(ctx):
        return None
    anchor = Anchor(found[0], text=True) if found is not None and policies.get("apic") != "disable" else Anchor(cpu)
    return Problem(anchor, "MSI-X is not supported by interrupt controller (the guest CPU has no APIC, which the "
                   "q35 machine's PCI Express root ports need)" + QEMU_START,
                   hint="add <feature policy='require' name='apic'/>, or use machine='pc'")


def _root_ports(ctx: Context) -> bool:
    """Whether a q35 domain has PCI Express root ports: written, or added by libvirt for its default USB
    controller or memory balloon (unless both are model='none')."""
    devices = first_child(ctx.root, "devices")
    if devices is None:
        return True  # (the default devices)
    usb = balloon = None
    for child in devices.iterchildren("controller", "memballoon"):
        if child.tag == "memballoon":
            balloon = child.get("model")
        elif child.get("type") == "pci" and child.get("model") == "pcie-root-port":
            return True
        elif child.get("type") == "usb" and child.get("index", "0") == "0":
            usb = child.get("model")
    return usb != "none" or balloon != "none"


@register
class CpuDefinition(Rule):
    """
    ## What it does
    Checks the guest `<cpu>` as libvirt's parser reads it: `<feature>`s in
    custom mode, or a `<vendor>`, need a `<model>`; a model's `vendor_id` is
    12 characters without a comma; `migratable` belongs to the
    `host-passthrough` and `maximum` modes; and there is one `<cache>` at
    most. At start, a custom model with `check='full'` under TCG (domain
    type `qemu`, x86) without a `<feature name='hypervisor'>`: TCG gives
    the guest CPU the hypervisor flag, no CPU model has it, and libvirt
    refuses the extra feature (`guest CPU doesn't match specification: extra
    features: hypervisor`, virCPUx86UpdateLive; checked on 9.0 with QEMU 7.2,
    with a `require`d hypervisor as the twin). At start, an ARM model QEMU's
    `virt` machine does not take (the older, M- and R-profile cores:
    `mach-virt: CPU type cortex-m3-arm-cpu not supported`; checked on 9.0
    with QEMU 7.2). At start, an x86 guest CPU without a local APIC (the
    `486` model without a required `apic`, or `apic` disabled) on a q35
    machine, whose PCI Express root ports need MSI-X (`MSI-X is not
    supported by interrupt controller`; checked on 9.0 with QEMU 7.2).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Non-empty feature list
    specified without CPU model`, `CPU vendor specified without CPU model`,
    `vendor_id must be exactly 12 characters long`, `Attribute migratable is
    only allowed for 'host-passthrough' / 'maximum' CPU mode`, `at most one
    CPU cache element may be specified` (virCPUDefParseXML; every driver).
    Each was checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom' match='exact'><feature policy='require' name='vmx'/></cpu></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <cpu mode='custom' match='exact'><model>qemu64</model><feature policy='require' name='vmx'/></cpu></domain>
    ```
    """

    code = "VL218"
    name = "cpu-definition"
    severity = Severity.ERROR
    summary = "Guest CPU features or vendor without a model, a bad vendor_id, misplaced migratable, two caches."
    elements = ("cpu", "cpu/cache", "cpu/feature")

    def screen(self, path: str) -> Screen | None:
        # a feature is judged here only when disabled (an apic the CPU then lacks)
        return ((("policy", frozenset((None, "require", "force", "optional", "forbid"))),), None) \
            if path == "cpu/feature" else None
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "cpu/cache":
            if any(True for _ in element.itersiblings("cache", preceding=True)):
                return iter((Problem(Anchor(element), "at most one CPU cache element may be specified",
                                     hint="keep one <cache>"),))
            return NOTHING
        if ctx.path == "cpu/feature":  # (the screen lets through disabled features only)
            problem = _without_apic(element.getparent(), ctx) if element.get("name") == "apic" else None
            return iter((problem,)) if problem is not None else NOTHING
        model = first_child(element, "model") if len(element) else None
        problem = _problem(element) or (_full_check_tcg(element, ctx) if element.get("check") == "full" else None) \
            or _not_on_virt(element, ctx) or (
                _without_apic(element, ctx) if model is not None and model.text in NO_APIC_MODELS else None)
        return iter((problem,)) if problem is not None else NOTHING
