"""VL401 feature-unsupported: features the caps mark `supported='no'`, from one table."""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter._record import FrozenRecord
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import caps_label

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


def _state_on(element: etree._Element) -> bool:
    return element.get("state", "on") != "off"


class FeatureUse(FrozenRecord):
    """A domain construct that needs one feature block of the capabilities."""

    path: str  # element path below <domain>
    caps: str  # caps block key
    label: str  # how messages name the feature
    active: Callable[[etree._Element], bool]

    __slots__ = ("path", "caps", "label", "active")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        caps: str,
        label: str,
        active: Callable[[etree._Element], bool] = lambda element: True,
    ) -> None:
        _set(self, "path", path)
        _set(self, "caps", caps)
        _set(self, "label", label)
        _set(self, "active", active)


FEATURE_USES: tuple[FeatureUse, ...] = (
    FeatureUse("features/gic", "features/gic", "the GIC interrupt controller"),
    FeatureUse("features/vmcoreinfo", "features/vmcoreinfo", "vmcoreinfo", _state_on),
    FeatureUse("genid", "features/genid", "the VM generation ID (genid)"),
    FeatureUse("features/async-teardown", "features/async-teardown", "asynchronous teardown",
               lambda e: e.get("enabled") == "yes"),
    FeatureUse("features/ps2", "features/ps2", "control of the PS/2 controller"),
    FeatureUse("features/hyperv", "features/hyperv", "Hyper-V enlightenments", _state_on),
    FeatureUse("devices/memory", "features/sgx", "SGX EPC memory", lambda e: e.get("model") == "sgx-epc"),
    FeatureUse("launchSecurity", "features/sev", "AMD SEV launch security",
               lambda e: e.get("type") in ("sev", "sev-snp")),
    FeatureUse("launchSecurity", "features/s390-pv", "s390 protected virtualization",
               lambda e: e.get("type") == "s390-pv"),
    FeatureUse("launchSecurity", "features/tdx", "Intel TDX launch security", lambda e: e.get("type") == "tdx"),
    FeatureUse("os/varstore", "os/varstore", "the UEFI variable store device (varstore)"),
)

_BY_PATH: dict[str, list[FeatureUse]] = {}
for _use in FEATURE_USES:
    _BY_PATH.setdefault(_use.path, []).append(_use)


@register
class FeatureUnsupported(Rule):
    """
    ## What it does
    Reports a feature the capabilities mark `supported='no'` under
    `<features>` when the domain uses it: `<gic>`, `<vmcoreinfo>`, `<genid>`,
    `<async-teardown enabled='yes'/>`, `<ps2>`, `<hyperv>`, SGX EPC memory
    devices, SEV, SEV-SNP, s390-pv or TDX launch security, and an `<os>`
    `<varstore>` when `<os><varstore>` says so. A feature the
    capabilities do not mention is unknown and not reported.

    ## Why is this bad?
    libvirt refuses it: `vmcoreinfo is not available with this QEMU binary`,
    `The 'gic' feature is not supported for architecture ...`, `SEV launch
    security is not supported with this QEMU binary`.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <features><gic supported='no'/><vmcoreinfo supported='no'/></features></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/><vmcoreinfo state='on'/></features></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <features><acpi/></features></domain>
    ```
    """

    code = "VL401"
    name = "feature-unsupported"
    severity = Severity.ERROR
    summary = "A feature the capabilities mark supported='no' is used."
    elements = tuple(_BY_PATH)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        for use in _BY_PATH.get(ctx.path, ()):
            if not use.active(element):
                continue
            answer = ctx.caps.support(use.caps)
            if answer.unsupported:
                attribute = "type" if element.tag == "launchSecurity" or element.tag == "memory" else None
                yield Problem(
                    Anchor(element, attribute),
                    f"{use.label} is not supported by these capabilities {caps_label(ctx.caps)}",
                    hint=f"remove <{element.tag}>" if attribute is None else f"remove this <{element.tag}>",
                    evidence=answer.evidence,
                )

