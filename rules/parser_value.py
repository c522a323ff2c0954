"""VL850 parser-value: values libvirt's parser refuses for an attribute it reads with a strict enum, from one table."""

from __future__ import annotations

from itertools import islice
from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.versions import NEWEST, label
from virtlint.rules._libvirt_enums import EMPTY_AS_ABSENT, STRICT_ENUMS, StrictEnum
from virtlint.rules._devices import device_parsed
from virtlint.rules._support import ranked

_BY_PATH: dict[str, list[StrictEnum]] = {}
for _row in STRICT_ENUMS:
    _BY_PATH.setdefault(_row.path, []).append(_row)


def _screen(rows: list[StrictEnum]) -> Screen:
    """The no-finding test of a path's rows: each attribute among its accepted values or absent, the text (when
    a row reads it) among the values every text row accepts, as written (blanks around it: the full check)."""
    # (values a release learnt, and those only a later release reads, are left to the check, which knows the
    # modelled release)
    attributes = tuple((row.attribute, frozenset((*row.values, *(() if row.required else (None,)),
                                                  *_empty(row))) - frozenset(row.since))
                       for row in rows if row.attribute is not None)
    texts: frozenset[str | None] | None = None
    for row in rows:
        if row.attribute is None:
            accepted = frozenset((*row.values, *_empty(row))) - frozenset(row.since)
            texts = accepted if texts is None else texts & accepted
    if texts is not None and "" in texts:
        texts |= {None}  # no text reads as ''
    return attributes, texts


def _empty(row: StrictEnum) -> tuple[str, ...]:
    """('',) for a setting an empty value leaves unset (EMPTY_AS_ABSENT), else ()."""
    return ("",) if (row.path, row.attribute) in EMPTY_AS_ABSENT and not row.required else ()


_SCREENS: dict[str, Screen] = {path: _screen(rows) for path, rows in _BY_PATH.items()}


def _up(element: etree._Element, levels: int) -> etree._Element:
    """The element's ancestor ``levels`` up (itself for 0)."""
    for _ in range(levels):
        parent = element.getparent()
        if parent is None:
            break
        element = parent
    return element


def _condition_value(holder: etree._Element, attribute: str) -> str | None:
    """A row condition's value: an attribute of the holder, or with 'child/@name' of its first such child."""
    if "/@" in attribute:
        child_path, attribute = attribute.split("/@")
        child = holder.find(child_path)
        return None if child is None else child.get(attribute)
    return holder.get(attribute)


def _refusal(row: StrictEnum, element: etree._Element, value: str, tail: str) -> str:
    """libvirt's message for the value, then what virtlint adds (after a blank when the message ends a sentence)."""
    message = row.message.format(attribute=row.attribute, element=element.tag, value=value)
    return f"{message}{' ' if message.endswith('.') else '; '}{tail}"


def _read(element: etree._Element, row: StrictEnum, ctx: Context) -> bool:
    """Whether the parser reads this element's value, for a row that reads only some (StrictEnum.reads)."""
    assert row.reads is not None
    how, count = row.reads
    found = ctx.root.iterfind(row.path)
    if how == "attribute":
        found = (candidate for candidate in found if candidate.get(row.attribute or "") is not None)
    return element in islice(found, count)


@register
class ParserValue(Rule):
    """
    ## What it does
    Checks every attribute libvirt's parser reads with a strict enum
    (virXMLPropEnum, virXMLPropTristateSwitch/Bool, and the parsers that test
    `TypeFromString(...) < 0` themselves) against the values libvirt accepts,
    from one table (rules/_libvirt_enums.py): disk `type`, `device`,
    `target/@bus`, `driver/@cache`, `@io`, `@type` (`unknown driver format
    value`)...; controller, graphics, video, sound, watchdog, memballoon,
    rng, tpm, memory, hostdev, interface, filesystem, shmem, iommu, vsock,
    smartcard and input types and models; device `<address type>`; `<vcpu
    placement>`, `<cpu mode|match|check>`, CPU feature policies, cache and
    maxphysaddr modes, NUMA cell `memAccess`; numatune and memoryBacking
    modes; boot devices, loader types, feature `state`s, GIC versions, clock
    offsets and timers, lifecycle actions and power management switches. A
    value that is not a libvirt value at all is reported here; a valid value
    the host lacks is VL302's. Stage: define (parser; the message is
    libvirt's, e.g. `Invalid value for attribute 'bus' in element 'target':
    'virtoi'.`). Values are those of libvirt 10.7; a value added in a later
    release is reported until virtlint learns it; the few it knows of
    (the `nvme` disk bus and controller type, `<launchSecurity type='tdx'>`)
    are reported only when the libvirt-version setting (or `--connect`, which
    reads the host's) names a release virtlint models, 10.7 or older: without
    it, the host's libvirt may be newer than the newest one modelled. Devices an older
    libvirt does not parse at all are not checked for it: `<crypto>` before
    libvirt 9.1 (9.0 drops the element, whatever its values). Only what the
    parser reads is judged: the first `<on_poweroff>`, `<on_reboot>`,
    `<on_crash>`, `<on_lockfailure>`, `<pm>` switch and `<bootmenu>`, the
    first four `<boot>` devices, the first `<clock>` with an offset;
    lifecycle actions are compared as written, blanks included (checked on
    9.0: `<on_poweroff> destroy</on_poweroff>` is refused).

    ## Why is this bad?
    `virsh define` fails with an XML error: a typo such as `bus='virtoi'`
    is not a warning for libvirt.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><target dev='vda' bus='virtoi'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL850"
    name = "parser-value"
    severity = Severity.ERROR
    summary = "A value libvirt's parser refuses for an attribute it reads as an enum."
    elements = tuple(_BY_PATH)
    uses_caps = False

    def screen(self, path: str) -> Screen | None:
        return _SCREENS.get(path)  # the engine runs it: check sees only the elements failing it

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        parts = ctx.path.split("/")
        if parts[0] == "devices" and len(parts) > 1 and not device_parsed(ctx, parts[1]):
            return  # a device this libvirt release does not parse (it drops the element)
        for row in _BY_PATH.get(ctx.path, ()):
            if row.when is not None and _condition_value(_up(element, row.when[0]), row.when[1]) not in row.when[2]:
                continue  # a setting the parser does not read here
            if row.parsed_since is not None and not ctx.libvirt_at_least(*row.parsed_since):
                continue  # a setting this release does not read at all
            if row.reads is not None and not _read(element, row, ctx):
                continue  # an element the parser never reads (a second <on_poweroff>, a fifth <boot>)
            if row.attribute is None:
                value = element.text or ""
                anchor = Anchor(element, text=True)
            else:
                raw = element.get(row.attribute)
                if raw is None:
                    if row.required:
                        yield Problem(Anchor(element), row.missing.format(attribute=row.attribute, element=element.tag),
                                      hint=f"add {row.attribute}: one of {', '.join(row.values)}")
                    continue
                value = raw
                anchor = Anchor(element, row.attribute)
            learnt = row.since.get(value)
            if learnt is not None and not ctx.libvirt_at_least(*learnt):
                yield Problem(anchor, _refusal(row, element, value, f"libvirt {learnt[0]}.{learnt[1]} added it, and "
                                               f"the modelled release is {label(ctx.libvirt_version)}"),
                              hint="model the host's libvirt release (libvirt_version), or use a value it knows")
                continue
            if value in row.values or value == "" and _empty(row):
                continue
            if value in row.later:
                if ctx.later_libvirt_possible:
                    continue  # the host's libvirt may be one that reads it
                yield Problem(anchor, _refusal(row, element, value, f"Only libvirt releases after {label(NEWEST)} "
                                               f"read it; the modelled release is {label(ctx.libvirt_version)}"),
                              hint=f"use one of {', '.join(row.values)}, or model the host's libvirt release "
                                   "(libvirt_version) if it is newer")
                continue
            if value == "" and row.required and (row.path, row.attribute) in EMPTY_AS_ABSENT:
                yield Problem(Anchor(element, row.attribute), row.missing.format(attribute=row.attribute,
                                                                                 element=element.tag),
                              hint=f"give it one of {', '.join(row.values)}")
                continue
            retired = row.retired.get(value)
            if retired is not None and not ctx.libvirt_at_least(*retired):
                continue
            options = ranked(value, row.values)
            hint = f"use '{options[0]}'" if options else None
            yield Problem(anchor, _refusal(row, element, value, f"libvirt accepts: {', '.join(row.values)}"), hint=hint,
                          replacements=options[:3] if row.attribute is not None else ())
