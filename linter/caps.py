"""The capability model: a lenient reader of ``virsh domcapabilities`` output.

Every answer is one of three things (formatdomaincaps.rst, "Overview"):

* UNKNOWN: the block or enum is omitted, so the driver says nothing; never report.
* UNSUPPORTED: the block says ``supported='no'``.
* LISTED: the enum's ``<value>``s are the exhaustive set; an empty enum allows nothing.

The reader never insists on what a particular libvirt version prints: older
documents lack attributes that newer schemas require, and any element it does
not know is simply kept as a generic block. Each answer carries the caps
element it came from, so a finding can cite its evidence.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterable

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.document import Document, InputError, Position

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__



class CapsError(Exception):
    """The file is not a domcapabilities document."""


class Availability(Enum):
    UNKNOWN = "unknown"
    UNSUPPORTED = "unsupported"
    LISTED = "listed"


class Evidence(FrozenRecord):
    """Where in a caps document an answer comes from."""

    path: str
    start: Position
    end: Position
    label: str  # e.g. "<enum name='bus'>"

    __slots__ = ("path", "start", "end", "label")
    _fields = __slots__

    def __init__(self, path: str, start: Position, end: Position, label: str) -> None:
        _set(self, "path", path)
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "label", label)


class EnumAnswer(FrozenRecord):
    availability: Availability
    values: tuple[str, ...]
    evidence: Evidence | None
    _value_set: frozenset[str]

    __slots__ = ("availability", "values", "evidence", "_value_set")
    _fields = ("availability", "values", "evidence")

    def __init__(self, availability: Availability, values: tuple[str, ...] = (), evidence: Evidence | None = None
                 ) -> None:
        _set(self, "availability", availability)
        _set(self, "values", values)
        _set(self, "evidence", evidence)
        _set(self, "_value_set", frozenset(values))

    @property
    def unsupported(self) -> bool:
        return self.availability is Availability.UNSUPPORTED

    def allows(self, value: str) -> bool | None:
        """True or False when the caps say; None when they are silent."""
        if self.availability is Availability.UNKNOWN:
            return None
        if self.availability is Availability.UNSUPPORTED:
            return False
        return value in self._value_set


UNKNOWN = EnumAnswer(Availability.UNKNOWN)


class CapsBlock(Record):
    """An element of the caps that has ``supported`` and/or ``<enum>`` children."""

    key: str
    element: etree._Element
    supported: bool | None
    enums: dict[str, etree._Element]

    __slots__ = ("key", "element", "supported", "enums")
    _fields = __slots__

    def __init__(
        self,
        key: str,
        element: etree._Element,
        supported: bool | None,
        enums: dict[str, etree._Element] | None = None,
    ) -> None:
        self.key = key
        self.element = element
        self.supported = supported
        self.enums = {} if enums is None else enums


class CpuModel(FrozenRecord):
    name: str
    usable: str | None  # 'yes' | 'no' | 'unknown' | None when not printed
    deprecated: bool
    vendor: str | None
    canonical: str | None
    blockers: tuple[str, ...]
    element: etree._Element

    __slots__ = ("name", "usable", "deprecated", "vendor", "canonical", "blockers", "element")
    _fields = __slots__

    def __init__(
        self,
        name: str,
        usable: str | None,
        deprecated: bool,
        vendor: str | None,
        canonical: str | None,
        blockers: tuple[str, ...],
        element: etree._Element,
    ) -> None:
        _set(self, "name", name)
        _set(self, "usable", usable)
        _set(self, "deprecated", deprecated)
        _set(self, "vendor", vendor)
        _set(self, "canonical", canonical)
        _set(self, "blockers", blockers)
        _set(self, "element", element)


class DomainCaps:
    """One domcapabilities document, indexed once."""

    def __init__(self, document: Document) -> None:
        root = document.root
        if root is None or document.root_name != "domainCapabilities":
            found = f"<{document.root_name}>" if document.root_name else "no root element"
            raise CapsError(f"{document.path}: not a domcapabilities document ({found})")
        self.document = document
        #: The <domainCapabilities> element.
        self.root: etree._Element = root
        self.path = document.path
        self.emulator = child_text(root, "path")
        self.domain_type = child_text(root, "domain")
        self.machine = child_text(root, "machine")
        self.arch = child_text(root, "arch")
        self.blocks: dict[str, CapsBlock] = {}
        self.cpu_models: dict[str, CpuModel] = {}
        # answers are immutable: computed once per caps document, then looked up
        self._answers: dict[tuple[str, str | None], EnumAnswer] = {}
        #: Facts rules derive from these caps alone (suggestions, live table rows), computed once: key -> value.
        self.memo: dict[object, object] = {}
        self._index(root, "")
        vcpu = root.find("vcpu")
        self.vcpu_max = int_or_none(vcpu.get("max")) if vcpu is not None else None
        self._read_cpu_models(root)

    @classmethod
    def from_file(cls, path: str) -> DomainCaps:
        try:
            document = Document.from_file(path)
        except (InputError, OSError) as err:
            raise CapsError(f"{path}: {_reason(err)}") from None
        if document.syntax_error is not None:
            problem = document.syntax_error
            raise CapsError(f"{path}:{problem.line}:{problem.column}: not well-formed XML: {problem.message}")
        if document.doctype is not None:
            raise CapsError(f"{path}: has a DOCTYPE; virtlint refuses DTDs and entities")
        return cls(document)

    # -- indexing ---------------------------------------------------------

    def _index(self, element: etree._Element, prefix: str) -> None:
        for child in element.iterchildren(etree.Element):
            tag = child.tag
            if tag in ("enum", "value"):
                continue
            name = child.get("name") if tag == "mode" else None
            key = f"{prefix}{tag}/{name}" if name else f"{prefix}{tag}"
            enums = {enum.get("name", ""): enum for enum in child.iterchildren("enum")}
            supported = child.get("supported")
            if supported is not None or enums:
                self.blocks[key] = CapsBlock(key, child, None if supported is None else supported == "yes", enums)
            if tag not in ("model", "feature", "blockers"):
                self._index(child, key + "/")

    def _read_cpu_models(self, root: etree._Element) -> None:
        custom = root.find("cpu/mode[@name='custom']")
        if custom is None:
            return
        blockers = {
            b.get("model", ""): tuple(f.get("name", "") for f in b.iterchildren("feature"))
            for b in custom.iterchildren("blockers")
        }
        for model in custom.iterchildren("model"):
            name = (model.text or "").strip()
            self.cpu_models[name] = CpuModel(
                name=name,
                usable=model.get("usable"),
                deprecated=model.get("deprecated") == "yes",
                vendor=model.get("vendor"),
                canonical=model.get("canonical"),
                blockers=blockers.get(name, ()),
                element=model,
            )

    # -- questions --------------------------------------------------------

    @property
    def identity(self) -> str:
        """A short description, e.g. 'qemu, x86_64, pc-q35-7.2'."""
        return ", ".join(part for part in (self.domain_type, self.arch, self.machine) if part)

    def block(self, key: str) -> CapsBlock | None:
        return self.blocks.get(key)

    def support(self, key: str) -> EnumAnswer:
        """Whether a block (e.g. 'features/gic') is supported, as an answer without values."""
        answer = self._answers.get((key, None))
        if answer is None:
            answer = self._answers[(key, None)] = self._support(key)
        return answer

    def _support(self, key: str) -> EnumAnswer:
        block = self.blocks.get(key)
        if block is None or block.supported is None:
            return UNKNOWN
        availability = Availability.LISTED if block.supported else Availability.UNSUPPORTED
        return EnumAnswer(availability, (), self.evidence(block.element))

    def enum(self, key: str, name: str) -> EnumAnswer:
        """The values an enum of a block allows (e.g. 'devices/disk', 'bus')."""
        answer = self._answers.get((key, name))
        if answer is None:
            answer = self._answers[(key, name)] = self._enum(key, name)
        return answer

    def _enum(self, key: str, name: str) -> EnumAnswer:
        block = self.blocks.get(key)
        if block is None:
            return UNKNOWN
        if block.supported is False:
            return EnumAnswer(Availability.UNSUPPORTED, (), self.evidence(block.element))
        enum = block.enums.get(name)
        if enum is None:
            return UNKNOWN
        values = tuple((value.text or "").strip() for value in enum.iterchildren("value"))
        return EnumAnswer(Availability.LISTED, values, self.evidence(enum))

    def evidence(self, element: etree._Element) -> Evidence:
        return evidence_of(self.document, self.path, element, ("name", "supported"))


def load_caps(paths: Iterable[str]) -> list[DomainCaps]:
    """Load caps files; raise CapsError for the first that is not domcapabilities."""
    return [DomainCaps.from_file(path) for path in paths]


def evidence_of(document: Document, path: str, element: etree._Element, shown: tuple[str, ...]) -> Evidence:
    """Where an element of a capabilities document stands, labelled by its tag and the ``shown`` attributes."""
    span = document.tag_span(element)
    start = document.position(span.start if span else 0)
    end = document.position(span.end if span else 0)
    attrs = "".join(f" {k}='{v}'" for k, v in element.attrib.items() if k in shown)
    return Evidence(path, start, end, f"<{element.tag}{attrs}>")


def child_text(parent: etree._Element | None, tag: str) -> str | None:
    """The stripped text of ``parent``'s child ``tag``; None when either is absent or the text is blank."""
    if parent is None:
        return None
    child = parent.find(tag)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def int_or_none(value: str | None) -> int | None:
    """Capabilities documents are read leniently: a number that does not parse is unknown, not an error."""
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None



def _reason(err: Exception) -> str:
    if isinstance(err, OSError):
        return err.strerror or str(err)
    return str(err)
