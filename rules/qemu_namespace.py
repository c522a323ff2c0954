"""VL812 qemu-namespace: QEMU's extension elements (``<qemu:commandline>``, ``<qemu:capabilities>``,
``<qemu:override>``) without what libvirt's QEMU driver needs to read them."""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal, c_unsigned
from virtlint.rules._libvirt_enums import MISSING, PROP

#: qemuDomainDefNamespaceParseCommandlineEnvValidate: ASCII letters, digits and '_', not a digit first
_ENV_NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: qemuDomainXmlNsOverride's types, the empty first one (NONE) refused as VIR_XML_PROP_NONZERO
_PROPERTY_TYPES = ("string", "signed", "unsigned", "bool", "remove")
#: <qemu:override> came in libvirt 8.2: an older release does not read it
_OVERRIDE_SINCE = (8, 2)


def _signed(value: str) -> bool:
    """virStrToLong_ll, base 10: blanks, a sign, digits, nothing after, within 64 bits."""
    return c_decimal(value, -(2**63), 2**63 - 1) is not None


def _unsigned(value: str) -> bool:
    """virStrToLong_ullp, base 10: as above without any '-' (even '-0'), within 64 unsigned bits."""
    return c_unsigned(value, 2**64 - 1) is not None


#: a typed property's value test
_VALUE_READERS: dict[str, Callable[[str], bool]] = {
    "signed": _signed,
    "unsigned": _unsigned,
    "bool": lambda value: value in ("true", "false"),
}


def _arg(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    if element.get("value") is None:
        yield Problem(Anchor(element), "No qemu command-line argument specified",
                      hint="add value='...': the argument QEMU gets")


def _env(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    name = element.get("name")
    if name is None:
        yield Problem(Anchor(element), "No qemu environment name specified", hint="add name='VARIABLE'")
    elif _ENV_NAME.fullmatch(name) is None:
        first_ok = name[:1].isascii() and (name[:1].isalpha() or name[:1] == "_")
        message = ("Invalid environment name, it must contain only alphanumerics and underscore" if first_ok
                   else "Invalid environment name, it must begin with a letter or underscore")
        yield Problem(Anchor(element, "name"), message, hint="ASCII letters, digits and '_', not a digit first")


def _capability(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    name = element.get("capability")
    if name is None:
        yield Problem(Anchor(element), "missing capability name",
                      hint="add capability='...': the name of one of libvirt's QEMU capability flags")
    elif not _known_capability(name, ctx):  # (qemuProcessPrepareQEMUCaps, at start)
        yield Problem(Anchor(element, "capability"), f"invalid qemu namespace capability '{name}'",
                      hint="a misspelt flag? The names are libvirt's QEMU capability flags, lower case with '-' "
                           "and '.' (e.g. 'virtio-gpu.blob'), or one a newer libvirt added")


def _known_capability(name: str, ctx: Context) -> bool:
    """Whether the modelled libvirt's QEMU capability enum has the name (the names 9.1 to 10.7 added are taken as
    known from 9.1 on: the release of each is not pinned here)."""
    global _CAPABILITY_INDEX
    if _CAPABILITY_INDEX is None:
        from virtlint.rules import _qemu_capability_names as names  # (a 465-name table, seldom read)

        _CAPABILITY_INDEX = {flag: index < names.KNOWN_BY_9_0
                             for index, flag in enumerate(names.QEMU_CAPABILITY_NAMES)}
    known_by_9_0 = _CAPABILITY_INDEX.get(name)
    return known_by_9_0 is not None and (known_by_9_0 or ctx.libvirt_at_least(9, 1))


#: flag name -> whether libvirt 9.0 knows it, built on first use
_CAPABILITY_INDEX: dict[str, bool] | None = None


def _device(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    if element.get("alias") is None and ctx.libvirt_at_least(*_OVERRIDE_SINCE):
        yield Problem(Anchor(element), "missing 'alias' attribute for qemu:device",
                      hint="add alias='ua-...': the user alias of the device whose properties it overrides")


def _property(element: etree._Element, ctx: Context) -> Iterator[Problem]:
    if not ctx.libvirt_at_least(*_OVERRIDE_SINCE):
        return
    name = element.get("name")
    if name is None:
        yield Problem(Anchor(element), "missing 'name' attribute for qemu:property",
                      hint="add name='...': the QEMU property to override")
        return
    if name == "id":
        yield Problem(Anchor(element, "name"), "property with name 'id' can't be overridden",
                      hint="libvirt sets the device's id itself")
        return
    kind = element.get("type")
    if kind is None:
        yield Problem(Anchor(element), MISSING.format(attribute="type", element="property"),
                      hint=f"add type='...': one of {', '.join(_PROPERTY_TYPES)}")
        return
    if kind not in _PROPERTY_TYPES:
        yield Problem(Anchor(element, "type"), PROP.format(attribute="type", element="property", value=kind),
                      replacements=_PROPERTY_TYPES)
        return
    value = element.get("value")
    if kind == "remove":
        if value is not None:
            yield Problem(Anchor(element, "value"),
                          "setting 'value' attribute of 'qemu:property' doesn't make sense with 'remove' type",
                          hint="remove value=: type='remove' drops the property")
        return
    if value is None:
        yield Problem(Anchor(element), "missing 'value' attribute for 'qemu:property'", hint="add value='...'")
        return
    reader = _VALUE_READERS.get(kind)
    if reader is not None and not reader(value):
        expected = {"signed": "a decimal integer", "unsigned": "a non-negative decimal integer",
                    "bool": "'true' or 'false'"}[kind]
        yield Problem(Anchor(element, "value"),
                      f"invalid value '{value}' of 'value' attribute of 'qemu:property'",
                      hint=f"type='{kind}' takes {expected}")


#: element path -> its check, as qemuDomainDefNamespaceParse reads them
_CHECKS: dict[str, Callable[[etree._Element, Context], Iterator[Problem]]] = {
    "qemu:commandline/qemu:arg": _arg,
    "qemu:commandline/qemu:env": _env,
    "qemu:capabilities/qemu:add": _capability,
    "qemu:capabilities/qemu:del": _capability,
    "qemu:override/qemu:device": _device,
    "qemu:override/qemu:device/qemu:frontend/qemu:property": _property,
}


@register
class QemuNamespace(Rule):
    """
    ## What it does
    Reports QEMU's extension elements (namespace
    `http://libvirt.org/schemas/domain/qemu/1.0`, whatever its prefix) that
    libvirt cannot read: a `<qemu:arg>` without `value`; a `<qemu:env>`
    without `name`, or whose name is not ASCII letters, digits and `_` with
    no digit first; a `<qemu:add>` or `<qemu:del>` capability without its
    name or naming no QEMU capability flag of the modelled libvirt (10.7
    knows 465, 9.0 the first 442); and, in `<qemu:override>` (libvirt 8.2
    and newer), a `<qemu:device>` without `alias`, a `<qemu:property>` without `name`,
    named `id`, without a valid `type` (`string`, `signed`, `unsigned`,
    `bool`, `remove`), without a `value` (except to remove), with a value
    to remove, or with a value its type cannot read (a base-10 integer for
    `signed`, one without any `-` for `unsigned`, `true` or `false` for
    `bool`).

    ## Why is this bad?
    libvirt's QEMU driver refuses the domain when it is defined, in
    qemuDomainDefNamespaceParse and the functions it calls
    (qemu_domain.c): `No qemu command-line argument specified`, `No qemu
    environment name specified`, `Invalid environment name, it must begin
    with a letter or underscore`, `Invalid environment name, it must contain
    only alphanumerics and underscore`, `missing capability name`, `missing
    'alias' attribute for qemu:device`, `missing 'name' attribute for
    qemu:property`, `property with name 'id' can't be overridden`, `missing
    'value' attribute for 'qemu:property'`, `invalid value '1x' of 'value'
    attribute of 'qemu:property'`, `setting 'value' attribute of
    'qemu:property' doesn't make sense with 'remove' type`. At start
    (qemuProcessPrepareQEMUCaps): `invalid qemu namespace capability
    'bogus'`. Each was checked on libvirt 9.0 with its twin; the same code in
    10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <qemu:commandline><qemu:env name='1FOO' value='bar'/></qemu:commandline></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <qemu:commandline><qemu:env name='FOO1' value='bar'/></qemu:commandline></domain>
    ```
    """

    code = "VL812"
    name = "qemu-namespace"
    severity = Severity.ERROR
    summary = "A QEMU extension element (qemu:commandline, qemu:capabilities, qemu:override) libvirt cannot read."
    elements = tuple(_CHECKS)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        return _CHECKS[ctx.path](element, ctx)
