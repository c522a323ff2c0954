"""Rule documentation: sections and examples from docstrings, and docs/rules.md.

A rule's docstring has the sections "What it does", "Why is this bad?",
"Capabilities" (one or more domcapabilities documents), "Example" (a domain
that fails) and "Use instead" (the same domain, passing). The examples are
real documents: the test suite lints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from virtlint.linter.drivers import describe
from virtlint.linter.model import Rule

SECTIONS = ("What it does", "Why is this bad?", "Capabilities", "Example", "Use instead")
_HEADING = re.compile(r"^## (.+)$", re.M)
_XML_BLOCK = re.compile(r"```xml\n(.*?)```", re.S)


@dataclass(frozen=True, slots=True)
class RuleExamples:
    caps: tuple[str, ...]
    failing: str
    passing: str


def sections(rule: type[Rule]) -> dict[str, str]:
    text = rule.documentation()
    parts = _HEADING.split(text)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def examples(rule: type[Rule]) -> RuleExamples:
    found = sections(rule)
    blocks = {name: _XML_BLOCK.findall(found.get(name, "")) for name in ("Capabilities", "Example", "Use instead")}
    return RuleExamples(tuple(blocks["Capabilities"]), blocks["Example"][0], blocks["Use instead"][0])


def rule_markdown(rule: type[Rule]) -> str:
    """A rule's documentation for a hover: what it does and why, from the docstring the package carries
    (no link: there is no hosted page to link to; `virtlint rule CODE` prints the whole text)."""
    found = sections(rule)
    parts = [f"**{rule.code} {rule.name}** ({rule.severity.value}): {rule.summary}"]
    parts += [found[name] for name in ("What it does", "Why is this bad?") if found.get(name)]
    parts.append(f"`virtlint rule {rule.code}` prints the whole documentation.")
    return "\n\n".join(parts)


def render_markdown(rules: list[type[Rule]]) -> str:
    """The rule reference, docs/rules.md."""
    lines = [
        "# virtlint rules",
        "",
        "Generated from the rules' docstrings by `virtlint rules --markdown`; do not edit by hand.",
        "",
        "| code | name | severity | summary |",
        "|---|---|---|---|",
    ]
    lines += [f"| [{r.code}](#{r.code.lower()}-{r.name}) | {r.name} | {r.severity.value} | {r.summary} |" for r in rules]
    for rule in rules:
        lines += ["", f"## {rule.code} {rule.name}", "",
                  f"Severity: **{rule.severity.value}**. libvirt drivers: {describe(rule.drivers)}. {rule.summary}", ""]
        for name, body in sections(rule).items():
            lines += [f"### {name}", "", body, ""]
    return "\n".join(lines).rstrip() + "\n"
