"""VL301 device-unsupported: a device whose caps block says `supported='no'`."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.caps import DomainCaps
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label

#: Devices whose caps block of the same name under <devices> says whether they work at all.
DEVICES = ("disk", "graphics", "video", "hostdev", "rng", "filesystem", "tpm", "redirdev", "channel",
           "crypto", "panic", "console")


def _is_placeholder(device: etree._Element) -> bool:
    """A `<video><model type='none'/>` asks for no video device at all."""
    model = device.find("model")
    return device.tag == "video" and model is not None and model.get("type") == "none"


@register
class DeviceUnsupported(Rule):
    """
    ## What it does
    Reports a device whose block in the capabilities' `<devices>` says
    `supported='no'` (for example `<tpm supported='no'/>` when QEMU has no TPM
    device, or `<redirdev supported='no'/>` without USB redirection).

    ## Why is this bad?
    libvirt refuses the device: `USB redirection is not supported by this
    version of QEMU`, `TPM model ... is not supported`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <devices><redirdev supported='no'/></devices></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><redirdev bus='usb' type='spicevmc'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices></devices></domain>
    ```
    """

    code = "VL301"
    name = "device-unsupported"
    severity = Severity.ERROR
    summary = "A device type the capabilities mark supported='no'."
    elements = tuple(f"devices/{device}" for device in DEVICES)

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        return caps.support(path).unsupported  # the path is the caps block's key: devices/<tag>

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        answer = ctx.caps.support(f"devices/{element.tag}")
        if answer.unsupported and not _is_placeholder(element):
            yield Problem(
                Anchor(element),
                f"<{element.tag}> devices are not supported by these capabilities {caps_label(ctx.caps)}",
                hint=f"remove the <{element.tag}> device",
                evidence=answer.evidence,
            )
