"""Helpers shared by rules: message wording and replacement ranking."""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from lxml import etree

from virtlint.linter.caps import Availability, DomainCaps, EnumAnswer
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Severity

#: A user alias libvirt keeps in an inactive definition: 'ua-', then USER_ALIAS_CHARS only
USER_ALIAS = lazy_compile(r"ua-[A-Za-z0-9_-]*")

#: Replacements that do the same job, best first, tried before spelling similarity.
SUBSTITUTES: dict[str, tuple[str, ...]] = {
    "ide": ("sata", "scsi", "virtio"),
    "sata": ("scsi", "virtio", "ide"),
    "xen": ("virtio",),
    "sd": ("scsi", "virtio"),
    "qxl": ("virtio", "vga", "bochs"),
    "cirrus": ("vga", "virtio", "bochs"),
    "vmvga": ("vga", "virtio"),
    "spice": ("vnc",),
    "sdl": ("vnc",),
    "tpm-crb": ("tpm-tis",),
    "tpm-tis": ("tpm-crb",),
    "emulator": ("passthrough",),
    "2.0": ("1.2",),
    "memfd": ("file",),
}


#: virUUIDParse's reading: ASCII blanks (g_ascii_isspace), then 16 pairs of hex digits with any number of '-' and
#: spaces between (not within) pairs, then ASCII blanks
_UUID = lazy_compile(r"[ \t\n\v\f\r]*(?:[- ]*[0-9A-Fa-f]{2}){16}[ \t\n\v\f\r]*")
_NOT_HEX = lazy_compile(r"[^0-9A-Fa-f]")


def is_uuid(text: str) -> bool:
    """Whether libvirt reads the text as a UUID (virUUIDParse)."""
    return _UUID.fullmatch(text) is not None


def parse_uuid(text: str) -> bytes | None:
    """The 16 bytes of a UUID as libvirt reads it (virUUIDParse), None when it cannot."""
    if _UUID.fullmatch(text) is None:
        return None
    return bytes.fromhex(_NOT_HEX.sub("", text))


def numeric_host_version(text: str, version: int | None = None) -> int | None:
    """The IP version (4 or 6) of a numeric host as libvirt's virSocketAddrParse reads it (getaddrinfo with
    AI_NUMERICHOST: no name is looked up), of the given ``version`` only when one is; None when it is not one."""
    found = numeric_host(text, version)
    return found[0] if found is not None else None


def numeric_host(text: str, version: int | None = None) -> tuple[int, int] | None:
    """(IP version, the address as a number) of a numeric host, read as ``numeric_host_version`` reads it."""
    import ipaddress
    import socket  # (here, not with the module: ~4 ms of a cold start, and few documents give an address)

    family = socket.AF_UNSPEC if version is None else socket.AF_INET if version == 4 else socket.AF_INET6
    try:
        found = socket.getaddrinfo(text, None, family, 0, 0, socket.AI_NUMERICHOST)[0]
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    # (getaddrinfo's own spelling of it: '10.1' is 10.0.0.1 to it, as to libvirt)
    address = ipaddress.ip_address(str(found[4][0]).partition("%")[0])
    return address.version, int(address)


def string_value(element: etree._Element) -> str:
    """The element's XPath string() as libvirt's virXPathString reads it: its text, its descendants' included (an
    element without children, the common case, is its text alone: ``itertext`` costs twenty times ``text``)."""
    if not len(element):
        return element.text or ""
    return "".join(element.itertext())


#: What a ``check`` returns when all is well: an exhausted iterator, shared (it stays empty), so the common
#: case builds no generator.
NOTHING: Iterator[Problem] = iter(())


#: ctx.memo keys of the per-document caches below
_CHILDREN_BY_TAG_KEY = "children-by-tag"
_DOMAIN_CHILDREN_KEY = "domain-children"


def first_child(element: etree._Element, tag: str) -> etree._Element | None:
    """``element.find(tag)`` for a plain tag, without ElementPath's Python-level path machinery. A loop over
    the children: lxml's tag filter (``iterchildren(tag)``) costs more to set up than a few tag reads, and so
    does the plain child iterator: a small element's children come cheaper as one C-level list."""
    count = len(element)
    if count == 1:  # (<model> in <video>, <backend> in <tpm>: one child is common)
        child = element[0]
        return child if child.tag == tag else None
    for child in element.getchildren() if count < 8 else element:
        if child.tag == tag:  # a comment's or PI's tag is a function: never equal
            return child
    return None


def after_first(element: etree._Element) -> bool:
    """Whether an earlier sibling has the element's tag: libvirt reads the first of some children only (an XPath
    [1], virXPathNode), and never this one."""
    return next(element.itersiblings(element.tag, preceding=True), None) is not None


def text_child(element: etree._Element, tag: str) -> etree._Element | None:
    """The element's first <tag> when libvirt's virXPathString("string(./tag)") gives a string: None for none, or
    an empty one."""
    child = first_child(element, tag)
    return child if child is not None and string_value(child) else None


def find_first(element: etree._Element, path: str) -> etree._Element | None:
    """``element.find(path)`` for a path of plain tags ('cpu/topology'): the first match in document order."""
    head, _, rest = path.partition("/")
    for child in element:
        if child.tag == head:
            if not rest:
                return child
            found = find_first(child, rest)
            if found is not None:
                return found
    return None


def children_by_tag(ctx: Context, element: etree._Element) -> dict[str, list[etree._Element]]:
    """Tag -> the element's children of that tag in document order (``element.findall(tag)``), built once per
    element and document: several rules look at <devices>' videos, graphics, TPMs, disks..."""
    cache: dict[etree._Element, dict[str, list[etree._Element]]] | None = ctx.memo.get(_CHILDREN_BY_TAG_KEY)  # type: ignore[assignment]
    if cache is None:
        cache = ctx.memo[_CHILDREN_BY_TAG_KEY] = {}
    children = cache.get(element)
    if children is None:
        children = cache[element] = {}
        # every child, faster than asking lxml to skip comments and PIs: their keys (the etree.Comment and
        # etree.PI factories) are no tag name a caller asks for
        for node in element.getchildren():  # (one C-level list: cheaper than the child iterator)
            same = children.get(node.tag)
            if same is None:
                children[node.tag] = [node]
            else:
                same.append(node)
    return children


def domain_children(ctx: Context) -> dict[str, list[etree._Element]]:
    """<domain>'s child elements by tag, in document order (``children_by_tag`` of the root, behind a memo key
    of its own: many rules ask, and one dict lookup is the cheapest way back to it)."""
    index = ctx.memo.get(_DOMAIN_CHILDREN_KEY)
    if index is None:
        index = ctx.memo[_DOMAIN_CHILDREN_KEY] = children_by_tag(ctx, ctx.root)
    return index  # type: ignore[return-value]


def devices_of(ctx: Context, tag: str) -> list[etree._Element]:
    """``ctx.root.findall(f"devices/{tag}")``: the devices of this tag in document order, from the per-document
    indexes (a list of its own when a domain has several <devices>; else the index's: do not change it)."""
    holders = domain_children(ctx).get("devices")
    if not holders:
        return []
    if len(holders) == 1:
        return children_by_tag(ctx, holders[0]).get(tag, [])
    return [device for devices in holders for device in children_by_tag(ctx, devices).get(tag, ())]


def domain_find(ctx: Context, path: str) -> etree._Element | None:
    """``ctx.root.find(path)`` for a path of plain tags ('vcpu', 'cpu/topology'), from ``domain_children``."""
    head, _, rest = path.partition("/")
    for child in domain_children(ctx).get(head, ()):
        if not rest:
            return child
        found = find_first(child, rest)
        if found is not None:
            return found
    return None


def caps_label(caps: DomainCaps) -> str:
    """'(pc-q35-7.2, qemu)': the machine and virt type the caps describe."""
    parts = [part for part in (caps.machine or caps.arch, caps.domain_type) if part]
    return f"({', '.join(parts)})" if parts else f"({caps.path})"


def allowed_text(answer: EnumAnswer) -> str:
    if answer.availability is Availability.UNSUPPORTED:
        return "the block is marked supported='no'"
    if not answer.values:
        where = answer.evidence.label if answer.evidence else "its enum"
        return f"{where} is empty, so no value is usable"
    return "supported: " + ", ".join(answer.values)


@lru_cache(maxsize=4096)
def ranked(value: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Allowed values ordered as replacements for ``value``: substitutes, look-alikes, the rest (memoized: the
    caps' allowed values are the same for every file checked against them)."""
    if not allowed:
        return ()
    import difflib

    first = [v for v in SUBSTITUTES.get(value, ()) if v in allowed]
    similar = difflib.get_close_matches(value, allowed, n=len(allowed), cutoff=0.5)
    order = first + [v for v in similar if v not in first]
    return tuple(order + [v for v in allowed if v not in order])


def value_problem(
    anchor: Anchor,
    what: str,
    value: str,
    answer: EnumAnswer,
    caps: DomainCaps,
    *,
    attribute: str,
    severity: Severity | None = None,
    implied: str | None = None,
) -> Problem:
    """A value the caps do not allow; ``implied`` explains a value libvirt would default to."""
    shown = f"{what} '{value}'" + (f" ({implied})" if implied else "")
    replacements = ranked(value, answer.values)
    hint = None
    if replacements:
        verb = "set" if implied else "use"
        hint = f"{verb} {attribute}='{replacements[0]}'"
        others = replacements[1:4]
        if others:
            more = ", ..." if len(replacements) > 4 else ""
            hint += " (or " + ", ".join(f"'{v}'" for v in others) + more + ")"
    return Problem(
        anchor=anchor,
        message=f"{shown} is not supported by these capabilities {caps_label(caps)}; {allowed_text(answer)}",
        hint=hint,
        evidence=answer.evidence,
        replacements=() if implied else replacements,
        severity=severity,
    )
