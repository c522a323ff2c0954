"""Fixes users can trust: declared applicability, --fix applies safe fixes only, --unsafe-fixes the others,
hints agree with the first fix, numeric fixes satisfy every rule about the value, --fix --diff writes
nothing, and writing back respects symlinks, hard links and read-only files."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CAPS, Q35_KVM, codes, lint
from virtlint.linter.engine import all_rules
from virtlint.linter.fixes import SAFE, UNSAFE, apply
from virtlint.linter.ruledocs import examples

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
IDE = ("<domain type='kvm'>\n  <name>vm</name><memory>1048576</memory>\n"
       "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n"
       "    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>\n  </devices>\n</domain>\n")
VIRTIOFS = ("    <filesystem type='mount'><driver type='virtiofs'/><source dir='/x'/><target dir='x'/></filesystem>\n")
BOTH = IDE.replace("  </devices>", VIRTIOFS + "  </devices>")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True, cwd=cwd,
                            timeout=180)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def first_fixes() -> list[tuple[str, object]]:
    found = []
    for rule in all_rules():
        example = examples(rule)
        options = {"schema": True} if rule.code == "VL901" else {}
        try:
            findings = lint(example.failing, *example.caps, **options)
        except BaseException:  # noqa: BLE001 (a skip when the schema is not installed)
            continue
        found += [(rule.code, f) for f in findings if f.code == rule.code and f.fixes]
    return found


FIXED = first_fixes()


# -- applicability -------------------------------------------------------------------------------------------

#: Rules whose fixes keep the VM's meaning; every other fix changes hardware, CPU, counts or paths.
SAFE_RULES = {"VL204"}


@pytest.mark.parametrize("code, finding", FIXED, ids=[code for code, _ in FIXED])
def test_every_fix_declares_the_right_applicability(code: str, finding) -> None:
    expected = SAFE if code in SAFE_RULES else UNSAFE
    assert {fix.applicability for fix in finding.fixes} == {expected}


@pytest.mark.parametrize("code, finding", FIXED, ids=[code for code, _ in FIXED])
def test_the_hint_says_what_the_first_fix_does(code: str, finding) -> None:
    assert finding.hint, "a finding with a fix says what to do"
    # the hint names what the first fix writes: a whole edit, or a value inside it (an attribute value, a text)
    written = [edit.text.strip() for edit in finding.fixes[0].edits]
    values = [v for text in written for pair in re.findall(r"'([^']+)'|>([^<]+)<", text) for v in pair if v]
    assert any(text and text in finding.hint for text in written + values), (finding.hint, finding.fixes[0].title)


def test_unusable_cpu_model_fix_disables_the_blockers_as_the_hint_says() -> None:
    rule = next(r for r in all_rules() if r.code == "VL604")
    example = examples(rule)
    (finding,) = [f for f in lint(example.failing, *example.caps) if f.code == "VL604"]
    assert finding.fixes[0].title.startswith("Disable the blocking features")
    assert len(finding.fixes) > 1, "replacing the model stays available, after the hint's fix"


def test_a_vcpu_fix_satisfies_every_rule_about_the_count() -> None:
    text = IDE.replace("<os>", "<vcpu>512</vcpu><os>")
    found = lint(text, Q35_KVM)
    assert codes(found) == ["VL201", "VL805", "VL302"]
    vcpu = found[0]
    assert vcpu.fixes[0].edits[0].text == "255" and "255" in (vcpu.hint or "")
    assert [c for c in codes(lint(apply(text, vcpu.fixes[0].edits), Q35_KVM)) if c in ("VL201", "VL805")] == []
    with_eim = text.replace("<devices>", "<devices><iommu model='intel'><driver intremap='on' eim='on'/></iommu>")
    assert next(f for f in lint(with_eim, Q35_KVM) if f.code == "VL201").fixes[0].edits[0].text == "288"


# -- the command line ----------------------------------------------------------------------------------------

def test_fix_applies_safe_fixes_only_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(BOTH)
    listed = run("check", "--caps", Q35, str(path))
    assert "VL204 [*] [error]" in listed.stdout and "VL302 [error]" in listed.stdout
    assert "[*] 1 fixable with --fix (1 more with --unsafe-fixes" in listed.stdout
    result = run("check", "--caps", Q35, "--fix", str(path))
    fixed = path.read_text()
    assert "<memoryBacking>" in fixed and "bus='ide'" in fixed, "the bus is hardware: an unsafe fix"
    assert "Found 1 error in 1 file checked (1 fix applied, 1 remaining)." in result.stdout
    assert result.returncode == 1
    unsafe = run("check", "--caps", Q35, "--fix", "--unsafe-fixes", str(path))
    assert "bus='sata'" in path.read_text() and unsafe.returncode == 0
    assert "(1 fix applied, 0 remaining)" in unsafe.stdout


def test_fix_with_diff_previews_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(BOTH)
    result = run("check", "--caps", Q35, "--fix", "--diff", str(path))
    assert path.read_text() == BOTH
    assert "<memoryBacking><source type='memfd'/>" in result.stdout and "bus='sata'" not in result.stdout
    assert result.returncode == 1


def test_fix_writes_through_a_symlink_to_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.xml"
    target.write_text(BOTH)
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    assert run("check", "--caps", Q35, "--fix", str(link)).returncode == 1
    assert link.is_symlink() and "<memoryBacking>" in target.read_text()


def test_fix_keeps_hard_links(tmp_path: Path) -> None:
    first, second = tmp_path / "a.xml", tmp_path / "b.xml"
    first.write_text(BOTH)
    os.link(first, second)
    run("check", "--caps", Q35, "--fix", str(first))
    assert os.stat(first).st_ino == os.stat(second).st_ino and "<memoryBacking>" in second.read_text()


def test_fix_refuses_a_read_only_file(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(BOTH)
    path.chmod(0o444)
    result = run("check", "--caps", Q35, "--fix", str(path))
    assert result.returncode == 2 and "read-only" in result.stderr
    assert path.read_text() == BOTH and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_fix_counts_on_stderr_when_the_report_is_for_programs(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(BOTH)
    result = run("check", "--caps", Q35, "--fix", "--format", "json", str(path))
    assert "virtlint: 1 fix applied, 1 finding remaining" in result.stderr
    assert [f["code"] for f in __import__("json").loads(result.stdout)] == ["VL302"]


def test_a_read_only_filesystem_under_fix_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "vm.xml"
    path.write_text(BOTH)
    code = ("import errno, os, sys; from virtlint.linter import runner\n"
            "def refuse(*args, **kwargs): raise OSError(errno.EROFS, os.strerror(errno.EROFS))\n"
            "runner.tempfile.mkstemp = refuse\n"
            "from virtlint.linter.cli import main\n"
            f"sys.argv = ['virtlint', 'check', '--caps', {Q35!r}, '--fix', {str(path)!r}]\n"
            "main()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "Read-only file system" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and path.read_text() == BOTH


@pytest.mark.parametrize("vcpu, cpu, proposed", [
    ("<vcpu>512</vcpu>", "<cpu><topology sockets='2' cores='128' threads='2'/></cpu>", None),  # topology too
    ("<vcpu>512</vcpu>", "<cpu><topology sockets='1' dies='2' cores='32' threads='2'/></cpu>", "128"),
    ("<vcpu current='300'>512</vcpu>", "", None),  # the current count would exceed the new maximum
    ("<vcpu current='8'>512</vcpu>", "", "255"),
])
def test_a_vcpu_fix_keeps_the_topology_and_current_count_valid(vcpu: str, cpu: str, proposed: str | None) -> None:
    text = IDE.replace("<os>", vcpu + "<os>").replace("<devices>", cpu + "<devices>")
    finding = next(f for f in lint(text, Q35_KVM) if f.code == "VL201")
    assert [fix.edits[0].text for fix in finding.fixes][:1] == ([proposed] if proposed else [])
    if proposed:
        assert proposed in (finding.hint or "")
    else:
        assert "topology" in (finding.hint or "") or "current" in (finding.hint or "")
