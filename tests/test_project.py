"""One project model for every front end: configuration discovery and precedence, the linter for a file,
the domain test and once-per-run notes, used alike by `check`, `--fleet` and the language server."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import CAPS, Q35_KVM
from virtlint.linter.config import ConfigError
from virtlint.linter.document import Document
from virtlint.linter.project import Overrides, Project, folder_for, is_domain, starts_with_domain

Q35 = str(CAPS / "x86_64-q35-kvm.xml")
IDE = ("<domain type='kvm'>\n  <name>vm</name><memory>1048576</memory>\n"
       "  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n"
       "    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/></disk>\n  </devices>\n</domain>\n")


def run(*args: str, cwd: Path | None = None, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([sys.executable, "-m", "virtlint", *args], capture_output=True, text=True, cwd=cwd,
                            timeout=180, input=stdin)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def project_with(tmp_path: Path, config: str, overrides: Overrides | None = None) -> Project:
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\n' + config)
    return Project(tmp_path, overrides)


# -- precedence -------------------------------------------------------------------------------------------

def test_configuration_then_overrides(tmp_path: Path) -> None:
    project = project_with(tmp_path, 'select = ["VL3"]\nignore = ["VL5"]\nfail-on = "warning"\n'
                                     '[severity]\nVL302 = "info"\n',
                           Overrides(ignore=["VL4"], severity={"VL302": "warning"}))
    settings = project.settings
    assert settings.select == ["VL3"]
    assert settings.ignore == ["VL5", "VL4"], "--ignore adds to the configuration's ignore, as in ruff"
    assert settings.severity == {"VL302": "warning"} and settings.fail_on == "warning"
    assert Project(tmp_path, Overrides(select=["VL2"])).settings.select == ["VL2"]
    assert Project(tmp_path, Overrides(isolated=True)).settings.caps == []


def test_rule_names_are_selectors(tmp_path: Path) -> None:
    project = project_with(tmp_path, 'ignore = ["device-value"]\n')
    assert project.settings.ignore == ["VL302"]


def test_linter_for_applies_severity_and_per_file_ignores(tmp_path: Path) -> None:
    project = project_with(tmp_path, '[severity]\nVL302 = "warning"\n[per-file-ignores]\n"legacy/*.xml" = ["VL3"]\n')
    new = Document(IDE, str(tmp_path / "new" / "vm.xml"))
    legacy = Document(IDE, str(tmp_path / "legacy" / "vm.xml"))
    assert [(f.code, f.severity.value) for f in project.linter_for(new).lint_document(new).findings] == \
        [("VL302", "warning")]
    assert project.linter_for(legacy).lint_document(legacy).findings == []


@pytest.mark.parametrize("config, message", [
    ('ignroe = ["VL805"]\n', "unknown key 'ignroe' (did you mean 'ignore'?)"),
    ('select = ["VL999"]\n', "unknown rule 'VL999' (did you mean 'VL799'?)"),
    ('ignore = ["devise-value"]\n', "unknown rule 'devise-value' (did you mean 'device-value'?)"),
    ('[severity]\nVL9999 = "info"\n', "unknown rule 'VL9999'"),
    ('[per-file-ignores]\n"*.xml" = ["XY1"]\n', "unknown rule 'XY1'"),
])
def test_configuration_mistakes_are_errors_with_did_you_mean(tmp_path: Path, config: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        project_with(tmp_path, config)
    (tmp_path / "vm.xml").write_text(IDE)
    result = run("check", "vm.xml", cwd=tmp_path)
    assert result.returncode == 2 and message in result.stderr


def test_unknown_codes_on_the_command_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_text(IDE)
    for option in ("--select", "--ignore", "--extend-select"):
        result = run("check", "--caps", Q35, option, "VL9999", "vm.xml", cwd=tmp_path)
        assert result.returncode == 2 and f"{option}: unknown rule 'VL9999'" in result.stderr


def test_config_file_option_and_isolated(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_text(IDE)
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "other.toml").write_text('caps = ["host.xml"]\nignore = ["VL302"]\n')
    assert run("check", "--config", "other.toml", "vm.xml", cwd=tmp_path).returncode == 0
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\nignore = ["VL302"]\n')
    assert run("check", "vm.xml", cwd=tmp_path).returncode == 0
    isolated = run("check", "--isolated", "vm.xml", cwd=tmp_path)
    assert isolated.returncode == 2 and "no capabilities given" in isolated.stderr
    assert run("check", "--isolated", "--caps", "host.xml", "vm.xml", cwd=tmp_path).returncode == 1
    missing = run("check", "--config", "nope.toml", "vm.xml", cwd=tmp_path)
    assert missing.returncode == 2 and "no such configuration file" in missing.stderr


# -- the front ends agree ---------------------------------------------------------------------------------

def test_fleet_uses_severities_and_per_file_ignores_as_check_does(tmp_path: Path) -> None:
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\n[severity]\nVL302 = "warning"\n'
                                            '[per-file-ignores]\n"legacy/*.xml" = ["VL201", "VL805"]\n')
    (tmp_path / "vm.xml").write_text(IDE)
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "big.xml").write_text(IDE.replace("<os>", "<vcpu>4000</vcpu><os>"))
    assert run("check", "vm.xml", "legacy", cwd=tmp_path).returncode == 0
    fleet = run("check", "--fleet", "--format", "json", "vm.xml", "legacy", cwd=tmp_path)
    assert fleet.returncode == 0, fleet.stdout
    assert all(verdict["satisfied"] for verdict in json.loads(fleet.stdout))


def test_multi_root_relative_settings_resolve_per_folder(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        (folder / "vms").mkdir(parents=True)
        shutil.copy(Q35, folder / "host.xml")
    settings = {"caps": ["host.xml"], "ignore": ["VL5"], "severity": {"VL302": "info"}}
    for folder in (one, two):
        document = str(folder / "vms" / "vm.xml")
        base = folder_for(document, [str(one), str(two)])
        assert base == str(folder)
        project = Project(folder / "vms", Overrides.from_editor(settings, base))
        assert project.settings.caps == [str(folder / "host.xml")]
        assert project.settings.ignore == ["VL5"] and project.settings.severity == {"VL302": "info"}


def test_the_domain_test() -> None:
    assert is_domain(Document(IDE)) and is_domain(Document("<domain><name>x</nam></domain>"))
    assert not is_domain(Document("<project><name>x</nam></project>"))
    assert not is_domain(Document("<project/>"))
    assert starts_with_domain("<?xml version='1.0'?><!-- c --><domain") and not starts_with_domain("<pom")


def test_pre_commit_skips_malformed_non_domain_xml(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text("<project><name>x</nam></project>")
    (tmp_path / "vm.xml").write_text(IDE.replace("bus='ide'", "bus='sata'"))
    result = run("check", "--caps", Q35, "--domains-only", str(pom), str(tmp_path / "vm.xml"))
    assert result.returncode == 0, result.stdout


# -- once-per-run notes -------------------------------------------------------------------------------------

def test_missing_schemas_are_one_note_per_run_not_a_finding_per_file(tmp_path: Path) -> None:
    for index in range(70):
        (tmp_path / f"vm{index:02}.xml").write_text(IDE.replace("bus='ide'", "bus='sata'"))
    (tmp_path / "vm00.xml").write_text("<domain><broken></domain>")  # the first file returns early
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\nschemas = "no-schemas-here"\n')
    for jobs in ("1", "4"):
        result = run("check", "-j", jobs, "--format", "json", ".", cwd=tmp_path)
        assert "VL900" not in result.stdout
        assert result.stderr.count("libvirt's RelaxNG schemas were not found") == 1, result.stderr


# -- the language server -------------------------------------------------------------------------------------

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "virtlint", "lsp"])


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    lsp_client.feature(T.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    await lsp_client.initialize_session(T.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                           initialization_options={"debounce": 0}))
    yield
    await lsp_client.shutdown_session()


async def _diagnostics(client: LanguageClient, uri: str) -> list[T.Diagnostic]:
    for _ in range(100):
        await asyncio.sleep(0.05)
        if client.diagnostics.get(uri):
            break
    await asyncio.sleep(0.2)
    return list(client.diagnostics.get(uri, []))


async def test_server_applies_the_configuration_as_the_cli_does(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "virtlint.toml").write_text(f'caps = ["{Q35_KVM}"]\nignore = ["VL201", "VL805"]\n[severity]\nVL302 = "info"\n'
                                            '[per-file-ignores]\n"legacy/*.xml" = ["VL302"]\n')
    text = IDE.replace("<os>", "<vcpu>4000</vcpu><os>")
    uri = (tmp_path / "vm.xml").as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, text)))
    found = await _diagnostics(client, uri)
    assert [(d.code, d.severity) for d in found] == [("VL302", T.DiagnosticSeverity.Information)]
    (tmp_path / "legacy").mkdir()
    legacy = (tmp_path / "legacy" / "vm.xml").as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(legacy, "xml", 1, text)))
    await asyncio.sleep(1.0)
    assert [d.code for d in client.diagnostics.get(legacy, [])] == []


async def test_hover_carries_the_rule_documentation_not_a_link(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "virtlint.toml").write_text(f'caps = ["{Q35_KVM}"]\n')
    uri = (tmp_path / "vm.xml").as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, IDE)))
    (diagnostic,) = await _diagnostics(client, uri)
    assert diagnostic.code_description is None
    hover = await client.text_document_hover_async(T.HoverParams(T.TextDocumentIdentifier(uri),
                                                                 diagnostic.range.start))
    assert hover is not None
    text = hover.contents.value
    assert text.startswith("**VL302 device-value** (error)") and "## " not in text
    assert "`virtlint rule VL302`" in text and "http" not in text
    assert "allowed: fdc, scsi, virtio, usb, sata" in text


@pytest_lsp.fixture(config=SERVER)
async def configured_client(lsp_client: LanguageClient):
    lsp_client.feature(T.CLIENT_REGISTER_CAPABILITY)(lambda params: None)
    options = {"debounce": 0, "caps": [str(Q35_KVM)], "ignore": ["VL201", "VL805"], "severity": {"VL302": "warning"}}
    await lsp_client.initialize_session(T.InitializeParams(capabilities=client_capabilities("visual-studio-code"),
                                                           initialization_options=options))
    yield
    await lsp_client.shutdown_session()


async def test_editor_settings_layer_over_the_configuration(configured_client: LanguageClient,
                                                            tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    text = IDE.replace("<os>", "<vcpu>4000</vcpu><os>")
    configured_client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, text)))
    found = await _diagnostics(configured_client, uri)
    assert [(d.code, d.severity) for d in found] == [("VL302", T.DiagnosticSeverity.Warning)]


def test_ignoring_vl900_silences_the_missing_schemas_note(tmp_path: Path) -> None:
    (tmp_path / "vm.xml").write_text(IDE.replace("bus='ide'", "bus='sata'"))
    shutil.copy(Q35, tmp_path / "host.xml")
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\nschemas = "no-schemas-here"\n')
    assert "RelaxNG schemas were not found" in run("check", "vm.xml", cwd=tmp_path).stderr
    assert run("check", "--ignore", "VL900", "vm.xml", cwd=tmp_path).stderr == ""
