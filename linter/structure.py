"""A structure table compiled once from libvirt's RelaxNG schemas, checked without running RelaxNG.

libxml2's RelaxNG validation of domain.rng costs several times a parse. Most structural mistakes in a domain
(a misspelt element or attribute name, an element where it does not belong, a value outside a listed set, an
attribute value that is not of its datatype) can be decided from a table built once from the grammar:

* every ``<element>`` pattern of the grammar becomes a row: the element patterns its content can hold (by name),
  the attributes it can have, and for each attribute the alternatives its value may take: listed ``<value>``s
  (compared as RelaxNG's ``token`` type does, whitespace collapsed), or an XSD datatype with its facets
  (integers with their bounds, ``pattern``s translated to Python regular expressions);
* a document is walked with, for each element, the set of rows it may match (its parent's rows' children of its
  name: every pattern the grammar could choose, so the table never rejects what RelaxNG could accept).

The check is conservative: it reports only what no pattern of the grammar allows. Whatever it cannot decide
(content models: required elements and attributes, ordering, co-occurrence between attributes, choices between
whole groups) it leaves to full RelaxNG (``--strict-schema``). The table is cached on disk (marshal, one blob per row
decoded when a document first needs the row; keyed by the schema files' names, sizes and modification times and
the Python version) so a process loads it rather than compiling the grammar.
"""

from __future__ import annotations

import marshal
import os
import re
import sys
from pathlib import Path
from typing import Callable, Iterator, Sequence

from lxml import etree

from virtlint.linter.document import START_TAG_LINE, WHOLE_ELEMENT_LINE
from virtlint.linter.hashing import blake2b
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.schema import SchemaProblem, find_schema_dir

RNG = "http://relaxng.org/ns/structure/1.0"
_R = f"{{{RNG}}}"
#: Bumped when the table's layout changes.
FORMAT = 6

#: XSD integer types: (minimum, maximum); None is unbounded.
_INTEGERS = {
    "integer": (None, None), "int": (-2**31, 2**31 - 1), "long": (-2**63, 2**63 - 1), "short": (-2**15, 2**15 - 1),
    "byte": (-128, 127), "unsignedInt": (0, 2**32 - 1), "unsignedLong": (0, 2**64 - 1),
    "unsignedShort": (0, 2**16 - 1), "unsignedByte": (0, 255), "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None), "negativeInteger": (None, -1), "nonPositiveInteger": (None, 0),
}
_INTEGER = re.compile(r"[+-]?[0-9]+")
#: XSD regex constructs Python's re does not read alike: a pattern using one is not checked.
_UNTRANSLATABLE = lazy_compile(r"\\[pPiIcCwW]|-\[|\(\?|\\[0-9]|(?<!\\)\$|(?<![\\\[])\^")

#: What a source line (without its line break) holds, for the line-keyed cache (see StructureTable._check_lines):
#: exactly one element, whole, or a start tag, whole, then text (document.WHOLE_ELEMENT_LINE, START_TAG_LINE);
#: exactly one comment. Nothing else ("<" appears once per tag): a line that is not one of these is judged by the
#: element's values.
#: the name in a line's (first) tag
_LINE_NAME = lazy_compile(r"\s*<([^\s<>/='\"!?]+)")
_COMMENT_LINE = lazy_compile(r"\s*<!--(?:[^-]|-(?!-))*-->\s*")
#: the forms of a line
_LEAF, _OPEN, _COMMENT, _OTHER = 1, 2, 3, 4
#: entries in each line-keyed cache (their keys hold source lines: ~6 KB a new 5 KB domain; ~60 MB at most)
_LINE_CACHE = 50_000

# A row of the table: [names, {child name: [row ids]}, children open, {attribute: alternatives | None},
#                      attributes open, required attributes, required children, {child name: most occurrences},
#                      text alternatives | None]
#: "any number of times" in a row's occurrence counts
MANY = -1
#: An element's content is spelt out into at most this many forms (rows); beyond, one row holds them all.
MAX_FORMS = 48
# alternatives: list of ["values", [...]] | ["integer", min, max, pattern] | ["pattern", regex]


def _collapse(value: str) -> str:
    return " ".join(value.split())


class _Compiler:
    """Reads the grammar (includes, overrides, combine) and builds the rows."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.defines: dict[str, list[etree._Element]] = {}
        self.start: list[etree._Element] = []
        self.rows: list[list] = []
        self._row_of: dict[etree._Element, list[int]] = {}
        self._load(directory / "domain.rng", set())

    # -- reading the grammar --

    def _load(self, path: Path, overridden: set[str]) -> None:
        root = etree.parse(str(path)).getroot()
        self._grammar(root, path, overridden)

    def _grammar(self, node: etree._Element, path: Path, overridden: set[str]) -> None:
        for child in node.iterchildren(etree.Element):
            if child.tag == _R + "include":
                own = {d.get("name") for d in child.iter(_R + "define")}
                self._load(path.parent / child.get("href"), overridden | own)
                self._grammar(child, path, overridden)  # the include's own defines override the included ones
            elif child.tag == _R + "define":
                name = child.get("name")
                if name in overridden and child.getparent().tag != _R + "include":
                    continue
                if child.get("combine") or name not in self.defines:
                    self.defines.setdefault(name, []).append(child)
                else:
                    self.defines[name] = [child]
            elif child.tag == _R + "start":
                self.start.append(child)
            elif child.tag == _R + "div":
                self._grammar(child, path, overridden)

    # -- rows --

    def rows_of(self, element: etree._Element) -> list[int]:
        """The rows of an <element> pattern, one per form its content can take (built on first need)."""
        found = self._row_of.get(element)
        if found is not None:
            return found
        names, _ = self._names(element)
        content = [c for c in element.iterchildren(etree.Element) if not self._is_name_class(c)]
        branches = self._expand_all(content, set())
        if branches is None:  # too many forms: one row for all of them (what every form allows)
            branches = [[(node, False) for node in content]]
        ids = list(range(len(self.rows), len(self.rows) + len(branches)))
        self._row_of[element] = ids
        for _ in branches:
            self.rows.append([names, {}, False, {}, False, [], [], {}, None])
        for index, branch in zip(ids, branches):
            self._fill(self.rows[index], branch)
        return ids

    def _fill(self, row: list, branch: list[tuple[etree._Element, bool]]) -> None:
        nodes = [node for node, _ in branch]
        children: dict[str, set[int]] = {}
        attributes: dict[str, list | None] = {}
        flags = {"children_open": False, "attributes_open": False}
        for node in nodes:
            self._content(node, children, attributes, flags, set())
        row[1] = {name: sorted(ids) for name, ids in children.items()}
        row[2] = flags["children_open"]
        row[3] = attributes
        row[4] = flags["attributes_open"]
        required_attributes: set[str] = set()
        required_children: set[str] = set()
        most: dict[str, int] = {}
        for node, optional in branch:
            if not optional:
                attributes_needed, children_needed = self._required(node, set())
                required_attributes |= attributes_needed
                required_children |= children_needed
            most = _add_counts(most, self._most(node, set()))
        row[5] = sorted(required_attributes)
        row[6] = sorted(required_children)
        row[7] = {name: count for name, count in most.items() if count != MANY}
        # an optional datatype lets the text be empty too: then the table does not judge the text
        optional_text = any(optional and not self._attribute_only(node, set()) for node, optional in branch)
        row[8] = None if optional_text else self._text(nodes)

    def _expand_all(self, nodes, refs: set[str]) -> list[list[tuple[etree._Element, bool]]] | None:
        """The forms of a group of patterns: each a list of (leaf pattern, optional); None when too many."""
        forms: list[list[tuple[etree._Element, bool]]] = [[]]
        for node in nodes:
            more = self._expand(node, refs)
            if more is None:
                return None
            forms = [form + extra for form in forms for extra in more]
            if len(forms) > MAX_FORMS:
                return None
        return forms

    def _expand(self, node: etree._Element, refs: set[str]) -> list[list[tuple[etree._Element, bool]]] | None:
        """A pattern's forms: its top-level choices spelt out (exactly: a choice is the union of its forms)."""
        tag = node.tag
        if tag == _R + "choice":
            forms: list[list[tuple[etree._Element, bool]]] = []
            for child in node.iterchildren(etree.Element):
                more = self._expand(child, refs)
                if more is None:
                    return None
                forms += more
            return forms if len(forms) <= MAX_FORMS else None
        if tag in (_R + "group", _R + "interleave"):
            return self._expand_all(node.iterchildren(etree.Element), refs)
        if tag == _R + "optional":
            inner = self._expand_all(node.iterchildren(etree.Element), refs)
            if inner is None:
                return None
            if len(inner) == 1:  # no choice inside: its leaves, each optional (no doubling of forms)
                return [[(leaf, True) for leaf, _ in inner[0]]]
            return [[]] + inner if len(inner) < MAX_FORMS else None
        if tag == _R + "ref":
            name = node.get("name")
            defines = [d for d in self.defines.get(name, ())
                       if [c.tag for c in d.iterchildren(etree.Element)] != [_R + "notAllowed"]]
            if name in refs or not defines or any(d.get("combine") == "interleave" for d in defines):
                return [[(node, False)]]
            forms = []
            for define in defines:
                more = self._expand_all(define.iterchildren(etree.Element), refs | {name})
                if more is None:
                    return None
                forms += more
            return forms if len(forms) <= MAX_FORMS else None
        if tag == _R + "notAllowed":
            return []
        if tag == _R + "empty":
            return [[]]
        return [[(node, False)]]  # element, attribute, text, data, value, list, zeroOrMore, oneOrMore, mixed

    def _text(self, content: list[etree._Element]) -> list | None:
        """The alternatives of an element's text when its content is attributes and one datatype or value set;
        None when its text is free (or has children, or cannot be read)."""
        remaining = [node for node in content if not self._attribute_only(node, set())]
        if len(remaining) != 1:
            return None
        alternatives: list = []
        return alternatives if self._alternatives(remaining[0], alternatives, set()) else None

    def _attribute_only(self, node: etree._Element, refs: set[str]) -> bool:
        tag = node.tag
        if tag in (_R + "attribute", _R + "empty"):
            return True
        if tag in (_R + "optional", _R + "zeroOrMore", _R + "oneOrMore", _R + "group", _R + "interleave",
                   _R + "choice"):
            return all(self._attribute_only(child, refs) for child in node.iterchildren(etree.Element))
        if tag == _R + "ref":
            name = node.get("name")
            if name in refs or name not in self.defines:
                return False
            return all(self._attribute_only(child, refs | {name}) for define in self.defines[name]
                       for child in define.iterchildren(etree.Element))
        return False

    def _required(self, node: etree._Element, refs: set[str]) -> tuple[set[str], set[str]]:
        """(attribute names, child element names) every match of the pattern must have."""
        tag = node.tag
        if tag in (_R + "attribute", _R + "element"):
            names, is_open = self._names(node)
            if is_open or len(names) != 1:
                return set(), set()
            return ({names[0]}, set()) if tag == _R + "attribute" else (set(), {names[0]})
        if tag in (_R + "group", _R + "interleave", _R + "oneOrMore", _R + "mixed"):
            return self._required_all(node.iterchildren(etree.Element), refs)
        if tag == _R + "choice":
            branches = [self._required(child, refs) for child in node.iterchildren(etree.Element)
                        if child.tag != _R + "notAllowed"]
            if not branches:
                return set(), set()
            return set.intersection(*(b[0] for b in branches)), set.intersection(*(b[1] for b in branches))
        if tag == _R + "ref":
            name = node.get("name")
            defines = self.defines.get(name, ())
            if name in refs or not defines:
                return set(), set()
            # several defines of one name combine as a choice here (the only combine libvirt uses)
            if any(d.get("combine") == "interleave" for d in defines):
                return set(), set()
            # a define that is only <notAllowed/> is the identity of a choice: it adds no branch
            options = [self._required_all(define.iterchildren(etree.Element), refs | {name}) for define in defines
                       if [c.tag for c in define.iterchildren(etree.Element)] != [_R + "notAllowed"]]
            if not options:
                return set(), set()
            return set.intersection(*(o[0] for o in options)), set.intersection(*(o[1] for o in options))
        return set(), set()  # optional, zeroOrMore, text, data, value, empty, notAllowed, ...

    def _required_all(self, nodes, refs: set[str]) -> tuple[set[str], set[str]]:
        """What a sequence of patterns (a group) requires: the union of what each requires."""
        attributes: set[str] = set()
        children: set[str] = set()
        for child in nodes:
            more_attributes, more_children = self._required(child, refs)
            attributes |= more_attributes
            children |= more_children
        return attributes, children

    def _most(self, node: etree._Element, refs: set[str]) -> dict[str, int]:
        """How many times each child element name can occur in one match of the pattern (MANY: unbounded)."""
        tag = node.tag
        if tag == _R + "element":
            names, _ = self._names(node)
            return {name: 1 for name in names}
        if tag in (_R + "zeroOrMore", _R + "oneOrMore"):
            inner: dict[str, int] = {}
            for child in node.iterchildren(etree.Element):
                inner = _add_counts(inner, self._most(child, refs))
            return {name: MANY for name in inner}
        if tag in (_R + "group", _R + "interleave", _R + "mixed", _R + "optional"):
            total: dict[str, int] = {}
            for child in node.iterchildren(etree.Element):
                total = _add_counts(total, self._most(child, refs))
            return total
        if tag == _R + "choice":
            best: dict[str, int] = {}
            for child in node.iterchildren(etree.Element):
                for name, count in self._most(child, refs).items():
                    known = best.get(name, 0)
                    best[name] = MANY if MANY in (known, count) else max(known, count)
            return best
        if tag == _R + "ref":
            name = node.get("name")
            if name in refs:
                return {}
            best = {}
            for define in self.defines.get(name, ()):
                total = {}
                for child in define.iterchildren(etree.Element):
                    total = _add_counts(total, self._most(child, refs | {name}))
                for child_name, count in total.items():
                    known = best.get(child_name, 0)
                    best[child_name] = MANY if MANY in (known, count) else max(known, count)
            return best
        if tag in (_R + "externalRef", _R + "parentRef", _R + "grammar"):
            return {"*": MANY}
        return {}

    def _is_name_class(self, node: etree._Element) -> bool:
        return node.tag in (_R + "name", _R + "anyName", _R + "nsName") or (
            node.tag == _R + "choice" and node.getparent().get("name") is None
            and node is next(node.getparent().iterchildren(etree.Element)))

    def _names(self, node: etree._Element) -> tuple[list[str], bool]:
        """(names, open) of an element or attribute pattern's name class."""
        if node.get("name") is not None:
            return [node.get("name").strip()], False
        first = next(node.iterchildren(etree.Element), None)
        if first is None:
            return [], True
        return self._name_class(first)

    def _name_class(self, node: etree._Element) -> tuple[list[str], bool]:
        if node.tag == _R + "name":
            return [(node.text or "").strip()], False
        if node.tag == _R + "choice":
            names: list[str] = []
            is_open = False
            for child in node.iterchildren(etree.Element):
                more, child_open = self._name_class(child)
                names += more
                is_open = is_open or child_open
            return names, is_open
        return [], True  # anyName, nsName: anything

    def _content(self, node: etree._Element, children: dict[str, set[int]], attributes: dict[str, list | None],
                 flags: dict[str, bool], refs: set[str]) -> None:
        tag = node.tag
        if tag == _R + "element":
            names, is_open = self._names(node)
            if is_open:
                flags["children_open"] = True
            rows = self.rows_of(node)
            for name in names:
                children.setdefault(name, set()).update(rows)
        elif tag == _R + "attribute":
            names, is_open = self._names(node)
            if is_open:
                flags["attributes_open"] = True
            alternatives = self._value(node)
            for name in names:
                if name in attributes and (attributes[name] is None or alternatives is None):
                    attributes[name] = None
                elif name in attributes:
                    attributes[name] = attributes[name] + alternatives  # type: ignore[operator]
                else:
                    attributes[name] = alternatives
        elif tag == _R + "ref":
            name = node.get("name")
            if name in refs:
                return
            for define in self.defines.get(name, ()):
                for child in define.iterchildren(etree.Element):
                    self._content(child, children, attributes, flags, refs | {name})
        elif tag in (_R + "externalRef", _R + "parentRef", _R + "grammar"):
            flags["children_open"] = flags["attributes_open"] = True
        elif tag in (_R + "choice", _R + "group", _R + "interleave", _R + "optional", _R + "zeroOrMore",
                     _R + "oneOrMore", _R + "mixed"):
            for child in node.iterchildren(etree.Element):
                self._content(child, children, attributes, flags, refs)
        # text, data, value, list, empty, notAllowed: no elements, no attributes

    def _value(self, attribute: etree._Element) -> list | None:
        """The alternatives an attribute's value may take, or None for any value."""
        content = [c for c in attribute.iterchildren(etree.Element) if not self._is_name_class(c)]
        if attribute.get("name") is None:
            content = content  # the name class was skipped above
        if not content:
            return None  # <text/> is implied
        alternatives: list = []
        for node in content:
            if not self._alternatives(node, alternatives, set()):
                return None
        return alternatives

    def _alternatives(self, node: etree._Element, out: list, refs: set[str]) -> bool:
        """Add the value alternatives of a pattern; False when it allows any value (or cannot be read)."""
        tag = node.tag
        if tag == _R + "value":
            out.append(["values", [_collapse(node.text or "")]])
            return True
        if tag == _R + "choice":
            return all(self._alternatives(child, out, refs) for child in node.iterchildren(etree.Element))
        if tag == _R + "ref":
            name = node.get("name")
            if name in refs or name not in self.defines:
                return False
            for define in self.defines[name]:
                body = list(define.iterchildren(etree.Element))
                if len(body) != 1 or not self._alternatives(body[0], out, refs | {name}):
                    return False
            return True
        if tag == _R + "data":
            return self._data(node, out)
        return False  # text, list, group...: any value as far as the table knows

    def _data(self, node: etree._Element, out: list) -> bool:
        if any(child.tag == _R + "except" for child in node.iterchildren(etree.Element)):
            return False
        library = _library(node)
        if library != "http://www.w3.org/2001/XMLSchema-datatypes":
            return False
        kind = node.get("type")
        params = {p.get("name"): (p.text or "") for p in node.iterchildren(_R + "param")}
        if set(params) - {"pattern", "minInclusive", "maxInclusive"}:
            return False
        pattern = params.get("pattern")
        if pattern is not None and _UNTRANSLATABLE.search(pattern):
            return False
        if kind in _INTEGERS:
            low, high = _INTEGERS[kind]
            try:
                if "minInclusive" in params:
                    low = max(low, int(params["minInclusive"])) if low is not None else int(params["minInclusive"])
                if "maxInclusive" in params:
                    high = min(high, int(params["maxInclusive"])) if high is not None else int(params["maxInclusive"])
            except ValueError:
                return False
            out.append(["integer", low, high, pattern])
            return True
        if kind in ("string", "token", "normalizedString", "NMTOKEN", "Name", "NCName", "anyURI") and pattern:
            if set(params) != {"pattern"}:
                return False
            out.append(["pattern", pattern, kind != "string"])
            return True
        return False


def _add_counts(first: dict[str, int], second: dict[str, int]) -> dict[str, int]:
    total = dict(first)
    for name, count in second.items():
        known = total.get(name, 0)
        total[name] = MANY if MANY in (known, count) else known + count
    return total


def _library(node: etree._Element) -> str | None:
    while node is not None:
        library = node.get("datatypeLibrary")
        if library is not None:
            return library
        node = node.getparent()
    return None


def compile_table(directory: Path) -> dict:
    """The structure table of a schema folder (JSON-able)."""
    compiler = _Compiler(directory)
    roots: set[int] = set()
    flags = {"children_open": False, "attributes_open": False}
    children: dict[str, set[int]] = {}
    for start in compiler.start:
        for child in start.iterchildren(etree.Element):
            compiler._content(child, children, {}, flags, set())
    roots = set(children.get("domain", ()))
    return {"format": FORMAT, "roots": sorted(roots), "rows": compiler.rows}


def _stamp(directory: Path) -> str:
    # marshal's format is the Python version's own
    digest = blake2b(f"{FORMAT}\0{sys.implementation.cache_tag}\0{marshal.version}".encode(), digest_size=16)
    for name in sorted(os.listdir(directory)):
        if name.endswith(".rng"):
            info = os.stat(directory / name)
            digest.update(f"{name}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def _cache_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "virtlint"


_loaded: dict[str, StructureTable | None] = {}


def table_for(configured: str | None = None) -> StructureTable | None:
    """The structure table of libvirt's installed schemas (from the disk cache when it is there)."""
    directory = find_schema_dir(configured)
    if directory is None:
        return None
    key = os.fspath(directory)
    if key not in _loaded:
        _loaded[key] = StructureTable(_load_or_compile(directory), directory)
    return _loaded[key]


#: the disk cache starts with a digest of the rest
_DIGEST_SIZE = 16


def _load_or_compile(directory: Path) -> dict:
    """The table from the disk cache (its rows as marshal blobs, see _Rows), else compiled and stored."""
    cached = _cache_folder() / f"structure-{_stamp(directory)}.marshal"
    try:
        content = cached.read_bytes()
        # the rows are decoded only when a document needs them: a damaged file must be refused here, whole
        body = memoryview(content)[_DIGEST_SIZE:]
        if content[:_DIGEST_SIZE] != blake2b(body, digest_size=_DIGEST_SIZE).digest():
            raise ValueError("damaged structure cache")
        data = marshal.loads(body)
        if (data.__class__ is dict and data.get("format") == FORMAT and data.get("rows").__class__ is list
                and all(blob.__class__ is bytes for blob in data["rows"])):
            data["rows"] = _Rows(data["rows"])
            return data
    except (OSError, ValueError, EOFError, TypeError, AttributeError):
        pass
    data = compile_table(directory)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        temporary = cached.with_name(f".tmp-{os.getpid()}-{cached.name}")
        stored = {**data, "rows": [marshal.dumps(row) for row in data["rows"]]}
        payload = marshal.dumps(stored)
        temporary.write_bytes(blake2b(payload, digest_size=_DIGEST_SIZE).digest() + payload)
        os.replace(temporary, cached)
    except OSError:
        pass
    return data


class _Rows(Sequence[list]):
    """The table's rows, each decoded from its marshal blob on first use: a document needs a fifth of them,
    and decoding all costs a cold start several milliseconds."""

    def __init__(self, blobs: list[bytes]) -> None:
        self._blobs = blobs
        self._rows: list[list | None] = [None] * len(blobs)

    def __len__(self) -> int:
        return len(self._blobs)

    # ints only: the table never slices
    def __getitem__(self, index: int) -> list:  # type: ignore[override]
        row = self._rows[index]
        if row is None:
            row = self._rows[index] = marshal.loads(self._blobs[index])
        return row

    def __iter__(self) -> Iterator[list]:
        return (self[index] for index in range(len(self._blobs)))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, (list, _Rows)) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


#: whether a value is one of a list of alternatives (truthy: yes); see StructureTable._judge
_Judge = Callable[[str], object]
_FastRow = tuple["frozenset[str] | None", "frozenset[str]", "frozenset[str] | None", "frozenset[str]",
                 "dict[str, _Judge]", "dict[str, int]", "_Judge | None"]
#: (the children's source lines, their lines' forms and names, the names of the whole-line leaves among them (None
#: for the others), their candidate rows, the children to descend into): see StructureTable._reuse
_Slot = tuple[tuple[str, ...], tuple[tuple[int, "str | None"], ...], tuple["str | None", ...], tuple[int, ...],
              tuple[tuple[int, int], ...]]
_Shape = list[tuple[int, tuple[tuple[str, _Judge], ...], "_Judge | None"]]


class StructureTable:
    """Checks a domain against the table; the same ``problems(root)`` as the RelaxNG schema."""

    def __init__(self, data: dict, directory: Path | None = None) -> None:
        self.directory = directory
        self.rows: Sequence[list] = data["rows"]
        self.roots = tuple(data["roots"])
        self._patterns: dict[str, re.Pattern[str] | None] = {}
        #: per row, as sets for the fast test (built on first need, see _fast_row)
        self._fast: list[_FastRow | None] = [None] * len(self.rows)
        #: (interned candidates, attributes, children's tags, text) -> the plan for the children: their interned
        #: candidate rows, aligned with ``element.getchildren()`` (-1: not checked). Documents repeat elements,
        #: so most elements are decided by one lookup; only elements that fit are remembered (a misfit is
        #: reported each time).
        self._plans: dict[tuple, tuple[int, ...]] = {}
        self._sets: list[tuple[int, ...]] = []
        self._set_ids: dict[tuple[int, ...], int] = {}
        #: per interned set of forms: child tag -> the child's interned candidate rows (-1: none)
        self._child_rows: list[dict[object, int]] = []
        #: (interned candidates, attribute names, children's tags, text judged) -> the forms that shape fits, each
        #: with the values it constrains (see _shape): elements differ in their values far more than in their shape
        self._shapes: dict[tuple, _Shape] = {}
        #: (interned candidates, attribute names as read) -> the shape of an element without children
        self._leaf_shapes: dict[tuple, _Shape] = {}
        #: alternatives (marshalled) -> their judge: rows repeat the same alternatives
        self._judges: dict[bytes, _Judge] = {}
        #: (id of alternatives, value) -> accepted
        self._accepted: dict[tuple[int, str], bool] = {}
        #: The line-keyed cache (see _check_lines): (interned candidates, the element's source line, its children's
        #: source lines) -> the children to descend into: (index, interned candidate rows), in order.
        self._line_plans: dict[tuple, tuple[tuple[int, int], ...]] = {}
        #: (interned candidates, source line) of the leaves, each whole on its line, that fit -> the leaf's name
        #: (None when its line declares a namespace)
        self._leaf_lines: dict[tuple[int, str], str | None] = {}
        #: source line -> its form (_LEAF, _OPEN, _COMMENT or _OTHER) and element name (see _info)
        self._infos: dict[str, tuple[int, str | None]] = {}
        #: (interned candidates, source line, number of children) -> the last element of these the line-keyed
        #: cache learnt (see _reuse)
        self._slots: dict[tuple[int, str, int], _Slot] = {}
        self._root_rows = self._intern(self.roots)

    def problems(self, root: etree._Element, lines: list[str] | None = None) -> list[SchemaProblem]:
        """The structural problems of a domain; ``lines``: the source the tree was parsed from, as
        ``Document.source_lines`` gives it (its lines key the cache, see _check_lines), None to judge by the tree
        alone."""
        found: list[SchemaProblem] = []
        if not self.roots or etree.QName(root).localname != "domain":
            return found
        if lines is None:
            self._check(root, self._root_rows, found)
            return found[:25]
        try:
            self._check_lines(root, self._root_rows, found, lines, lines[root.sourceline])
        except TypeError:  # an element without a source line (added to the parsed tree): judged by values
            found.clear()
            self._check(root, self._root_rows, found)
        return found[:25]

    def _fast_row(self, index: int) -> _FastRow:
        """A row as sets for the fast test: (attribute names or None when open, required attributes, child names
        or None when open, required children, constrained attributes' judges, limits, the text's judge)."""
        row = self.rows[index]
        fast = self._fast[index] = (
            None if row[4] else frozenset(row[3]), frozenset(row[5]), None if row[2] else frozenset(row[1]),
            frozenset(row[6]), {name: self._judge(alts) for name, alts in row[3].items() if alts is not None},
            {} if row[2] else row[7], None if row[8] is None else self._judge(row[8]))
        return fast

    def _judge(self, alternatives: list) -> _Judge:
        """What _decide answers for these alternatives, compiled: a fit decides values seen for the first time
        (the caches above hold the others), so a pattern's own fullmatch where one suffices, else one call that
        reads precompiled sets, patterns and bounds."""
        key = marshal.dumps(alternatives)
        judge = self._judges.get(key)
        if judge is None:
            # built on its first value: a row's judges are made for all its attributes, and compiling their
            # patterns (~10 ms in all) is most of a one-file run's table cost, for attributes the file may not use
            built: list[_Judge] = []

            def judge(value: str) -> object:
                if not built:
                    built.append(self._built_judge(alternatives))
                return built[0](value)

            self._judges[key] = judge
        return judge

    def _built_judge(self, alternatives: list) -> _Judge:
        """The judge of these alternatives, its patterns compiled."""
        judge: _Judge
        values: set[str] = set()
        token_patterns: list[re.Pattern[str]] = []  # matched against the collapsed value
        raw_patterns: list[re.Pattern[str]] = []
        integers: list[tuple[int | None, int | None, re.Pattern[str] | None]] = []
        accepts_all = False
        for alternative in alternatives:
            kind = alternative[0]
            if kind == "values":
                values.update(alternative[1])
            elif kind == "integer":
                _, low, high, pattern = alternative
                integers.append((low, high, None if pattern is None else self._compiled(pattern)))
            elif kind == "pattern":
                compiled = self._compiled(alternative[1])
                if compiled is None:  # (see _match: a pattern Python cannot read accepts anything)
                    accepts_all = True
                (token_patterns if alternative[2] else raw_patterns).append(compiled)  # type: ignore[arg-type]
        if accepts_all:
            judge = _accept
        elif raw_patterns and not (values or token_patterns or integers):
            judge = raw_patterns[0].fullmatch if len(raw_patterns) == 1 else \
                re.compile("|".join(f"(?:{pattern.pattern})" for pattern in raw_patterns)).fullmatch
        else:
            def judge(value: str) -> object:
                if value in values:  # (the listed values are collapsed already)
                    return True
                token = _collapse(value)
                if token in values:
                    return True
                for pattern in token_patterns:
                    if pattern.fullmatch(token):
                        return True
                for pattern in raw_patterns:
                    if pattern.fullmatch(value):
                        return True
                if integers and _INTEGER.fullmatch(token):
                    number = int(token)
                    for low, high, digits in integers:
                        if (low is None or number >= low) and (high is None or number <= high) and \
                                (digits is None or digits.fullmatch(token)):
                            return True
                return False
        return judge

    def _intern(self, rows: tuple[int, ...]) -> int:
        """A small number for a set of rows (tuples of ints hash slowly; these are looked up per element)."""
        number = self._set_ids.get(rows)
        if number is None:
            number = self._set_ids[rows] = len(self._sets)
            self._sets.append(rows)
            self._child_rows.append({})
        return number

    def _check(self, element: etree._Element, number: int, found: list[SchemaProblem]) -> None:
        # The hot path, once per element: one cache lookup, keyed by what decides the fit: the candidate rows,
        # the children's tags (all children, comments too: a C-level list; the plan skips what the table does
        # not judge) or, for an element without children, its text, then its attribute names and values (two
        # C-level lists cost half of items()'s pairs). An element without children (most) is looked up in its
        # parent's loop, saving a call.
        plans = self._plans
        children = element.getchildren()
        tags = tuple([child.tag for child in children])
        key = (number, tags if children else element.text, *element.keys(), *element.values())
        plan = plans.get(key)
        if plan is None:
            plan = self._plan(element, number, key, tags, found)
        for child, rows in zip(children, plan):
            if rows < 0:
                continue
            if len(child):
                self._check(child, rows, found)
            else:
                leaf = (rows, child.text, *child.keys(), *child.values())
                if leaf not in plans:
                    self._plan(child, rows, leaf, (), found)

    def _check_lines(self, element: etree._Element, number: int, found: list[SchemaProblem], lines: list[str],
                     line: str) -> None:
        # The hot path with the source at hand: an element and its children's source lines decide everything
        # the table reads of them when each line holds one start tag whole (the element's attributes; a child's
        # name, so its candidate rows, and whether it is namespaced, see _plan_lines) or one leaf element whole
        # (its attributes and text too) or one comment. Reading an element's source line costs one C-level int
        # (libxml2's line of the end of its start tag) and a list index, where its attribute names and values
        # and text cost new strings, so a cached element is decided, with its leaves, by one lookup. The plan
        # lists the children to descend into: leaves whole on their line were judged with their parent.
        children = element.getchildren()
        if not children:  # a leaf not whole on its line: by its values
            self._check(element, number, found)
            return
        child_lines = [lines[child.sourceline] for child in children]
        key = (number, line, *child_lines)
        plan = self._line_plans.get(key)
        if plan is None:
            self._plan_lines(element, number, key, children, child_lines, found, lines)
            return
        for index, rows in plan:
            self._check_lines(children[index], rows, found, lines, child_lines[index])

    def _plan_lines(self, element: etree._Element, number: int, key: tuple, children: list[etree._Element],
                    child_lines: list[str], found: list[SchemaProblem], lines: list[str]) -> None:
        """Check an element the line-keyed cache does not know, its children in order, and remember the plan
        when the lines decide it and the element and its whole-line leaves fit.

        Why the lines decide: a line whose form was verified holds exactly one tag whole, and libxml2's line of
        a node is within its start tag (where it ends), so that tag is the node's. A checked element other than
        the root is not namespaced, so no default namespace is in scope; a child's name on its line then says
        whether it is namespaced (a prefix, or its own xmlns) or else its tag; the root's own declarations are
        on its line. The table ignores namespaced attributes, and a prefixed attribute is namespaced."""
        slot_key = (number, key[1], len(children))
        slot = self._slots.get(slot_key)
        if slot is not None and self._reuse(slot, key, children, found, lines):
            return
        infos = self._infos
        if len(infos) > _LINE_CACHE:
            infos.clear()
        child_infos = tuple([infos.get(line) or self._info(line) for line in child_lines])
        cacheable = self._info(key[1])[0] == _OPEN
        # the element by its values (its plan is shared by every element of the same tags and attributes)
        tags = tuple([child.tag for child in children])
        value_key = (number, tags, *element.keys(), *element.values())
        before = len(found)
        plan = self._plans.get(value_key)
        if plan is None:
            plan = self._plan(element, number, value_key, tags, found)
            if len(found) != before:
                cacheable = False
        descend = []
        leaf_lines = self._leaf_lines
        for index, rows in enumerate(plan):
            form = child_infos[index][0]
            if rows < 0:
                if form == _OTHER:
                    cacheable = False
                continue
            child = children[index]
            line = child_lines[index]
            if form == _LEAF:
                if (rows, line) not in leaf_lines:
                    # a new line is mostly a new value (a name, a path, an address): fit it directly rather than
                    # through a plan keyed by every value
                    if self._leaf_fits(child, rows):
                        if len(leaf_lines) > _LINE_CACHE:
                            leaf_lines.clear()
                        leaf_lines[rows, line] = child_infos[index][1]
                    else:  # reported as the element-by-element check reports it
                        self._plan(child, rows, (rows, child.text, *child.keys(), *child.values()), (), found)
                        cacheable = False
                continue
            if form != _OPEN:  # (a leaf's own form is _LEAF or _OTHER: an element with a child is _OPEN)
                cacheable = False
            descend.append((index, rows))
            self._check_lines(child, rows, found, lines, line)
        if cacheable:
            if len(self._line_plans) > _LINE_CACHE:
                self._line_plans.clear()
                self._slots.clear()
            stored = self._line_plans[key] = tuple(descend)
            leaf_names = tuple([name if form == _LEAF else None for form, name in child_infos])
            self._slots[slot_key] = (key[2:], child_infos, leaf_names, plan, stored)

    def _reuse(self, slot: _Slot, key: tuple, children: list[etree._Element], found: list[SchemaProblem],
               lines: list[str]) -> bool:
        """Decide a miss by the slot's element (same candidates, same line, as many children): when each child
        line that differs holds a tag of the same form and name (so the same tags: the element's plan holds, and
        the same children to descend into) and the new whole-line leaves fit. False (nothing reported) when not.
        A new domain mostly differs from the last in a few leaves' values (its name, uuid, paths, addresses)."""
        known_lines, known_infos, known_leaves, plan, descend = slot
        child_lines = key[2:]
        infos = self._infos
        leaf_lines = self._leaf_lines
        for index in [index for index, line in enumerate(child_lines) if line != known_lines[index]]:
            line = child_lines[index]
            rows = plan[index]
            name = leaf_lines.get((rows, line))
            if name is not None and name == known_leaves[index]:  # a leaf known to fit, in a leaf's place
                continue
            info = infos.get(line) or self._info(line)
            if info != known_infos[index] or info[1] is None:
                return False
            if info[0] == _LEAF and rows >= 0 and (rows, line) not in leaf_lines:
                child = children[index]
                if not self._leaf_fits(child, rows):
                    return False
                if len(leaf_lines) > _LINE_CACHE:
                    leaf_lines.clear()
                leaf_lines[rows, line] = info[1]
        if len(self._line_plans) > _LINE_CACHE:
            self._line_plans.clear()
            self._slots.clear()
        self._line_plans[key] = descend
        for index, rows in descend:
            self._check_lines(children[index], rows, found, lines, child_lines[index])
        return True

    def _info(self, line: str) -> tuple[int, str | None]:
        """A source line's form and its tag's element name (None for a comment, another line, or a tag that
        declares a namespace: its own may differ from the name's)."""
        info = self._infos.get(line)
        if info is None:
            form = (_LEAF if WHOLE_ELEMENT_LINE.fullmatch(line) else _OPEN if START_TAG_LINE.fullmatch(line)
                    else _COMMENT if _COMMENT_LINE.fullmatch(line) else _OTHER)
            match = _LINE_NAME.match(line) if form in (_LEAF, _OPEN) and "xmlns" not in line else None
            info = self._infos[line] = (form, match[1] if match is not None else None)
        return info

    def _plan(self, element: etree._Element, number: int, key: tuple, all_tags: tuple, found: list[SchemaProblem]
              ) -> tuple[int, ...]:
        """Decide an element the cache does not know: the forms it fits (or report why none), and its
        children's candidate rows."""
        # the elements the table judges: no comments or PIs, no other namespaces (metadata and the like, left
        # to strict mode)
        tags = tuple([tag for tag in all_tags if tag.__class__ is str and tag[0] != "{"])
        # the text is judged only when the element holds nothing else (not even a comment): "" when empty
        text = (element.text or "") if not all_tags else None
        candidates = self._sets[number]
        viable = self._fit(element, number, tags, text, not all_tags)
        if viable:
            use = self._intern(viable)
        else:
            self._mismatch(element, candidates, found)
            use = number
        child_rows = self._child_rows[use]
        plan = []
        for tag in all_tags:
            rows = child_rows.get(tag)
            if rows is None:
                union: set[int] = set()
                if tag.__class__ is str and tag[0] != "{":
                    for candidate in self._sets[use]:
                        ids = self.rows[candidate][1].get(tag)
                        if ids:
                            union.update(ids)
                rows = child_rows[tag] = self._intern(tuple(sorted(union))) if union else -1
            plan.append(rows)
        result = tuple(plan)
        if viable:
            if len(self._plans) > 200_000:
                self._plans.clear()
            self._plans[key] = result
        return result

    def _leaf_fits(self, leaf: etree._Element, number: int) -> bool:
        """Whether an element without children fits a candidate form: _fit's answer with the fewest reads (its
        shape keyed by its attribute names as they are, its text read only for a form that judges it)."""
        shape_key = (number, *leaf.keys())
        shape = self._leaf_shapes.get(shape_key)
        if shape is None:
            if len(self._leaf_shapes) > 50_000:
                self._leaf_shapes.clear()
            names = {name for name in shape_key[1:] if name[0] != "{"}  # type: ignore[index]
            shape = self._leaf_shapes[shape_key] = self._shape(self._sets[number], names, (), True)
        text = None
        for _, constrained, text_judge in shape:
            for name, judge in constrained:
                if not judge(leaf.get(name)):
                    break
            else:
                if text_judge is None:
                    return True
                if text is None:
                    text = leaf.text or ""
                if text_judge(text):
                    return True
        return False

    def _fit(self, element: etree._Element, number: int, tags: tuple[str, ...], text: str | None, first: bool = False
             ) -> tuple[int, ...]:
        """The candidate forms the element fits: the forms its shape fits, then the values each one constrains;
        ``first``: only the first (whether it fits at all: a leaf's forms decide no children)."""
        names = tuple([name for name in element.keys() if name[0] != "{"])
        shape_key = (number, names, tags, text is None)
        shape = self._shapes.get(shape_key)
        if shape is None:
            if len(self._shapes) > 50_000:
                self._shapes.clear()
            shape = self._shapes[shape_key] = self._shape(self._sets[number], set(names), tags, text is not None)
        fitting = []
        for candidate, constrained, text_judge in shape:
            for name, judge in constrained:  # (a loop, not all() over a generator: this runs per new value)
                if not judge(element.get(name)):
                    break
            else:
                if text_judge is None or text_judge(text):  # type: ignore[arg-type]
                    if first:
                        return (candidate,)
                    fitting.append(candidate)
        return tuple(fitting)

    def _shape(self, candidates: tuple[int, ...], names: set[str], tags: tuple[str, ...], judge_text: bool) -> _Shape:
        """The candidate forms whose names fit the element's attribute names and children (set tests), each with
        the (attribute, judge) its values must meet and the judge its text must meet (None: free)."""
        child_names = set(tags)
        counts = {tag: tags.count(tag) for tag in child_names} if len(child_names) != len(tags) else None
        shape = []
        for candidate in candidates:
            allowed, required, children, required_children, constrained, limits, text_judge = \
                self._fast[candidate] or self._fast_row(candidate)
            if allowed is not None and not names <= allowed:
                continue
            if not required <= names or not required_children <= child_names:
                continue
            if children is not None and not child_names <= children:
                continue
            if counts and limits and any(count > limits.get(tag, count) for tag, count in counts.items()):
                continue
            checks = tuple([(name, constrained[name]) for name in names & constrained.keys()]) if constrained else ()
            shape.append((candidate, checks, text_judge if judge_text else None))
        return shape

    def _mismatch(self, element: etree._Element, candidates: tuple[int, ...], found: list[SchemaProblem]) -> None:
        """Report why no form fits: each part no form allows, else the closest form's first misfit."""
        rows = self.rows
        before = len(found)
        self._report(element, candidates, found)
        if len(found) == before:  # each part fits some form, but no form fits them all
            closest = min(candidates, key=lambda c: sum(1 for _ in self._violations(element, rows[c])))
            why = next(self._violations(element, rows[closest]), "its parts do not fit together")
            found.append(SchemaProblem(element, None, f"<{element.tag}> matches none of the forms libvirt's "
                                                      f"schema allows for it; the closest: {why}"))

    def _violations(self, element: etree._Element, row: list):
        """Why the element does not fit this form (lazily: the first one decides viability)."""
        attributes = row[3]
        for name, value in element.attrib.items():
            if name[0] == "{":
                continue
            if name not in attributes:
                if not row[4]:
                    yield f"attribute '{name}' is not allowed"
            elif attributes[name] is not None and not self._accepts(attributes[name], value):
                yield f"'{value}' is not a valid value of {name}"
        for name in row[5]:
            if element.get(name) is None:
                yield f"it lacks the attribute '{name}'"
        children_open = row[2]
        counts: dict[str, int] = {}
        for child in element.iterchildren(etree.Element):
            tag = child.tag
            if tag[0] == "{":
                continue
            counts[tag] = counts.get(tag, 0) + 1
            if counts[tag] == 1 and tag not in row[1] and not children_open:
                yield f"<{tag}> is not allowed in it"
        for name in row[6]:
            if name not in counts:
                yield f"it lacks <{name}>"
        if not children_open:
            for tag, count in counts.items():
                most = row[7].get(tag)
                if most is not None and count > most:
                    yield f"<{tag}> may appear only {_times(most)}"
        if row[8] is not None and len(element) == 0 and not self._accepts(row[8], element.text or ""):
            yield f"'{(element.text or '').strip()}' is not a valid content"

    def _report(self, element: etree._Element, candidates: tuple[int, ...], found: list[SchemaProblem]) -> None:
        """What no candidate form allows, each part named (the union of the forms decides)."""
        rows = self.rows
        self._attributes(element, candidates, found)
        children_open = any(rows[c][2] for c in candidates)
        required = set(rows[candidates[0]][6]).intersection(*(rows[c][6] for c in candidates[1:]))
        seen: dict[str, int] = {}
        for child in element.iterchildren(etree.Element):
            tag = child.tag
            if tag[0] == "{":
                continue
            seen[tag] = seen.get(tag, 0) + 1
            if seen[tag] == 1 and not children_open and not any(tag in rows[c][1] for c in candidates):
                found.append(SchemaProblem(child, None, f"<{tag}> is not allowed in <{element.tag}>"))
            if seen[tag] == 2 and not children_open:
                limit = self._limit(tag, candidates)
                if limit != MANY and sum(1 for _ in element.iterchildren(tag)) > limit:
                    found.append(SchemaProblem(child, None, f"<{tag}> may appear only {_times(limit)} in "
                                                            f"<{element.tag}>"))
        for name in sorted(required - seen.keys()):
            found.append(SchemaProblem(element, None, f"<{element.tag}> lacks <{name}>, which it must have"))
        if len(element) == 0:  # no children, not even comments: the text is element.text alone
            self._text(element, candidates, found)

    def _text(self, element: etree._Element, candidates: tuple[int, ...], found: list[SchemaProblem]) -> None:
        alternatives: list = []
        for candidate in candidates:
            text = self.rows[candidate][8]
            if text is None:
                return
            alternatives += text
        value = element.text or ""
        if not self._decide(alternatives, value):  # a list built here: not memoized
            found.append(SchemaProblem(element, None, f"'{value.strip()}' is not a valid content of <{element.tag}> "
                                                      f"({_describe(alternatives)})"))

    def _limit(self, tag: str, candidates: tuple[int, ...]) -> int:
        """The most times any candidate row lets the child appear (MANY: unbounded)."""
        limit = 0
        for candidate in candidates:
            row = self.rows[candidate]
            if tag in row[1]:
                most = row[7].get(tag, MANY)
                if most == MANY:
                    return MANY
                limit = max(limit, most)
        return limit

    def _attributes(self, element: etree._Element, candidates: tuple[int, ...], found: list[SchemaProblem]) -> None:
        rows = self.rows
        required = set(rows[candidates[0]][5]).intersection(*(rows[c][5] for c in candidates[1:]))
        for name in sorted(required):
            if element.get(name) is None:
                found.append(SchemaProblem(element, None, f"<{element.tag}> lacks the attribute '{name}', "
                                                          "which it must have"))
        if not element.attrib:
            return
        attributes_open = any(rows[c][4] for c in candidates)
        for name, value in element.attrib.items():
            if name[0] == "{":
                continue
            alternatives: list = []
            known = unconstrained = False
            for candidate in candidates:
                table = rows[candidate][3]
                if name in table:
                    known = True
                    if table[name] is None:
                        unconstrained = True
                        break
                    alternatives += table[name]
            if not known:
                if not attributes_open:
                    found.append(SchemaProblem(element, name, f"unknown attribute '{name}' on <{element.tag}>"))
                continue
            if unconstrained or self._decide(alternatives, value):  # a list built here: not memoized
                continue
            listed = tuple(v for kind, *rest in alternatives if kind == "values" for v in rest[0])
            if listed and all(kind == "values" for kind, *_ in alternatives):
                message = f"'{value}' is not a valid value of {name} on <{element.tag}>"
            else:
                message = f"'{value}' is not a valid value of {name} on <{element.tag}> ({_describe(alternatives)})"
            found.append(SchemaProblem(element, name, message, listed))

    def _accepts(self, alternatives: list, value: str) -> bool:
        key = (id(alternatives), value)
        known = self._accepted.get(key)
        if known is None:
            if len(self._accepted) > 200_000:
                self._accepted.clear()
            known = self._accepted[key] = self._decide(alternatives, value)
        return known

    def _decide(self, alternatives: list, value: str) -> bool:
        token = _collapse(value)
        for alternative in alternatives:
            kind = alternative[0]
            if kind == "values":
                if token in alternative[1]:
                    return True
            elif kind == "integer":
                _, low, high, pattern = alternative
                if _INTEGER.fullmatch(token) and (low is None or int(token) >= low) and \
                        (high is None or int(token) <= high) and (pattern is None or self._match(pattern, token)):
                    return True
            elif kind == "pattern":
                _, pattern, collapse = alternative
                if self._match(pattern, token if collapse else value):
                    return True
        return False

    def _match(self, pattern: str, value: str) -> bool:
        compiled = self._compiled(pattern)
        return compiled is None or compiled.fullmatch(value) is not None

    def _compiled(self, pattern: str) -> re.Pattern[str] | None:
        """The pattern compiled (None: Python cannot read it)."""
        if pattern in self._patterns:
            return self._patterns[pattern]
        try:
            compiled: re.Pattern[str] | None = re.compile(pattern)
        except re.error:
            compiled = None
        self._patterns[pattern] = compiled
        return compiled


def _accept(value: str) -> bool:
    return True


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _describe(alternatives: list) -> str:
    kinds = []
    for alternative in alternatives:
        if alternative[0] == "values":
            kinds += [f"'{v}'" for v in alternative[1][:6]]
        elif alternative[0] == "integer":
            low, high = alternative[1], alternative[2]
            kinds.append("an integer" + (f" from {low}" if low is not None else "") +
                         (f" to {high}" if high is not None else ""))
        else:
            kinds.append(f"matching {alternative[1]}")
    return "expected " + " or ".join(dict.fromkeys(kinds))
