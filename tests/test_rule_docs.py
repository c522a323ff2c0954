"""Every rule is documented, and its documented examples behave as documented."""

from __future__ import annotations

import re

import pytest

from conftest import REPO, caps_from_text, codes, installed_schema, lint
from virtlint.linter.engine import Linter, all_rules
from virtlint.linter.ruledocs import SECTIONS, examples, render_markdown, sections
from virtlint.linter.model import Severity

RULES = all_rules()
IDS = [rule.code for rule in RULES]


def test_codes_and_names_are_stable_shapes() -> None:
    assert len({r.code for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)
    for rule in RULES:
        assert re.fullmatch(r"VL\d{3}", rule.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
        assert isinstance(rule.severity, Severity)
        assert rule.summary.endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_documentation_has_every_section(rule) -> None:
    assert list(sections(rule)) == list(SECTIONS)


#: How each rule's examples are linted beyond their capabilities.
OPTIONS = {"VL901": {"schema": True}, "VL900": {"report_missing_schema": True}}


@pytest.mark.parametrize("rule", RULES, ids=IDS)
def test_failing_example_fails_and_passing_example_passes(rule) -> None:
    example = examples(rule)
    options = OPTIONS.get(rule.code, {})
    assert rule.code in codes(lint(example.failing, *example.caps, **options)), "the Example must trigger the rule"
    passing = {"schema": True} if rule.code == "VL900" else options  # with the schema there, nothing to say
    if rule.code == "VL900":
        installed_schema()
    assert rule.code not in codes(lint(example.passing, *example.caps, **passing)), "Use instead must not trigger it"


IDENTITY_ONLY = "<domainCapabilities><domain>{d}</domain>{m}<arch>{a}</arch></domainCapabilities>"


CAPS_RULES = [r for r in RULES if r.uses_caps and not r.engine_rule and not r.identity_rule]


@pytest.mark.parametrize("rule", CAPS_RULES, ids=[r.code for r in CAPS_RULES])
def test_omitted_blocks_mean_unknown(rule) -> None:
    """The same failing example against caps that say nothing but who they are: no finding."""
    example = examples(rule)
    full = caps_from_text(example.caps[0])
    machine = f"<machine>{full.machine}</machine>" if full.machine else ""
    silent = IDENTITY_ONLY.format(d=full.domain_type, m=machine, a=full.arch)
    assert rule.code not in codes(lint(example.failing, silent))


def test_rules_markdown_is_up_to_date() -> None:
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_markdown(RULES), "docs/rules.md is stale: run `virtlint rules --markdown > docs/rules.md`"


def test_each_rule_is_selectable_alone() -> None:
    for rule in RULES:
        assert [r.code for r in Linter([], select=[rule.code]).rules] == [rule.code]
    assert Linter([], ignore=["VL"]).rules == []


def test_every_rule_module_registers_its_rule() -> None:
    modules = {p.stem for p in (REPO / "rules").glob("*.py") if not p.stem.startswith("_")}
    registered = {rule.__module__.rsplit(".", 1)[-1] for rule in RULES}
    assert modules == registered
