"""VL255 host-secmodel: a security label for a security driver the host does not run."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.rules._chardev import CHARDEVS
from virtlint.rules._domain import kept_model
from virtlint.rules._host import HostRule, host_evidence

#: Where virSecurityManagerCheckAllLabel looks: the domain, disk sources, character devices' sources.


@register
class HostSecmodel(HostRule):
    """
    ## What it does
    Compares the `model` of every `<seclabel>` libvirt checks at start (the
    domain's, a disk's `<source><seclabel>`, and those of serial, parallel,
    console and channel sources) with the security drivers of the host's
    `virsh capabilities` (`host/secmodel/model`). `model='none'` is always
    accepted; a seclabel without a model is not judged.

    ## Why is this bad?
    The domain is defined but does not start: `unsupported configuration:
    Security driver model 'selinux' is not available`
    (src/security/security_manager.c `virSecurityManagerCheckModel`, from
    `virSecurityManagerCheckAllLabel` in qemu_process.c
    `qemuProcessStartValidate`). Typical when a definition written on a
    SELinux host (Fedora, RHEL) moves to an AppArmor host (Debian, Ubuntu)
    or the other way. Stage: start. Driver: QEMU.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu>
      <secmodel><model>apparmor</model><doi>0</doi></secmodel>
      <secmodel><model>dac</model><doi>0</doi></secmodel></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <seclabel type='dynamic' model='selinux'/></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <seclabel type='dynamic' model='apparmor'/></domain>
    ```
    """

    code = "VL255"
    name = "host-secmodel"
    severity = Severity.ERROR
    summary = "A seclabel names a security driver the host does not run."
    elements = ("seclabel", "devices/disk/source/seclabel",
                *(f"devices/{chardev}/source/seclabel" for chardev in CHARDEVS))

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        model = element.get("model")
        if not host.secmodels or model is None or model == "none" or model in host.secmodels:
            return
        if element.getparent() is ctx.root and kept_model(element) is None:
            return  # (virSecurityLabelDefParseXML drops a longer model: the parser's checks then see none)
        offered = ", ".join(host.secmodels)
        yield Problem(
            Anchor(element, "model"),
            f"Security driver model '{model}' is not available on the host (it runs {offered}): libvirt refuses "
            f"to start the domain",
            hint=f"use a security driver the host runs ({offered}) or remove the model",
            evidence=host_evidence(host, host.secmodel_elements[0]),
            # another driver reads a written label differently: offer the swap only without one
            replacements=tuple(m for m in host.secmodels if m not in ("none", "dac"))
            if element.find("label") is None and element.find("imagelabel") is None else (),
        )
