"""VL782 seclabel-config: security labels given twice per model, without a model, or relabel/label conflicts."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal
from virtlint.rules._chardev import CHARDEVS
from virtlint.rules._devices import LIBVIRT_START, qemu_driver, refused_since, scanned
from virtlint.rules._domain import kept_model
from virtlint.rules._support import NOTHING, string_value


def _device_labels(root: etree._Element) -> Iterator[list[etree._Element]]:
    """Each device-level group of <seclabel> siblings (disk sources, chardev sources, ...)."""
    seen: set[int] = set()
    for label in root.iterfind("devices//seclabel"):
        parent = label.getparent()
        if id(parent) in seen:
            continue
        seen.add(id(parent))
        yield parent.findall("seclabel")


@register
class SeclabelConfig(Rule):
    """
    ## What it does
    Reports a `<seclabel>` (the domain's or a device's) whose `relabel` is
    other than `yes` or `no`, a domain `<seclabel>` whose type and `relabel`
    disagree (a dynamic label without relabeling, a `none` label with it) or
    a static one without its `<label>`, two `<seclabel>` elements for one
    security model (in the domain or on one device source), a domain with several `<seclabel>` elements one of
    which names no model, a lone `<seclabel>` without a model that is
    neither `type='none'` nor dynamic without a `<baselabel>` (a label
    without `type` is neither: libvirt reads it as its `default` type, to
    which the type and relabel checks do not apply), and on a device
    `relabel='yes'` without a `<label>` or a `<label>` with `relabel='no'`;
    at start (QEMU), a static DAC label that is not `user:group` or whose
    `+`-prefixed uid or gid is not a 32-bit number (`Failed to parse uid and
    gid from '0'`, `Failed to parse user '4294967296'`,
    virParseOwnershipIds; checked on 9.0; a user or group name is the
    host's to know), and a disk source's or character device source's
    `<seclabel>` without a `model` (libvirt gives a device label no model,
    and refuses it when it checks the labels' drivers at start: `Security
    driver model '(null)' is not available`, virSecurityManagerCheckModel;
    checked on 9.0 with `<seclabel relabel='no'/>`, which libvirt's own
    format documentation shows, and `model='dac'` as the twin).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `dynamic label type must use resource relabeling`, `resource relabeling
    is not compatible with 'none' label type`, `security label is missing`
    (virSecurityLabelDefParseXML; checked with libvirt 9.0),
    `seclabel for model selinux is already provided`, `missing security model
    when using multiple labels`, `missing security model in domain seclabel`
    (virSecurityLabelDefsParseXML, QEMU driver), `Invalid value
    for attribute 'relabel' in element 'seclabel': 'x'.`, `Cannot specify
    relabel if label is missing. model=selinux`, `Cannot specify a label if
    relabelling is turned off. model=selinux`
    (virSecurityDeviceLabelDefParseXML and, for the relabel value,
    virSecurityLabelDefParseXML). Stage: define; all drivers. libvirt
    9.0 accepts `relabel='yes'` without a label, which 10.7 refuses: that
    check follows the libvirt-version setting (reported for 10.7 and later).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <seclabel type='dynamic' model='selinux'/><seclabel type='dynamic' model='selinux'/></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <seclabel type='dynamic' model='selinux'/><seclabel type='dynamic' model='dac'/></domain>
    ```
    """

    code = "VL782"
    name = "seclabel-config"
    severity = Severity.ERROR
    summary = "Security labels given twice for a model, without a model, or with relabel/label conflicts."
    elements = ("",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if not scanned(ctx, "seclabel"):
            return NOTHING  # no label anywhere
        return self._problems(element, ctx)

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The labels' problems (the domain has some label)."""
        labels = element.findall("seclabel")
        for label in labels:
            problem = _label(label)
            if problem is not None:
                yield problem
                return
        models: set[str] = set()
        for label in labels:
            model = kept_model(label)
            if model is not None and model in models:
                yield Problem(Anchor(label, "model"), f"seclabel for model {model} is already provided",
                              hint="merge the two <seclabel> elements")
                break
            if model is not None:
                models.add(model)
        else:
            if len(labels) > 1:
                for label in labels:
                    if kept_model(label) is None:
                        yield Problem(Anchor(label), "missing security model when using multiple labels",
                                      hint="add model='selinux' (or dac, apparmor)")
                        break
            elif len(labels) == 1 and kept_model(labels[0]) is None and qemu_driver(ctx):
                # (virSecurityLabelDefsParseXML gives a lone label the host's model only when it is 'none', or
                # dynamic without a base label; a label without type is neither: see _label)
                kind = labels[0].get("type")
                if kind != "none" and (kind != "dynamic" or labels[0].find("baselabel") is not None):
                    yield Problem(Anchor(labels[0]), "missing security model in domain seclabel",
                                  hint="add model='selinux' (or dac, apparmor): the host's security driver")
        for label in labels:
            problem = _dac_label(label) if qemu_driver(ctx) else None
            if problem is not None:
                yield problem
                return
        unrelabelled = {label.get("model") for label in labels if label.get("model") is not None
                        and not _relabels(label)}
        for group in _device_labels(element):
            problems = list(_device_group(group, ctx))
            if not problems and qemu_driver(ctx):
                problems = [_modelless_start(label) for label in group if label.get("model") is None
                            and _checked_at_start(label)][:1]
            if not problems and unrelabelled:
                # (virSecurityDeviceLabelDefValidate: a disk layer's or chardev source's override of a model the
                # domain does not relabel)
                problems = [Problem(Anchor(label, "model"), "label overrides require relabeling to be enabled at "
                                    "the domain level", hint="remove the device's <seclabel>, or let the domain "
                                    f"relabel with model {label.get('model')}")
                            for label in group if label.get("model") in unrelabelled][:1]
            yield from problems


#: The longest security label libvirt keeps, in bytes (VIR_SECURITY_LABEL_BUFLEN less the NUL)
SECURITY_LABEL_MAX = 4096


def _dac_id_problem(part: str, what: str) -> str | None:
    """virGetUserID/virGetGroupID of a DAC label's part: '+N' is a number (virStrToLong_ui, of uid_t's 32 bits); a
    name is the host's to know (then a number), so only a '+' part is judged, and an empty one, which no host
    has (checked on 9.0: '+0:', ':+0' and ':' refused)."""
    if not part:
        return f"Failed to parse {what} ''"
    if not part.startswith("+"):
        return None
    if c_decimal(part[1:], -(2**32 - 1), 2**32 - 1) is not None:  # ('-1' wraps to 4294967295, a uid_t)
        return None
    return f"Failed to parse {what} '{part[1:]}'"


def _dac_label(label: etree._Element) -> Problem | None:
    """At start: a static DAC label is the QEMU process's owner and group, 'user:group' (virParseOwnershipIds;
    checked on 9.0: '0' and '+4294967296:+0' refused, '+0:+0' starts)."""
    if label.get("model") != "dac" or label.get("type") != "static":
        return None
    element = label.find("label")
    text = element.text if element is not None else None
    if not text:
        return None  # (a static label without one: _label's)
    assert element is not None
    user, colon, group = text.partition(":")
    refusal = f"Failed to parse uid and gid from '{text}'" if not colon else \
        _dac_id_problem(user, "user") or _dac_id_problem(group, "group")
    if refusal is None:
        return None
    return Problem(Anchor(element, text=True), refusal + LIBVIRT_START,
                   hint="write the owner and group as user:group, numbers with a '+' (+107:+107)")


def _checked_at_start(label: etree._Element) -> bool:
    """Whether libvirt checks the label's model when it starts the domain (virSecurityManagerCheckAllLabel): a disk's
    own <source> (not its backing chain's) and a character device's."""
    source = label.getparent()
    device = source.getparent() if source is not None else None
    holder = device.getparent() if device is not None else None
    return (source is not None and source.tag == "source" and device is not None and holder is not None
            and holder.tag == "devices" and (device.tag == "disk" or device.tag in CHARDEVS))


def _modelless_start(label: etree._Element) -> Problem:
    """At start: a device label has no model of its own (the parser gives it none, unlike a lone domain label),
    and no security driver is named '(null)' (virSecurityManagerCheckModel; checked on 9.0, whose formatdomain
    example shows such a label)."""
    return Problem(Anchor(label), "Security driver model '(null)' is not available (a device's <seclabel> "
                   "needs a model)" + LIBVIRT_START,
                   hint="name the security driver it overrides: model='dac' (or selinux, apparmor)")


def _written_relabel(label: etree._Element) -> bool:
    """A domain label's relabel as virSecurityLabelDefParseXML reads it: its attribute, else off for static and
    none labels, on for the others."""
    relabel_text = label.get("relabel")
    if relabel_text is not None:
        return relabel_text == "yes"
    return label.get("type") not in ("static", "none")


def _relabels(label: etree._Element) -> bool:
    """Whether a domain label relabels once parsed: never for model 'none' (virSecurityLabelDefParseXML fixes such
    older configurations)."""
    return label.get("model") != "none" and _written_relabel(label)


def _label(label: etree._Element) -> Problem | None:
    """virSecurityLabelDefParseXML for a domain's label being defined: its type and relabel (off by default for
    static and none labels) agree, and a static label names its label.

    A label without ``type`` is neither dynamic nor static: the parser sets dynamic as the default, then
    virXMLPropEnum, which sets its result to 0 for an absent attribute, makes it VIR_DOMAIN_SECLABEL_DEFAULT (10.7's
    source; libvirt 9.0 defines `<seclabel model='dac' relabel='no'/>`, checked), which no check here reads."""
    kind = label.get("type")
    relabel_text = label.get("relabel")
    if relabel_text is not None and relabel_text not in ("yes", "no"):  # (virXMLPropTristateBool, as on a device)
        return Problem(Anchor(label, "relabel"),
                       f"Invalid value for attribute 'relabel' in element 'seclabel': '{relabel_text}'.",
                       replacements=("yes", "no"))
    relabel = _written_relabel(label)
    if kind == "dynamic" and not relabel:
        return Problem(Anchor(label, "relabel"), "dynamic label type must use resource relabeling",
                       hint="drop relabel='no' (or use type='static' with a <label>)", replacements=("yes",))
    if kind == "none" and relabel:
        return Problem(Anchor(label, "relabel"), "resource relabeling is not compatible with 'none' label type",
                       replacements=("no",))
    if label.get("model") == "none":
        return None  # (libvirt fixes such older configurations)
    if kind == "static":
        element = label.find("label")  # (string(./label[1]), at most VIR_SECURITY_LABEL_BUFLEN - 1 bytes)
        text = string_value(element) if element is not None else ""
        if not text or len(text.encode()) > SECURITY_LABEL_MAX:
            return Problem(Anchor(label), "security label is missing",
                           hint="a static label names its label: <label>system_u:system_r:svirt_t:s0:c1,c2</label>")
    return None


def _device_group(group: list[etree._Element], ctx: Context) -> Iterator[Problem]:
    models: set[str] = set()
    for label in group:
        model = label.get("model")
        if model is not None:
            if model in models:
                yield Problem(Anchor(label, "model"), f"seclabel for model {model} is already provided",
                              hint="merge the two <seclabel> elements")
                return
            models.add(model)
        relabel = label.get("relabel")
        if relabel is not None and relabel not in ("yes", "no"):  # (virXMLPropTristateBool)
            yield Problem(Anchor(label, "relabel"),
                          f"Invalid value for attribute 'relabel' in element 'seclabel': '{relabel}'.",
                          replacements=("yes", "no"))
            return
        text = label.findtext("label")
        shown = model if model is not None else "<null>"
        if text and relabel == "no":
            yield Problem(Anchor(label, "relabel"),
                          f"Cannot specify a label if relabelling is turned off. model={shown}",
                          hint="remove <label>, or relabel='no'")
            return
        if relabel == "yes" and not text and refused_since(ctx, 10, 7):
            yield Problem(Anchor(label, "relabel"), f"Cannot specify relabel if label is missing. model={shown}",
                          hint="add a <label>, or remove relabel='yes'")
            return
