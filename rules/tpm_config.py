"""VL784 tpm-config: a TPM without exactly one backend, or more TPMs than QEMU can have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import effective_arch, is_x86, qemu_driver, refused_since
from virtlint.rules._domain import PPC64, is_arm_virt, machine_of
from virtlint.rules._support import NOTHING, children_by_tag, first_child, parse_uuid


#: the PCR banks libvirt knows (virDomainTPMPcrBank)
PCR_BANKS = ("sha1", "sha256", "sha384", "sha512")


def _backend(backend: etree._Element, ctx: Context) -> Problem | None:
    """virDomainTPMDefParseXML's backend details, then virDomainTPMDevValidate."""
    kind = backend.get("type")
    if kind == "external":
        source = first_child(backend, "source")
        if source is None or not source.get("type"):  # (virXPathString: an empty type is none)
            # (libvirt 9.0 says "missing external TPM backend type")
            return Problem(Anchor(backend if source is None else source), "missing external TPM backend source type",
                           hint="connect to swtpm's socket: <source type='unix' mode='connect' path='...'/>")
        if source.get("type") != "unix":
            return Problem(Anchor(source, "type"), "only source type 'unix' is supported for external TPM device",
                           replacements=("unix",))
        if source.get("mode") == "bind":
            return Problem(Anchor(source, "mode"), "only 'connect' mode is supported for external TPM device",
                           replacements=("connect",))
        if source.get("path") is None:  # (virDomainTPMDevValidate asks whether there is one: '' passes)
            return Problem(Anchor(source), "missing socket path for external TPM device",
                           hint="add path='/path/to/swtpm.sock'")
        return None
    if kind != "emulator":
        return None
    encryption = first_child(backend, "encryption")
    secret = (encryption.get("secret") or None) if encryption is not None else None  # (virXPathString: '' is none)
    if secret is not None and parse_uuid(secret) is None:
        return Problem(Anchor(encryption, "secret"), f"Unable to parse secret uuid '{secret}'",
                       hint="the UUID of a libvirt secret")
    banks = first_child(backend, "active_pcr_banks")
    if banks is None:
        return _tpm12_arch(backend, ctx)
    for bank in banks:
        if isinstance(bank.tag, str) and bank.tag not in PCR_BANKS:
            return Problem(Anchor(bank), f"Unsupported PCR banks '{bank.tag}'",
                           hint=f"banks are {', '.join(PCR_BANKS)}")
    version = backend.get("version")
    if version is None:
        tpm = backend.getparent()
        model = tpm.get("model") if tpm is not None else None
        if model is None:
            model = "tpm-spapr" if (ctx.arch or "").startswith("ppc64") else "tpm-tis"
        version = "1.2" if model == "tpm-tis" and is_x86(ctx) else "2.0"
    if version != "2.0":
        return Problem(Anchor(banks), "<active_pcr_banks/> requires TPM version '2.0'",
                       hint="set version='2.0' on the backend" + (" (tpm-tis on x86 defaults to 1.2)"
                                                                  if backend.get("version") is None else ""))
    return _tpm12_arch(backend, ctx)


def _tpm12_arch(backend: etree._Element, ctx: Context) -> Problem | None:
    """qemuValidateDomainDeviceDefTPM: an emulated TPM 1.2 (asked for: off x86 the default is 2.0) on a tpm-tis is
    x86-only (other models are VL804's). libvirt 9.x refuses it on ARM virt machines only (`TPM 1.2 is not supported
    on ARM`); 10.7 on every other arch (the releases between are taken to refuse ARM virt only)."""
    if backend.get("version") != "1.2" or not qemu_driver(ctx) or is_x86(ctx) is not False:
        return None
    tpm = backend.getparent()
    model = tpm.get("model") if tpm is not None else None
    arch = effective_arch(ctx)
    if (model or ("tpm-spapr" if arch in PPC64 else "tpm-tis")) != "tpm-tis":
        return None
    if not refused_since(ctx, 10, 7) and not is_arm_virt(arch, machine_of(ctx)):
        return None
    return Problem(Anchor(backend, "version"), f"TPM 1.2 is not supported on architecture '{arch}'",
                   hint="use version='2.0' (TPM 1.2 exists on x86 only)", replacements=("2.0",))


@register
class TpmConfig(Rule):
    """
    ## What it does
    Reports a `<tpm>` without a `<backend>` or with several, a domain with
    two TPMs of the same kind (at most one regular TPM, tis, crb or spapr,
    plus at most one `spapr-tpm-proxy`), an emulator backend's secret that is
    not a UUID, PCR banks libvirt does not know or on a TPM 1.2 (tpm-tis on
    x86 is 1.2 unless it says 2.0), and an external backend that is not a
    unix socket libvirt connects to.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled: `missing
    TPM device backend`, `only one TPM backend is supported`
    (virDomainTPMDefParseXML; all drivers), `only a single TPM non-proxy device
    is supported`, `only a single TPM Proxy device is supported`
    (qemuValidateDomainDefTPMs; QEMU), `Unable to parse secret uuid '...'`,
    `Unsupported PCR banks 'sha3-256'`, `missing external TPM backend source
    type` (virDomainTPMDefParseXML), `<active_pcr_banks/> requires TPM
    version '2.0'`, `only source type 'unix' is supported for external TPM
    device`, `only 'connect' mode is supported for external TPM device`,
    `missing socket path for external TPM device` (virDomainTPMDevValidate;
    the default version from qemuDomainTPMDefPostParse). Same in libvirt 9.0
    and 10.7 (9.0 words two of them differently), each checked on 9.0. An
    emulated tpm-tis asking for `version='1.2'` off x86: `TPM 1.2 is not
    supported on architecture 'aarch64'` (qemuValidateDomainDeviceDefTPM;
    QEMU); libvirt 9.x refuses it on ARM `virt` machines only, saying `TPM
    1.2 is not supported on ARM` (checked on 9.0), 10.7 on any arch but x86
    (the check follows the libvirt-version setting: before 10.7 ARM `virt`
    only).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm></devices></domain>
    ```
    """

    code = "VL784"
    name = "tpm-config"
    severity = Severity.ERROR
    summary = "A TPM without exactly one backend, or two TPMs of one kind."
    elements = ("devices", "devices/tpm/backend")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "devices/tpm/backend":
            problem = _backend(element, ctx)
            return iter((problem,)) if problem is not None else NOTHING
        tpms = children_by_tag(ctx, element).get("tpm")
        if tpms is None:
            return NOTHING
        if len(tpms) == 1:  # a lone TPM (the common case): only its backends can be wrong
            backends = 0
            for node in tpms[0].getchildren():
                if node.tag == "backend":
                    backends += 1
            if backends == 1:
                return NOTHING
        return self._problems(tpms, ctx)

    def _problems(self, tpms: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        """The TPMs' problems (there are several, or one without exactly one backend)."""
        for tpm in tpms:
            backends = list(tpm.iterchildren("backend"))
            if not backends:
                yield Problem(Anchor(tpm), "missing TPM device backend",
                              hint="add <backend type='emulator' version='2.0'/>")
            elif len(backends) > 1:
                yield Problem(Anchor(backends[1]), "only one TPM backend is supported",
                              hint="keep one <backend>")
        if not qemu_driver(ctx):
            return
        seen: dict[bool, etree._Element] = {}
        for tpm in tpms:
            proxy = tpm.get("model") == "spapr-tpm-proxy"
            if proxy in seen:
                kind = "Proxy" if proxy else "non-proxy"
                yield Problem(Anchor(tpm), f"only a single TPM {kind} device is supported",
                              hint=f"remove this TPM (line {seen[proxy].sourceline} has one)")
            else:
                seen[proxy] = tpm
