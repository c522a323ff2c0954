"""VL503 loader-value: `<loader>` type, readonly and secure vs the loader enums."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Context, Problem, Rule, Severity
from virtlint.rules import _binding as binding
from virtlint.rules._binding import EnumBinding
from virtlint.rules._support import after_first

BINDINGS = binding.publish("os/loader", (
    EnumBinding("os/loader", "type", "type", "loader type", skip_unsupported_block=False),
    EnumBinding("os/loader", "readonly", "readonly", "loader readonly", skip_unsupported_block=False),
    EnumBinding("os/loader", "secure", "secure", "loader secure", skip_unsupported_block=False),
))


@register
class LoaderValue(Rule):
    """
    ## What it does
    Checks `/domain/os/loader` attributes `type` (`rom`, `pflash`), `readonly`
    and `secure` against the enums of `<os><loader>` in the capabilities. A
    `secure` enum with only `no` (aarch64, s390x, ppc64, riscv64, or no
    secure-boot firmware on the host) rejects `secure='yes'`. A loader block
    marked `supported='no'` rejects every loader.

    ## Why is this bad?
    The host has no firmware that can honour the request: libvirt fails to
    select firmware, or QEMU fails to start.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>virt-7.2</machine><arch>aarch64</arch>
      <os supported='yes'><loader supported='yes'><enum name='type'><value>rom</value><value>pflash</value></enum>
        <enum name='secure'><value>no</value></enum></loader></os></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type>
      <loader readonly='yes' secure='yes' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='aarch64' machine='virt'>hvm</type>
      <loader readonly='yes' secure='no' type='pflash'>/usr/share/AAVMF/AAVMF_CODE.fd</loader></os></domain>
    ```
    """

    code = "VL503"
    name = "loader-value"
    severity = Severity.ERROR
    summary = "A loader type, readonly or secure value the capabilities' loader enums do not list."
    elements = ("os/loader",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if after_first(element):
            return iter(())  # (libvirt reads ./os/loader[1] only)
        return binding.check(element, BINDINGS, ctx)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return binding.can_fire(BINDINGS, caps)
