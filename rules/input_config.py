"""VL793 input-config: an evdev or passthrough input without its host path, or on a bus it cannot use."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, qemu_driver, refused_since
from virtlint.rules._libvirt_enums import VIRTIO_MODELS
from virtlint.rules._support import NOTHING, first_child

#: input type -> the <source> attribute holding the host's event device (virDomainInputDefParseXML)
PATH_ATTRIBUTE = {"evdev": "dev", "passthrough": "evdev"}
#: the input types libvirt puts on the PS/2 bus by default (x86): only these can be on it (VL406 reports others)
PS2_INPUTS = ("mouse", "keyboard")


def _bus(element: etree._Element, kind: str, ctx: Context) -> str | None:
    """The bus the input is on: its own, or virDomainInputDefPostParse's default for an HVM guest (a mouse or
    keyboard on x86 on ps2; an s390 guest's and a passthrough input on virtio; an evdev one on none; else usb)."""
    bus = element.get("bus")
    if bus is not None:
        return bus
    arch = ctx.arch or ""
    if kind in ("mouse", "keyboard") and (arch in ("i686", "x86_64") or not arch):
        return "ps2"
    if arch.startswith("s390") or kind == "passthrough":
        return "virtio"
    return "none" if kind == "evdev" else "usb"


def _model_problems(element: etree._Element, kind: str, model: str, ctx: Context) -> Iterator[Problem]:
    """A virtio model: on the virtio bus (virDomainInputDefValidate), and for QEMU not a transitional one
    (qemuValidateDomainInputDef)."""
    if _bus(element, kind, ctx) != "virtio":
        return iter((Problem(Anchor(element, "model"), f"only bus 'virtio' is supported for input model '{model}'",
                             hint="add bus='virtio', or remove model=" if kind != "evdev" else "remove model="),))
    if model != "virtio" and qemu_driver(ctx):
        return iter((Problem(Anchor(element, "model"), "virtio (non-)transitional models are not supported for "
                             f"input type={kind}", hint="use model='virtio'", replacements=("virtio",)),))
    return NOTHING


@register
class InputConfig(Rule):
    """
    ## What it does
    Checks `<input type='evdev'>` and `<input type='passthrough'>`: a
    `<source>` must name the host's event device (`dev=` for evdev,
    `evdev=` for passthrough); an evdev input takes no `bus`; a passthrough
    input takes only `bus='virtio'`; a virtio input model (`virtio`,
    `virtio-transitional`, `virtio-non-transitional`) needs the virtio bus
    (written, or the default: ps2 for an x86 mouse or keyboard, usb for a
    tablet), and for QEMU is not a transitional one; and no input on the
    PS/2 bus (written, or an x86 mouse's or keyboard's default) of a domain
    that switches the PS/2 controller off (`<ps2 state='off'/>`, libvirt
    10.7).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Missing evdev path for
    input device` (virDomainInputDefParseXML), `input evdev doesn't support
    bus element`, `only bus 'virtio' is supported for 'passthrough' input
    devices`, `only bus 'virtio' is supported for input model 'virtio'`
    (virDomainInputDefValidate), `ps2 bus inputs require the ps2 feature not
    to be disabled` (virDomainInputDefValidate, 10.7: 9.0 does not read the
    feature, so this one is from 10.7's source), `virtio (non-)transitional
    models are not supported for input type=mouse`
    (qemuValidateDomainInputDef; QEMU).
    Stage: define; every driver but for the last. Each
    was checked with the real libvirt 9.0, with its twin. An evdev or
    passthrough input with no `<source>` at all is defined, and fails when
    the guest starts (QEMU driver): `argument key 'evdev' must not have null
    value` (libvirt's JSON builder: the device has no host path; checked on
    9.0, where the passthrough input's cgroup setup fails first on `Path
    '(null)'`); one whose path is empty fails there too (`Path '' is not
    accessible: No such file or directory`; checked on 9.0, both types).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><input type='evdev'><source evdev='/dev/input/event0'/></input></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><input type='evdev'><source dev='/dev/input/event0'/></input></devices></domain>
    ```
    """

    code = "VL793"
    name = "input-config"
    severity = Severity.ERROR
    summary = "An evdev or passthrough input without its host path, or on a bus it cannot use."
    elements = ("devices/input",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        kind = element.get("type") or ""
        attribute = PATH_ATTRIBUTE.get(kind)
        if attribute is None:
            # the common case: a tablet, mouse or keyboard, without a virtio model or on the virtio bus
            model = element.get("model")
            if model in VIRTIO_MODELS:
                return _model_problems(element, kind, model, ctx)
            return _ps2_problems(element, kind, ctx) if kind in PS2_INPUTS else NOTHING
        source = first_child(element, "source")
        if source is not None and source.get(attribute) is None:
            return iter((Problem(Anchor(source), "Missing evdev path for input device",
                                 hint=f"name the host device: <source {attribute}='/dev/input/by-id/...'/>"),))
        bus = element.get("bus")
        if kind == "evdev" and bus not in (None, "none"):
            return iter((Problem(Anchor(element, "bus"), "input evdev doesn't support bus element",
                                 hint="remove bus="),))
        if kind == "passthrough" and bus not in (None, "virtio"):
            return iter((Problem(Anchor(element, "bus"),
                                 "only bus 'virtio' is supported for 'passthrough' input devices",
                                 replacements=("virtio",)),))
        model = element.get("model")
        if model in VIRTIO_MODELS:
            return _model_problems(element, kind, model, ctx)
        if source is not None and not source.get(attribute) and qemu_driver(ctx):
            # (an empty path is read as given: the start's cgroup or namespace setup finds no such file; checked on
            # 9.0, both types)
            return iter((Problem(Anchor(source, attribute), "Path '' is not accessible: No such file or directory"
                                 + LIBVIRT_START, hint=f"name the host device: <source {attribute}="
                                                       "'/dev/input/by-id/...'/>"),))
        if source is None and qemu_driver(ctx):
            # (the parser asks for the path only inside a <source>: without one the domain is defined, and libvirt
            # gives QEMU's input device no host path at start; checked on 9.0 with QEMU 7.2, both types)
            return iter((Problem(Anchor(element), f"argument key 'evdev' must not have null value (an input of type "
                                 f"'{kind}' without a <source> names no host device)" + LIBVIRT_START,
                                 hint=f"name the host device: <source {attribute}='/dev/input/by-id/...'/>"),))
        return NOTHING


def _ps2_disabled(ctx: Context) -> bool:
    """Whether the domain switches the PS/2 controller off (<features><ps2 state='off'/>, the last one given; a
    feature libvirt reads since 10.7, and one it refuses before: VL407's)."""
    features = first_child(ctx.root, "features")
    if features is None or not refused_since(ctx, 10, 7):
        return False
    found = features.findall("ps2")
    return bool(found) and found[-1].get("state") == "off"


def _ps2_problems(element: etree._Element, kind: str, ctx: Context) -> Iterator[Problem]:
    """virDomainInputDefValidate: no input on the PS/2 bus when the domain switches the PS/2 controller off."""
    if _bus(element, kind, ctx) != "ps2" or not ctx.once("input-config:ps2-off", lambda: _ps2_disabled(ctx)):
        return NOTHING
    anchor = Anchor(element, "bus") if element.get("bus") is not None else Anchor(element)
    return iter((Problem(anchor, "ps2 bus inputs require the ps2 feature not to be disabled",
                         hint="put the input on another bus (bus='usb' or 'virtio'), or leave the PS/2 controller on",
                         replacements=("usb", "virtio") if element.get("bus") is not None else ()),))
