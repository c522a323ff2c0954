"""Crossover audit against a real libvirt (skipped without a libvirt daemon or the shared corpus): every distinct
device of libvirt's own accepted test inputs, put into a q35 domain (its address kept) and an ARM virt domain (its
address removed), and every other part of their domains (<os>, <cpu>, <clock>...) in place of those domains' own,
is judged as libvirt judges it (tests/oracle/crossover.py). The table goes to $VIRTLINT_ARTIFACTS
(default: artifacts/) as libvirt-crossover.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import crossover  # noqa: E402
import libvirt_oracle  # noqa: E402
from conftest import shared_path  # noqa: E402

pytestmark = pytest.mark.libvirt


@pytest.fixture(scope="module")
def rows() -> list[crossover.Transplant]:
    if not libvirt_oracle.available():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    rows = list(crossover.transplants(shared_path("corpus", "libvirt-qemuxml")))
    libvirt_oracle.write_artifact("libvirt-crossover.md", crossover.table(rows))
    return rows


def test_enough_transplants(rows: list[crossover.Transplant]) -> None:
    for base, *_ in crossover.BASES:
        of_base = [r for r in rows if r.base == base]
        assert len(of_base) >= 800 and sum(r.refusal is not None for r in of_base) >= 100, base


def test_every_transplant_is_judged_as_libvirt_judges_it(rows: list[crossover.Transplant]) -> None:
    problems = [f"{r.base} + {r.donor} {r.device[:120]!r}: {r.problem}" for r in rows if r.problem]
    assert problems == []
