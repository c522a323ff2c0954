"""The lean rule path: fixes only when asked, per-caps memos and pruning, no suppression pass without directives.

Each shortcut must change nothing a user sees: the pruned engine reports exactly what the unpruned one does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import AARCH64_TCG, PC_KVM, Q35_KVM, Q35_TCG, SHARED
from virtlint.linter import suppressions
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter, all_rules
from virtlint.linter.model import Rule
from virtlint.rules import _binding, _cpu

UNUSABLE_CPU = """<domain type='kvm'><name>a</name><memory>1048576</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <cpu mode='custom'><model>{model}</model></cpu>
  <devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices>
</domain>"""


def _an_unusable_model(caps: DomainCaps) -> str:
    return next(m.name for m in caps.cpu_models.values() if m.usable == "no")


def test_fixes_are_built_only_when_asked() -> None:
    caps = DomainCaps.from_file(str(Q35_KVM))
    text = UNUSABLE_CPU.format(model=_an_unusable_model(caps))
    with_fixes = Linter([caps]).lint_document(Document(text)).findings
    without = Linter([caps], fixes=False).lint_document(Document(text)).findings
    assert any(f.fixes for f in with_fixes)
    assert not any(f.fixes for f in without)
    strip = [(f.code, f.start, f.end, f.message, f.hint) for f in with_fixes]
    assert strip == [(f.code, f.start, f.end, f.message, f.hint) for f in without]


def test_cpu_suggestions_are_computed_once_per_caps(monkeypatch) -> None:
    caps = DomainCaps.from_file(str(Q35_KVM))
    first = _cpu.closest_usable(caps, "Skylake-Server", "Intel")
    calls = []
    monkeypatch.setattr(_cpu, "_closest_usable", lambda *args: calls.append(args) or ["x"])
    assert _cpu.closest_usable(caps, "Skylake-Server", "Intel") == first
    first.append("mutated")  # callers get their own list
    assert "mutated" not in _cpu.closest_usable(caps, "Skylake-Server", "Intel")
    assert calls == []


def test_no_suppression_pass_without_a_directive(monkeypatch) -> None:
    document = Document("<domain><!-- a comment --><name>x</name></domain>")
    monkeypatch.setattr(suppressions, "_comments", lambda root: pytest.fail("comments read"))
    assert suppressions.read(document) == []


def test_silent_rows_are_pruned_once_per_caps() -> None:
    caps = DomainCaps.from_file(str(Q35_KVM))
    rows = (
        _binding.EnumBinding("devices/disk", "diskDevice", "device", "disk device"),
        _binding.EnumBinding("no/such/block", "nothing", "x", "never said"),
    )
    live = _binding.live_rows(rows, caps)
    assert [row.enum for row in live] == ["diskDevice"]
    assert _binding.live_rows(rows, caps) is live


def _documents() -> list[Path]:
    corpus = SHARED / "corpus" / "libvirt-qemuxml"
    if not corpus.exists():
        pytest.skip("the shared corpus is not available")
    return sorted(corpus.rglob("*.xml"))[::7]


@pytest.mark.parametrize("caps_path", [Q35_KVM, Q35_TCG, PC_KVM, AARCH64_TCG], ids=lambda p: p.stem)
def test_pruned_engine_reports_what_the_unpruned_one_does(caps_path: Path, monkeypatch) -> None:
    caps = DomainCaps.from_file(str(caps_path))
    pruned = Linter([caps])
    documents = [Document.from_file(str(p)) for p in _documents()]
    got = [[(f.code, f.start, f.message) for f in pruned.lint_document(d).findings] for d in documents]
    with monkeypatch.context() as patch:
        patch.setattr(_binding, "live_rows", lambda bindings, caps: bindings)
        for rule in all_rules():
            if "fires_with" in vars(rule):
                patch.setattr(rule, "fires_with", Rule.fires_with)
        unpruned = Linter([caps])
        want = [[(f.code, f.start, f.message) for f in unpruned.lint_document(Document.from_file(d.path)).findings]
                for d in documents]
    assert got == want
    assert sum(map(len, got)) > 0
