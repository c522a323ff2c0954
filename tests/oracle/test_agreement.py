"""Differential test: virtlint's verdicts against a real libvirt's (skipped without a libvirt daemon).

Fails on any virtlint error for a domain libvirt defines and starts, on any
rejection of a targeted mismatch that virtlint misses, and on a valid case
rejected for a reason not listed as host state. The table goes to
$VIRTLINT_ARTIFACTS (default: artifacts/) as libvirt-agreement.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import agreement  # noqa: E402
import libvirt_oracle  # noqa: E402

pytestmark = pytest.mark.libvirt


@pytest.fixture(scope="module")
def rows() -> list[agreement.Row]:
    if not libvirt_oracle.available():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    rows = agreement.run_all()
    libvirt_oracle.write_artifact("libvirt-agreement.md", agreement.table(rows))
    return rows


def test_enough_cases_on_every_target(rows: list[agreement.Row]) -> None:
    assert len(rows) >= 80
    assert {(r.case.virttype, r.case.arch, r.case.machine) for r in rows} >= {
        ("qemu", "x86_64", "q35"), ("qemu", "x86_64", "pc"), ("qemu", "aarch64", "virt")}
    assert sum(not r.verdict.accepted for r in rows) >= 30


def test_no_disagreement_with_libvirt(rows: list[agreement.Row]) -> None:
    problems = [f"{r.case.id}: {r.problem} (libvirt: {r.verdict})" for r in rows if r.problem]
    assert problems == []
