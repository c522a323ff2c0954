"""Plain slotted records behave as the dataclasses they replaced: equality, hashing, frozenness, pickling."""

from __future__ import annotations

import pickle

import pytest

from virtlint.linter.caps import Availability, EnumAnswer
from virtlint.linter.document import Position, Span
from virtlint.linter.fixes import Fix, SetText, TextEdit
from virtlint.linter.model import FileReport, Finding, Problem, Severity


def _finding(**changes: object) -> Finding:
    fields = dict(path="a.xml", start=Position(0, 1, 1), end=Position(0, 4, 4), severity=Severity.ERROR,
                  code="VL101", rule="r", message="m")
    fields.update(changes)
    return Finding(**fields)  # type: ignore[arg-type]


def test_frozen_records_compare_hash_and_refuse_changes() -> None:
    assert Span(1, 2) == Span(1, 2) and Span(1, 2) != Span(1, 3) and Span(1, 2) != (1, 2)
    assert len({Span(1, 2), Span(1, 2), Span(2, 3)}) == 2
    assert _finding() == _finding() and hash(_finding()) == hash(_finding())
    assert _finding(hint="h") != _finding()
    with pytest.raises(AttributeError):
        _finding().code = "VL102"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del Span(1, 2).start
    with pytest.raises(AttributeError):
        Span(1, 2).other = 3  # type: ignore[attr-defined]


def test_mutable_records_are_unhashable_and_default_to_fresh_containers() -> None:
    first, second = FileReport("a"), FileReport("b")
    first.findings.append(_finding())
    assert second.findings == [] and second.lines == {}
    with pytest.raises(TypeError):
        hash(first)
    problem = Problem(anchor=None, message="m")  # type: ignore[arg-type]
    problem.fixes = (Fix("t", ()),)
    assert problem.replacements == () and problem.severity is None


def test_records_pickle_as_worker_processes_send_them() -> None:
    report = FileReport("a.xml", [_finding(fixes=()), _finding(offsets=(1, 4))], {0: "<domain>"}, "caps.xml")
    assert pickle.loads(pickle.dumps(report)) == report
    edit = TextEdit(1, 2, "x")
    assert pickle.loads(pickle.dumps(edit)) == edit


def test_enum_answer_keeps_its_value_set_out_of_equality_and_repr() -> None:
    answer = EnumAnswer(Availability.LISTED, ("a", "b"))
    assert answer.allows("a") and answer.allows("c") is False
    assert answer == EnumAnswer(Availability.LISTED, ("a", "b"))
    assert "_value_set" not in repr(answer)
    assert repr(Span(1, 2)) == "Span(start=1, end=2)"
    assert SetText.__slots__ == ("element", "text")
