"""Fixes: applying a finding's fix removes it, and changes nothing else in the file."""

from __future__ import annotations

import pytest

from conftest import Q35_KVM, caps_from_text, lint
from virtlint.linter.engine import all_rules
from virtlint.linter.fixes import apply
from virtlint.linter.ruledocs import examples

FIXABLE = []
for _rule in all_rules():
    _example = examples(_rule)
    _findings = [f for f in lint(_example.failing, *_example.caps) if f.code == _rule.code and f.fixes]
    if _findings:
        FIXABLE.append(_rule)


def test_most_rules_offer_fixes() -> None:
    assert len(FIXABLE) >= 15, [r.code for r in FIXABLE]


@pytest.mark.parametrize("rule", FIXABLE, ids=[r.code for r in FIXABLE])
def test_every_fix_of_every_example_removes_the_finding(rule) -> None:
    example = examples(rule)
    finding = next(f for f in lint(example.failing, *example.caps) if f.code == rule.code)
    for fix in finding.fixes:
        fixed = apply(example.failing, fix.edits)
        caps_from_text(example.caps[0])  # the caps stay valid
        remaining = [f for f in lint(fixed, *example.caps) if f.code == rule.code and f.message == finding.message]
        assert remaining == [], (fix.title, fixed)


def test_fix_changes_only_the_value_bytes() -> None:
    text = ("<domain type='kvm'>\r\n  <os><type arch='x86_64' machine='q35'>hvm</type></os>\r\n  <devices>\r\n"
            "    <disk type='file' device='cdrom'><target dev='sdc'\r\n      bus=\"ide\"/></disk>\r\n"
            "  </devices>\r\n</domain>\r\n")
    (finding,) = lint(text, Q35_KVM)
    fixed = apply(text, finding.fixes[0].edits)
    assert fixed == text.replace('bus="ide"', 'bus="sata"')


def test_implied_value_fix_adds_the_attribute() -> None:
    text = "<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>" \
           "<devices><disk type='file'><source file='/var/lib/libvirt/images/a.img'/><target dev='hda'/></disk>" \
           "</devices></domain>"
    (finding,) = lint(text, Q35_KVM)
    assert apply(text, finding.fixes[0].edits) == text.replace("dev='hda'/>", "dev='hda' bus='sata'/>")


VIRTIOFS = ("<filesystem type='mount'><driver type='virtiofs'/><source dir='/x'/><target dir='x'/></filesystem>")


def test_shared_memory_fix_is_indented_and_placed_after_memory() -> None:
    text = ("<domain type='kvm'>\n  <name>v</name>\n  <memory unit='GiB'>1</memory>\n"
            "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
            f"  <devices>\n    {VIRTIOFS}\n  </devices>\n</domain>\n")
    (finding,) = lint(text, Q35_KVM)
    fixed = apply(text, finding.fixes[0].edits)
    assert "  <memory unit='GiB'>1</memory>\n  <memoryBacking><source type='memfd'/><access mode='shared'/>" \
           "</memoryBacking>\n  <os>" in fixed
    assert lint(fixed, Q35_KVM) == []


def test_shared_memory_fix_completes_an_existing_memory_backing() -> None:
    text = ("<domain type='kvm'>\n  <memoryBacking>\n    <hugepages/>\n  </memoryBacking>\n"
            "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n"
            f"  <devices>{VIRTIOFS}</devices>\n</domain>\n")
    (finding,) = lint(text, Q35_KVM)
    fixed = apply(text, finding.fixes[0].edits)
    assert "    <hugepages/>\n    <source type='memfd'/>\n    <access mode='shared'/>\n  </memoryBacking>" in fixed


def test_overlapping_edits_are_not_both_applied() -> None:
    from virtlint.linter.fixes import TextEdit

    assert apply("abcdef", [TextEdit(1, 3, "X"), TextEdit(2, 4, "Y"), TextEdit(5, 5, "Z")]) == "aXdeZf"
