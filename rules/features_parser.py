"""VL407 features-parser: a <features> element, Hyper-V enlightenment, KVM or Xen feature libvirt's parser does not
know, or one without its state or with a value it refuses."""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, prop_uint, scaled_kib
from virtlint.rules._devices import (CAPS_MACHINE, HOST_MACHINES, LIBVIRT_START, QEMU_START, caps_qemu_release,
                                     qemu_driver, signed_copy_message)
from virtlint.rules._libvirt_enums import MISSING, UINT_MESSAGE
from virtlint.rules._support import NOTHING, first_child

#: virDomainFeature's names, with the libvirt release that learnt the newer ones (formatdomain's "since")
FEATURES: dict[str, tuple[int, int] | None] = {
    **dict.fromkeys(("acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "pvspinlock",
                     "capabilities", "pmu", "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv",
                     "msrs", "ccf-assist", "xen", "cfpc", "sbbc", "ibs", "tcg")),
    "async-teardown": (9, 6), "ras": (10, 4), "ps2": (10, 7),
}
#: virDomainHyperv's names (avic since 8.10, emsr_bitmap and xmm_input since 10.7)
HYPERV: dict[str, tuple[int, int] | None] = {
    **dict.fromkeys(("relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "vendor_id",
                     "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs")),
    "avic": (8, 10), "emsr_bitmap": (10, 7), "xmm_input": (10, 7),
}
KVM: dict[str, tuple[int, int] | None] = dict.fromkeys(("hidden", "hint-dedicated", "poll-control", "pv-ipi",
                                                         "dirty-ring"))
XEN: dict[str, tuple[int, int] | None] = dict.fromkeys(("e820_host", "passthrough"))
#: A group's parser (virDomainFeatures*DefParse): its names, the message for an unknown one, and the checks of a
#: feature switched on
GROUPS: dict[str, tuple[dict[str, tuple[int, int] | None], str]] = {
    "hyperv": (HYPERV, "unsupported HyperV Enlightenment feature: {name}"),
    "kvm": (KVM, "unsupported KVM feature: {name}"),
    "xen": (XEN, "unsupported Xen feature: {name}"),
}
VENDOR_ID_MAX = 12  # VIR_DOMAIN_HYPERV_VENDOR_ID_MAX
#: virDomainProcessCapsFeature's names: the children <features><capabilities> takes
PROCESS_CAPS = frozenset((
    "audit_control", "audit_write", "block_suspend", "chown", "dac_override", "dac_read_search", "fowner", "fsetid",
    "ipc_lock", "ipc_owner", "kill", "lease", "linux_immutable", "mac_admin", "mac_override", "mknod", "net_admin",
    "net_bind_service", "net_broadcast", "net_raw", "setgid", "setfcap", "setpcap", "setuid", "sys_admin", "sys_boot",
    "sys_chroot", "sys_module", "sys_nice", "sys_pacct", "sys_ptrace", "sys_rawio", "sys_resource", "sys_time",
    "sys_tty_config", "syslog", "wake_alarm"))


def _name(element: etree._Element) -> str:
    """The name libvirt reads (its XPath takes elements of any namespace by their local name)."""
    tag = element.tag
    return tag if tag[0] != "{" else etree.QName(tag).localname


def _elements(parent: etree._Element) -> list[etree._Element]:
    """The child elements (a C-level list, filtered: ``iterchildren(etree.Element)`` costs more to set up than a
    few children take to read)."""
    return [child for child in parent.getchildren() if child.tag.__class__ is str]


def _known(names: dict[str, tuple[int, int] | None], name: str, ctx: Context) -> bool:
    if name not in names:
        return False
    since = names[name]
    return since is None or ctx.libvirt_at_least(*since)


def _missing(element: etree._Element, attribute: str) -> Problem:
    return Problem(Anchor(element), MISSING.format(attribute=attribute, element=_name(element)),
                   hint=f"add {attribute}='...'")


def _required_uint(feature: etree._Element, attribute: str, hint: str) -> int | Problem:
    """virXMLPropUInt with VIR_XML_PROP_REQUIRED: the number, or libvirt's refusal (a blank after it included)."""
    text = feature.get(attribute)
    if text is None:
        return _missing(feature, attribute)
    number = prop_uint(text, 0)  # (in base 0: 0x hexadecimal, 0 octal)
    if number is None:
        return Problem(Anchor(feature, attribute),
                       UINT_MESSAGE.format(attribute=attribute, element=_name(feature), value=text), hint=hint)
    return number


def _spinlocks(feature: etree._Element) -> Problem | None:
    number = _required_uint(feature, "retries", "write a number of 4095 or more")
    if isinstance(number, Problem):
        return number
    if number < 0xFFF:
        return Problem(Anchor(feature, "retries"), "HyperV spinlock retry count must be at least 4095",
                       hint="use retries='8191' (4095 at least)", replacements=("8191",))
    return None


def _vendor_id(feature: etree._Element) -> Problem | None:
    value = feature.get("value")
    if value is None:
        return Problem(Anchor(feature), "missing 'value' attribute for HyperV feature 'vendor_id'",
                       hint="add value='...' (up to 12 characters)")
    if len(value.encode("utf-8")) > VENDOR_ID_MAX:  # (STRLIM counts bytes)
        return Problem(Anchor(feature, "value"),
                       f"HyperV vendor_id value must not be more than {VENDOR_ID_MAX} characters.",
                       hint="use at most 12 characters", replacements=(value[:VENDOR_ID_MAX],))
    if "," in value:
        return Problem(Anchor(feature, "value"), "HyperV vendor_id value is invalid",
                       hint="QEMU's option syntax takes no comma here", replacements=(value.replace(",", ""),))
    return None


def _stimer(feature: etree._Element) -> Problem | None:
    for child in _elements(feature):
        if _name(child) != "direct":
            return Problem(Anchor(child), f"unsupported Hyper-V stimer feature: {_name(child)}",
                           hint="<stimer> takes <direct state='on|off'/> only")
        if child.get("state") is None:
            return _missing(child, "state")
    return None


def _dirty_ring(feature: etree._Element) -> Problem | None:
    number = _required_uint(feature, "size", "write a power of 2 from 1024 to 65536")
    if isinstance(number, Problem):
        return number
    if number & (number - 1) or not 1024 <= number <= 65536:
        return Problem(Anchor(feature, "size"), "dirty ring must be power of 2 and ranges [1024, 65536]",
                       hint="use a power of 2 from 1024 to 65536", replacements=("4096",))
    return None


#: (group, feature) -> what is checked when its state is 'on'
SWITCHED_ON: dict[tuple[str, str], Callable[[etree._Element], Problem | None]] = {
    ("hyperv", "spinlocks"): _spinlocks,
    ("hyperv", "vendor_id"): _vendor_id,
    ("hyperv", "stimer"): _stimer,
    ("kvm", "dirty-ring"): _dirty_ring,
}


def _group_problem(group: etree._Element, name: str, ctx: Context) -> Problem | None:
    names, unknown = GROUPS[name]
    for feature in _elements(group):
        feature_name = _name(feature)
        if not _known(names, feature_name, ctx):
            return Problem(Anchor(feature), unknown.format(name=feature_name),
                           hint=f"known here: {', '.join(n for n in names if _known(names, n, ctx))}")
        state = feature.get("state")
        if state is None:
            return _missing(feature, "state")
        check = SWITCHED_ON.get((name, feature_name))
        if check is not None and state == "on":
            problem = check(feature)
            if problem is not None:
                return problem
    return None


def _tb_cache(tcg: etree._Element, ctx: Context) -> Problem | None:
    """qemuValidateDomainDefFeatures: QEMU sizes the TCG translation block cache in MiB (a size libvirt cannot read
    is VL851's; another domain type than qemu, VL406's)."""
    cache = first_child(tcg, "tb-cache")
    size = scaled_kib(cache.text, cache.get("unit")) if cache is not None else None
    if not size or size % 1024 == 0 or not qemu_driver(ctx) or ctx.domain_type != "qemu":
        return None
    return Problem(Anchor(cache, text=True), "tb-cache size must be an integer multiple of MiB",
                   hint=f"use {-(-size // 1024)} MiB: <tb-cache unit='MiB'>{-(-size // 1024)}</tb-cache>")


def _problem(features: etree._Element, ctx: Context) -> Problem | None:
    """The first refusal of virDomainFeaturesDefParse, which reads the features in document order (and then the
    QEMU driver's of the TCG cache size)."""
    tcg = vmport = ps2 = pvspinlock = hidden = None
    hyperv: list[etree._Element] = []
    for feature in _elements(features):
        name = _name(feature)
        if not _known(FEATURES, name, ctx):
            return Problem(Anchor(feature), f"unexpected feature '{name}'",
                           hint="a misspelt or newer feature? See libvirt's formatdomain: Hypervisor features")
        if name in GROUPS:
            problem = _group_problem(feature, name, ctx)
            if problem is not None:
                return problem
            if name == "hyperv":
                hyperv.append(feature)
            elif name == "kvm":
                hidden = next(feature.iterchildren("hidden"), hidden)
        elif name == "capabilities":
            for capability in _elements(feature):  # (virDomainFeaturesCapabilitiesDefParse)
                if _name(capability) not in PROCESS_CAPS:
                    return Problem(Anchor(capability), f"unexpected capability feature '{_name(capability)}'",
                                   hint="a misspelt capability? They are Linux's names without CAP_, in lower "
                                        "case: chown, net_admin, sys_admin...")
        elif name == "tcg" and tcg is None:
            tcg = feature
        elif name == "vmport":
            vmport = feature
        elif name == "ps2":  # (a release that knows it: the test above refused it otherwise)
            ps2 = feature
        elif name == "pvspinlock":
            pvspinlock = feature
    if vmport is not None and ps2 is not None and vmport.get("state") == "on" and ps2.get("state") == "off" \
            and qemu_driver(ctx):
        # (qemuValidateDomainDefFeatures; libvirt keeps the last of a feature given twice)
        return Problem(Anchor(vmport, "state"), "vmport feature requires the ps2 feature not to be disabled",
                       hint="switch vmport off, or leave the PS/2 controller on", replacements=("off",))
    problem = _tb_cache(tcg, ctx) if tcg is not None else None
    if problem is None and pvspinlock is not None and hidden is not None:
        problem = _hidden_pv_spinlocks(pvspinlock, hidden, ctx)
    if problem is None:
        problem = _spinlocks_copied(hyperv)
    if problem is None and hyperv and ctx.domain_type == "qemu" and qemu_driver(ctx):
        problem = _tcg_vpindex(hyperv, ctx)  # (an error or a warning: after the certain errors)
    return problem


#: The first QEMU release whose x86_cpu_pre_plug asks KVM about VP_INDEX only under KVM (the change was posted in
#: September 2023, after 8.1)
VPINDEX_UNDER_TCG_SINCE = (8, 2)


def _tcg_vpindex(hyperv: list[etree._Element], ctx: Context) -> Problem | None:
    """At start under TCG: QEMU before 8.2 asks KVM whether VP_INDEX can be set even without KVM (checked on 9.0
    with QEMU 7.2: `kernel doesn't allow setting HyperV VP_INDEX`, vpindex off, passthrough mode and the other
    enlightenments alone starting). An error where the caps tell the QEMU release (the binary's newest machine: a
    host document, or the caps of a machine alias), else a warning; nothing from 8.2."""
    vpindex = next((feature for group in hyperv for feature in group.iterchildren("vpindex")), None)
    if vpindex is None or vpindex.get("state") != "on" or hyperv[0].get("mode") == "passthrough":
        return None
    release = caps_qemu_release(ctx)
    exact = release is not None and (release[1] == HOST_MACHINES or release[1] == CAPS_MACHINE and (
        ctx.machine in (None, "pc", "q35")))
    if release is not None and release[0][:2] >= VPINDEX_UNDER_TCG_SINCE:
        return None
    return Problem(Anchor(vpindex), "kernel doesn't allow setting HyperV VP_INDEX (QEMU before 8.2 refuses vpindex "
                   "in a domain of type 'qemu', TCG)" + QEMU_START, hint="switch vpindex off under TCG, or use KVM",
                   severity=None if exact else Severity.WARNING)


def _hidden_pv_spinlocks(pvspinlock: etree._Element, hidden: etree._Element, ctx: Context) -> Problem | None:
    """qemuProcessVerifyKVMFeatures (at start): paravirtual spinlocks need the guest CPU's kvm_pv_unhalt, which a
    hidden KVM (kvm=off) does not show it (checked on 9.0 with KVM)."""
    if pvspinlock.get("state", "on") != "on" or hidden.get("state") != "on" or ctx.domain_type != "kvm" \
            or not qemu_driver(ctx):
        return None
    return Problem(Anchor(pvspinlock), "host doesn't support paravirtual spinlocks" + LIBVIRT_START,
                   hint="a hidden KVM shows the guest no paravirtual features: switch pvspinlock off, or unhide KVM")


def _spinlocks_copied(hyperv: list[etree._Element]) -> Problem | None:
    """At start (libvirt 9.0 to 10.7 at least): libvirt copies the definition through its XML formatter, which
    writes an unsigned retry count as a signed one, and its parser then refuses the negative number (checked on 9.0:
    4294967295 comes back as '-1')."""
    for group in hyperv:
        for spinlocks in group.iterchildren("spinlocks"):
            number = prop_uint(spinlocks.get("retries"), 0) if spinlocks.get("state") == "on" else None
            if number is not None and number > INT_MAX:
                return Problem(Anchor(spinlocks, "retries"), signed_copy_message("retries", "spinlocks", number),
                               hint=f"libvirt writes the count as a signed number when it copies the domain to start "
                                    f"it: use at most {INT_MAX}", replacements=(str(INT_MAX),))
    return None


@register
class FeaturesParser(Rule):
    """
    ## What it does
    Reads `<features>` as libvirt's parser does (virDomainFeaturesDefParse):
    an element it does not know (a misspelling such as `<acpii/>`, or a
    feature newer than the modelled libvirt: `async-teardown` 9.6, `ras`
    10.4, `ps2` 10.7); under `<hyperv>`, `<kvm>` and `<xen>`, an
    enlightenment it does not know (`<hiden>`; Hyper-V `emsr_bitmap` and
    `xmm_input` are 10.7's) or one without its `state`; and, when switched
    on, Hyper-V `spinlocks` without `retries` or with fewer than 4095,
    `vendor_id` without a `value`, longer than 12 characters or with a
    comma (and, at start, `spinlocks` retries above 2147483647, which
    libvirt's formatter writes as a negative number when it copies the
    domain to start it: `Invalid value for attribute 'retries' in element
    'spinlocks': '-1'`; checked on 9.0, the same formatter in 10.7), an
    `stimer` child other than `direct`, and a KVM `dirty-ring` without a
    `size` or with one that is not a power of 2 from 1024 to 65536 (the
    retries and the size are read in base 0: `0x1000` is hexadecimal,
    `02000` octal, `08192` refused); for QEMU, a TCG `<tb-cache>` that is
    not a whole number of MiB
    and `<vmport state='on'/>` beside `<ps2 state='off'/>` (libvirt 10.7);
    at start, a KVM domain's `<pvspinlock/>` switched on beside `<kvm><hidden
    state='on'/>` (`host doesn't support paravirtual spinlocks`: a hidden
    KVM shows the guest no kvm_pv_unhalt; checked on 9.0), and Hyper-V
    `vpindex` in a TCG domain (type `qemu`), which QEMU before 8.2 refuses
    (`kernel doesn't allow setting HyperV VP_INDEX`, checked on 9.0 with
    QEMU 7.2): an error where the caps tell the QEMU release, a warning
    where they only bound it;
    and a `<capabilities>` child that names no process capability
    (`<foo state='on'/>`; they are `chown`, `net_admin`, `sys_admin`...).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `unexpected feature
    'acpii'`, `unsupported KVM feature: hiden`, `unsupported HyperV
    Enlightenment feature: relaxd`, `Missing required attribute 'state' in
    element 'relaxed'`, `HyperV spinlock retry count must be at least 4095`,
    `HyperV vendor_id value must not be more than 12 characters.`, `dirty
    ring must be power of 2 and ranges [1024, 65536]`, `unexpected capability
    feature 'foo'` (virDomainFeatures*DefParse;
    all drivers), `tb-cache size must be an integer multiple of MiB`,
    `vmport feature requires the ps2 feature not to be disabled`
    (qemuValidateDomainDefFeatures; QEMU). Each was checked with the real
    libvirt 9.0 (`virsh define`), except the ps2 one, which 9.0 does not
    read (from 10.7's source).
    The values of the attributes libvirt reads as enums (`state='yes'`) are
    VL850's; whether the host offers an enlightenment is VL405's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><kvm><hiden state='on'/></kvm></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><kvm><hidden state='on'/></kvm></features></domain>
    ```
    """

    code = "VL407"
    name = "features-parser"
    severity = Severity.ERROR
    summary = "A feature or enlightenment libvirt's parser does not know, or one missing its state or a valid value."
    elements = ("features",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _problem(element, ctx)
        return iter((problem,)) if problem is not None else NOTHING
