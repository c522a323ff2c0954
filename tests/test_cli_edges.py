"""Bad input and the command line's edges: codecs, exit codes, Ctrl-C, stdin, options as in ruff, the worker
pool, SARIF URIs, and no invented URLs."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CAPS, REPO
from virtlint.linter import runner
from virtlint.linter.project import Overrides, Project

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
GOOD = ("<domain type='kvm'><name>ok</name><memory>1048576</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>\n")
IDE = GOOD.replace("<devices/>", "<devices><disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>"
                                 "</devices>")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True, cwd=cwd,
                            timeout=180, input=stdin, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result


# -- codecs -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("codec", ["rot13", "base64", "zlib", "hex", "bz2", "uu", "undefined"])
def test_a_non_text_codec_is_an_input_error_not_a_traceback(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(f"<?xml version='1.0' encoding='{codec}'?>\n{GOOD}")
    result = run("check", "--caps", Q35, str(path))
    assert result.returncode == 2 and f"'{codec}'" in result.stderr
    assert "All clear" not in result.stdout


def test_a_non_text_codec_does_not_kill_a_parallel_run(tmp_path: Path) -> None:
    for index in range(80):
        (tmp_path / f"vm{index:02}.xml").write_text(IDE)
    (tmp_path / "vm40.xml").write_text(f"<?xml version='1.0' encoding='rot13'?>\n{GOOD}")
    result = run("check", "--caps", Q35, "-j", "2", "--format", "json", str(tmp_path))
    assert result.returncode == 2 and "rot13" in result.stderr
    assert len(json.loads(result.stdout)) == 79


# -- exit codes -------------------------------------------------------------------------------------------------

def test_a_missing_path_says_so_and_exits_2(tmp_path: Path) -> None:
    result = run("check", "--caps", Q35, str(tmp_path / "nope"))
    assert result.returncode == 2 and "No such file or directory" in result.stderr
    assert "All clear" not in result.stdout


def test_an_engine_error_exits_2() -> None:
    code = ("import sys; from virtlint.linter import engine\n"
            "def boom(self, document): raise RuntimeError('boom')\n"
            "engine.Linter.lint_document = boom\n"
            "from virtlint.linter.cli import main\n"
            f"sys.argv = ['virtlint', 'check', '--caps', {Q35!r}, {str(REPO / 'examples' / 'vm.xml')!r}]\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "internal error in the engine" in result.stderr and "boom" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unexpected_exception_exits_2_not_1() -> None:
    code = ("import sys; from virtlint.linter import runner\n"
            "def boom(*args, **kwargs): raise RuntimeError('boom')\n"
            "runner.check = boom\n"
            "from virtlint.linter.cli import main\n"
            f"sys.argv = ['virtlint', 'check', '--caps', {Q35!r}, {str(REPO / 'examples' / 'vm.xml')!r}]\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "internal error: RuntimeError: boom" in result.stderr
    assert "Traceback" not in result.stderr


def test_ctrl_c_exits_130_without_worker_tracebacks(tmp_path: Path) -> None:
    for index in range(3000):
        (tmp_path / f"vm{index:04}.xml").write_text(IDE)
    # a named pipe nobody writes to, named last: however fast the run, it is still busy (blocked reading
    # the pipe) when the interrupt comes
    fifo = tmp_path / "stuck.xml"
    os.mkfifo(fifo)
    # (Ctrl-C as in a terminal: a run started as a background job of a shell without job control inherits SIGINT
    # ignored, and Python keeps an ignored SIGINT ignored)
    process = subprocess.Popen([sys.executable, "-m", "virtlint", "check", "--caps", Q35, "-j", "2", "-q",
                                str(tmp_path), str(fifo)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr


# -- standard input and options as in ruff ---------------------------------------------------------------------

def test_stdin_with_a_filename_for_messages_and_per_file_ignores(tmp_path: Path) -> None:
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\n[per-file-ignores]\n"legacy/*.xml" = ["VL302"]\n')
    result = run("check", "--format", "json", "-", cwd=tmp_path, stdin=IDE)
    assert result.returncode == 1 and [f["path"] for f in json.loads(result.stdout)] == ["-"]
    named = run("check", "--stdin-filename", "templates/web.xml", "-", cwd=tmp_path, stdin=IDE)
    assert named.stdout.startswith("templates/web.xml:1:")
    assert run("check", "--stdin-filename", "legacy/web.xml", "-", cwd=tmp_path, stdin=IDE).returncode == 0
    assert run("check", "--fix", "-", cwd=tmp_path, stdin=IDE).returncode == 2
    unreadable = run("check", "-", cwd=tmp_path, stdin="")
    assert unreadable.returncode == 2 and "empty" in unreadable.stderr


def test_exit_zero_and_no_color(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(IDE)
    assert run("check", "--caps", Q35, "--exit-zero", str(path)).returncode == 0
    assert run("check", "--caps", Q35, "--exit-zero", str(tmp_path / "nope.xml")).returncode == 2
    code = ("import sys; from click.testing import CliRunner; from virtlint.linter.cli import main\n"
            f"r = CliRunner().invoke(main, ['check', '--caps', {Q35!r}, '--no-color', {str(path)!r}], color=True)\n"
            "sys.stdout.write(r.output)\n")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "VL302" in output and "\x1b[" not in output


def test_a_file_named_twice_is_checked_once(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_text(IDE)
    result = run("check", "--caps", Q35, "--format", "json", str(tmp_path), str(tmp_path / "vm.xml"))
    assert len(json.loads(result.stdout)) == 1


# -- the worker pool ------------------------------------------------------------------------------------------

def test_cpus_follow_affinity_and_the_cgroup_quota(tmp_path: Path) -> None:
    assert runner.available_cpus() <= len(os.sched_getaffinity(0))
    (tmp_path / "cpu.max").write_text("150000 100000\n")
    assert runner.cgroup_cpu_quota(str(tmp_path)) == 1.5
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert runner.cgroup_cpu_quota(str(tmp_path)) is None
    (tmp_path / "cpu.max").unlink()
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("50000\n")
    (tmp_path / "cpu" / "cpu.cfs_period_us").write_text("100000\n")
    assert runner.cgroup_cpu_quota(str(tmp_path)) == 0.5


def test_the_pool_works_where_fork_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for index in range(70):
        (tmp_path / f"vm{index:02}.xml").write_text(IDE)
    project = Project(tmp_path, Overrides(caps=[Q35]))
    serial = runner.check([str(tmp_path)], project, jobs=1)
    monkeypatch.setattr(runner, "_can_fork", lambda: False)
    spawned = runner.check([str(tmp_path)], Project(tmp_path, Overrides(caps=[Q35])), jobs=2)
    assert [r.findings for r in spawned.reports] == [r.findings for r in serial.reports]
    assert len(spawned.reports) == 70


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forked workers only")
@pytest.mark.parametrize("failure", ["raises", "dies"])
def test_a_failing_worker_ends_the_run_with_its_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      failure: str) -> None:
    for index in range(70):
        (tmp_path / f"vm{index:02}.xml").write_text(IDE)
    check_one = runner._check_one

    def failing(item: tuple[str, bool], project: Project, digests: bool) -> object:
        if item[0].endswith("vm40.xml"):
            if failure == "dies":
                os._exit(9)  # (in the worker, which the run forked)
            raise ValueError("boom")
        return check_one(item, project, digests)

    monkeypatch.setattr(runner, "_check_one", failing)
    expected = (RuntimeError, "exited unexpectedly") if failure == "dies" else (ValueError, "boom")
    with pytest.raises(expected[0], match=expected[1]):  # (the pool it replaced waited forever for a dead worker)
        runner.check([str(tmp_path)], Project(tmp_path, Overrides(caps=[Q35])), jobs=2)


# -- SARIF and URLs -----------------------------------------------------------------------------------------------

def test_sarif_uris_are_percent_encoded_and_absolute_ones_have_no_base(tmp_path: Path) -> None:
    folder = tmp_path / "sp ace"
    folder.mkdir()
    (folder / "my vm.xml").write_text(IDE)
    sarif = json.loads(run("check", "--caps", Q35, "--format", "sarif", "sp ace/my vm.xml", cwd=tmp_path).stdout)
    (result,) = sarif["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "sp%20ace/my%20vm.xml", "uriBaseId": "%SRCROOT%"}
    related = result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]
    assert related["uri"].startswith("file:///") and "uriBaseId" not in related
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert "helpUri" not in rule and rule["help"]["markdown"]


INVENTED = re.compile(r"github\.com/virtlint|pypi\.org/project/virtlint|pip install virtlint\b")


def test_no_invented_urls_in_the_package_or_readme() -> None:
    files = [*REPO.joinpath("linter").glob("*.py"), *REPO.joinpath("rules").glob("*.py"),
             *REPO.joinpath("lsp").glob("*.py"), REPO / "README.md"]
    offenders = [str(path.relative_to(REPO)) for path in files if INVENTED.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_rule_documentation_travels_with_the_package() -> None:
    result = run("rule", "VL302")
    assert result.returncode == 0 and "## What it does" in result.stdout and "http" not in result.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_readme_pre_commit_block_resolves(tmp_path: Path) -> None:
    """The README's .pre-commit-config.yaml, with its placeholders filled as it says, installs and runs."""
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(repos:\n.*?)```", readme, re.S)
    assert block, "the README has a pre-commit configuration"
    hook_repo = tmp_path / "virtlint"
    shutil.copytree(REPO, hook_repo, ignore=shutil.ignore_patterns(
        ".git", "node_modules", "vscode-extension", "build", "*.egg-info", "__pycache__", ".*cache", ".venv",
        "artifacts", "dist"))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "hook"]):
        subprocess.run(git + command, cwd=hook_repo, check=True, capture_output=True)
    sha = subprocess.run(["git", "-C", str(hook_repo), "rev-parse", "HEAD"], capture_output=True, text=True,
                         check=True).stdout.strip()
    config = block.group(1).replace("/path/to/virtlint", str(hook_repo)).replace("0" * 40, sha)
    project = tmp_path / "project"
    (project / "vms").mkdir(parents=True)
    shutil.copy(Q35, project / "host-caps.xml")
    (project / "virtlint.toml").write_text('caps = ["host-caps.xml"]\n')
    (project / ".pre-commit-config.yaml").write_text(config)
    (project / "vms" / "bad.xml").write_text(IDE)
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(git + command, cwd=project, check=True, capture_output=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = subprocess.run([pre_commit, "run", "--all-files"], cwd=project, capture_output=True, text=True,
                            env=env, timeout=600)
    assert result.returncode == 1 and "VL302" in result.stdout, result.stdout + result.stderr


def test_a_suppression_for_a_rule_that_did_not_run_here_is_not_stale() -> None:
    from conftest import lint

    text = GOOD.replace("<devices/>", "<!-- virtlint: disable=VL901 - the schema is strict here -->"
                                      "<devices><disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>"
                                      "</devices>")
    assert [f.code for f in lint(text, CAPS / "x86_64-q35-kvm.xml")] == ["VL302"]  # no schema: VL901 did not run
    other_machine = text.replace("disable=VL901", "disable=VL302")
    # caps of another machine family: one VL004 note, VL302 did not run, so its suppression is not stale
    assert [f.code for f in lint(other_machine, CAPS / "x86_64-pc-kvm.xml")] == ["VL004"]
