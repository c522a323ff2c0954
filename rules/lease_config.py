"""VL811 lease-config: a lock manager lease without its key, lockspace, target or target path."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING

#: What virDomainLeaseDefParseXML requires, in its order: (child, its attribute or None for its text, libvirt's
#: message, the hint). A text is read with virXPathString, so an empty one is none; an attribute with
#: virXMLPropString, so an empty one is one.
_REQUIRED = (
    ("key", None, "Missing 'key' element for lease", "add <key>NAME</key>: the resource's name in its lockspace"),
    # (no message of its own: libvirt fails without saying why)
    ("lockspace", None, "An error occurred, but the cause is unknown",
     "add <lockspace>NAME</lockspace>: the lease's lockspace"),
    ("target", "", "Missing 'target' element for lease", "add <target path='...'/>: the lease's file or device"),
    ("target", "path", "Missing 'path' attribute to 'target' element for lease", "add path='...'"),
)


@register
class LeaseConfig(Rule):
    """
    ## What it does
    Reports a `<lease>` (a lock manager lease, such as sanlock's) without a
    `<key>` or `<lockspace>` (or with an empty one), without a `<target>`,
    or with a `<target>` without its `path`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Missing 'key' element for
    lease`, `Missing 'target' element for lease`, `Missing 'path' attribute
    to 'target' element for lease`, and, for a missing lockspace, `An error
    occurred, but the cause is unknown` (virDomainLeaseDefParseXML, every
    driver). Each checked on libvirt 9.0 with its twin; the same code in
    10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><lease><lockspace>somearea</lockspace><key>thequickbrownfoxjumpsoverthelazydog</key>
        <target offset='1024'/></lease></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><lease><lockspace>somearea</lockspace><key>thequickbrownfoxjumpsoverthelazydog</key>
        <target path='/some/lease/path' offset='1024'/></lease></devices></domain>
    ```
    """

    code = "VL811"
    name = "lease-config"
    severity = Severity.ERROR
    summary = "A lease without its key, lockspace, target or target path."
    elements = ("devices/lease",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for child_tag, attribute, message, hint in _REQUIRED:
            child = next(element.iterchildren(child_tag), None)
            if attribute is None:
                present = child is not None and bool(child.xpath("string()"))  # (virXPathString of string(./key))
            elif attribute:
                present = child is None or child.get(attribute) is not None  # (a missing <target>: reported above)
            else:
                present = child is not None
            if not present:
                return iter((Problem(Anchor(child if child is not None else element), message, hint=hint),))
        return NOTHING
