"""Structural validation with libvirt's own RelaxNG schemas (the ones installed with libvirt).

libxml2 reports RelaxNG failures coarsely ("Element domain failed to validate
content"). To point at the real culprit, elements that have a `<define>` of
their own in the schema are validated one by one against it (a small grammar
that includes domain.rng and starts at that define); inside a failing element,
each attribute and each child without a define of its own is removed in turn
to find the one that breaks it. An index of the schema tells unknown names
from bad values and lists the allowed values where the schema has a choice.

The schemas are trusted system files: they are the only files these parsers
may include. Domain documents never reach a parser that loads anything.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

RNG = "http://relaxng.org/ns/structure/1.0"
DEFAULT_DIRS = ("/usr/share/libvirt/schemas", "/usr/local/share/libvirt/schemas")
#: Culprit searches per document, so a wholly foreign document stays cheap.
MAX_PROBLEMS = 25
#: A minimal valid domain, in which top-level elements are judged one at a time.
SKELETON = "<domain type='kvm'><name>n</name><memory>1024</memory><os><type>hvm</type></os></domain>"


class SchemaProblem(FrozenRecord):
    element: etree._Element
    attribute: str | None
    message: str
    allowed: tuple[str, ...]

    __slots__ = ("element", "attribute", "message", "allowed")
    _fields = __slots__

    def __init__(
        self,
        element: etree._Element,
        attribute: str | None,
        message: str,
        allowed: tuple[str, ...] = (),
    ) -> None:
        _set(self, "element", element)
        _set(self, "attribute", attribute)
        _set(self, "message", message)
        _set(self, "allowed", allowed)


class _Index(Record):
    #: element name -> names of the defines whose content is that element
    defines: dict[str, list[str]]
    #: (element name, attribute name) -> allowed values (empty: any value, or unknown)
    attributes: dict[tuple[str, str], set[str]]
    #: every element name the schema mentions
    elements: set[str]

    __slots__ = ("defines", "attributes", "elements")
    _fields = __slots__

    def __init__(
        self,
        defines: dict[str, list[str]] | None = None,
        attributes: dict[tuple[str, str], set[str]] | None = None,
        elements: set[str] | None = None,
    ) -> None:
        self.defines = {} if defines is None else defines
        self.attributes = {} if attributes is None else attributes
        self.elements = set() if elements is None else elements


def find_schema_dir(configured: str | None = None) -> Path | None:
    candidates = [configured] if configured else list(DEFAULT_DIRS)
    for candidate in candidates:
        if candidate and (Path(candidate) / "domain.rng").is_file():
            return Path(candidate)
    return None


class DomainSchema:
    """libvirt's domain.rng, compiled once, with an index for useful messages."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._full = etree.RelaxNG(file=str(directory / "domain.rng"))
        self._partial: dict[str, etree.RelaxNG | None] = {}
        self._index: _Index | None = None

    @property
    def index(self) -> _Index:
        """Built on first need: only an invalid document needs it."""
        if self._index is None:
            self._index = _build_index(self.directory)
        return self._index

    # -- validation ------------------------------------------------------------

    def problems(self, root: etree._Element) -> list[SchemaProblem]:
        # RelaxNG skips comments and PIs, and entity references only exist in refused DOCTYPE documents:
        # the tree is validated as it is, without a copy (the common, valid case stays cheap)
        if self._full.validate(root.getroottree()):
            return []
        found: list[SchemaProblem] = []
        devices = root.find("devices")
        for device in (devices.iterchildren(etree.Element) if devices is not None else ()):
            if device.tag not in self.index.elements:
                found.append(SchemaProblem(device, None, f"unknown element <{device.tag}> in <devices>"))
            elif self._element_valid(device) is False:
                found += self._culprits(device, self._element_valid)
        # the rest, one top-level element at a time inside a minimal valid domain
        for child in root.iterchildren(etree.Element):
            if child is devices or child.tag.startswith("{"):
                continue
            if child.tag not in self.index.elements:
                found.append(SchemaProblem(child, None, f"unknown element <{child.tag}> in <domain>"))
            elif not self._valid_in_skeleton(child):
                found += self._culprits(child, self._valid_in_skeleton)
        skeleton = etree.fromstring(SKELETON)
        skeleton.attrib.update({k: v for k, v in root.attrib.items() if not k.startswith("{")})
        if not self._full.validate(etree.ElementTree(skeleton)):
            for name in list(skeleton.attrib):
                trial = _clone(skeleton)
                if name == "type":
                    trial.set("type", "kvm")  # required: replaced rather than removed
                else:
                    del trial.attrib[name]
                if self._full.validate(etree.ElementTree(trial)):
                    found.append(self._attribute_problem(root, name))
        if not found:
            first = self._full.error_log.last_error
            found.append(SchemaProblem(root, None, "the domain does not match libvirt's schema"
                                       + (f": {first.message}" if first else "")))
        return found[:MAX_PROBLEMS]

    def _valid_in_skeleton(self, element: etree._Element) -> bool:
        """Whether a top-level element is valid in a minimal domain that is valid without it."""
        trial = etree.fromstring(SKELETON)
        for same in trial.findall(element.tag):
            trial.remove(same)
        trial.append(_without_foreign(_clone(element)))
        return bool(self._full.validate(etree.ElementTree(trial)))

    def _culprits(self, top: etree._Element, valid, skip: etree._Element | None = None) -> list[SchemaProblem]:
        """The attributes and elements inside `top` whose removal makes it valid, deepest first."""
        candidates: list[tuple[tuple[int, ...], str | None, etree._Element]] = []
        for path, node in _walk(top, (), skip):
            if path:
                candidates.append((path, None, node))
            candidates += [(path, name, node) for name in node.attrib if not name.startswith("{")]
        candidates.reverse()  # deepest and last first; an element's attributes before the element
        removed: list[tuple[tuple[int, ...], str | None, etree._Element]] = []
        for _ in range(MAX_PROBLEMS):
            culprit = next((c for c in candidates if c not in removed and valid(_remove(top, [*removed, c]))),
                           None)
            if culprit is None:
                break
            removed.append(culprit)
            if valid(_remove(top, removed)):
                break
        if not removed or not valid(_remove(top, removed)):
            removed = _minimal(candidates, lambda chosen: valid(_remove(top, chosen))) or []
        refined: list = []
        for culprit in removed:
            path, attribute, node = culprit
            others = [c for c in removed if c is not culprit]
            inner = [c for c in candidates if c[0][:len(path)] == path and c != culprit and
                     (len(c[0]) > len(path) or c[1] is not None)]
            better = None
            if attribute is None:
                better = _minimal(inner, lambda chosen, others=others: valid(_remove(top, [*others, *chosen])))
            refined += better if better else [culprit]
        problems: list[SchemaProblem] = []
        for _, name, node in refined:
            problem = self._describe(node, name)
            if all(p.element is not node or p.attribute != name for p in problems):
                problems.append(problem)
        if not problems:
            problems.append(SchemaProblem(top, None, f"<{top.tag}> does not match libvirt's schema "
                                                     f"(a required attribute or element may be missing)"))
        return problems

    def _describe(self, node: etree._Element, attribute: str | None) -> SchemaProblem:
        if attribute is not None:
            return self._attribute_problem(node, attribute)
        parent = node.getparent()
        where = f" in <{parent.tag}>" if parent is not None else ""
        if node.tag not in self.index.elements:
            return SchemaProblem(node, None, f"unknown element <{node.tag}>{where}")
        return SchemaProblem(node, None, f"element <{node.tag}> is not valid here{where}")

    def _valid(self, element: etree._Element, define: str) -> bool | None:
        schema = self._define_schema(define)
        if schema is None:
            return None
        return schema.validate(etree.ElementTree(_without_foreign(_clone(element))))

    def _element_valid(self, element: etree._Element) -> bool | None:
        """Whether the element matches any define for its name; None when it has none."""
        verdicts = [self._valid(element, define) for define in self.index.defines.get(element.tag, [])]
        verdicts = [v for v in verdicts if v is not None]
        return any(verdicts) if verdicts else None

    def _attribute_problem(self, element: etree._Element, name: str) -> SchemaProblem:
        key = (element.tag, name)
        value = element.get(name)
        if key not in self.index.attributes:
            return SchemaProblem(element, name, f"unknown attribute '{name}' on <{element.tag}>")
        allowed = tuple(sorted(self.index.attributes[key]))
        if allowed:
            return SchemaProblem(element, name, f"invalid value '{value}' for attribute '{name}' of <{element.tag}>; "
                                                f"allowed: {', '.join(allowed)}", allowed)
        return SchemaProblem(element, name, f"invalid value '{value}' for attribute '{name}' of <{element.tag}>")

    def _define_schema(self, define: str) -> etree.RelaxNG | None:
        if define not in self._partial:
            grammar = (f'<grammar xmlns="{RNG}" datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">'
                       f'<include href="{(self.directory / "domain.rng").as_uri()}"><start><ref name="{define}"/>'
                       f'</start></include></grammar>')
            try:
                self._partial[define] = etree.RelaxNG(etree.fromstring(grammar))
            except etree.RelaxNGParseError:
                self._partial[define] = None
        return self._partial[define]


def _clone(element: etree._Element) -> etree._Element:
    """A deep copy of an element, as copy.deepcopy gives (lxml's own; importing copy costs ~1.4 ms a start)."""
    return element.__copy__()


def _walk(node: etree._Element, path: tuple[int, ...], skip: etree._Element | None):
    """(index path, element) for the element and its descendants, in document order."""
    yield path, node
    for index, child in enumerate(c for c in node if isinstance(c.tag, str)):
        if child is not skip:
            yield from _walk(child, (*path, index), skip)


def _minimal(candidates: list, valid) -> list | None:
    """A small set of removals that makes it valid: remove in order until valid, then put back what is not needed."""
    chosen: list = []
    for candidate in candidates:
        chosen.append(candidate)
        if valid(chosen):
            break
    else:
        return None
    for candidate in list(chosen):
        trial = [c for c in chosen if c is not candidate]
        if valid(trial):
            chosen = trial
    return chosen


def _remove(top: etree._Element, removals) -> etree._Element:
    """A copy of `top` without the given attributes and elements (given by index path)."""
    trial = _clone(top)
    doomed = []
    for path, attribute, _ in removals:
        node = trial
        for index in path:
            node = [c for c in node if isinstance(c.tag, str)][index]
        if attribute is not None:
            node.attrib.pop(attribute, None)
        else:
            doomed.append(node)
    for node in doomed:
        if node.getparent() is not None:
            node.getparent().remove(node)
    return trial


def _without_foreign(element: etree._Element) -> etree._Element:
    """Drop comments, PIs and entity references, which the schema does not describe."""
    for node in list(element.iter()):
        if not isinstance(node.tag, str) and node.getparent() is not None:
            parent = node.getparent()
            if node.tail:
                previous = node.getprevious()
                if previous is not None:
                    previous.tail = (previous.tail or "") + node.tail
                else:
                    parent.text = (parent.text or "") + node.tail
            parent.remove(node)
    return element


def _build_index(directory: Path) -> _Index:
    index = _Index()
    trees = {}
    for path in sorted(directory.glob("*.rng")):
        try:
            trees[path.name] = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
        except etree.XMLSyntaxError:
            continue
    define_values: dict[str, set[str]] = {}
    for tree in trees.values():
        for define in tree.iter(f"{{{RNG}}}define"):
            values = _values(define)
            if values is not None:
                define_values.setdefault(define.get("name", ""), set()).update(values)
    for tree in trees.values():
        for define in tree.iter(f"{{{RNG}}}define"):
            first = next((e for e in define.iter(f"{{{RNG}}}element")), None)
            if first is not None and first.get("name") and _outermost(first, define):
                index.defines.setdefault(first.get("name"), []).append(define.get("name", ""))
        for element in tree.iter(f"{{{RNG}}}element"):
            name = element.get("name")
            if not name:
                continue
            index.elements.add(name)
            for attribute in _own(element, "attribute"):
                attr_name = attribute.get("name")
                if not attr_name:
                    continue
                values = index.attributes.setdefault((name, attr_name), set())
                direct = _values(attribute)
                if direct is not None:
                    values.update(direct)
                for ref in attribute.iter(f"{{{RNG}}}ref"):
                    values.update(define_values.get(ref.get("name", ""), set()))
    return index


def _values(node: etree._Element) -> set[str] | None:
    """The literal values of a node made only of <value>s (possibly in a <choice>); None otherwise."""
    values = [v.text.strip() for v in node.iter(f"{{{RNG}}}value") if v.text]
    if not values:
        return None
    others = [n for n in node.iter() if isinstance(n.tag, str) and n.tag.split("}")[-1] not in
              ("value", "choice", "attribute", "define")]
    return set(values) if not others else None


def _own(element: etree._Element, tag: str):
    """Descendants named `tag` that belong to this element, not to a nested <element>."""
    stack = list(element)
    while stack:
        node = stack.pop()
        if not isinstance(node.tag, str):
            continue
        local = node.tag.split("}")[-1]
        if local == "element":
            continue
        if local == tag:
            yield node
            continue
        stack.extend(node)


def _outermost(element: etree._Element, define: etree._Element) -> bool:
    parent = element.getparent()
    while parent is not None and parent is not define:
        if parent.tag == f"{{{RNG}}}element":
            return False
        parent = parent.getparent()
    return True


@cache
def load(directory: str) -> DomainSchema | None:
    """The compiled schema of a directory, once per process; None when it cannot be compiled."""
    try:
        return DomainSchema(Path(directory))
    except (etree.RelaxNGParseError, OSError):
        return None


def schema_for(configured: str | None = None) -> DomainSchema | None:
    directory = find_schema_dir(configured)
    return load(os.fspath(directory)) if directory else None
