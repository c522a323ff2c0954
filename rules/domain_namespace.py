"""VL010 domain-namespace: <domain>'s children in an XML namespace, which libvirt does not read."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING


@register
class DomainNamespace(Rule):
    """
    ## What it does
    Reports a `<domain>` whose child elements are in an XML namespace, as
    happens with `<domain xmlns='http://libvirt.org/schemas/domain/1.0'>`:
    a default namespace on the root applies to every unprefixed element
    inside it.

    ## Why is this bad?
    libvirt accepts the root element by its local name, but then reads its
    children by XPath without a namespace (`string(./name[1])` in
    `virDomainDefParseXML`, domain_conf.c), so it finds none of them. It
    refuses the domain at define time: `missing name information` (when
    `<name>` is in the namespace), or another required element reported
    missing (`an os <type> must be specified`). Every other rule sees no
    elements either, so nothing else would be reported. Extension elements
    under their own prefix (`<qemu:commandline>`) are not affected. Modelled
    on libvirt's domain parser (all drivers); same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm' xmlns='http://libvirt.org/schemas/domain/1.0'><name>web</name>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL010"
    name = "domain-namespace"
    severity = Severity.ERROR
    summary = "The domain's child elements are in an XML namespace, so libvirt does not see them."
    elements = ("",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if element.tag[0] != "{":  # the common case, read without building a QName: no namespace
            return NOTHING
        return self._problems(element)

    @staticmethod
    def _problems(element: etree._Element) -> Iterator[Problem]:
        namespace = etree.QName(element).namespace
        if namespace is None:
            return
        hidden = [child for child in element.iterchildren(etree.Element)
                  if etree.QName(child).namespace == namespace]
        if not hidden:
            return  # a prefixed root with children in no namespace: libvirt reads them
        declared = f"xmlns='{namespace}'" if element.prefix is None else f"xmlns:{element.prefix}='{namespace}'"
        names = [etree.QName(child).localname for child in hidden]
        missing = "name" if "name" in names and element.find("name") is None else names[0]
        consequence = ("missing name information" if missing == "name"
                       else f"libvirt ignores <{missing}> and the other elements in the namespace")
        yield Problem(Anchor(element),
                      f"libvirt reads <domain>'s children only outside any XML namespace; with {declared} it finds "
                      f"no <{missing}> ({consequence})",
                      hint=f"remove {declared} from <domain>")
