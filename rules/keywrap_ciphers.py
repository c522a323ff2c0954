"""VL216 keywrap-ciphers: a `<keywrap>` cipher named twice, or key wrapping off s390."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import effective_arch, qemu_driver
from virtlint.rules._support import NOTHING

#: the cipher names virDomainKeyWrapCipherDefParseXML reads (others are VL850's)
CIPHERS = ("aes", "dea")


@register
class KeywrapCiphers(Rule):
    """
    ## What it does
    Reports a second `<cipher>` of one name (`aes` or `dea`) in `<keywrap>`,
    the s390 key wrapping settings, and (QEMU) a cipher on another arch.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `A domain definition can
    have no more than one cipher node with name aes`
    (virDomainKeyWrapCipherDefParseXML; every driver; define). Off s390 the
    domain is defined and does not start: `'aes-key-wrap'/'dea-key-wrap' is
    not available on this architecture` (qemuAppendKeyWrapMachineParms;
    QEMU; libvirt 9.0 says `aes-key-wrap is not available with this QEMU
    binary`). Checked with the real libvirt 9.0, with its twin (one `aes`
    and one `dea` cipher). Unknown names and states are VL850's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>s390-ccw-virtio-7.2</machine><arch>s390x</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
      <keywrap><cipher name='aes' state='on'/><cipher name='aes' state='off'/></keywrap></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='s390x' machine='s390-ccw-virtio'>hvm</type></os>
      <keywrap><cipher name='aes' state='on'/><cipher name='dea' state='off'/></keywrap></domain>
    ```
    """

    code = "VL216"
    name = "keywrap-ciphers"
    severity = Severity.ERROR
    summary = "A keywrap cipher named twice, or key wrapping off s390."
    elements = ("keywrap",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        seen: set[str] = set()
        # libvirt reads the ciphers of every <keywrap> (./keywrap/cipher); the walk gives each <keywrap>
        keywraps = list(ctx.root.iterchildren("keywrap"))
        for keywrap in keywraps:
            for cipher in keywrap.iterchildren("cipher"):
                name = cipher.get("name")
                if name not in CIPHERS:
                    continue
                if name in seen:
                    if keywrap is not element:
                        return NOTHING  # reported at the <keywrap> that holds it
                    return iter((Problem(Anchor(cipher, "name"),
                                         f"A domain definition can have no more than one cipher node with name {name}",
                                         hint="keep one <cipher> per name"),))
                seen.add(name)
        if seen and element is keywraps[0] and qemu_driver(ctx):
            arch = effective_arch(ctx)
            if arch is not None and arch not in ("s390", "s390x"):
                return iter((Problem(Anchor(element), "'aes-key-wrap'/'dea-key-wrap' is not available on this "
                                     "architecture (QEMU, at start)", hint="key wrapping is s390's: remove <keywrap>"),))
        return NOTHING
