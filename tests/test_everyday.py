"""Everyday use: selection, severities, suppressions, --fail-on, --fix/--diff, fleets, pre-commit, live hosts."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CAPS, REPO, codes, lint

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
PC = str(CAPS / "x86_64-pc-kvm.xml")
TCG = str(CAPS / "x86_64-q35-qemu.xml")
IDE = ("<domain type='kvm'>\n  <name>vm</name><memory>1048576</memory>\n  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n"
       "    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>\n  </devices>\n</domain>\n")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=180)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def findings(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [f["code"] for f in json.loads(result.stdout)]


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


# -- selection and severity ---------------------------------------------------

def test_extend_select_and_comma_lists(tmp_path: Path) -> None:
    path = write(tmp_path / "vm.xml", IDE.replace("<os>", "<vcpu>300</vcpu><os>"))
    assert findings(run("check", "--caps", Q35, "--format", "json", "--select", "VL2,VL8", path)) == ["VL201", "VL805"]
    assert findings(run("check", "--caps", Q35, "--format", "json", "--select", "VL2", "--extend-select", "VL3",
                        path)) == ["VL201", "VL302"]


def test_severity_overrides_and_per_file_ignores_from_configuration(tmp_path: Path) -> None:
    shutil.copy(Q35, tmp_path / "host.xml")
    write(tmp_path / "virtlint.toml", 'caps = ["host.xml"]\n[severity]\nVL302 = "warning"\n'
                                      '[per-file-ignores]\n"legacy/*.xml" = ["VL3"]\n')
    write(tmp_path / "new" / "vm.xml", IDE)
    write(tmp_path / "legacy" / "vm.xml", IDE)
    result = run("check", "--format", "json", "new", "legacy", cwd=tmp_path)
    assert [(Path(f["path"]).parent.name, f["severity"]) for f in json.loads(result.stdout)] == [("new", "warning")]
    assert result.returncode == 0
    assert run("check", "--fail-on", "warning", "new", cwd=tmp_path).returncode == 1


def test_fail_on_thresholds(tmp_path: Path) -> None:
    loader = IDE.replace("<devices>", "<devices>").replace(
        "<os><type arch='x86_64' machine='q35'>hvm</type></os>",
        "<os><type arch='x86_64' machine='q35'>hvm</type>"
        "<loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE.fd</loader></os>"
        "<features><acpi/></features>").replace(
        "<disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>", "")
    path = write(tmp_path / "warn.xml", loader)
    assert findings(run("check", "--caps", Q35, "--format", "json", path)) == ["VL504"]
    assert run("check", "--caps", Q35, path).returncode == 0
    assert run("check", "--caps", Q35, "--fail-on", "warning", path).returncode == 1
    assert run("check", "--caps", Q35, "--fail-on", "info", path).returncode == 1


# -- inline suppression --------------------------------------------------------

def test_disable_next_element_and_its_subtree() -> None:
    text = IDE.replace("<devices>", "<!-- virtlint: disable=VL302 -->\n  <devices>")
    assert lint(text, CAPS / "x86_64-q35-kvm.xml") == []
    prefix = IDE.replace("    <disk", "    <!-- virtlint: disable=VL3 -->\n    <disk")
    assert lint(prefix, CAPS / "x86_64-q35-kvm.xml") == []


def test_disable_file_and_unused_suppressions() -> None:
    text = "<!-- virtlint: disable-file=VL302 -->\n" + IDE
    assert lint(text, CAPS / "x86_64-q35-kvm.xml") == []
    stale = IDE.replace("<os>", "<!-- virtlint: disable=VL201 --><os>")
    found = lint(stale, CAPS / "x86_64-q35-kvm.xml")
    assert codes(found) == ["VL005", "VL302"]
    assert found[0].severity.value == "warning" and found[0].line == 3
    assert "VL201" in found[0].message


def test_suppression_only_covers_the_next_element() -> None:
    text = IDE.replace("    <disk", "    <!-- virtlint: disable=VL302 -->\n    <graphics type='vnc'/>\n    <disk")
    assert codes(lint(text, CAPS / "x86_64-q35-kvm.xml")) == ["VL005", "VL302"]


# -- fixes ----------------------------------------------------------------------

def test_fix_writes_atomically_keeps_permissions_and_is_idempotent(tmp_path: Path) -> None:
    original = IDE.replace("\n", "\r\n").replace("<devices>", "<devices><!-- é -->")
    path = tmp_path / "vm.xml"
    path.write_bytes(b"\xef\xbb\xbf" + original.encode())
    path.chmod(0o640)
    first = run("check", "--caps", Q35, "--fix", "--unsafe-fixes", str(path))
    assert first.returncode == 0, first.stdout
    data = path.read_bytes()
    assert data == b"\xef\xbb\xbf" + original.replace("bus='ide'", "bus='sata'").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".virtlint-")]
    second = run("check", "--caps", Q35, "--fix", "--unsafe-fixes", str(path))
    assert second.returncode == 0 and path.read_bytes() == data


def test_diff_shows_without_writing(tmp_path: Path) -> None:
    path = write(tmp_path / "vm.xml", IDE)
    result = run("check", "--caps", Q35, "--diff", "--unsafe-fixes", path)
    assert result.returncode == 1
    assert "-    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>" in result.stdout
    assert "+    <disk type='file' device='cdrom'><target dev='hdc' bus='sata'/></disk>" in result.stdout
    assert Path(path).read_text() == IDE
    clean = write(tmp_path / "clean.xml", IDE.replace("bus='ide'", "bus='sata'"))
    assert run("check", "--caps", Q35, "--diff", "--unsafe-fixes", clean).returncode == 0


def test_fix_applies_multi_part_fixes_over_several_passes(tmp_path: Path) -> None:
    text = IDE.replace("<devices>", "<devices>\n    <filesystem type='mount'><driver type='virtiofs'/>"
                                    "<source dir='/x'/><target dir='x'/></filesystem>"
                                    "\n    <filesystem type='mount'><driver type='virtiofs'/>"
                                    "<source dir='/y'/><target dir='y'/></filesystem>")
    path = write(tmp_path / "vm.xml", text)
    assert run("check", "--caps", Q35, "--fix", "--unsafe-fixes", path).returncode == 0
    fixed = Path(path).read_text()
    assert fixed.count("<memoryBacking>") == 1 and "bus='sata'" in fixed


# -- fleets --------------------------------------------------------------------

def test_fleet_table_and_json(tmp_path: Path) -> None:
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    for name in ("x86_64-q35-kvm.xml", "x86_64-pc-kvm.xml", "aarch64-virt-qemu.xml", "x86_64-q35-qemu.xml"):
        shutil.copy(CAPS / name, hosts / name)
    templates = tmp_path / "templates"
    write(templates / "q35.xml", IDE.replace("bus='ide'", "bus='sata'"))
    write(templates / "ide.xml", IDE)
    table = run("check", "--fleet", "--caps", str(hosts), str(templates))
    assert table.returncode == 1  # ide.xml runs on no host of its arch as written
    assert "q35.xml: runs on 1 of 3 hosts [ok]" in table.stdout
    assert "ide.xml: runs on 0 of 3 hosts [FAIL]" in table.stdout
    assert "VL004" in table.stdout  # the other hosts' caps do not describe it
    data = json.loads(run("check", "--fleet", "--caps", str(hosts), "--format", "json", str(templates)).stdout)
    by_name = {Path(d["path"]).name: d for d in data}
    assert [(Path(h["caps"]).name, h["runs"]) for h in by_name["q35.xml"]["hosts"]] == [
        ("x86_64-pc-kvm.xml", False), ("x86_64-q35-kvm.xml", True), ("x86_64-q35-qemu.xml", False)]
    assert run("check", "--fleet", "--require", "all", "--caps", str(hosts),
               str(templates / "q35.xml")).returncode == 1
    assert run("check", "--fleet", "--require", "any", "--caps", str(hosts),
               str(templates / "q35.xml")).returncode == 0


# -- pre-commit ---------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_hook_for_real(tmp_path: Path) -> None:
    pre_commit = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which("pre-commit")
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    hook_repo = tmp_path / "hook-repo"
    ignore = shutil.ignore_patterns(".git", "node_modules", "vscode-extension", "build", "*.egg-info",
                                    "__pycache__", ".*cache", ".venv", "artifacts")
    shutil.copytree(REPO, hook_repo, ignore=ignore)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "hook"]):
        subprocess.run(git + command, cwd=hook_repo, check=True, capture_output=True)
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Q35, project / "host-caps.xml")
    write(project / "virtlint.toml", 'caps = ["host-caps.xml"]\n')
    write(project / "vms" / "bad.xml", IDE)
    write(project / "vms" / "good.xml", IDE.replace("bus='ide'", "bus='sata'"))
    for command in (["init", "-q"], ["add", "-A"]):
        subprocess.run(git + command, cwd=project, check=True, capture_output=True)
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = subprocess.run([pre_commit, "try-repo", str(hook_repo), "virtlint", "--all-files"], cwd=project,
                            capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "vms/bad.xml:5:" in result.stdout and "VL302" in result.stdout
    assert "good.xml:" not in result.stdout and "host-caps.xml:" not in result.stdout
    (project / "vms" / "bad.xml").unlink()
    subprocess.run(git + ["add", "-A"], cwd=project, check=True, capture_output=True)
    ok = subprocess.run([pre_commit, "try-repo", str(hook_repo), "virtlint", "--all-files"], cwd=project,
                        capture_output=True, text=True, env=env, timeout=600)
    assert ok.returncode == 0, ok.stdout + ok.stderr


# -- live hosts -------------------------------------------------------------------

def _libvirt() -> bool:
    sys.path.insert(0, str(REPO / "tests" / "oracle"))
    import libvirt_oracle

    return libvirt_oracle.available()


@pytest.mark.libvirt
def test_connect_to_a_real_daemon(tmp_path: Path) -> None:
    if not _libvirt():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    tcg = IDE.replace("type='kvm'", "type='qemu'")
    path = write(tmp_path / "vm.xml", tcg)
    result = run("check", "--connect", "qemu:///system", "--format", "json", path)
    assert findings(result) == ["VL302"], result.stderr
    saved = tmp_path / "host.xml"
    done = run("caps", "--connect", "qemu:///system", "--virttype", "qemu", "--arch", "x86_64", "--machine", "q35",
               "-o", str(saved))
    assert done.returncode == 0 and "<domainCapabilities>" in saved.read_text()
    assert findings(run("check", "--caps", str(saved), "--format", "json", path)) == ["VL302"]
    bad = run("caps", "--connect", "qemu:///system", "--virttype", "qemu", "--arch", "x86_64", "--machine", "nope")
    assert bad.returncode == 2 and "virtlint: error:" in bad.stderr
