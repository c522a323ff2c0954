"""VL756 disk-identity: a disk's <wwn>, <vendor> or <product> that libvirt's disk validation refuses."""

from __future__ import annotations

from typing import Callable, Iterator, NamedTuple

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import disk_facts
from virtlint.rules._support import NOTHING, string_value

#: virValidateWWN: 16 hex digits, after an optional "0x"
_WWN = lazy_compile(r"(?:0x)?[0-9A-Fa-f]{16}")
#: virStringIsPrintable: every byte g_ascii_isprint (space to tilde)
_PRINTABLE = lazy_compile(r"[ -~]*")


class Identity(NamedTuple):
    """A disk child read as a string (virXPathString: empty is absent), and what refuses its text."""

    tag: str
    refusal: Callable[[str], str | None]
    hint: str


def _wwn(text: str) -> str | None:
    return None if _WWN.fullmatch(text) else f"Malformed wwn: {text}"


def _limited(name: str, most: int) -> Callable[[str], str | None]:
    def refusal(text: str) -> str | None:
        if not _PRINTABLE.fullmatch(text):
            return f"disk {name} is not printable string"
        if len(text) > most:  # (printable ASCII: a byte a character, as strlen counts)
            return f"disk {name} is more than {most} characters"
        return None

    return refusal


#: In the order of virDomainDiskDefValidate (vendor, product, then wwn; libvirt stops at the first).
IDENTITIES = (
    Identity("vendor", _limited("vendor", 8), "at most 8 printable ASCII characters, on one line"),
    Identity("product", _limited("product", 16), "at most 16 printable ASCII characters, on one line"),
    Identity("wwn", _wwn, "16 hexadecimal digits, optionally after 0x (e.g. 0x5000c50015ea71ac)"),
)
_TAGS = tuple(identity.tag for identity in IDENTITIES)


def _problems(disks: list[tuple[etree._Element, dict[str, etree._Element]]]) -> Iterator[Problem]:
    for _disk, children in disks:
        for identity in IDENTITIES:
            element = children.get(identity.tag)
            # libvirt reads it with string(./tag): the first such child's text, its descendants' included
            text = string_value(element) if element is not None else None
            if not text:
                continue
            message = identity.refusal(text)
            if message is not None:
                yield Problem(Anchor(element, text=True), message, hint=identity.hint)
                break


@register
class DiskIdentity(Rule):
    """
    ## What it does
    Reports a disk `<wwn>` that is not 16 hexadecimal digits (after an
    optional `0x`), and a `<vendor>` or `<product>` that is not printable
    ASCII on one line (a tab or line break counts) or is longer than 8
    (vendor) or 16 (product) characters.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Malformed wwn: 123`
    (virValidateWWN), `disk vendor is more than 8 characters`, `disk product
    is not printable string` (virDomainDiskDefValidate; all drivers). Same in
    libvirt 9.0 (checked with `virsh define`) and 10.7. Whether the bus takes
    a vendor and product at all is VL751's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='sda' bus='sata'/><wwn>5000c50015ea71a</wwn></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='sda' bus='sata'/><wwn>5000c50015ea71ac</wwn></disk></devices></domain>
    ```
    """

    code = "VL756"
    name = "disk-identity"
    severity = Severity.ERROR
    summary = "A disk wwn, vendor or product libvirt cannot take."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        suspects = [(facts[0], facts[1]) for facts in disk_facts(ctx, element)
                    if "wwn" in facts[1] or "vendor" in facts[1] or "product" in facts[1]]
        return _problems(suspects) if suspects else NOTHING
