"""The structure table against libvirt's full RelaxNG: never a complaint where RelaxNG accepts; what it catches.

RelaxNG is the reference. Over every domain of the shared corpus and thousands of mutants of the valid ones
(misspelt element and attribute names, values outside listed sets, values of the wrong datatype, missing
attributes and elements, duplicates, misplaced elements), the table must report nothing on a document RelaxNG
accepts. How much of what RelaxNG rejects it catches is measured per kind of mutation and must not regress.
"""

from __future__ import annotations

import copy
import random
import re
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from conftest import SHARED, installed_schema
from virtlint.linter.document import Document, InputError
from virtlint.linter.structure import StructureTable, compile_table, table_for

KINDS = ("element-name", "attribute-name", "listed-value", "datatype", "missing-attribute", "missing-element",
         "duplicate", "misplaced")


@pytest.fixture(scope="module")
def reference():
    schema = installed_schema()
    return etree.RelaxNG(file=str(schema.directory / "domain.rng")), StructureTable(compile_table(schema.directory))


def _corpus() -> list[Document]:
    corpus = SHARED / "corpus"
    if not corpus.exists():
        pytest.skip("the shared corpus is not available")
    documents = []
    for path in sorted(corpus.rglob("*.xml")):
        try:
            document = Document.from_file(str(path))
        except (InputError, OSError):
            continue
        if document.root is not None and document.root_name == "domain" and document.doctype is None:
            documents.append(document)
    return documents


def _misspell(rng: random.Random, name: str) -> str:
    position = rng.randrange(len(name) + 1)
    return name[:position] + rng.choice("xqz") + name[position:]


def _elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter(etree.Element) if e is not root and not e.tag.startswith("{")
            and not any(a.tag == "metadata" for a in e.iterancestors())]


def mutate(root: etree._Element, kind: str, rng: random.Random, table: StructureTable) -> etree._Element | None:
    """A mutant of the tree (a copy), or None when this kind does not apply to it."""
    root = copy.deepcopy(root)
    elements = _elements(root)
    with_attributes = [e for e in elements + [root] if any(not k.startswith("{") for k in e.attrib)]
    if not elements:
        return None
    if kind == "element-name":
        element = rng.choice(elements)
        element.tag = _misspell(rng, element.tag)
    elif kind == "attribute-name":
        if not with_attributes:
            return None
        element = rng.choice(with_attributes)
        name = rng.choice([k for k in element.attrib if not k.startswith("{")])
        value = element.attrib.pop(name)
        element.set(_misspell(rng, name), value)
    elif kind in ("listed-value", "datatype"):
        wanted = "values" if kind == "listed-value" else "integer"
        candidates = [(e, name) for e in with_attributes for name in e.attrib if not name.startswith("{")
                      and _kinds(table, e, name) == {wanted}]
        if not candidates:
            return None
        element, name = rng.choice(candidates)
        element.set(name, element.get(name) + "x" if wanted == "values" else rng.choice(["many", "1.5", "-", "0x"]))
    elif kind == "missing-attribute":
        if not with_attributes:
            return None
        element = rng.choice(with_attributes)
        del element.attrib[rng.choice([k for k in element.attrib if not k.startswith("{")])]
    elif kind == "missing-element":
        element = rng.choice(elements)
        element.getparent().remove(element)
    elif kind == "duplicate":
        element = rng.choice(elements)
        element.addnext(copy.deepcopy(element))
    elif kind == "misplaced":
        element = rng.choice(elements)
        hosts = [e for e in elements + [root] if e is not element and element not in e.iterancestors()
                 and e is not element.getparent() and e not in element.iter()]
        if not hosts:
            return None
        element.getparent().remove(element)
        rng.choice(hosts).append(element)
    return root


def _kinds(table: StructureTable, element: etree._Element, name: str) -> set[str]:
    """The kinds of alternatives the table knows for an attribute of this element (by tag, any context)."""
    kinds: set[str] = set()
    for row in table.rows:
        if element.tag in row[0] and name in row[3]:
            if row[3][name] is None:
                return {"any"}
            kinds |= {alternative[0] for alternative in row[3][name]}
    return kinds


def test_no_finding_where_relaxng_accepts_over_the_corpus(reference) -> None:
    relaxng, table = reference
    valid = invalid = caught = 0
    for document in _corpus():
        problems = table.problems(document.root)
        if relaxng.validate(document.root.getroottree()):
            valid += 1
            assert not problems, (document.path, [p.message for p in problems])
        else:
            invalid += 1
            caught += bool(problems)
    assert valid > 1000
    print(f"\ncorpus: {valid} valid, no finding; {caught}/{invalid} RelaxNG-invalid documents caught")
    assert caught / invalid > 0.95


def test_mutants(reference) -> None:
    relaxng, table = reference
    documents = [d for d in _corpus() if relaxng.validate(d.root.getroottree())]
    rng = random.Random(15)
    rejected: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    accepted = 0
    for document in rng.sample(documents, min(250, len(documents))):
        for kind in KINDS:
            for _ in range(2):
                mutant = mutate(document.root, kind, rng, table)
                if mutant is None:
                    continue
                problems = table.problems(mutant)
                if relaxng.validate(etree.ElementTree(mutant)):
                    accepted += 1
                    assert not problems, (document.path, kind, [p.message for p in problems])
                else:
                    rejected[kind] += 1
                    caught[kind] += bool(problems)
    total = sum(rejected.values())
    print(f"\nmutants RelaxNG accepts: {accepted}, no finding; rejected: {total}, caught "
          f"{sum(caught.values())} ({sum(caught.values()) / total:.1%})")
    for kind in KINDS:
        if rejected[kind]:
            print(f"  {kind}: {caught[kind]}/{rejected[kind]} ({caught[kind] / rejected[kind]:.0%})")
    assert total > 2000
    # what the table decides, it decides completely
    for kind in ("element-name", "attribute-name", "listed-value", "datatype"):
        assert caught[kind] / rejected[kind] > 0.95, kind


def test_messages_name_the_culprit(reference) -> None:
    _, table = reference
    root = etree.fromstring("<domain type='kvm'><name>n</name><memory>1</memory><os><type>hvm</type></os>"
                            "<devices><disk type='file' device='disk'><target dev='vda' buss='virtio'/></disk>"
                            "<interface type='network'><model typ='virtio'/><nonsense/></interface></devices>"
                            "<vcpu placement='sometimes'>2</vcpu><cputune><shares>many</shares></cputune>"
                            "</domain>")
    messages = [p.message for p in table.problems(root)]
    assert "unknown attribute 'buss' on <target>" in messages
    assert "unknown attribute 'typ' on <model>" in messages
    assert "<nonsense> is not allowed in <interface>" in messages
    assert any(m.startswith("'sometimes' is not a valid value of placement on <vcpu>") for m in messages)


def test_the_source_lines_decide_as_the_values_do(reference) -> None:
    """The cache keyed by source lines (problems with the text) finds exactly what the check by values finds:
    over the corpus, mutants written out, and documents reflowed (tags joined on a line, start tags split)."""
    _, table = reference
    by_values, by_lines = StructureTable({"rows": table.rows, "roots": table.roots}), \
        StructureTable({"rows": table.rows, "roots": table.roots})
    rng = random.Random(901)

    def findings(root: etree._Element, problems: list) -> list:
        tree = root.getroottree()
        return [(tree.getpath(p.element), p.attribute, p.message, tuple(p.allowed or ())) for p in problems]

    def same(text: str) -> None:
        document = Document(text)
        if document.root is not None:
            assert findings(document.root, by_lines.problems(document.root, document.source_lines)) == \
                findings(document.root, by_values.problems(document.root)), text

    documents = _corpus()
    for document in documents:
        same(document.text)
    for document in rng.sample(documents, min(150, len(documents))):
        reflowed = re.sub(r"(['\"]) (?=[\w:]+=)", lambda m: m[1] + "\n   " if rng.random() < 0.2 else m[0],
                          re.sub(r">\s*<", lambda m: "><" if rng.random() < 0.2 else m[0], document.text))
        for text in (document.text, reflowed):
            for kind in KINDS:
                mutant = mutate(Document(text).root, kind, rng, table)
                if mutant is not None:
                    same(etree.tostring(mutant, encoding=str))
        same(reflowed)


def test_the_table_is_cached_on_disk_by_schema_files(tmp_path: Path, monkeypatch, reference) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from virtlint.linter import structure

    structure._loaded.clear()
    first = table_for()
    assert first is not None and list((tmp_path / "virtlint").glob("structure-*.marshal"))
    structure._loaded.clear()
    monkeypatch.setattr(structure, "compile_table", lambda directory: pytest.fail("compiled again"))
    assert table_for().rows == first.rows


def test_a_damaged_table_cache_is_compiled_again_not_trusted(tmp_path: Path, monkeypatch, reference) -> None:
    # rows are decoded only when a document needs them, so damage must be caught when the file is loaded
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    from virtlint.linter import structure

    structure._loaded.clear()
    first = table_for()
    assert first is not None
    (cached,) = (tmp_path / "virtlint").glob("structure-*.marshal")
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte inside some row's blob
    cached.write_bytes(bytes(data))
    structure._loaded.clear()
    compiled = []
    original = structure.compile_table
    monkeypatch.setattr(structure, "compile_table", lambda directory: compiled.append(1) or original(directory))
    again = table_for()
    assert compiled and again is not None and again.rows == first.rows
