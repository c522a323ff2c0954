"""Property-based fuzzing (hypothesis): real domain XMLs, mutated, never make virtlint crash.

The normal suite runs a few hundred examples; the dedicated run is

    VIRTLINT_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/test_fuzz.py

Inputs that once crashed are kept in tests/fixtures/crashers/ and replayed here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from conftest import CAPS, FIXTURES, REPO, SHARED
from stdio_client import StdioClient
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document, InputError
from virtlint.linter.engine import Linter
from virtlint.linter.fixes import apply
from virtlint.linter.schema import schema_for

EXAMPLES = int(os.environ.get("VIRTLINT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="VIRTLINT_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def _seeds() -> list[bytes]:
    seeds = [(REPO / "examples" / "vm.xml").read_bytes()]
    corpus = SHARED / "corpus" / "libvirt-qemuxml" / "accepted"
    if corpus.is_dir():
        seeds += [path.read_bytes() for path in sorted(corpus.glob("*.xml"))[::23]]
    return seeds


SEEDS = _seeds()
VALUES = ["ide", "sata", "virtio", "qxl", "host-passthrough", "efi", "bios", "yes", "no", "0", "-1", "999999999999",
          "", "&amp;", "é", "\U0001d518", "pc-q35-99.0", "kvm", "Haswell", "tpm-crb", "1.2", "memfd", "shared"]


@st.composite
def mutated(draw) -> bytes:
    """A seed document after a few tree mutations, then perhaps truncated or with flipped bytes."""
    data = draw(st.sampled_from(SEEDS))
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False))
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for _ in range(draw(st.integers(0, 6))):
        element = draw(st.sampled_from(elements))
        action = draw(st.sampled_from(["set", "drop-attr", "delete", "duplicate", "text", "rename"]))
        parent = element.getparent()
        if action == "set":
            name = draw(st.sampled_from(sorted(element.attrib) or ["type"]) | st.sampled_from(["bus", "model", "mode"]))
            element.set(name, draw(st.sampled_from(VALUES) | st.text(max_size=8).filter(_xml_safe)))
        elif action == "drop-attr" and element.attrib:
            del element.attrib[draw(st.sampled_from(sorted(element.attrib)))]
        elif action == "delete" and parent is not None:
            parent.remove(element)
            elements = [e for e in root.iter() if isinstance(e.tag, str)]
        elif action == "duplicate" and parent is not None:
            parent.append(etree.fromstring(etree.tostring(element)))
            elements = [e for e in root.iter() if isinstance(e.tag, str)]
        elif action == "text":
            element.text = draw(st.sampled_from(VALUES))
        elif action == "rename" and parent is not None:
            element.tag = draw(st.sampled_from(["disk", "cpu", "model", "vcpu", "os", "hyperv", "x"]))
    out = etree.tostring(root, encoding="utf-8", xml_declaration=draw(st.booleans()))
    if draw(st.booleans()):
        newline = draw(st.sampled_from([b"\r\n", b"\r"]))
        out = out.replace(b"\n", newline)
    corruption = draw(st.sampled_from(["none", "none", "truncate", "flip"]))
    if corruption == "truncate":
        out = out[: draw(st.integers(0, len(out)))]
    elif corruption == "flip" and out:
        flips = draw(st.lists(st.tuples(st.integers(0, len(out) - 1), st.integers(0, 255)), max_size=8))
        buffer = bytearray(out)
        for index, value in flips:
            buffer[index] = value
        out = bytes(buffer)
    return out


def _xml_safe(text: str) -> bool:
    return all(ch in "\t\n\r" or (" " <= ch <= "\ud7ff") or ("\ue000" <= ch <= "\ufffd") for ch in text)


LINTER = Linter([DomainCaps.from_file(str(CAPS / "x86_64-q35-kvm.xml"))], schema=schema_for())


def check_engine(data: bytes) -> None:
    try:
        document = Document.from_bytes(data, "fuzz.xml")
    except InputError:
        return
    result = LINTER.lint_document(document)
    assert result.internal_errors == [], result.internal_errors
    for finding in result.findings:
        assert 0 <= finding.start.line <= finding.end.line
        for fix in finding.fixes:
            Document(apply(document.text, fix.edits), "fixed.xml")


@FUZZ
@given(mutated())
def test_engine_never_crashes(data: bytes) -> None:
    check_engine(data)


@pytest.mark.parametrize("path", sorted((FIXTURES / "crashers").glob("*.xml")), ids=lambda p: p.name)
def test_crashers_stay_fixed(path: Path) -> None:
    check_engine(path.read_bytes())


def test_cli_on_mutants(tmp_path: Path) -> None:
    """A directory of mutants through the real command: no traceback, exit 0, 1 or 2."""
    count = min(EXAMPLES, 300)
    batch = _draw_once(st.lists(mutated(), min_size=count, max_size=count))
    for index, data in enumerate(batch):
        (tmp_path / f"m{index:04d}.xml").write_bytes(data)
    result = subprocess.run([sys.executable, "-m", "virtlint", "check", "--caps", str(CAPS / "x86_64-q35-kvm.xml"),
                             "--format", "json", *[str(p) for p in sorted(tmp_path.glob("*.xml"))]],
                            capture_output=True, text=True, timeout=600)
    assert "Traceback" not in result.stderr
    assert result.returncode in (0, 1, 2)
    json.loads(result.stdout)


def _draw_once(strategy):
    """One value of a strategy, outside a @given test."""
    found = []

    @settings(max_examples=1, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def grab(value) -> None:
        found.append(value)

    grab()
    return found[0]


# -- the language server, over stdio ---------------------------------------------------

@pytest.fixture(scope="module")
def server():
    client = StdioClient(str(CAPS / "x86_64-q35-kvm.xml"))
    yield client
    client.close()


_versions = {"n": 0}


@FUZZ
@given(mutated(), st.integers(0, 40), st.integers(0, 200))
def test_language_server_never_dies(server: StdioClient, data: bytes, line: int, character: int) -> None:
    uri = "file:///fuzz/vm.xml"
    text = data.decode("utf-8", "replace")
    _versions["n"] += 1
    if _versions["n"] == 1:
        server.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "xml", "version": 1,
                                                                "text": text}})
    else:
        server.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": _versions["n"]},
                                                 "contentChanges": [{"text": text}]})
    document = {"textDocument": {"uri": uri}}
    server.request("textDocument/diagnostic", document)
    position = {"line": line, "character": character}
    server.request("textDocument/hover", {**document, "position": position})
    server.request("textDocument/completion", {**document, "position": position})
    server.request("textDocument/codeAction", {**document, "range": {"start": position, "end": position},
                                               "context": {"diagnostics": []}})
