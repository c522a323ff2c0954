"""The command line as a user runs it: real processes, exit codes, formats and bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CAPS, REPO

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
GOOD = ("<domain type='kvm'><name>ok</name><memory>1048576</memory>"
        "<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/></domain>")
IDE = GOOD.replace("<devices/>", "<devices><disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk></devices>")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return str(path)


def test_version_and_console_script() -> None:
    assert run("--version").stdout.startswith("virtlint, version ")
    script = shutil.which("virtlint", path=str(Path(sys.executable).parent))
    assert script, "the virtlint console script is installed beside the interpreter"
    assert subprocess.run([script, "--version"], capture_output=True, text=True).returncode == 0


def test_shipped_example_has_real_findings() -> None:
    result = run("check", "--caps", str(REPO / "examples" / "host-caps.xml"), str(REPO / "examples" / "vm.xml"))
    assert result.returncode == 1
    assert "VL302 [error] disk bus 'ide' is not supported" in result.stdout
    assert "Found 5 errors in 1 file checked." in result.stdout


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    result = run("check", "--caps", Q35, write(tmp_path, "ok.xml", GOOD))
    assert result.returncode == 0
    assert "All clear: 1 file checked" in result.stdout


def test_json_format_exact_keys_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, "ide.xml", IDE)
    result = run("check", "--caps", Q35, "--format", "json", path)
    assert result.returncode == 1
    (finding,) = json.loads(result.stdout)
    assert list(finding)[:9] == ["path", "line", "column", "end_line", "end_column", "severity", "code", "rule",
                                 "message"]
    assert finding["hint"] == "use bus='sata' (or 'scsi', 'virtio', 'fdc', ...)"
    assert finding["fix"] == {"title": "Set bus='sata'", "applicability": "unsafe"}
    column = IDE.index("bus='ide'") + len("bus='") + 1
    assert (finding["line"], finding["column"], finding["end_column"]) == (1, column, column + 3)
    assert (finding["code"], finding["rule"], finding["severity"]) == ("VL302", "device-value", "error")


def test_json_is_an_empty_array_when_clean(tmp_path: Path) -> None:
    result = run("check", "--caps", Q35, "--format", "json", write(tmp_path, "ok.xml", GOOD))
    assert json.loads(result.stdout) == []


def test_directories_of_domains_and_of_caps(tmp_path: Path) -> None:
    write(tmp_path, "vms/a.xml", GOOD)
    write(tmp_path, "vms/nested/b.xml", IDE)
    write(tmp_path, "vms/network.xml", "<network><name>default</name></network>")
    shutil.copy(Q35, tmp_path / "vms" / "caps-inside.xml")
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    for name in ("x86_64-q35-kvm.xml", "x86_64-pc-kvm.xml"):
        shutil.copy(CAPS / name, hosts / name)
    result = run("check", "--caps", str(hosts), "--format", "json", str(tmp_path / "vms"))
    assert result.returncode == 1
    assert [Path(f["path"]).name for f in json.loads(result.stdout)] == ["b.xml"]


def test_named_non_domain_file_is_a_finding(tmp_path: Path) -> None:
    result = run("check", "--caps", Q35, write(tmp_path, "net.xml", "<network/>"))
    assert result.returncode == 1
    assert "VL003" in result.stdout


def test_malformed_xml_is_a_finding_at_the_parser_position(tmp_path: Path) -> None:
    result = run("check", "--caps", Q35, write(tmp_path, "bad.xml", "<domain>\n  <name>x</nam>\n</domain>"))
    assert result.returncode == 1
    assert "bad.xml:2:" in result.stdout and "VL001" in result.stdout


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty"), (b"\x00\x01\x02\x03binary", "binary"), (b"<domain>\xff\xfe</domain>", "not valid utf-8")],
)
def test_inputs_that_are_not_xml_exit_2(tmp_path: Path, content: bytes, reason: str) -> None:
    result = run("check", "--caps", Q35, write(tmp_path, "junk.xml", content))
    assert result.returncode == 2
    assert reason in result.stderr


def test_missing_input_and_missing_caps(tmp_path: Path) -> None:
    missing = run("check", "--caps", Q35, str(tmp_path / "nope.xml"))
    assert missing.returncode == 2 and "No such file" in missing.stderr
    no_caps = run("check", "--caps", str(tmp_path / "nope-caps.xml"), write(tmp_path, "ok.xml", GOOD))
    assert no_caps.returncode == 2 and "no such file" in no_caps.stderr


def test_caps_that_are_not_domcapabilities_exit_2(tmp_path: Path) -> None:
    result = run("check", "--caps", write(tmp_path, "dom.xml", GOOD), write(tmp_path, "ok.xml", GOOD))
    assert result.returncode == 2
    assert "neither a domcapabilities nor a host capabilities document (<domain>)" in result.stderr
    assert result.stderr.count("\n") == 1


def test_no_caps_at_all_is_a_usage_error(tmp_path: Path) -> None:
    result = run("check", write(tmp_path, "ok.xml", GOOD), cwd=tmp_path)
    assert result.returncode == 2
    assert "no capabilities given" in result.stderr


@pytest.mark.parametrize("config_name", ["virtlint.toml", "pyproject.toml"])
def test_caps_from_configuration_found_upward(tmp_path: Path, config_name: str) -> None:
    shutil.copy(Q35, tmp_path / "host.xml")
    table = "[tool.virtlint]\n" if config_name == "pyproject.toml" else ""
    write(tmp_path, config_name, f'{table}caps = ["host.xml"]\n')
    sub = tmp_path / "templates" / "web"
    sub.mkdir(parents=True)
    result = run("check", write(sub, "ide.xml", IDE), cwd=sub)
    assert result.returncode == 1 and "VL302" in result.stdout


def test_command_line_caps_win_over_configuration(tmp_path: Path) -> None:
    write(tmp_path, "virtlint.toml", 'caps = ["missing.xml"]\n')
    result = run("check", "--caps", Q35, write(tmp_path, "ok.xml", GOOD), cwd=tmp_path)
    assert result.returncode == 0


def test_broken_configuration_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, "virtlint.toml", "caps = [1, 2\n")
    result = run("check", write(tmp_path, "ok.xml", GOOD), cwd=tmp_path)
    assert result.returncode == 2 and "virtlint.toml" in result.stderr


def test_rules_listing_and_rule_documentation() -> None:
    listing = run("rules").stdout
    assert "VL302  device-value" in listing
    doc = run("rule", "VL302")
    assert doc.returncode == 0 and "## What it does" in doc.stdout and "## Use instead" in doc.stdout
    assert run("rule", "device-value").stdout == doc.stdout
    unknown = run("rule", "VL999")
    assert unknown.returncode == 2 and "no rule" in unknown.stderr


def test_select_and_ignore(tmp_path: Path) -> None:
    text = IDE.replace("<memory>", "<vcpu>999</vcpu><memory>")
    path = write(tmp_path, "two.xml", text)
    both = json.loads(run("check", "--caps", Q35, "--format", "json", path).stdout)
    assert sorted(f["code"] for f in both) == ["VL201", "VL302", "VL805"]
    only = json.loads(run("check", "--caps", Q35, "--format", "json", "--select", "VL3", path).stdout)
    assert [f["code"] for f in only] == ["VL302"]
    ignored = run("check", "--caps", Q35, "--ignore", "VL201", "--ignore", "VL302", "--ignore", "VL8", path)
    assert ignored.returncode == 0


def test_parallel_run_reports_exactly_what_a_serial_run_does(tmp_path: Path) -> None:
    for index in range(70):
        text = IDE if index % 3 == 0 else GOOD
        write(tmp_path, f"vms/vm{index:03d}.xml", text.replace("<name>ok</name>", f"<name>vm{index}</name>"))
    write(tmp_path, "vms/broken.xml", b"\x00binary")
    serial = run("check", "--caps", Q35, "--format", "json", "--jobs", "1", str(tmp_path / "vms"))
    parallel = run("check", "--caps", Q35, "--format", "json", "--jobs", "2", str(tmp_path / "vms"))
    assert json.loads(parallel.stdout) == json.loads(serial.stdout) != []
    assert parallel.returncode == serial.returncode == 2  # the binary file
    assert parallel.stderr == serial.stderr
    text = run("check", "--caps", Q35, "--jobs", "2", str(tmp_path / "vms")).stdout
    assert " | " in text and "^^^" in text  # source lines come back from the workers
