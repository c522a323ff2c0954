"""VL105 guest-capabilities: the host must offer a guest of the domain's OS type, arch and virt type."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._libvirt_enums import refused_by_parser


@register
class GuestCapabilities(Rule):
    """
    ## What it does
    For the drivers that look the domain up in the host's capabilities when
    they parse it (bhyve and Cloud Hypervisor always, LXC when the domain names
    no `<emulator>`), reports a domain whose OS type (`os/type`), arch and
    virt type no `<guest>` of the host's `virsh capabilities` offers. Without
    a host document nothing is reported. (The QEMU driver decides by its
    emulator binary instead: VL101-VL103.)

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `could not find
    capabilities for ostype=hvm arch=aarch64 domaintype=bhyve`
    (virCapabilitiesDomainDataLookup, called by bhyveDomainDefPostParse,
    virCHDomainDefPostParse and, for the default emulator, the LXC driver's
    virDomainDefGetDefaultEmulator). Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><path>/usr/sbin/bhyve</path><domain>bhyve</domain><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu></host>
      <guest><os_type>hvm</os_type><arch name='x86_64'><wordsize>64</wordsize><emulator>bhyve</emulator>
        <domain type='bhyve'/></arch></guest></capabilities>
    ```

    ## Example
    ```xml
    <domain type='bhyve'><name>vm</name><os><type arch='aarch64'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='bhyve'><name>vm</name><os><type arch='x86_64'>hvm</type></os></domain>
    ```
    """

    code = "VL105"
    name = "guest-capabilities"
    severity = Severity.ERROR
    summary = "The host offers no guest of the domain's OS type, arch and virt type (bhyve, ch, lxc)."
    elements = ("os/type",)
    identity_rule = True
    uses_caps = False
    uses_host = True
    drivers = ("bhyve", "ch", "lxc")

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        host, virt_type = ctx.host, ctx.domain_type
        if host is None or not virt_type or refused_by_parser("", "type", virt_type):
            return  # (a virt type libvirt does not know at all: VL850's)
        if ctx.driver == "lxc" and (ctx.root.findtext("devices/emulator") or "").strip():
            return  # the LXC driver looks the host up only for a default emulator
        os_type = (element.text or "").strip() or None
        arch = element.get("arch")
        offered = [g for g in host.guests
                   if (os_type is None or g.os_type == os_type) and (arch is None or g.arch == arch)
                   and virt_type in g.domains]
        if offered:
            return
        wanted = " ".join(f"{key}={value}" for key, value in
                          (("ostype", os_type), ("arch", arch), ("domaintype", virt_type)) if value)
        choices = sorted({g.arch for g in host.guests if virt_type in g.domains
                          and (os_type is None or g.os_type == os_type)})
        yield Problem(
            Anchor(element, "arch") if arch else Anchor(element, text=True),
            f"could not find capabilities for {wanted}: the host ({host.path}) offers "
            + (f"{virt_type} {os_type or ''} guests for {', '.join(choices)}" if choices
               else f"no {virt_type} guest of this OS type"),
            hint=f"use arch='{choices[0]}'" if len(choices) == 1 else None,
            replacements=tuple(choices) if arch else (),
        )
