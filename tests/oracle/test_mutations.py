"""Mutation audit against a real libvirt (skipped without a libvirt daemon or the shared corpus): every attribute and
element text of libvirt's own accepted test inputs, set to a word, to nothing, to ' 1', -1, -0, 'on', 'no', 'none'
and 'default', every attribute and element removed, and every element written twice, is judged as libvirt judges it
(tests/oracle/mutations.py). The table goes to $VIRTLINT_ARTIFACTS (default: artifacts/) as libvirt-mutations.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import libvirt_oracle  # noqa: E402
import mutations  # noqa: E402
from conftest import shared_path  # noqa: E402

pytestmark = pytest.mark.libvirt

#: What each part is set to: a word (refused by most numbers, switches and enums), nothing (what an empty value
#: means to each reader), a number with a blank before it, -1 and -0 (which readers take blanks and signs: the
#: unsigned ones refuse any '-'), 'on' and 'no' (a switch's word where libvirt reads yes/no, and the reverse), 'none'
#: and 'default' (the zero value of most of libvirt's enums, which some readers refuse), and the structural mutations
VALUES = ("x", "", " 1", "-1", "-0", "on", "no", "none", "default", mutations.DROP, mutations.TWICE)


@pytest.fixture(scope="module")
def rows() -> list[mutations.Mutant]:
    if not libvirt_oracle.available():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    # (libvirt's x86_64 inputs, then the other arches' for what those add: the ones whose QEMU is here, aarch64)
    inputs = [shared_path("corpus", "libvirt-qemuxml", folder) for folder in ("accepted", "arches")]
    rows = [row for value in VALUES for row in mutations.mutants(inputs, value)]
    libvirt_oracle.write_artifact("libvirt-mutations.md", mutations.table(rows))
    return rows


def test_enough_mutants(rows: list[mutations.Mutant]) -> None:
    for value, least, refused in (("x", 500, 300), ("", 500, 20), (" 1", 500, 10), ("-1", 500, 100),
                                  (mutations.DROP, 800, 200), (mutations.TWICE, 300, 40)):
        of_kind = [r for r in rows if r.value == value]
        assert len(of_kind) >= least and sum(r.refusal is not None for r in of_kind) >= refused, value


def test_every_mutant_is_judged_as_libvirt_judges_it(rows: list[mutations.Mutant]) -> None:
    problems = [f"{r.source} {r.path} {r.attribute or '(text)'}: {r.problem}" for r in rows if r.problem]
    assert problems == []
