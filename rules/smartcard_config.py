"""VL795 smartcard-config: a host-certificates smartcard without three certificates or with a relative database,
a passthrough one without its character device type."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_uint
from virtlint.rules._support import NOTHING, first_child

#: VIR_DOMAIN_SMARTCARD_NUM_CERTIFICATES
CERTIFICATES = 3


@register
class SmartcardConfig(Rule):
    """
    ## What it does
    Checks a `<smartcard>`: in `host-certificates` mode it needs exactly three
    `<certificate>` elements, and its `<database>` (when given) is an absolute
    path; in `passthrough` mode it needs a `type` (the character device that
    carries it: `spicevmc`, `tcp`...).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `host-certificates mode
    needs exactly three certificates`, `expecting absolute path:
    relative/db`, `passthrough mode requires a character device type
    attribute` (virDomainSmartcardDefParseXML), and a second smartcard, or
    one at an address other than CCID controller 0, slot 0: `this QEMU binary
    lacks multiple smartcard support` (qemuValidateDomainSmartcardDef). Each
    was checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><smartcard mode='host-certificates'><certificate>cert1</certificate>
        <certificate>cert2</certificate></smartcard></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><smartcard mode='host-certificates'><certificate>cert1</certificate>
        <certificate>cert2</certificate><certificate>cert3</certificate></smartcard></devices></domain>
    ```
    """

    code = "VL795"
    name = "smartcard-config"
    severity = Severity.ERROR
    summary = ("A host-certificates smartcard without three certificates, a passthrough one without its type, "
               "or a second smartcard.")
    elements = ("devices/smartcard",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        mode = element.get("mode")
        if mode == "host-certificates":
            count = sum(1 for _ in element.iterchildren("certificate"))
            if count != CERTIFICATES:
                return iter((Problem(Anchor(element), "host-certificates mode needs exactly three certificates",
                                     hint=f"it has {count}: name three certificates of the host's NSS database"),))
            database = first_child(element, "database")
            path = (database.text or "") if database is not None else ""  # (virXPathString of ./database/text())
            if database is not None and not path:  # (it fails without saying why)
                return iter((Problem(Anchor(database), "An error occurred, but the cause is unknown",
                                     hint="name the NSS database's absolute path, or remove <database>"),))
            if path and not path.startswith("/"):
                return iter((Problem(Anchor(database, text=True), f"expecting absolute path: {path}",
                                     hint="give the NSS database's absolute path, e.g. /etc/pki/nssdb"),))
        elif mode == "passthrough" and element.get("type") is None:
            return iter((Problem(Anchor(element), "passthrough mode requires a character device type attribute",
                                 hint="add type='spicevmc' (with SPICE graphics) or type='tcp' with a <source>",
                                 replacements=()),))
        # (qemuValidateDomainSmartcardDef: QEMU's one CCID controller takes one card, in slot 0 of controller 0)
        address = first_child(element, "address")
        if next(element.itersiblings("smartcard", preceding=True), None) is not None:
            anchor = Anchor(element)
        elif address is not None and (address.get("type") != "ccid" or
                                      any(parse_uint(address.get(name) or "0") not in (0, None)  # (None: VL700's)
                                          for name in ("controller", "slot"))):
            anchor = Anchor(address)
        else:
            return NOTHING
        return iter((Problem(anchor, "this QEMU binary lacks multiple smartcard support",
                             hint="keep one smartcard, at <address type='ccid' controller='0' slot='0'/> or none"),))
