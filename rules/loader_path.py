"""VL504 loader-path: a firmware path the caps do not list (a warning; an error where no NVRAM template is found)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, qemu_driver
from virtlint.rules._support import after_first, caps_label, first_child, ranked


#: The loaders libvirt finds a variable store template for without a firmware descriptor: its built-in
#: DEFAULT_LOADER_NVRAM (qemu_conf.c; a build or qemu.conf's nvram= may set another list)
LEGACY_LOADERS = ("/usr/share/OVMF/OVMF_CODE.fd", "/usr/share/OVMF/OVMF_CODE.secboot.fd",
                  "/usr/share/AAVMF/AAVMF_CODE.fd", "/usr/share/AAVMF/AAVMF32_CODE.fd")


def _without_var_store(loader: etree._Element, known: tuple[str, ...], ctx: Context) -> bool:
    """Whether libvirt makes up an NVRAM file for this loader and finds no template to fill it from (at start,
    qemuPrepareNVRAM): a read-only pflash loader, not stateless, without <nvram> or firmware autoselection, whose
    path (compared as written) neither a firmware descriptor nor the built-in list names (checked on 9.0)."""
    if loader.get("type") != "pflash" or loader.get("readonly") != "yes" or loader.get("stateless") == "yes" \
            or not qemu_driver(ctx):
        return False
    os_element = loader.getparent()
    if os_element is None or os_element.get("firmware") or first_child(os_element, "nvram") is not None:
        return False
    path = loader.text or ""
    return path not in known and path not in LEGACY_LOADERS


@register
class LoaderPath(Rule):
    """
    ## What it does
    Compares the path in `/domain/os/loader` with the `<value>`s of
    `<os><loader>` in the capabilities: the firmware images libvirt knows on
    the host. A path not listed is a warning, not an error: libvirt accepts
    any existing file, but the list shows every firmware its descriptors
    describe, so an unlisted path is often a typo or a file of another
    distribution (`OVMF_CODE.fd` where the host ships `OVMF_CODE_4M.fd`).
    Nothing is reported when the capabilities list no path. An error for a
    read-only pflash loader without `<nvram>` (and without firmware
    autoselection or `stateless='yes'`) whose path, as written, neither the
    list nor libvirt's built-in list of old OVMF and AAVMF paths names:
    libvirt makes up an NVRAM file for it and finds no template to fill it
    from (`unable to find any master var store for loader`, qemuPrepareNVRAM,
    at start; checked on 9.0: the 4M secure-boot OVMF on a pc machine, whose
    descriptor targets q35 only, a copy of the OVMF code elsewhere, a
    symlink of another name).

    ## Why is this bad?
    A missing file fails at start; with `firmware='efi'` a path no descriptor
    describes fails autoselection (`Unable to find 'efi' firmware that is
    compatible with the current configuration`); old libvirt fails with
    `unable to find any master var store for loader`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <os supported='yes'><loader supported='yes'><value>/usr/share/OVMF/OVMF_CODE_4M.fd</value></loader></os>
    </domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type>
      <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader></os></domain>
    ```
    """

    code = "VL504"
    name = "loader-path"
    severity = Severity.WARNING
    summary = "The loader path is not one of the firmware images the capabilities list."
    elements = ("os/loader",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if after_first(element):
            return  # (libvirt reads ./os/loader[1] only)
        path = (element.text or "").strip()
        block = ctx.caps.block("os/loader")
        if not path or block is None:
            return
        known = tuple((v.text or "").strip() for v in block.element.iterchildren("value"))
        if known and path not in known and _without_var_store(element, known, ctx):
            yield Problem(Anchor(element, text=True), f"unable to find any master var store for loader: "
                          f"{element.text}" + LIBVIRT_START, severity=Severity.ERROR,
                          hint="add <nvram template='...'/> naming the loader's variable store, use a loader the "
                               f"capabilities list ({', '.join(known)}), or set stateless='yes'",
                          evidence=ctx.caps.evidence(block.element), replacements=ranked(path, known))
            return
        if known and path not in known:
            yield Problem(
                Anchor(element, text=True),
                f"loader '{path}' is not among the firmware images these capabilities {caps_label(ctx.caps)} "
                f"list: {', '.join(known)}",
                hint=f"use {ranked(path, known)[0]}, or make sure the file exists on the host",
                evidence=ctx.caps.evidence(block.element),
                replacements=ranked(path, known),
            )
