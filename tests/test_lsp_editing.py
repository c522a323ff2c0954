"""The language server's editing features, driven over stdio by a real LSP client (pytest-lsp).

Suppression and fix-all code actions with versioned edits, multi-root settings, settings that arrive after the
first pull, a byte order mark in the buffer, hovers while the text is malformed, and file events that do (or do
not) concern the capabilities.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path

import pytest_lsp
from lsprotocol import types as T
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import EDITOR_DOMAIN as DOMAIN, Q35_KVM, Q35_TCG
from virtlint.linter.fixes import TextEdit, apply

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "virtlint", "lsp"])

VIRTIOFS = DOMAIN.replace("<disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>",
                          "<disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>\n"
                          "    <filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/>"
                          "<target dir='srv'/></filesystem>")


def accept_registrations(client: LanguageClient) -> None:
    client.feature(T.CLIENT_REGISTER_CAPABILITY)(lambda params: None)


@pytest_lsp.fixture(config=SERVER)
async def vscode(lsp_client: LanguageClient):
    accept_registrations(lsp_client)
    lsp_client.set_configuration({"caps": [str(Q35_KVM)], "debounce": 0}, section="virtlint")
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        initialization_options={"caps": [str(Q35_KVM)], "debounce": 0}))
    yield
    await lsp_client.shutdown_session()


async def pushed(client: LanguageClient, uri: str, codes: list[str]) -> list[T.Diagnostic]:
    found: list[T.Diagnostic] = []
    for _ in range(300):
        found = list(client.diagnostics.get(uri, []))
        if sorted(str(d.code) for d in found if d.code) == sorted(codes):
            return found
        await asyncio.sleep(0.05)
    return found


def edits_of(action: T.CodeAction, uri: str, version: int) -> list[T.TextEdit]:
    (document_edit,) = action.edit.document_changes  # VS Code takes versioned edits
    assert document_edit.text_document.uri == uri and document_edit.text_document.version == version
    return list(document_edit.edits)


def applied(text: str, edits: list[T.TextEdit]) -> str:
    lines = text.splitlines(keepends=True)

    def offset(position: T.Position) -> int:
        return sum(len(line) for line in lines[:position.line]) + position.character

    return apply(text, [TextEdit(offset(e.range.start), offset(e.range.end), e.new_text) for e in edits])


def replace_all(client: LanguageClient, uri: str, version: int, old: str, new: str) -> None:
    client.text_document_did_change(T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri=uri, version=version),
        [T.TextDocumentContentChangePartial(T.Range(T.Position(0, 0), T.Position(len(old.splitlines()), 0)), new)]))


async def actions_at(client: LanguageClient, uri: str, diagnostic: T.Diagnostic) -> list[T.CodeAction]:
    return await client.text_document_code_action_async(T.CodeActionParams(
        T.TextDocumentIdentifier(uri), diagnostic.range, T.CodeActionContext([diagnostic])))


async def test_disable_for_this_element_inserts_a_suppression_on_its_own_line(vscode: LanguageClient,
                                                                              tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    (diagnostic,) = await pushed(vscode, uri, ["VL302"])
    actions = await actions_at(vscode, uri, diagnostic)
    disable = next(a for a in actions if a.title == "Disable VL302 for this element")
    fixed = applied(DOMAIN, edits_of(disable, uri, 1))
    assert "    <disk type='file' device='cdrom'><!-- virtlint: disable=VL302 --><target dev='sdc'" in fixed
    replace_all(vscode, uri, 2, DOMAIN, fixed)
    assert await pushed(vscode, uri, []) == []


async def test_disable_for_this_file_and_for_an_element_on_its_own_line(vscode: LanguageClient,
                                                                       tmp_path: Path) -> None:
    text = DOMAIN.replace("<disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>",
                          "<disk type='file' device='cdrom'>\n      <target dev='sdc' bus='ide'/>\n    </disk>")
    uri = (tmp_path / "vm.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, text)))
    (diagnostic,) = await pushed(vscode, uri, ["VL302"])
    actions = await actions_at(vscode, uri, diagnostic)
    element = next(a for a in actions if a.title == "Disable VL302 for this element")
    assert "\n      <!-- virtlint: disable=VL302 -->\n      <target dev='sdc'" in applied(text, edits_of(element, uri, 1))
    whole = next(a for a in actions if a.title == "Disable VL302 for this file")
    fixed = applied(text, edits_of(whole, uri, 1))
    assert fixed.startswith("<!-- virtlint: disable-file=VL302 -->\n<domain type='kvm'>")
    replace_all(vscode, uri, 2, text, fixed)
    assert await pushed(vscode, uri, []) == []


async def test_fix_all_applies_the_safe_fixes_only(vscode: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "fs.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, VIRTIOFS)))
    await pushed(vscode, uri, ["VL204", "VL302"])
    actions = await vscode.text_document_code_action_async(T.CodeActionParams(
        T.TextDocumentIdentifier(uri), T.Range(T.Position(0, 0), T.Position(0, 0)),
        T.CodeActionContext([], only=["source.fixAll.virtlint"])))
    (fix_all,) = actions
    assert fix_all.kind == "source.fixAll.virtlint"
    fixed = applied(VIRTIOFS, edits_of(fix_all, uri, 1))
    assert "<access mode='shared'/>" in fixed  # adding the shared memory virtiofs needs keeps the VM's meaning
    assert "bus='ide'" in fixed  # changing the disk's bus changes the hardware: not applied without asking
    replace_all(vscode, uri, 2, VIRTIOFS, fixed)
    assert [d.code for d in await pushed(vscode, uri, ["VL302"])] == ["VL302"]


async def test_quick_fix_menu_asks_for_quick_fixes_only(vscode: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    (diagnostic,) = await pushed(vscode, uri, ["VL302"])
    actions = await vscode.text_document_code_action_async(T.CodeActionParams(
        T.TextDocumentIdentifier(uri), diagnostic.range,
        T.CodeActionContext([diagnostic], only=[T.CodeActionKind.QuickFix])))
    assert actions and all(a.kind == T.CodeActionKind.QuickFix for a in actions)


async def test_a_byte_order_mark_in_the_buffer_does_not_shift_columns(vscode: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "bom.xml").as_uri()
    text = "\ufeff<domain type='kvm'><name>vm</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>" \
           "<devices><disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk></devices></domain>\n"
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, text)))
    (diagnostic,) = await pushed(vscode, uri, ["VL302"])
    # the editor counts the BOM as one UTF-16 unit of line 0
    assert diagnostic.range.start.character == text.index("ide")
    assert diagnostic.range.end.character == text.index("ide") + 3
    hover = await vscode.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(uri), T.Position(0, text.index("ide") + 1)))
    assert hover is not None and hover.range.start.character == text.index("ide")


async def test_hover_on_malformed_text_never_uses_moved_positions(vscode: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "vm.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    await pushed(vscode, uri, ["VL302"])
    line = DOMAIN.splitlines()[4]
    # break the document *above* the disk: the last good parse no longer describes line 4
    vscode.text_document_did_change(T.DidChangeTextDocumentParams(
        T.VersionedTextDocumentIdentifier(uri=uri, version=2),
        [T.TextDocumentContentChangePartial(T.Range(T.Position(1, 0), T.Position(1, 0)), "<broken x='1'>\n")]))
    await pushed(vscode, uri, ["VL001"])
    stale = await vscode.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(uri), T.Position(5, line.index("ide") + 1)))
    assert stale is None
    # above the edit the old parse still holds
    type_line = DOMAIN.splitlines()[0]
    assert await vscode.text_document_hover_async(T.HoverParams(
        T.TextDocumentIdentifier(uri), T.Position(0, type_line.index("kvm") + 1))) is not None


@pytest_lsp.fixture(config=SERVER)
async def neovim_settings_only(lsp_client: LanguageClient):
    """Neovim configured with `settings` only: the server learns the caps from workspace/configuration."""
    accept_registrations(lsp_client)
    lsp_client.set_configuration({"caps": [str(Q35_KVM)]}, section="virtlint")
    await lsp_client.initialize_session(T.InitializeParams(capabilities=client_capabilities("neovim@v0.11.0")))
    yield
    await lsp_client.shutdown_session()


async def test_a_pull_before_the_settings_answer_is_refreshed(neovim_settings_only: LanguageClient,
                                                              tmp_path: Path) -> None:
    client = neovim_settings_only
    uri = (tmp_path / "vm.xml").as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(T.TextDocumentIdentifier(uri)))
    codes: list[str] = []
    for _ in range(300):
        await asyncio.sleep(0.05)
        report = await client.text_document_diagnostic_async(T.DocumentDiagnosticParams(T.TextDocumentIdentifier(uri)))
        codes = [str(d.code) for d in report.items]
        if codes == ["VL302"]:
            break
    assert codes == ["VL302"]


@pytest_lsp.fixture(config=SERVER)
async def slow_settings(lsp_client: LanguageClient):
    """A client that answers workspace/configuration only when the test lets it, with the settings it had when
    asked: the answer to the server's first pull can come after the user has changed the settings."""
    accept_registrations(lsp_client)
    lsp_client.set_configuration({"caps": [str(Q35_KVM)], "debounce": 0}, section="virtlint")
    release = asyncio.Event()

    async def answer_later(params: T.ConfigurationParams) -> list[object]:
        answer = [lsp_client.get_configuration(section=item.section, scope_uri=item.scope_uri) for item in params.items]
        await release.wait()
        return answer

    # pytest-lsp registers its own immediate answer; this client replaces it
    lsp_client.protocol.fm.features[T.WORKSPACE_CONFIGURATION] = answer_later
    lsp_client.release_settings = release  # type: ignore[attr-defined]
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        initialization_options={"caps": [str(Q35_KVM)], "debounce": 0}))
    yield
    release.set()
    await lsp_client.shutdown_session()


async def test_a_settings_answer_older_than_a_pushed_change_is_dropped(slow_settings: LanguageClient,
                                                                       tmp_path: Path) -> None:
    client = slow_settings
    allows_ide = tmp_path / "host.xml"
    allows_ide.write_text(Q35_KVM.read_text().replace("<value>sata</value>", "<value>sata</value><value>ide</value>"))
    uri = (tmp_path / "vm.xml").as_uri()
    client.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    assert [d.code for d in await pushed(client, uri, ["VL302"])] == ["VL302"]
    client.workspace_did_change_configuration(T.DidChangeConfigurationParams(
        settings={"virtlint": {"caps": [str(allows_ide)], "debounce": 0}}))
    assert await pushed(client, uri, []) == []
    client.release_settings.set()  # type: ignore[attr-defined]  # the first pull's answer: the old caps
    await asyncio.sleep(0.5)
    client.text_document_did_save(T.DidSaveTextDocumentParams(T.TextDocumentIdentifier(uri)))
    await asyncio.sleep(0.3)
    assert list(client.diagnostics.get(uri, [])) == []


@pytest_lsp.fixture(config=SERVER)
async def multi_root(lsp_client: LanguageClient, tmp_path_factory):
    """Two workspace folders whose settings name their caps relative to themselves."""
    base = tmp_path_factory.mktemp("roots")
    for name, caps in (("kvm", Q35_KVM), ("tcg", Q35_TCG)):
        (base / name).mkdir()
        shutil.copy(caps, base / name / "host.xml")
        lsp_client.set_configuration({"caps": ["host.xml"], "debounce": 0}, section="virtlint",
                                     scope_uri=(base / name).as_uri())
    accept_registrations(lsp_client)
    lsp_client.roots = base  # type: ignore[attr-defined]
    await lsp_client.initialize_session(T.InitializeParams(
        capabilities=client_capabilities("visual-studio-code"),
        workspace_folders=[T.WorkspaceFolder((base / n).as_uri(), n) for n in ("kvm", "tcg")]))
    yield
    await lsp_client.shutdown_session()


async def test_relative_settings_resolve_per_workspace_folder(multi_root: LanguageClient) -> None:
    base: Path = multi_root.roots  # type: ignore[attr-defined]
    kvm, tcg = (base / "kvm" / "vm.xml").as_uri(), (base / "tcg" / "vm.xml").as_uri()
    await asyncio.sleep(0.3)  # the settings pull after initialized
    multi_root.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(kvm, "xml", 1, DOMAIN)))
    multi_root.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(tcg, "xml", 1, DOMAIN)))
    assert sorted(d.code for d in await pushed(multi_root, kvm, ["VL302"])) == ["VL302"]
    # the TCG folder's caps describe virt type 'qemu', not this kvm domain: one note says which caps to fetch
    (note,) = await pushed(multi_root, tcg, ["VL004"])
    assert "qemu" in note.message and str(base / "tcg" / "host.xml") in note.message


async def test_only_changes_to_caps_or_configuration_reload_the_caps(vscode: LanguageClient, tmp_path: Path) -> None:
    caps = tmp_path / "host.xml"
    shutil.copy(Q35_KVM, caps)
    (tmp_path / "virtlint.toml").write_text('caps = ["host.xml"]\n')
    vscode.set_configuration({"debounce": 0}, section="virtlint")
    vscode.workspace_did_change_configuration(T.DidChangeConfigurationParams(settings={"virtlint": {"caps": []}}))
    uri = (tmp_path / "vm.xml").as_uri()
    vscode.text_document_did_open(T.DidOpenTextDocumentParams(T.TextDocumentItem(uri, "xml", 1, DOMAIN)))
    assert [d.code for d in await pushed(vscode, uri, ["VL302"])] == ["VL302"]
    # the caps file now allows ide, but keeps its modification time: only an event can tell the server
    stat = caps.stat()
    caps.write_text(caps.read_text().replace("<value>sata</value>", "<value>sata</value><value>ide</value>"))
    os.utime(caps, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    unrelated = tmp_path / "notes.xml"
    unrelated.write_text("<notes/>")
    vscode.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
        [T.FileEvent(unrelated.as_uri(), T.FileChangeType.Changed), T.FileEvent(uri, T.FileChangeType.Changed)]))
    await asyncio.sleep(0.3)
    vscode.text_document_did_save(T.DidSaveTextDocumentParams(T.TextDocumentIdentifier(uri)))
    assert [d.code for d in await pushed(vscode, uri, ["VL302"])] == ["VL302"]  # nothing was reloaded
    vscode.workspace_did_change_watched_files(T.DidChangeWatchedFilesParams(
        [T.FileEvent(caps.as_uri(), T.FileChangeType.Changed)]))
    assert await pushed(vscode, uri, []) == []
