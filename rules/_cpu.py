"""What the CPU rules share: the effective mode, the custom model and its standing in the caps."""

from __future__ import annotations

from lxml import etree

from virtlint.linter.caps import CpuModel, DomainCaps
from virtlint.linter.model import Context
from virtlint.rules._support import first_child, string_value


#: QEMU's x86 CPU models without long mode (lm): a 32-bit CPU takes no physical address width, and has no 64-bit
#: PCI hole
NO_LONG_MODE_MODELS = frozenset(("486", "pentium", "pentium2", "pentium3", "qemu32", "kvm32", "coreduo", "athlon",
                                 "n270"))


def mode_of(cpu: etree._Element) -> str:
    """libvirt's default mode is custom."""
    return cpu.get("mode", "custom")


def custom_model(cpu: etree._Element) -> tuple[etree._Element, str] | None:
    """The `<model>` of a custom-mode CPU, with its name as libvirt reads it (string(./model[1]): blanks included,
    so ' qemu64' is a model no QEMU has; checked on 9.0, refused at start); None for other modes or no model."""
    model = first_child(cpu, "model")
    name = string_value(model) if model is not None else ""
    if mode_of(cpu) != "custom" or not name:
        return None
    return model, name


def without_long_mode(cpu: etree._Element | None, arch: str | None) -> bool:
    """Whether the guest CPU is a 32-bit one: any on i686; on x86_64 a custom model without long mode (one of
    QEMU's 32-bit models, unless lm is required or forced) or with lm disabled or forbidden."""
    if arch == "i686":
        return True
    if arch != "x86_64" or cpu is None:
        return False
    found = custom_model(cpu)
    if found is None:
        return False
    policies = {feature.get("policy", "require") for feature in cpu.iterchildren("feature")
                if feature.get("name") == "lm"}
    if policies & {"disable", "forbid"}:
        return True
    return found[1] in NO_LONG_MODE_MODELS and not policies & {"require", "force"}


#: ctx.memo key: (the <cpu> last asked about, its ``custom_model``)
_CUSTOM_MODEL_KEY = "cpu:custom-model"


def custom_model_of(ctx: Context, cpu: etree._Element) -> tuple[etree._Element, str] | None:
    """``custom_model(cpu)``, read once per document: the CPU model rules each ask for it."""
    known = ctx.memo.get(_CUSTOM_MODEL_KEY)
    if known is not None and known[0] is cpu:  # type: ignore[index]
        return known[1]  # type: ignore[index,no-any-return]
    found = custom_model(cpu)
    ctx.memo[_CUSTOM_MODEL_KEY] = (cpu, found)
    return found


def lookup(caps: DomainCaps, name: str) -> CpuModel | None:
    """The caps' entry for a model name, or for the model whose canonical name it is."""
    if name in caps.cpu_models:
        return caps.cpu_models[name]
    return next((m for m in caps.cpu_models.values() if m.canonical == name), None)


def disabled_features(cpu: etree._Element) -> set[str]:
    return {f.get("name", "") for f in cpu.iterchildren("feature") if f.get("policy") in ("disable", "forbid")}


def closest_usable(caps: DomainCaps, name: str, vendor: str | None, limit: int = 3) -> list[str]:
    """Usable models, those of the same vendor and with similar names first (computed once per caps)."""
    key = ("closest-usable", name, vendor, limit)
    found = caps.memo.get(key)
    if found is None:
        found = caps.memo[key] = _closest_usable(caps, name, vendor, limit)
    return list(found)  # type: ignore[call-overload]


def _closest_usable(caps: DomainCaps, name: str, vendor: str | None, limit: int) -> list[str]:
    import difflib

    usable = [m for m in caps.cpu_models.values() if m.usable == "yes"]
    same_vendor = [m.name for m in usable if vendor and m.vendor == vendor]
    pool = same_vendor or [m.name for m in usable]
    similar = difflib.get_close_matches(name, pool, n=limit, cutoff=0.3)
    return (similar + [m for m in pool if m not in similar])[:limit]


#: The x86 CPU models libvirt's own CPU map defines (src/cpu_map/index.xml, v10.7.0). libvirt translates a
#: model the hypervisor lacks into a supported one only when it knows the model (virCPUx86Translate);
#: any other name fails with `Unknown CPU model ...` (x86ModelFromCPU).
LIBVIRT_X86_MODELS = frozenset({
    "486", "pentium", "pentium2", "pentium3", "pentiumpro", "coreduo", "n270", "core2duo", "qemu32", "kvm32",
    "cpu64-rhel5", "cpu64-rhel6", "qemu64", "kvm64", "Conroe", "Penryn", "Nehalem", "Nehalem-IBRS", "Westmere",
    "Westmere-IBRS", "SandyBridge", "SandyBridge-IBRS", "IvyBridge", "IvyBridge-IBRS", "Haswell-noTSX",
    "Haswell-noTSX-IBRS", "Haswell", "Haswell-IBRS", "Broadwell-noTSX", "Broadwell-noTSX-IBRS", "Broadwell",
    "Broadwell-IBRS", "Skylake-Client", "Skylake-Client-IBRS", "Skylake-Client-noTSX-IBRS", "Skylake-Server",
    "Skylake-Server-IBRS", "Skylake-Server-noTSX-IBRS", "Cascadelake-Server", "Cascadelake-Server-noTSX",
    "Icelake-Client", "Icelake-Client-noTSX", "Icelake-Server", "Icelake-Server-noTSX", "Cooperlake", "Snowridge",
    "SapphireRapids", "GraniteRapids", "athlon", "phenom", "Opteron_G1", "Opteron_G2", "Opteron_G3", "Opteron_G4",
    "Opteron_G5", "EPYC", "EPYC-IBPB", "EPYC-Rome", "EPYC-Milan", "EPYC-Genoa", "Dhyana",
})
#: Models added to libvirt's map after 9.0, by the newest release known to lack each (a host of that release or
#: older refuses them as unknown: 9.0 checked on the lab, 9.8 from its map; SapphireRapids came with 9.4, NEWS) and
#: the first known to have it (the releases between are not judged)
LIBVIRT_X86_MODELS_AFTER_9_0: dict[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "SapphireRapids": ((9, 3), (9, 4)), "EPYC-Genoa": ((9, 0), (9, 8)), "GraniteRapids": ((9, 8), (10, 7))}

#: Virt types whose CPU is the host's (KVM, HVF): a model the host cannot provide fails libvirt's comparison.
HARDWARE_ACCELERATED = ("kvm", "hvf")
