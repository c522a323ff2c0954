"""The language server over stdio, driven by a real LSP client (pytest-lsp).

Two client profiles: VS Code 1.65 (push diagnostics) and Neovim 0.11 (pull).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import Q35_KVM, Q35_TCG
from virtlint.linter.fixes import TextEdit, apply

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "virtlint", "lsp"])
PROFILES = ["visual-studio-code", "neovim@v0.11.0"]

DOMAIN = """<domain type='kvm'>
  <name>café-☕-𝔘</name><memory unit='MiB'>1024</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>
  </devices>
</domain>
"""


def accept_registrations(lsp_client: LanguageClient) -> None:
    """Answer client/registerCapability as editors do (the server registers file watchers)."""
    lsp_client.feature(T.CLIENT_REGISTER_CAPABILITY)(lambda params: None)


@pytest_lsp.fixture(params=PROFILES, config=SERVER)
async def client(request, lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    lsp_client.set_configuration({"caps": [str(Q35_KVM)], "debounce": 0}, section="virtlint")
    lsp_client.initialize_result = await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities(request.param),
        initialization_options={"caps": [str(Q35_KVM)], "debounce": 0}))
    yield
    await lsp_client.shutdown_session()


def pulls(client: LanguageClient) -> bool:
    return bool(client.capabilities.text_document and client.capabilities.text_document.diagnostic)


_version: dict[str, int] = {}


def open_document(client: LanguageClient, uri: str, text: str) -> None:
    _version[uri] = 1
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, text)))


async def diagnostics(client: LanguageClient, uri: str) -> list[T.Diagnostic]:
    """The current diagnostics, pulled or pushed depending on the client profile."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(T.TextDocumentIdentifier(uri)))
        return list(report.items)
    await asyncio.sleep(0.05)
    return list(client.diagnostics.get(uri, []))


async def settle(client: LanguageClient, uri: str, expect_codes: list[str]) -> list[T.Diagnostic]:
    """Poll until the diagnostics have the expected codes (push clients receive them asynchronously)."""
    found: list[T.Diagnostic] = []
    for _ in range(300):
        found = await diagnostics(client, uri)
        if sorted(str(d.code) for d in found if d.code) == sorted(expect_codes):
            return found
        await asyncio.sleep(0.05)
    return found


def workspace_edits(action: T.CodeAction, uri: str) -> list[T.TextEdit]:
    """The edits of a code action, whether the client takes versioned document changes or plain changes."""
    if action.edit.document_changes:
        (document_edit,) = action.edit.document_changes
        assert document_edit.text_document.uri == uri and document_edit.text_document.version == _version[uri]
        return list(document_edit.edits)
    return list(action.edit.changes[uri])


def change(client: LanguageClient, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
    _version[uri] = _version.get(uri, 1) + 1
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri=uri, version=_version[uri]),
        [T.TextDocumentContentChangePartial(T.Range(T.Position(*start), T.Position(*end)), text)]))


async def test_diagnostic_range_is_exact_in_utf16(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN.replace("<name>café-☕-𝔘</name>",
                                              "<name>café-☕-𝔘</name><description>𝔘𝔘</description>"))
    (diag,) = await settle(client, uri, ["VL302"])
    line = 4
    column = DOMAIN.splitlines()[line].index("ide")
    assert diag.range == T.Range(T.Position(line, column), T.Position(line, column + 3))
    assert diag.source == "virtlint" and diag.severity == T.DiagnosticSeverity.Error
    assert diag.code_description is None  # no invented URL; `virtlint rule VL302` has the documentation
    assert diag.related_information[0].location.uri.endswith("x86_64-q35-kvm.xml")
    assert "supported: fdc, scsi, virtio, usb, sata" in diag.message


async def test_utf16_columns_after_astral_characters(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "astral.xml").as_uri()
    text = "<domain type='kvm'><name>a</name><memory>1024</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>" \
           "<disk device='cdrom' type='file'><source file='/srv/𝔘𝔘.iso'/><target dev='sdc' bus='ide'/></disk>" \
           "</devices></domain>"
    open_document(client, uri, text)
    (diag,) = await settle(client, uri, ["VL302"])
    prefix = text[:text.index("bus='ide'") + len("bus='")]
    encoding = client.initialize_result.capabilities.position_encoding or T.PositionEncodingKind.Utf16
    units = {T.PositionEncodingKind.Utf16: len(prefix.encode("utf-16-le")) // 2,
             T.PositionEncodingKind.Utf8: len(prefix.encode("utf-8")),
             T.PositionEncodingKind.Utf32: len(prefix)}[encoding]
    assert diag.range.start == T.Position(0, units)  # astral characters count 2 in UTF-16, 4 in UTF-8


async def test_incremental_change_and_save(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN)
    (diag,) = await settle(client, uri, ["VL302"])
    change(client, uri, (diag.range.start.line, diag.range.start.character),
           (diag.range.end.line, diag.range.end.character), "sata")
    assert await settle(client, uri, []) == []
    change(client, uri, (2, 0), (2, 0), "  <vcpu>999</vcpu>\n")
    found = await settle(client, uri, ["VL201", "VL805"])
    assert sorted(d.code for d in found) == ["VL201", "VL805"]
    client.text_document_did_save(T.DidSaveTextDocumentParams(T.TextDocumentIdentifier(uri)))
    assert sorted(d.code for d in await settle(client, uri, ["VL201", "VL805"])) == ["VL201", "VL805"]
    client.text_document_did_close(T.DidCloseTextDocumentParams(T.TextDocumentIdentifier(uri)))


async def test_hover_names_what_the_host_allows(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN)
    await settle(client, uri, ["VL302"])
    line = DOMAIN.splitlines()[4]
    hover = await client.text_document_hover_async(T.HoverParams(T.TextDocumentIdentifier(uri),
                                                                 T.Position(4, line.index("ide") + 1)))
    assert "**disk bus** (`bus`)" in hover.contents.value
    assert "allowed: fdc, scsi, virtio, usb, sata" in hover.contents.value
    assert "x86_64-q35-kvm.xml:" in hover.contents.value


async def test_hover_on_a_cpu_model_shows_its_usability(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "cpu.xml").as_uri()
    text = DOMAIN.replace("<devices>", "<cpu mode='custom'><model>Haswell</model></cpu>\n  <devices>")
    open_document(client, uri, text)
    await settle(client, uri, ["VL302", "VL604"])
    line_number = next(i for i, l in enumerate(text.splitlines()) if "Haswell" in l)
    column = text.splitlines()[line_number].index("Haswell") + 2
    hover = await client.text_document_hover_async(T.HoverParams(T.TextDocumentIdentifier(uri),
                                                                 T.Position(line_number, column)))
    assert "`Haswell`: usable='no'" in hover.contents.value


async def test_completion_of_attribute_values_and_cpu_models(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "typing.xml").as_uri()
    text = "<domain type='kvm'>\n  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n" \
           "  <cpu mode='custom'><model>Has</model></cpu>\n  <devices>\n    <disk type='file' device='cdrom'>" \
           "<target dev='sdc' bus='"
    open_document(client, uri, text)
    last = text.splitlines()[-1]
    result = await client.text_document_completion_async(T.CompletionParams(
        T.TextDocumentIdentifier(uri), T.Position(4, len(last))))
    assert [item.label for item in result.items] == ["fdc", "scsi", "virtio", "usb", "sata"]
    cpu_line = text.splitlines()[2]
    models = await client.text_document_completion_async(T.CompletionParams(
        T.TextDocumentIdentifier(uri), T.Position(2, cpu_line.index("Has") + 3)))
    labels = [item.label for item in sorted(models.items, key=lambda i: i.sort_text)]
    # the models this host can run first, newest hardware first; the ones it cannot run at the end,
    # described as such rather than struck through as "deprecated"
    assert labels[:4] == ["pentium3", "pentium2", "pentium", "486"]
    assert labels.index("Haswell") > labels.index("486")
    assert labels.index("Icelake-Server") < labels.index("Haswell") < labels.index("Nehalem")
    haswell = next(item for item in models.items if item.label == "Haswell")
    assert "usable='no'" in haswell.detail and not haswell.tags


async def test_code_action_removes_the_finding(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN)
    (diag,) = await settle(client, uri, ["VL302"])
    actions = await client.text_document_code_action_async(T.CodeActionParams(
        T.TextDocumentIdentifier(uri), diag.range, T.CodeActionContext([diag])))
    assert [a.title for a in actions][:2] == ["Set bus='sata' (VL302)", "Set bus='scsi' (VL302)"]
    assert not actions[0].is_preferred  # an unsafe fix (it changes the hardware) is never the auto-fix
    edit = workspace_edits(actions[0], uri)[0]
    lines = DOMAIN.splitlines(keepends=True)
    start = sum(len(l) for l in lines[:edit.range.start.line]) + edit.range.start.character
    end = sum(len(l) for l in lines[:edit.range.end.line]) + edit.range.end.character
    fixed = apply(DOMAIN, [TextEdit(start, end, edit.new_text)])
    change(client, uri, (0, 0), (len(lines), 0), fixed)
    assert await settle(client, uri, []) == []


async def test_shared_memory_quick_fix(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "fs.xml").as_uri()
    text = DOMAIN.replace("<disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>",
                          "<filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
                          "<target dir='srv'/></filesystem>")
    open_document(client, uri, text)
    (diag,) = await settle(client, uri, ["VL204"])
    action, *suppressions = await client.text_document_code_action_async(T.CodeActionParams(
        T.TextDocumentIdentifier(uri), diag.range, T.CodeActionContext([diag])))
    assert [a.title for a in suppressions] == ["Disable VL204 for this element", "Disable VL204 for this file"]
    assert "memfd" in workspace_edits(action, uri)[0].new_text


async def test_non_domain_documents_get_nothing(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "pom.xml").as_uri()
    open_document(client, uri, "<project><modelVersion>4.0.0</modelVersion></project>")
    assert await settle(client, uri, []) == []
    broken = (tmp_path / "broken-pom.xml").as_uri()
    open_document(client, broken, "<project><modelVersion>")
    assert await settle(client, broken, []) == []


async def test_malformed_domain_gets_one_parse_diagnostic_and_hover_survives(client: LanguageClient,
                                                                            tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN)
    await settle(client, uri, ["VL302"])
    change(client, uri, (6, 0), (6, 0), "<broken")
    (diag,) = await settle(client, uri, ["VL001"])
    assert "not well-formed" in diag.message
    line = DOMAIN.splitlines()[4]
    hover = await client.text_document_hover_async(T.HoverParams(T.TextDocumentIdentifier(uri),
                                                                 T.Position(4, line.index("ide") + 1)))
    assert hover is not None and "disk bus" in hover.contents.value


@pytest.mark.parametrize("junk", ["\x00\x01\x02\ufffd" * 50, "<domain", "<domain type='kvm'><devices><disk",
                                  "<<<>>>&&&;;", "<" * 5000, "<domain>" + "<a>" * 400])
async def test_junk_does_not_kill_the_server(client: LanguageClient, tmp_path: Path, junk: str) -> None:
    uri = (tmp_path / "junk.xml").as_uri()
    open_document(client, uri, junk)
    await diagnostics(client, uri)
    await client.text_document_hover_async(T.HoverParams(T.TextDocumentIdentifier(uri), T.Position(0, 3)))
    await client.text_document_completion_async(T.CompletionParams(T.TextDocumentIdentifier(uri), T.Position(0, 3)))
    # still answering
    ok = (tmp_path / "ok.xml").as_uri()
    open_document(client, ok, DOMAIN)
    assert [d.code for d in await settle(client, ok, ["VL302"])] == ["VL302"]


async def test_configuration_change_relints(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(client, uri, DOMAIN)
    await settle(client, uri, ["VL302"])
    client.set_configuration({"caps": [str(Q35_TCG)], "debounce": 0}, section="virtlint")
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings=None))
    await asyncio.sleep(0.3)
    found = await settle(client, uri, ["VL004"])
    assert sorted(d.code for d in found) == ["VL004"]  # now against TCG caps, which do not describe a kvm domain


@pytest_lsp.fixture(config=SERVER)
async def bare_client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(T.InitializeParams(capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


async def first_push(client: LanguageClient, uri: str) -> list[T.Diagnostic]:
    """The first non-empty diagnostics pushed for a document (waits up to 15 s: a loaded CI machine)."""
    for _ in range(300):
        await asyncio.sleep(0.05)
        if client.diagnostics.get(uri):
            return list(client.diagnostics[uri])
    return []


async def test_no_caps_configured_is_one_information_diagnostic(bare_client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(bare_client, uri, DOMAIN)
    found = await first_push(bare_client, uri)
    (diag,) = found
    assert diag.severity == T.DiagnosticSeverity.Information and "virtlint.caps" in diag.message
    assert diag.range.start == T.Position(0, 1)


async def test_caps_from_virtlint_toml_beside_the_document(bare_client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "virtlint.toml").write_text(f'caps = ["{Q35_KVM}"]\n')
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(bare_client, uri, DOMAIN)
    found = await first_push(bare_client, uri)
    assert [d.code for d in found] == ["VL302"]


BROKEN_RULE_SERVER = [sys.executable, "-c", (
    "import virtlint.rules.vcpu_max as rule\n"
    "def broken(self, element, ctx):\n"
    "    raise RuntimeError('boom')\n"
    "rule.VcpuMax.check = broken\n"
    "from virtlint.lsp.server import main\n"
    "main()\n")]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=BROKEN_RULE_SERVER))
async def broken_client(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities("neovim@v0.11.0"), initialization_options={"caps": [str(Q35_KVM)]}))
    yield
    await lsp_client.shutdown_session()


async def test_a_rule_that_raises_is_logged_and_the_others_still_report(broken_client: LanguageClient,
                                                                       tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    open_document(broken_client, uri, DOMAIN.replace("<os>", "<vcpu>999</vcpu><os>"))
    report = await broken_client.text_document_diagnostic_async(T.DocumentDiagnosticParams(T.TextDocumentIdentifier(uri)))
    assert sorted(d.code for d in report.items) == ["VL302", "VL805"]  # VL201 broke, the rest reported
    for _ in range(300):
        if any("rule VL201 failed" in m.message for m in broken_client.log_messages):
            break
        await asyncio.sleep(0.05)
    (message,) = [m for m in broken_client.log_messages if "rule VL201 failed" in m.message]
    assert message.type == T.MessageType.Error and "RuntimeError: boom" in message.message
