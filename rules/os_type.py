"""VL012 os-type: a domain without an OS type, with one libvirt does not know, or for QEMU with one but hvm."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.identity import Identity
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver
from virtlint.rules._identity import emulator_of
from virtlint.rules._support import NOTHING, domain_children, domain_find, ranked, string_value

#: virDomainOSType's names
OS_TYPES = ("hvm", "xen", "linux", "exe", "uml", "xenpvh")


@register
class OsType(Rule):
    """
    ## What it does
    Reports a domain without an `<os><type>` (unless it names a Xen
    `<bootloader>`, which makes it a Xen guest), an OS type libvirt does not
    know (the text is read as written: `' hvm'` is not `hvm`), and for QEMU
    (`type='kvm'`, `'qemu'`, `'hvf'`) an OS type QEMU does not run: `xen`,
    `linux` (Xen paravirtual guests), `exe` (containers), `uml` or `xenpvh`.
    QEMU runs full virtual machines: `hvm`; and for QEMU, a `<bootloader>`
    or `<bootloader_args>` (a Xen paravirtual guest's).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `an os <type> must be
    specified`, `unknown OS type ' hvm'` (virDomainDefParseCaps; all drivers),
    `Emulator '/usr/bin/qemu-system-x86_64' does not support os type 'linux'`
    (qemuValidateDomainDef; QEMU), `bootloader is not supported by QEMU`
    (qemuValidateDomainDefBoot; QEMU). Each checked with the real libvirt 9.0,
    with its `hvm` twin; the same code in 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><name>vm</name><os><type arch='x86_64' machine='q35'>linux</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>vm</name><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL012"
    name = "os-type"
    severity = Severity.ERROR
    summary = ("A domain without an OS type, with one libvirt does not know, or for QEMU with one but hvm or a "
               "bootloader.")
    elements = ("", "os/type", "bootloader", "bootloader_args")  # (the domain: for one without an <os><type>)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag in ("bootloader", "bootloader_args"):  # (qemuValidateDomainDefBoot; an empty one is none)
            if not qemu_driver(ctx) or not string_value(element) or \
                    next(element.itersiblings(element.tag, preceding=True), None) is not None:
                return NOTHING
            return iter((Problem(Anchor(element), "bootloader is not supported by QEMU",
                                 hint="QEMU boots the guest's own firmware: remove it (a Xen PV bootloader)"),))
        if element is ctx.root:  # (is there an <os><type> at all? The engine's identity read it)
            if (ctx.identity or Identity.of(element)).os_type_written or "bootloader" in domain_children(ctx):
                return NOTHING  # (the usual: the <type> is judged at its own path; or a Xen guest to libvirt)
            os_element = domain_find(ctx, "os")
            return iter((Problem(Anchor(element if os_element is None else os_element), "an os <type> must be "
                                 "specified", hint="add <type>hvm</type> inside <os>"),))
        os_type = element.text
        if os_type == "hvm" or element is not ctx.root.find("os/type"):
            return NOTHING  # (libvirt reads the first <type> of the first <os>)
        if not os_type:
            if ctx.root.find("bootloader") is not None:
                return NOTHING  # (virDomainDefParseCaps makes it a Xen guest)
            problem = Problem(Anchor(element), "an os <type> must be specified", hint="write hvm inside <type>")
        elif os_type not in OS_TYPES:
            options = ranked(os_type, OS_TYPES)
            problem = Problem(Anchor(element, text=True), f"unknown OS type '{os_type}'",
                              hint=f"use {options[0]}" if options else "use hvm", replacements=tuple(options[:3]))
        elif qemu_driver(ctx):
            emulator = emulator_of(ctx) or (ctx.caps.emulator if ctx.caps is not None else None) or "qemu"
            problem = Problem(Anchor(element, text=True), f"Emulator '{emulator}' does not support os type "
                              f"'{os_type}'", hint="QEMU runs full virtual machines: use hvm", replacements=("hvm",))
        else:
            return NOTHING
        return iter((problem,))
