"""VL804 tpm-version-model: TPM 1.2 only with the tpm-tis model."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, first_child


@register
class TpmVersionModel(Rule):
    """
    ## What it does
    An emulated TPM 1.2 (`<backend type='emulator' version='1.2'/>`) works
    only with the `tpm-tis` model; `tpm-crb` (and the SPAPR models) need TPM
    2.0. Other backends have no version: libvirt does not read one there.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Unsupported interface
    'tpm-crb' for TPM 1.2` (10.7: `TPM 1.2 is not supported for model
    'tpm-crb'`, qemuValidateDomainDeviceDefTPM; QEMU driver). A passthrough
    backend's `version` is ignored (virDomainTPMDefParseXML reads it for the
    emulator only; checked with libvirt 9.0).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'><backend type='emulator' version='1.2'/></tpm></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>
    ```
    """

    code = "VL804"
    name = "tpm-version-model"
    severity = Severity.ERROR
    summary = "A TPM 1.2 backend with a TPM model other than tpm-tis."
    elements = ("devices/tpm",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        model = element.get("model")
        if not model or model == "tpm-tis":
            return NOTHING
        backend = first_child(element, "backend")
        # (the common case: a TPM 2.0 backend; libvirt reads a version for the emulator backend only)
        if backend is None or backend.get("version") != "1.2" or backend.get("type") != "emulator":
            return NOTHING
        return iter((Problem(Anchor(backend, "version"), f"TPM 1.2 is not supported for model '{model}'",
                             hint="use version='2.0', or model='tpm-tis'", replacements=("2.0",)),))
