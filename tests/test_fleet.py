"""Fleets from the command line: caps --baseline, CPU advice and VL670, the HTML placement matrix (parsed, and
clicked in a real browser), and live hosts with repeated --connect."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from conftest import CAPS, REPO, lint, shared_path
from virtlint.linter.document import Document
from virtlint.linter.fixes import apply

SCHEMA = Path("/usr/share/libvirt/schemas/domaincaps.rng")
E2E_CACHE = Path(os.environ.get("VIRTLINT_E2E_CACHE", "/var/cache/virtlint-e2e"))
CORPUS = ("qemu_6.2.0-q35.x86_64.xml", "qemu_8.2.0-q35.x86_64.xml")

TEMPLATE = """<domain type='kvm'>
  <name>{name}</name>
  <memory unit='GiB'>2</memory>
  <vcpu>{vcpus}</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <features><acpi/></features>
  <cpu mode='{mode}'/>
  <devices>
    <disk type='file' device='disk'><source file='/images/{name}.qcow2'/><target dev='vda' bus='virtio'/></disk>{extra}
  </devices>
</domain>
"""


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True,
                            cwd=cwd, timeout=300)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def template(name: str, vcpus: int = 2, mode: str = "host-model", extra: str = "") -> str:
    return TEMPLATE.format(name=name, vcpus=vcpus, mode=mode, extra=extra)


@pytest.fixture()
def fleet(tmp_path: Path) -> Path:
    """hosts/: two corpus q35 hosts (QEMU 6.2 and 8.2); templates/: web (host-model), gpu (dbus display), db."""
    corpus = shared_path("corpus", "libvirt-domaincaps")
    hosts = tmp_path / "hosts"
    hosts.mkdir()
    shutil.copy(corpus / CORPUS[0], hosts / "old.xml")
    shutil.copy(corpus / CORPUS[1], hosts / "new.xml")
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "web.xml").write_text(template("web"))
    (templates / "gpu.xml").write_text(template("gpu", mode="custom' match='exact",
                                                extra="\n    <graphics type='dbus'/><video><model type='virtio'/></video>"))
    (templates / "db.xml").write_text(template("db", vcpus=300))
    return tmp_path


# -- caps --baseline --------------------------------------------------------------------------------------------

def test_caps_baseline_files_validates_and_checks(tmp_path: Path) -> None:
    corpus = shared_path("corpus", "libvirt-domaincaps")
    out = tmp_path / "baseline.xml"
    result = run("caps", "--baseline", str(CAPS / "x86_64-q35-kvm.xml"), str(corpus / CORPUS[1]), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "virtlint: note: unknown: devices/crypto" in result.stderr
    assert "CPU models every host can run, newest first:" in result.stderr
    if SCHEMA.exists():
        schema = etree.RelaxNG(etree.parse(str(SCHEMA)))
        assert schema.validate(etree.parse(str(out))), schema.error_log
    vm = tmp_path / "vm.xml"
    vm.write_text(template("vm"))
    checked = run("check", "--caps", str(out), "--format", "json", str(vm))
    assert [f["code"] for f in json.loads(checked.stdout)] == ["VL670"], checked.stdout


def test_caps_baseline_refuses_mixed_families(tmp_path: Path) -> None:
    result = run("caps", "--baseline", str(CAPS / "x86_64-q35-kvm.xml"), str(CAPS / "x86_64-pc-kvm.xml"))
    assert result.returncode == 2 and "machine family" in result.stderr


def test_caps_needs_hosts() -> None:
    assert run("caps").returncode == 2
    assert run("caps", str(CAPS / "x86_64-q35-kvm.xml")).returncode == 2  # files only with --baseline


# -- CPU advice and VL670 --------------------------------------------------------------------------------------

BLOCKED_FLEET = """<domainCapabilities><?virtlint-baseline hosts="3" vendor="Intel"?>
  <path>/usr/bin/qemu-system-x86_64</path><domain>kvm</domain><machine>pc-q35-9.1</machine><arch>x86_64</arch>
  <cpu><mode name='host-model' supported='yes'/><mode name='custom' supported='yes'>
    <model usable='yes' vendor='Intel'>Nehalem</model><model usable='yes' vendor='Intel'>SandyBridge</model>
    <model usable='no' vendor='Intel'>Haswell</model><model usable='yes' vendor='AMD'>EPYC</model>
    <blockers model='Haswell'><feature name='hle'/><feature name='rtm'/></blockers></mode></cpu>
</domainCapabilities>"""


def test_vl670_fix_to_newest_common_model_unsafe() -> None:
    text = template("vm", mode="host-passthrough")
    [finding] = [f for f in lint(text, BLOCKED_FLEET) if f.code == "VL670"]
    assert "fleet of 3 hosts" in finding.message
    assert "Haswell without hle, rtm" in finding.hint
    titles = [fix.title for fix in finding.fixes]
    assert titles == ["Use CPU model Haswell without hle, rtm (unsafe)", "Use CPU model SandyBridge (unsafe)"]
    assert not any(fix.safe for fix in finding.fixes)
    fixed = apply(text, finding.fixes[0].edits)
    assert ("<cpu mode='custom' match='exact'>\n    <model fallback='forbid'>Haswell</model>\n"
            "    <feature policy='disable' name='hle'/>\n    <feature policy='disable' name='rtm'/>\n  </cpu>") in fixed
    assert "VL670" not in {f.code for f in lint(fixed, BLOCKED_FLEET)}
    assert not [f for f in lint(fixed, BLOCKED_FLEET) if f.severity.value == "error"]


def test_vl670_needs_a_fleet_and_a_host_mode() -> None:
    one_host = BLOCKED_FLEET.replace('hosts="3"', 'hosts="1"')
    assert "VL670" not in {f.code for f in lint(template("vm"), one_host)}
    assert "VL670" not in {f.code for f in lint(template("vm"), BLOCKED_FLEET.replace("<?virtlint-baseline", "<?x"))}
    custom = template("vm", mode="custom' match='exact").replace("<cpu mode='custom' match='exact'/>",
                                                                 "<cpu mode='custom'><model>Nehalem</model></cpu>")
    assert "VL670" not in {f.code for f in lint(custom, BLOCKED_FLEET)}


def test_fix_never_applies_unsafe_fixes(tmp_path: Path) -> None:
    caps = tmp_path / "fleet.xml"
    caps.write_text(BLOCKED_FLEET)
    vm = tmp_path / "vm.xml"
    vm.write_text(template("vm"))
    result = run("check", "--caps", str(caps), "--fix", str(vm))
    assert vm.read_text() == template("vm") and "VL670" in result.stdout
    run("check", "--caps", str(caps), "--fix", "--unsafe-fixes", str(vm))
    assert "<model fallback='forbid'>Haswell</model>" in vm.read_text()


def test_fleet_text_and_json(fleet: Path) -> None:
    result = run("check", "--fleet", "--caps", str(fleet / "hosts"), str(fleet / "templates"))
    assert result.returncode == 1  # db.xml runs nowhere
    assert "fleet: VL670 line 7" in result.stdout
    assert "CPU models every host of kvm, x86_64, pc-q35 can run (new, old), newest first: EPYC," in result.stdout
    data = json.loads(run("check", "--fleet", "--format", "json", "--caps", str(fleet / "hosts"),
                          str(fleet / "templates")).stdout)
    web = next(d for d in data if d["path"].endswith("web.xml"))
    assert [f["code"] for f in web["fleet"]] == ["VL670"]
    assert web["cpu_models"]["usable_everywhere"][0] == "EPYC"
    assert [(h["host"], h["runs"]) for h in web["hosts"]] == [("new", True), ("old", True)]


# -- the HTML placement matrix ---------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class StrictHTML(HTMLParser):
    """Every element closed, in order; no duplicate ids; nothing loaded from elsewhere."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.ids: set[str] = set()
        self.problems: list[str] = []
        self.doctype = False

    def handle_decl(self, decl: str) -> None:
        self.doctype = self.doctype or decl.lower() == "doctype html"

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id":
                if value in self.ids:
                    self.problems.append(f"duplicate id {value}")
                self.ids.add(value or "")
            if name in ("src", "href", "action") or (value and ("http:" in value or "https:" in value or "//" == value[:2])):
                self.problems.append(f"<{tag} {name}={value!r}> reaches out")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.problems.append(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
        else:
            self.stack.pop()


def _report(fleet: Path) -> Path:
    out = fleet / "report.html"
    result = run("check", "--fleet", "--caps", str(fleet / "hosts"), "--format", "html", "-o", str(out),
                 str(fleet / "templates"))
    assert result.returncode == 1, result.stderr
    return out


def test_html_report_is_valid_and_offline(fleet: Path) -> None:
    text = _report(fleet).read_text()
    parser = StrictHTML()
    parser.feed(text)
    parser.close()
    assert parser.doctype and parser.problems == [] and parser.stack == [], parser.problems
    assert "http://" not in text and "https://" not in text
    page = lxml.html.fromstring(text)
    assert [th.text for th in page.xpath("//thead/tr/th")] == ["template", "new", "old", "fleet"]
    cells = {b.get("aria-label").split(":")[0]: b.get("class") for b in page.xpath("//button[@aria-label]")}
    assert cells == {"db.xml on new": "cell red", "db.xml on old": "cell red", "gpu.xml on new": "cell green",
                     "gpu.xml on old": "cell red", "web.xml on new": "cell green", "web.xml on old": "cell green"}
    red = page.xpath("//button[@aria-label='gpu.xml on old: 1 error(s)']")[0]
    assert "VL302" in red.get("title") and "dbus" in red.get("title")
    assert "VL302" in page.get_element_by_id(red.get("data-details")).text_content()
    assert [o.get("value") for o in page.xpath("//select[@id='rule-filter']/option")] == ["", "VL201", "VL302",
                                                                                           "VL670", "VL805"]


def test_html_needs_fleet(tmp_path: Path) -> None:
    vm = tmp_path / "vm.xml"
    vm.write_text(template("vm"))
    assert run("check", "--caps", str(CAPS / "x86_64-q35-kvm.xml"), "--format", "html", str(vm)).returncode == 2


def _browser() -> tuple[str, str] | None:
    node = E2E_CACHE / "node24" / "package" / "bin" / "node"
    node_path = E2E_CACHE / "node_modules"
    binary = str(node) if node.exists() else shutil.which("node")
    if binary is None or not (node_path / "playwright-core").is_dir() or not Path("/usr/bin/chromium").exists():
        return None
    return binary, str(node_path)


def test_html_report_in_a_real_browser(fleet: Path) -> None:
    found = _browser()
    if found is None:
        pytest.skip("Chromium and playwright-core are not installed (vscode-extension/e2e/setup.sh installs them)")
    node, node_path = found
    report = _report(fleet)
    artifacts = Path(os.environ.get("VIRTLINT_ARTIFACTS", fleet))
    artifacts.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([node, str(REPO / "tests" / "browser" / "html_report.mjs"), str(report), "gpu.xml", "old",
                             "VL302.*dbus", str(artifacts / "fleet-report.png")],
                            capture_output=True, text=True, timeout=180, env={**os.environ, "NODE_PATH": node_path})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "clicked a red cell: gpu.xml on old: 1 error(s)" in result.stdout


# -- live hosts ------------------------------------------------------------------------------------------------

def _libvirt() -> bool:
    sys.path.insert(0, str(REPO / "tests" / "oracle"))
    import libvirt_oracle

    return libvirt_oracle.available()


@pytest.mark.libvirt
def test_repeated_connect(tmp_path: Path, fleet: Path) -> None:
    if not _libvirt():
        pytest.skip("no libvirt daemon at qemu:///system (.ci/run starts one)")
    # the same daemon twice under two names: caps saves one file per host
    saved = tmp_path / "saved"
    result = run("caps", "--connect", "left=qemu:///system", "--connect", "right=qemu:///system",
                 "--virttype", "qemu", "--machine", "q35", "-o", str(saved))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in saved.iterdir()) == ["left.xml", "right.xml"]
    # a baseline of the daemon and a file of the same family (the daemon is asked for the file's family)
    out = tmp_path / "baseline.xml"
    result = run("caps", "--baseline", "--connect", "qemu:///system", str(CAPS / "x86_64-q35-kvm.xml"),
                 "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "virtlint baseline of 2 host(s): x86_64-q35-kvm, localhost" in out.read_text()
    if SCHEMA.exists():
        assert etree.RelaxNG(etree.parse(str(SCHEMA))).validate(etree.parse(str(out)))
    # --fleet over two live hosts, named from the URI (localhost, localhost-2)
    web = fleet / "templates" / "web.xml"
    result = run("check", "--fleet", "--connect", "qemu:///system", "--connect", "qemu:///system",
                 "--format", "json", str(web))
    data = json.loads(result.stdout)
    assert [h["host"] for h in data[0]["hosts"]] == ["localhost", "localhost-2"], result.stderr
    assert [f["code"] for f in data[0]["fleet"]] == ["VL670"]


def test_connect_names() -> None:
    from virtlint.linter.fleet import parse_connect, unique_names

    assert parse_connect("qemu+ssh://root@node1.example/system") == ("node1.example", "qemu+ssh://root@node1.example/system")
    assert parse_connect("qemu:///system") == ("localhost", "qemu:///system")
    assert parse_connect("rack2=qemu+tcp://10.0.0.2/system") == ("rack2", "qemu+tcp://10.0.0.2/system")
    assert parse_connect("qemu+ssh://h/system?keyfile=/k") == ("h", "qemu+ssh://h/system?keyfile=/k")
    assert unique_names(["a", "a", "b", "a"]) == ["a", "a-2", "b", "a-3"]


def test_baseline_document_positions() -> None:
    """The baseline is an ordinary caps document: findings against it cite its lines."""
    from virtlint.linter.baseline import build
    from virtlint.linter.caps import DomainCaps

    hosts = [DomainCaps.from_file(str(CAPS / "x86_64-q35-kvm.xml"))] * 2
    baseline = DomainCaps(Document(build(hosts, ["a", "b"]).xml(), "baseline.xml"))
    assert baseline.vcpu_max == hosts[0].vcpu_max and baseline.machine == hosts[0].machine


def test_fleet_suppression_of_vl670(fleet: Path) -> None:
    web = fleet / "templates" / "web.xml"
    web.write_text(template("pinned").replace("  <cpu mode", "  <!-- virtlint: disable=VL670 -->\n  <cpu mode"))
    data = json.loads(run("check", "--fleet", "--format", "json", "--caps", str(fleet / "hosts"), str(web)).stdout)
    assert data[0]["fleet"] == [] and all(not h["warnings"] for h in data[0]["hosts"]), data


def test_fleet_with_an_unreachable_host(fleet: Path) -> None:
    """A live host that cannot be asked is a red column and exit status 2; the other hosts are still judged."""
    result = run("check", "--fleet", "--format", "json", "--caps", str(fleet / "hosts"),
                 "--connect", "down=test:///nonexistent", str(fleet / "templates" / "web.xml"))
    assert result.returncode == 2 and "virtlint: error: host down:" in result.stderr
    [web] = json.loads(result.stdout)
    assert [(h["host"], h["runs"], bool(h["problem"])) for h in web["hosts"]] == [
        ("new", True, False), ("old", True, False), ("down", False, True)]
