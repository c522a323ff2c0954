"""VL755 firmware-config: firmware autoselection settings that contradict each other, TSEG off q35, a kernel's parts
without the kernel."""

from __future__ import annotations

from itertools import chain
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import UINT_MAX, c_number0, scaled_bytes
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, is_q35, is_x86, qemu_driver
from virtlint.rules._support import NOTHING, first_child, string_value


#: The largest extended TSEG QEMU's q35 host bridge takes, in MiB (MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_MAX)
TSEG_MAX_MIB = 4095
#: bytes per MiB: the unit of a <tseg> without one (qemuDomainDefTsegPostParse)
MIB = 1024 * 1024


#: <os> children of a direct kernel boot -> QEMU's option for them, which QEMU takes only with -kernel (a <dtb> it
#: takes without one: QEMU 7.2 started q35 and i440fx domains of a <dtb> alone, and ARM virt loads it for firmware)
KERNEL_PARTS = (("cmdline", "-append"), ("initrd", "-initrd"))


def _without_kernel(os: etree._Element, ctx: Context) -> Problem | None:
    """At start (QEMU): a kernel command line or initrd without a <kernel> (libvirt passes each on;
    `-append only allowed with -kernel option`, checked on 9.0 with q35, i440fx and ARM virt). An empty one is
    none (virXPathString)."""
    if first_child(os, "kernel") is not None or not qemu_driver(ctx):
        return None
    for tag, option in KERNEL_PARTS:
        part = first_child(os, tag)
        if part is not None and (part.text or "").strip():
            return Problem(Anchor(part), f"{option} only allowed with -kernel option" + QEMU_START,
                           hint=f"add the <kernel> it belongs to, or remove <{tag}>")
    return None


#: Linux's MAX_ARG_STRLEN: the longest single argument exec takes, its NUL included (-append passes <cmdline>)
MAX_ARG_STRLEN = 131072
#: the vga= values QEMU's x86 Linux loader takes as words (it compares their first letters only)
VGA_WORDS = ("normal", "ext", "ask")


def _kernel_command_line(os: etree._Element, ctx: Context) -> Problem | None:
    """At start: a <cmdline> exec cannot pass (one argument of MAX_ARG_STRLEN bytes or more), and on x86 a vga=
    value QEMU's Linux loader cannot read (x86_load_linux: the first 'vga=' anywhere, a word or a number up to a
    space; checked on 9.0 with QEMU 7.2, q35 and pc)."""
    cmdline = first_child(os, "cmdline")
    text = string_value(cmdline) if cmdline is not None else ""
    if not text or first_child(os, "kernel") is None or not qemu_driver(ctx):
        return None
    assert cmdline is not None
    if len(text.encode()) + 1 > MAX_ARG_STRLEN:
        emulator = ctx.root.findtext("devices/emulator") or "qemu"
        return Problem(Anchor(cmdline), f"cannot execute binary {emulator.strip()}: Argument list too long"
                       + LIBVIRT_START, hint=f"a kernel command line of fewer than {MAX_ARG_STRLEN} bytes")
    at = text.find("vga=")
    if at < 0 or not is_x86(ctx):
        return None
    value = text[at + len("vga="):]
    if value.startswith(VGA_WORDS):
        return None
    found = c_number0(value)  # (qemu_strtoui: a C number in base 0 within 32 bits, then the end or a space)
    if found is not None and abs(found[0]) <= UINT_MAX and value[found[1]:found[1] + 1] in ("", " "):
        return None
    return Problem(Anchor(cmdline, text=True), "qemu: invalid 'vga=' kernel parameter." + QEMU_START,
                   hint="vga=normal, ext, ask or a mode number (791, 0x317), followed by a space or the end")


def _acpi_table(os: etree._Element) -> Problem | None:
    """virDomainDefParseBootAcpiOptions: one table at most, of type slic."""
    if os.findtext("type", "hvm").strip() != "hvm":
        return None  # libvirt reads <acpi> for HVM guests only
    tables = os.findall("acpi/table")
    if len(tables) > 1:
        return Problem(Anchor(tables[1]), "Only one acpi table is supported", hint="keep one <table>")
    if not tables:
        return None
    kind = tables[0].get("type")
    if kind is None:
        return Problem(Anchor(tables[0]), "Missing acpi table type", hint="add type='slic'")
    if kind != "slic":
        return Problem(Anchor(tables[0], "type"), f"Unknown acpi table type: {kind}", replacements=("slic",))
    if not string_value(tables[0]).strip():
        # (defined; at start the security driver stats the table's path, which names nothing: checked on 9.0)
        return Problem(Anchor(tables[0]), "unable to stat: : No such file or directory (the ACPI table names no "
                       "file)" + LIBVIRT_START, hint="give the table's file: <table type='slic'>/path/slic.bin</table>")
    return None


#: <os> children libvirt reads as host paths, as written (virXPathString, virXMLNodeContentString: blanks kept)
PATH_PARTS = ("loader", "kernel", "initrd", "dtb")


def _padded_path(os: etree._Element) -> Problem | None:
    """A loader, kernel, initrd or device tree path with blanks around it: libvirt looks for a file of that name,
    blanks included (checked on 9.0: `Path '/usr/share/OVMF/OVMF_CODE_4M.fd ' is not accessible`, `unable to stat:
    /var/lib/libvirt/images/kernel `). A warning: whether such a file exists is the host's."""
    for tag in PATH_PARTS:
        part = first_child(os, tag)
        if part is None or len(part):
            continue
        text = part.text
        if text and text != text.strip() and text.strip():
            return Problem(Anchor(part, text=True), f"the {tag} path '{text}' has blanks around it, which libvirt "
                           "keeps: it names a file other than the one meant, and the domain does not start",
                           severity=Severity.WARNING, hint="remove the blanks around the path",
                           replacements=(text.strip(),))
    return None


def _autoselection_9_0(os: etree._Element) -> Problem | None:
    """libvirt 9.0 and 9.1: firmware autoselection picks the loader and its NVRAM template itself, and refuses
    a loader's readonly, type or path, secure='no', and an NVRAM template given beside it (checked on 9.0; the
    messages are not in 8.1's and 9.8's code, and 9.2's release notes move firmware selection to define time)."""
    loader = first_child(os, "loader")
    if loader is not None:
        # (secure='yes' asks autoselection for a secure-boot firmware; 'no' is refused: checked on 9.0)
        for attribute, given in (("readonly", loader.get("readonly") is not None),
                                 ("type", loader.get("type") is not None or bool((loader.text or "").strip())),
                                 ("secure", loader.get("secure") == "no")):
            if given:
                return Problem(Anchor(loader, attribute) if loader.get(attribute) is not None else Anchor(loader),
                               f"loader attribute '{attribute}' cannot be specified when firmware autoselection is "
                               "enabled (libvirt 9.0 and 9.1)",
                               hint="remove the loader's settings and path, or model a newer libvirt")
    nvram = first_child(os, "nvram")
    if nvram is not None and nvram.get("template") is not None:
        return Problem(Anchor(nvram, "template"), "nvram attribute 'template' cannot be specified when firmware "
                       "autoselection is enabled (libvirt 9.0 and 9.1)", hint="remove template=")
    return None


@register
class FirmwareConfig(Rule):
    """
    ## What it does
    Reports `enrolled-keys` enabled with `secure-boot` disabled, a
    `<loader>` without a path (or an `<nvram>` without a `<loader>`) when
    autoselection is off, `<firmware>` features without `firmware='efi'`,
    an SMM `<tseg>` size on a machine other than q35, and more than one ACPI
    `<table>` under `<os><acpi>`, or one of a type other than `slic`; and
    at start, a `<cmdline>` or `<initrd>` without a `<kernel>`
    (QEMU: `-append only allowed with -kernel option`; checked on 9.0) and
    an ACPI `<table>` of no path (`unable to stat: `, libvirt's security
    driver; checked on 9.0), an SMM TSEG above 4095 MiB (`invalid
    extended-tseg-mbytes value: 4096`), a kernel command line of 131072
    bytes or more (`cannot execute binary ...: Argument list too long`: one
    argument to exec) and on x86 one whose first `vga=` QEMU's Linux loader
    cannot read (`qemu: invalid 'vga=' kernel parameter.`: `normal`, `ext`,
    `ask` or a number up to a space); each checked on 9.0. As a warning, a `<loader>`, `<kernel>`,
    `<initrd>` or `<dtb>` path with blanks around it: libvirt keeps them, so
    it names another file (`Path '/usr/share/OVMF/OVMF_CODE_4M.fd ' is not
    accessible` at start, checked on 9.0; whether such a file exists is the
    host's).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `firmware feature 'enrolled-keys' cannot be enabled when firmware feature
    'secure-boot' is disabled`, `cannot use feature-based firmware
    autoselection when firmware autoselection is disabled` (a warning:
    libvirt refuses it when defining a new domain, checked with `virsh
    define` on 9.0, and ignores the features of a domain it already has,
    which is how its own test suite accepts it), `no loader path
    specified and firmware auto selection disabled` (virDomainDefOSValidate;
    all drivers), `SMM TSEG is only supported with q35 machine type`
    (qemuDomainDefTsegPostParse; QEMU), `Only one acpi table is supported`,
    `Unknown acpi table type: rsdt`, `Missing acpi table type`
    (virDomainDefParseBootAcpiOptions; all drivers). Stage: define. Same in
    libvirt 9.0 and 10.7. libvirt 9.0 and 9.1 also refuse a loader's
    `readonly`, `type` or path, `secure='no'` and an NVRAM `template` beside
    `firmware='efi'` (`loader attribute 'readonly' cannot be specified when
    firmware autoselection is enabled`, checked on 9.0): that follows the
    libvirt-version setting.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
      <firmware><feature enabled='yes' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware>
      </os><features><acpi/></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='efi'><type arch='x86_64' machine='q35'>hvm</type>
      <firmware><feature enabled='no' name='enrolled-keys'/><feature enabled='no' name='secure-boot'/></firmware>
      </os><features><acpi/></features></domain>
    ```
    """

    code = "VL755"
    name = "firmware-config"
    severity = Severity.ERROR
    summary = "Contradicting firmware features, a loader without a path, TSEG off q35, or boot parts without a kernel."
    elements = ("os", "features/smm/tseg")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path != "os":
            return self._tseg(element, ctx)
        padded = _padded_path(element)
        found = self._os(element, ctx)
        return found if padded is None else chain((padded,), found)

    def _os(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _without_kernel(element, ctx) or _kernel_command_line(element, ctx)
        if problem is not None:
            return iter((problem,))
        if first_child(element, "acpi") is not None:
            problem = _acpi_table(element)
            if problem is not None:
                return iter((problem,))
        # the common case first: no firmware features, a loader with its path or none (the walk's path, not
        # element.tag: reading a tag costs a string)
        if element.get("firmware"):
            if not ctx.libvirt_at_least(9, 2) and ctx.libvirt_at_least(9, 0):
                problem = _autoselection_9_0(element)
                if problem is not None:
                    return iter((problem,))
            if first_child(element, "firmware") is None:
                return NOTHING  # no firmware features to contradict each other
            return self._features(element)
        features = first_child(element, "firmware")
        if features is not None and first_child(features, "feature") is not None:
            # a warning: libvirt refuses it when it defines a new domain (its parser's ABI-update mode, what
            # `virsh define` of a new name uses: checked on the 9.0 daemon) and ignores the features otherwise (a
            # domain it knows already; its own test suite, whose verdict accepts it)
            return iter((Problem(Anchor(features), "cannot use feature-based firmware autoselection when firmware "
                                 "autoselection is disabled (libvirt refuses this when it defines a new domain, and "
                                 "ignores the features of one it has already)", hint="add firmware='efi' to <os>",
                                 severity=Severity.WARNING),))
        loader = first_child(element, "loader")
        # (an <nvram> alone makes libvirt's parser create the loader it belongs to, without a path)
        holder = loader if loader is not None else first_child(element, "nvram")
        if holder is not None and (loader is None or not (loader.text or "").strip()):
            return iter((Problem(Anchor(holder), "no loader path specified and firmware auto selection disabled",
                                 hint="give the loader's path, or add firmware='efi' to <os>"),))
        return NOTHING

    def _tseg(self, tseg: etree._Element, ctx: Context) -> Iterator[Problem]:
        smm = tseg.getparent()
        if smm.get("state") != "on" or not qemu_driver(ctx):
            return
        q35 = is_q35(ctx)
        if q35 is False:
            yield Problem(Anchor(tseg), "SMM TSEG is only supported with q35 machine type",
                          hint="remove <tseg>, or use a q35 machine")
            return
        size = scaled_bytes(tseg.text, tseg.get("unit"), default=MIB)
        if q35 and size is not None and size % MIB:
            yield Problem(Anchor(tseg, text=True), "SMM TSEG size must be divisible by 1 MiB",
                          hint="use a whole number of MiB, e.g. <tseg unit='MiB'>48</tseg>")
        elif q35 and size is not None and size // MIB > TSEG_MAX_MIB:
            # (libvirt writes -global mch.extended-tseg-mbytes=N; QEMU's property is a uint16, and mch_realize
            # takes at most MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_MAX)
            mbytes = size // MIB
            message = (f"invalid extended-tseg-mbytes value: {mbytes}" if mbytes <= 0xFFFF else
                       f"can't apply global mch.extended-tseg-mbytes={mbytes}: Parameter 'extended-tseg-mbytes' "
                       "expects uint16_t")
            yield Problem(Anchor(tseg, text=True), message + QEMU_START,
                          hint=f"a TSEG of at most {TSEG_MAX_MIB} MiB (QEMU's default is 16 MiB)")

    def _features(self, os: etree._Element) -> Iterator[Problem]:
        """The firmware features' contradiction (there are firmware features)."""
        features = {f.get("name"): f for f in os.iterfind("firmware/feature")}
        keys, secure = features.get("enrolled-keys"), features.get("secure-boot")
        if keys is not None and secure is not None and keys.get("enabled") == "yes" \
                and secure.get("enabled") == "no":
            yield Problem(Anchor(keys, "enabled"),
                          "firmware feature 'enrolled-keys' cannot be enabled when firmware feature "
                          "'secure-boot' is disabled", replacements=("no",))
