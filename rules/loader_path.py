"""VL504 loader-path: a firmware path the caps do not list (a warning)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label, ranked


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
    Nothing is reported when the capabilities list no path.

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
        path = (element.text or "").strip()
        block = ctx.caps.block("os/loader")
        if not path or block is None:
            return
        known = tuple((v.text or "").strip() for v in block.element.iterchildren("value"))
        if known and path not in known:
            yield Problem(
                Anchor(element, text=True),
                f"loader '{path}' is not among the firmware images these capabilities {caps_label(ctx.caps)} "
                f"list: {', '.join(known)}",
                hint=f"use {ranked(path, known)[0]}, or make sure the file exists on the host",
                evidence=ctx.caps.evidence(block.element),
                replacements=ranked(path, known),
            )
