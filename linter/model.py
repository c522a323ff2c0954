"""What rules produce and what the outputs consume.

A rule yields ``Problem``s anchored to parts of the domain tree (an element,
one of its attributes, or its text); the engine resolves anchors into exact
positions and turns each problem into a ``Finding``.
"""

from __future__ import annotations

from enum import Enum
from typing import Callable, ClassVar, Collection, Iterator, TypeVar

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.caps import DomainCaps, Evidence
from virtlint.linter.cpu_map import CpuMap, CpuMapSource
from virtlint.linter.document import Document, Position
from virtlint.linter.host import HostCaps
from virtlint.linter.identity import Identity
from virtlint.linter.fixes import Fix, ResolvedFix
from virtlint.linter.versions import NEWEST
from virtlint.linter.schema import DomainSchema

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

T = TypeVar("T")

#: A rule's no-finding test the engine runs itself (``Rule.screen``): (attribute rows: (attribute name, the
#: values for which check reports nothing there, None standing for an absent attribute), the accepted texts of
#: the element, None when the text is not screened).
Screen = tuple[tuple[tuple[str, Collection[str | None]], ...], Collection[str | None] | None]


class Severity(Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


class Anchor(Record):
    """A part of the domain: the element's name, an attribute's value, or its text.

    Never changed once made, and hashable, but not a FrozenRecord: rules make one per value they look at, and
    a frozen record's guarded ``__init__`` costs three times plain assignments."""

    element: etree._Element
    attribute: str | None
    text: bool

    __slots__ = ("element", "attribute", "text")
    _fields = __slots__

    def __init__(self, element: etree._Element, attribute: str | None = None, text: bool = False) -> None:
        self.element = element
        self.attribute = attribute
        self.text = text

    def __hash__(self) -> int:  # type: ignore[override]  # Record is unhashable, an anchor is not
        return hash((self.element, self.attribute, self.text))


class Problem(Record):
    """What a rule reports; positions are resolved later from the anchor."""

    anchor: Anchor
    message: str
    hint: str | None
    evidence: Evidence | None
    #: Values that could replace the anchored value, best first (each becomes an unsafe fix, after
    #: ``fixes``): a replaced value changes what the VM is. A safe change is a Fix with SAFE applicability.
    replacements: tuple[str, ...]
    severity: Severity | None  # None: the rule's default
    #: Changes that would fix it, best first (before the replacements); the first is what the hint says.
    fixes: tuple[Fix, ...]

    __slots__ = ("anchor", "message", "hint", "evidence", "replacements", "severity", "fixes")
    _fields = __slots__

    def __init__(
        self,
        anchor: Anchor,
        message: str,
        hint: str | None = None,
        evidence: Evidence | None = None,
        replacements: tuple[str, ...] = (),
        severity: Severity | None = None,
        fixes: tuple[Fix, ...] = (),
    ) -> None:
        self.anchor = anchor
        self.message = message
        self.hint = hint
        self.evidence = evidence
        self.replacements = replacements
        self.severity = severity
        self.fixes = fixes


class Finding(FrozenRecord):
    path: str
    start: Position
    end: Position
    severity: Severity
    code: str
    rule: str
    message: str
    hint: str | None
    evidence: Evidence | None
    #: Quick fixes, best first; `--fix` applies the first when it is safe (`--unsafe-fixes`: in any case).
    fixes: tuple[ResolvedFix, ...]
    #: Offsets into the document text (None for file-level findings).
    offsets: tuple[int, int] | None

    __slots__ = ("path", "start", "end", "severity", "code", "rule", "message", "hint", "evidence", "fixes", "offsets")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        start: Position,
        end: Position,
        severity: Severity,
        code: str,
        rule: str,
        message: str,
        hint: str | None = None,
        evidence: Evidence | None = None,
        fixes: tuple[ResolvedFix, ...] = (),
        offsets: tuple[int, int] | None = None,
    ) -> None:
        _set(self, "path", path)
        _set(self, "start", start)
        _set(self, "end", end)
        _set(self, "severity", severity)
        _set(self, "code", code)
        _set(self, "rule", rule)
        _set(self, "message", message)
        _set(self, "hint", hint)
        _set(self, "evidence", evidence)
        _set(self, "fixes", fixes)
        _set(self, "offsets", offsets)

    @property
    def line(self) -> int:
        return self.start.line + 1

    @property
    def column(self) -> int:
        return self.start.column + 1

    @property
    def end_line(self) -> int:
        return self.end.line + 1

    @property
    def end_column(self) -> int:
        return self.end.column + 1

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.line, self.start.column, self.code)


class FileReport(Record):
    """One checked file: its findings, the source lines they are on, and the caps they came from.

    Plain data, so worker processes can send it back.
    """

    path: str
    findings: list[Finding]
    #: 0-based line number -> text, for the lines the findings start on
    lines: dict[int, str]
    caps_path: str | None

    __slots__ = ("path", "findings", "lines", "caps_path")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        findings: list[Finding] | None = None,
        lines: dict[int, str] | None = None,
        caps_path: str | None = None,
    ) -> None:
        self.path = path
        self.findings = [] if findings is None else findings
        self.lines = {} if lines is None else lines
        self.caps_path = caps_path


class Context(Record):
    """What a rule may look at: the positioned domain and the chosen capabilities."""

    document: Document
    caps: DomainCaps
    domain_type: str | None
    arch: str | None
    machine: str | None
    #: False when the caps describe another arch or machine family; then the
    #: rules that compare the identity itself and those that need no caps run.
    identity_matches: bool
    #: Path below <domain> of the element being checked (set by the engine's walk).
    path: str
    #: The libvirt driver of the domain's type ('qemu' for kvm/qemu/hvf), None when unknown.
    driver: str | None
    #: Why the caps do not describe the domain (empty when they do); see linter/identity.py.
    mismatches: list[str]
    #: libvirt's RelaxNG schema, when installed (structural rules only).
    schema: DomainSchema | None
    #: Whole-document facts computed once per document and shared by rules (address maps,
    #: port maps, NUMA cells...): key -> value. Use ``once``.
    memo: dict[str, object]
    #: The host's `virsh capabilities`, when given (rules with ``uses_host`` run only then).
    host: HostCaps | None
    #: The libvirt release whose behaviour the checks model, (major, minor); see linter.versions.
    libvirt_version: tuple[int, int]
    #: What the domain asks for (type, arch, machine, emulator), as the engine read it to choose the caps; None
    #: when the context was built without it (rules then read it themselves: rules/_identity.py).
    identity: Identity | None
    #: Whether the user named the release (configuration, --libvirt-version, --connect): when not, the host's
    #: libvirt may be newer than the newest one modelled, and a value only a later release reads is no error.
    libvirt_named: bool
    #: Where libvirt's CPU map is read (on first use: see x86_cpu_map); None: not used.
    cpu_maps: CpuMapSource | None

    __slots__ = (
        "document",
        "caps",
        "domain_type",
        "arch",
        "machine",
        "identity_matches",
        "path",
        "driver",
        "mismatches",
        "schema",
        "memo",
        "host",
        "libvirt_version",
        "identity",
        "libvirt_named",
        "cpu_maps",
    )
    _fields = __slots__

    def __init__(
        self,
        document: Document,
        caps: DomainCaps,
        domain_type: str | None,
        arch: str | None,
        machine: str | None,
        identity_matches: bool = True,
        path: str = "",
        driver: str | None = None,
        mismatches: list[str] | None = None,
        schema: DomainSchema | None = None,
        memo: dict[str, object] | None = None,
        host: HostCaps | None = None,
        libvirt_version: tuple[int, int] = (10, 7),
        identity: Identity | None = None,
        libvirt_named: bool = False,
        cpu_maps: CpuMapSource | None = None,
    ) -> None:
        self.document = document
        self.caps = caps
        self.domain_type = domain_type
        self.arch = arch
        self.machine = machine
        self.identity_matches = identity_matches
        self.path = path
        self.driver = driver
        self.mismatches = [] if mismatches is None else mismatches
        self.schema = schema
        self.memo = {} if memo is None else memo
        self.host = host
        self.libvirt_version = libvirt_version
        self.identity = identity
        self.libvirt_named = libvirt_named
        self.cpu_maps = cpu_maps

    def x86_cpu_map(self) -> CpuMap | None:
        """libvirt's x86 CPU map (linter/cpu_map.py), read on the first call of the process; None without one."""
        return self.cpu_maps.get() if self.cpu_maps is not None else None

    def once(self, key: str, compute: "Callable[[], T]") -> "T":
        """The value of ``compute()`` for this document, computed on first use only."""
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]  # type: ignore[return-value]

    def libvirt_at_least(self, major: int, minor: int = 0) -> bool:
        """True when the modelled libvirt is that release or newer."""
        return self.libvirt_version >= (major, minor)

    @property
    def later_libvirt_possible(self) -> bool:
        """Whether the host's libvirt may be newer than every release virtlint models (the release was not named,
        or was named beyond the newest known): values only such a release reads are then not refused."""
        return not self.libvirt_named or self.libvirt_version > NEWEST

    @property
    def root(self) -> etree._Element:
        assert self.document.root is not None
        return self.document.root


class Rule:
    """Base class of every rule. The class docstring is the rule's documentation.

    Subclasses set ``code`` (stable, e.g. 'VL301'), ``name`` (kebab-case),
    ``severity`` and ``summary``; ``elements`` lists the element paths below
    ``<domain>`` whose visit calls ``check`` ('' is the root itself).
    """

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    elements: ClassVar[tuple[str, ...]] = ()
    #: Identity rules compare the caps' own identity and always run.
    identity_rule: ClassVar[bool] = False
    #: Emitted by the engine itself (parse errors, missing caps), not by check().
    engine_rule: ClassVar[bool] = False
    #: False for libvirt's own semantic checks, which judge the domain alone.
    uses_caps: ClassVar[bool] = True
    #: Runs only with libvirt's RelaxNG schema (absent on some machines).
    needs_schema: ClassVar[bool] = False
    #: Rules about the host itself (its NUMA nodes, CPUs, pages...) run only with a host document.
    uses_host: ClassVar[bool] = False
    #: The libvirt drivers whose checks the rule models (linter/drivers.py); a domain of
    #: another driver's type is not checked by it. Most rules model the QEMU driver.
    drivers: ClassVar[tuple[str, ...]] = ("qemu",)

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        return iter(())

    def screen(self, path: str) -> Screen | None:
        """A test that proves ``check`` reports nothing on an element at ``path``: when each screened value (an
        attribute's, None if absent; the text, None if none) is in its set, the engine does not call ``check``
        (it costs no call per element, where most are fine). None (the default): ``check`` runs on every
        element. Asked once per path; a set may grow later (values already judged readable), never shrink: the
        engine remembers the source lines whose element passed (see Linter._walk), so a screen speaks of the
        element's own attributes and text only, whatever the document around it."""
        return None

    def fires_with(self, caps: DomainCaps, path: str) -> bool:
        """False when ``check`` can never report anything at ``path`` with these caps (the engine then skips it
        for every document checked against them); asked once per caps document and path."""
        return True

    @classmethod
    def documentation(cls) -> str:
        import inspect

        return inspect.cleandoc(cls.__doc__ or "")
