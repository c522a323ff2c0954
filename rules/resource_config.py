"""VL221 resource-config: a `<resource>` libvirt cannot read: given twice, empty, or with an unusable appid."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, qemu_driver
from virtlint.rules._support import NOTHING, first_child, string_value

#: virDomainDefResourceValidate's bounds of a Fibre Channel application id
APPID_LENGTH = (1, 128)


def _problem(resource: etree._Element, resources: list[etree._Element], ctx: Context) -> Problem | None:
    if len(resources) > 1:  # (refused before either is read: reported once, at the second)
        return Problem(Anchor(resource), "only one resource element is supported",
                       hint="merge the <resource> elements") if resource is resources[1] else None
    partition = first_child(resource, "partition")
    # (string(./fibrechannel/@appid): the first <fibrechannel> that has one; an empty one is none)
    fibrechannel = next((fc for fc in resource.iterchildren("fibrechannel") if fc.get("appid") is not None), None)
    appid = (fibrechannel.get("appid") or None) if fibrechannel is not None else None
    if not (partition is not None and string_value(partition)) and not appid:
        # (virDomainResourceDefParse returns no definition and reports nothing: the define fails without a reason)
        return Problem(Anchor(resource), "An error occurred, but the cause is unknown",
                       hint="give <partition> a cgroup path such as /machine, or remove the empty <resource>")
    text = string_value(partition) if partition is not None else ""
    if text and not text.startswith("/") and qemu_driver(ctx):
        # (virDomainCgroupSetupCgroup, at start on a host with cgroups: g_path_is_absolute; checked on 9.0)
        return Problem(Anchor(partition, text=True), f"Resource partition '{text}' must start with '/'"
                       + LIBVIRT_START, hint="an absolute cgroup path, such as /machine",
                       replacements=("/" + text.strip().lstrip("/"),))
    if appid is None or fibrechannel is None:
        return None
    if not all(" " <= char <= "~" for char in appid):
        return Problem(Anchor(fibrechannel, "appid"), "Fibre Channel 'appid' is not a printable string",
                       hint="printable ASCII only")
    if not APPID_LENGTH[0] <= len(appid.encode()) <= APPID_LENGTH[1]:
        return Problem(Anchor(fibrechannel, "appid"), "Fibre Channel 'appid' string length must be between "
                       f"[{APPID_LENGTH[0]}, {APPID_LENGTH[1]}]", hint="at most 128 characters")
    return None


@register
class ResourceConfig(Rule):
    """
    ## What it does
    Reports a second `<resource>`, a `<resource>` with neither a partition
    (a non-empty `<partition>`) nor a Fibre Channel `appid`, and an `appid`
    that is not printable ASCII or is longer than 128 characters.
    The `appid` is the first one any `<fibrechannel>` has (an empty one is
    none), as libvirt reads `string(./fibrechannel/@appid)`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `only one resource element
    is supported` (virDomainDefParseXML), `Fibre Channel 'appid' string length
    must be between [1, 128]`, `Fibre Channel 'appid' is not a printable
    string` (virDomainDefResourceValidate). An empty `<resource>` makes
    virDomainResourceDefParse fail without saying why: virsh prints `An error
    occurred, but the cause is unknown`. All drivers; define. Checked with the
    real libvirt 9.0, with their twins; the same code in 10.7. At start, the
    QEMU driver puts the domain in the cgroup of its `<partition>`, which
    must be an absolute path (`Resource partition 'machine' must start with
    '/'`, virDomainCgroupSetupCgroup; a partition that does not exist on the
    host is the host's).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <resource><partition></partition></resource></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <resource><partition>/machine</partition></resource></domain>
    ```
    """

    code = "VL221"
    name = "resource-config"
    severity = Severity.ERROR
    summary = "A resource element given twice, empty, or with an appid that is not printable or too long."
    elements = ("resource",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        problem = _problem(element, ctx.root.findall("resource"), ctx)
        return NOTHING if problem is None else iter((problem,))
