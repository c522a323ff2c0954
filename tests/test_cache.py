"""The result cache: hits for unchanged files, misses for anything that could change a finding, safe files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import PC_KVM, Q35_KVM
from virtlint.linter import cache as cache_module
from virtlint.linter.cache import ResultCache, open_cache, run_key, sources_digest
from virtlint.linter.caps import DomainCaps
from virtlint.linter.project import Overrides, Project
from virtlint.linter.runner import check

DOMAIN = """<domain type='kvm'><name>a</name><memory>1048576</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk></devices>
</domain>
"""


def _run(folder: Path, files: list[Path], caps=Q35_KVM, select=(), **kwargs):
    project = Project(folder.parent, Overrides(caps=[str(caps)], select=list(select) or None, isolated=True))
    result_cache = ResultCache(str(folder), run_key(project.caps(), select, [], {}, {}, None, False))
    return check([str(f) for f in files], project, cache=result_cache, **kwargs), project


def _shape(run) -> list:
    return [(r.path, [(f.code, f.start, f.end, f.message, f.evidence, f.fixes) for f in r.findings], r.lines,
             r.caps_path) for r in run.reports]


@pytest.fixture
def domains(tmp_path: Path) -> list[Path]:
    files = []
    for index in range(3):
        path = tmp_path / f"d{index}.xml"
        path.write_text(DOMAIN.replace("<name>a</name>", f"<name>d{index}</name>"))
        files.append(path)
    return files


def test_a_second_run_answers_unchanged_files_from_the_cache(tmp_path: Path, domains, monkeypatch) -> None:
    first, _ = _run(tmp_path / "cache", domains)
    assert any(r.findings for r in first.reports)
    assert any(f.fixes for r in first.reports for f in r.findings)  # fixes survive the cache too
    monkeypatch.setattr(Project, "linter_for", lambda self, document: pytest.fail("linted although unchanged"))
    second, _ = _run(tmp_path / "cache", domains)
    assert _shape(second) == _shape(first)


def test_changed_bytes_are_linted_again(tmp_path: Path, domains, monkeypatch) -> None:
    _run(tmp_path / "cache", domains)
    domains[1].write_text(DOMAIN.replace("bus='ide'", "bus='sata'"))
    linted = []
    original = Project.linter_for
    monkeypatch.setattr(Project, "linter_for", lambda self, document: linted.append(document.path) or original(
        self, document))
    again, _ = _run(tmp_path / "cache", domains)
    assert linted == [str(domains[1])]
    assert [r.path for r in again.reports] == [str(d) for d in domains]  # order kept


def test_the_run_key_covers_caps_selection_config_schema_and_code(tmp_path: Path, monkeypatch) -> None:
    q35, pc = DomainCaps.from_file(str(Q35_KVM)), DomainCaps.from_file(str(PC_KVM))
    base = run_key([q35], [], [], {}, {}, None, True)
    assert base == run_key([q35], [], [], {}, {}, None, True)
    variants = [
        run_key([pc], [], [], {}, {}, None, True),
        run_key([q35], ["VL3"], [], {}, {}, None, True),
        run_key([q35], [], ["VL302"], {}, {}, None, True),
        run_key([q35], [], [], {"VL3": "warning"}, {}, None, True),
        run_key([q35], [], [], {}, {"*.xml": ["VL3"]}, None, True),
        run_key([q35], [], [], {}, {}, None, False),
    ]
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "domain.rng").write_text("<grammar/>")
    variants.append(run_key([q35], [], [], {}, {}, str(schemas), True))
    (schemas / "basictypes.rng").write_text("<grammar/>")
    variants.append(run_key([q35], [], [], {}, {}, str(schemas), True))
    monkeypatch.setattr(cache_module, "_code_digest", "another virtlint")
    variants.append(run_key([q35], [], [], {}, {}, None, True))
    assert len({base, *variants}) == len(variants) + 1


def test_an_edited_source_file_changes_the_code_digest(tmp_path: Path) -> None:
    (tmp_path / "rule.py").write_text("A = 1\n")
    before = sources_digest([str(tmp_path)])
    (tmp_path / "rule.py").write_text("A = 2\n")
    assert sources_digest([str(tmp_path)]) != before


def test_internal_errors_are_never_cached(tmp_path: Path, domains, monkeypatch) -> None:
    from virtlint.linter.engine import Linter, LintResult

    def lint_with_internal_error(self, document):
        result = LintResult()
        result.internal_errors.append(("VL999", "RuntimeError: boom"))
        return result

    monkeypatch.setattr(Linter, "lint_document", lint_with_internal_error)
    first, _ = _run(tmp_path / "cache", domains)
    assert first.internal_errors
    stored = list((tmp_path / "cache" / "v1").glob("*.json"))
    assert not stored or json.loads(stored[0].read_text())["entries"] == {}


def test_unreadable_files_are_reported_every_time(tmp_path: Path, domains) -> None:
    missing = tmp_path / "missing.xml"
    for _ in range(2):
        run, _ = _run(tmp_path / "cache", [*domains, missing])
        assert [path for path, _ in run.input_errors] == [str(missing)]


def test_a_torn_or_foreign_cache_file_is_ignored_and_replaced(tmp_path: Path, domains) -> None:
    first, _ = _run(tmp_path / "cache", domains)
    stored = next((tmp_path / "cache" / "v1").glob("*.json"))
    for garbage in ("{not json", "[]", '{"format": 1, "entries": {"x": 3}}', '{"format": 99, "entries": {}}'):
        stored.write_text(garbage)
        again, _ = _run(tmp_path / "cache", domains)
        assert _shape(again) == _shape(first)
        json.loads(stored.read_text())


def test_concurrent_writers_never_leave_a_torn_file(tmp_path: Path, domains) -> None:
    caps = [DomainCaps.from_file(str(Q35_KVM))]
    key = run_key(caps, [], [], {}, {}, None, False)
    outcome = _run(tmp_path / "seed", domains)[0]
    report = outcome.reports[0]

    def writer(index: int) -> None:
        for round_ in range(20):
            view = ResultCache(str(tmp_path / "cache"), key)
            view.lookup(f"f{index}-{round_}", b"bytes")
            view.store(f"f{index}-{round_}", (report, None, [], None, False, 0))
            view.save()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = json.loads(next((tmp_path / "cache" / "v1").glob("*.json")).read_text())
    assert stored["format"] == 1 and len(stored["entries"]) >= 20
    assert not list((tmp_path / "cache" / "v1").glob(".tmp-*"))


def test_pruning_keeps_one_entry_per_path_and_the_newest_run_keys(tmp_path: Path, domains, monkeypatch) -> None:
    _run(tmp_path / "cache", domains)
    domains[0].write_text(DOMAIN.replace("<name>a</name>", "<name>changed</name>"))
    _run(tmp_path / "cache", domains)
    stored = json.loads(next((tmp_path / "cache" / "v1").glob("*.json")).read_text())
    assert len(stored["entries"]) == len(domains)
    monkeypatch.setattr(cache_module, "MAX_RUN_KEYS", 2)
    for select in (["VL1"], ["VL2"], ["VL3"]):
        _run(tmp_path / "cache", domains, select=select)
    assert len(list((tmp_path / "cache" / "v1").glob("*.json"))) == 2


def test_the_cache_folder_is_marked_and_configurable(tmp_path: Path, domains, monkeypatch) -> None:
    monkeypatch.delenv("VIRTLINT_CACHE_DIR", raising=False)
    project_folder = tmp_path / "project"
    project_folder.mkdir()
    config = project_folder / "virtlint.toml"
    config.write_text(f"caps = [{str(Q35_KVM)!r}]\nselect = ['VL1']\n")
    opened = open_cache(Project(project_folder))
    assert opened is not None and opened.top == str(project_folder / ".virtlint_cache")
    config.write_text(f"caps = [{str(Q35_KVM)!r}]\nselect = ['VL1']\ncache-dir = 'elsewhere'\n")
    assert open_cache(Project(project_folder)).top == str(project_folder / "elsewhere")
    monkeypatch.setenv("VIRTLINT_CACHE_DIR", str(tmp_path / "env"))
    assert open_cache(Project(project_folder)).top == str(tmp_path / "env")
    _run(tmp_path / "marked", domains)
    assert (tmp_path / "marked" / ".gitignore").read_text().strip().endswith("*")
    assert (tmp_path / "marked" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_no_cache_when_the_schemas_are_missing(tmp_path: Path) -> None:
    # the note that says so comes from loading the schema, which a cache hit would skip
    project = Project(tmp_path, Overrides(caps=[str(Q35_KVM)], schemas=str(tmp_path / "none"), isolated=True))
    assert project.settings.structure and open_cache(project) is None


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTLINT_CACHE_DIR", "VIRTLINT_NO_CACHE")}
    return subprocess.run([sys.executable, "-m", "virtlint", "check", "--caps", str(Q35_KVM), *args],
                          capture_output=True, text=True, cwd=tmp_path, env=env)


def test_cli_uses_the_cache_and_fix_diff_and_no_cache_bypass_it(tmp_path: Path, domains) -> None:
    names = [d.name for d in domains]
    for flags in (["--no-cache"], ["--diff"], ["--fix"]):
        _cli(tmp_path, *flags, *names)
        assert not (tmp_path / ".virtlint_cache").exists(), flags
    first = _cli(tmp_path, *names)
    assert (tmp_path / ".virtlint_cache" / "v1").is_dir()
    second = _cli(tmp_path, *names)
    assert (first.returncode, first.stdout) == (second.returncode, second.stdout)
    assert first.stdout == _cli(tmp_path, "--no-cache", *names).stdout
