"""VL783 sysinfo-values: an SMBIOS BIOS date libvirt cannot read, or a system UUID other than the domain's."""

from __future__ import annotations

import re
from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import parse_uuid

_NUMBER = re.compile(r"^\s*[+-]?\d+")


def _bios_date_ok(text: str) -> bool:
    """virSysinfoBIOSParseXML: mm/dd/yy or mm/dd/yyyy, with yyyy from 1900 on."""
    parts = text.split("/")
    if len(parts) != 3:
        return False
    values = []
    for part in parts:
        match = _NUMBER.match(part)
        if not match or match.end() != len(part):
            return False
        values.append(int(part))
    month, day, year = values
    return 1 <= month <= 12 and 1 <= day <= 31 and (0 <= year < 100 or year >= 1900)


@register
class SysinfoValues(Rule):
    """
    ## What it does
    Reports an SMBIOS `<bios><entry name='date'>` that is not `mm/dd/yy` or
    `mm/dd/yyyy` (with a year from 1900 on), and a `<system><entry
    name='uuid'>` that differs from the domain's `<uuid>`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `Invalid BIOS 'date' format` (virSysinfoBIOSParseXML), `UUID mismatch
    between <uuid> and <sysinfo>` (virSysinfoSystemParseXML). Stage: define;
    all drivers. Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <sysinfo type='smbios'><bios><entry name='date'>2024-01-31</entry></bios></sysinfo></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <sysinfo type='smbios'><bios><entry name='date'>01/31/2024</entry></bios></sysinfo></domain>
    ```
    """

    code = "VL783"
    name = "sysinfo-values"
    severity = Severity.ERROR
    summary = "An SMBIOS BIOS date in the wrong format, or a system UUID other than the domain's."
    elements = ("sysinfo",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.get("type") not in (None, "smbios"):
            return
        for date in element.iterfind("bios/entry[@name='date']"):
            if date.text and not _bios_date_ok(date.text):
                yield Problem(Anchor(date, text=True), "Invalid BIOS 'date' format",
                              hint="write the date as mm/dd/yyyy")
                break
        domain_uuid = ctx.root.findtext("uuid")
        if domain_uuid is None:
            return
        wanted = parse_uuid(domain_uuid)
        for entry in element.iterfind("system/entry[@name='uuid']"):
            given = parse_uuid(entry.text or "")
            if wanted is not None and given is not None and given != wanted:
                yield Problem(Anchor(entry, text=True), "UUID mismatch between <uuid> and <sysinfo>",
                              replacements=(domain_uuid.strip(),))
            break
