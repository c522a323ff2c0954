"""The virtlint language server (pygls 2): diagnostics, hovers, completions and quick fixes.

Every answer comes from the engine (`Linter.lint_document`), the capability
model and the rules' published vocabulary; the server holds no rule logic.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types as T
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path

from virtlint import __version__
from virtlint.linter import vocabulary
from virtlint.linter.caps import Availability, CapsError
from virtlint.linter.config import CONFIG_NAMES, ConfigError
from virtlint.linter.document import MAX_FILE_BYTES, Document
from virtlint.linter.engine import Linter, LintResult, get_rule
from virtlint.linter.fixes import ResolvedFix, TextEdit
from virtlint.linter.model import Finding, Severity
from virtlint.linter.project import CapsCache, Overrides, Project, folder_for
from virtlint.linter.ruledocs import rule_markdown
from virtlint.linter.project import starts_with_domain as _starts_with_domain
from virtlint.linter.runner import FixOptions, fix_document
from virtlint.lsp.context import cursor_at
from virtlint.lsp.positions import from_lsp, has_bom, to_range

log = logging.getLogger("virtlint.lsp")

SEVERITY = {
    Severity.ERROR: T.DiagnosticSeverity.Error,
    Severity.WARNING: T.DiagnosticSeverity.Warning,
    Severity.INFO: T.DiagnosticSeverity.Information,
}
NO_CAPS = ("virtlint: no host capabilities configured, so nothing was checked. Set `virtlint.caps` in the "
           "editor settings, or `caps = [\"host-caps.xml\"]` in a virtlint.toml beside your domain XML "
           "(the file is the output of `virsh domcapabilities`).")
#: The code action kind that applies every safe fix (editor.codeActionsOnSave: {"source.fixAll.virtlint": ...}).
FIX_ALL = "source.fixAll.virtlint"


@dataclass(slots=True)
class DocumentState:
    version: int | None = None
    #: The last parse that succeeded, kept for hovers while the text is malformed.
    good: Document | None = None
    #: The buffer starts with a byte order mark (the Document has dropped it).
    bom: bool = False
    result: LintResult | None = None
    diagnostics: list[T.Diagnostic] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    linted_version: int | None = -1


class VirtlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("virtlint", __version__, text_document_sync_kind=T.TextDocumentSyncKind.Incremental)
        #: The client's `virtlint` settings, layered over each folder's configuration by the project model.
        self.editor_settings: dict[str, Any] = {}
        #: Settings the client gave for one workspace folder (multi-root): folder path -> settings.
        self.folder_settings: dict[str, dict[str, Any]] = {}
        #: Counts the settings the client pushed: a pull answered after a newer push is stale and dropped.
        self.settings_pushed = 0
        #: Every caps file or folder the documents were checked against, to tell relevant file events.
        self.caps_sources_seen: set[str] = set()
        self.debounce = 0.15
        self.states: dict[str, DocumentState] = {}
        self.pending: dict[str, asyncio.Task[None]] = {}
        #: uri -> when it last changed (monotonic seconds), to tell the first change after a pause from a burst
        self.last_change: dict[str, float] = {}
        self._caps_cache = CapsCache(watch=True)
        self._projects: dict[tuple[str, str | None], Project] = {}

    # -- configuration ------------------------------------------------------

    def apply_settings(self, settings: Any, folder: str | None = None) -> bool:
        """Settings from the client; ``folder``: they were pulled for that workspace folder only.
        Returns whether they differ from those in effect."""
        if not isinstance(settings, dict):
            return False
        if folder is not None:
            changed = self.folder_settings.get(folder) != settings
            self.folder_settings[folder] = settings
            return changed
        changed = self.editor_settings != settings
        self.editor_settings = settings
        debounce = settings.get("debounce")
        if isinstance(debounce, (int, float)) and debounce >= 0:
            self.debounce = debounce / 1000
        return changed

    @property
    def client_pulls(self) -> bool:
        text_document = self.client_capabilities.text_document
        return bool(text_document and text_document.diagnostic)

    @property
    def encoding(self) -> str:
        return self.workspace.position_encoding or T.PositionEncodingKind.Utf16

    def workspace_root(self) -> Path | None:
        folders = self.workspace.folders
        if folders:
            path = to_fs_path(next(iter(folders.values())).uri)
            return Path(path) if path else None
        root = self.workspace.root_path
        return Path(root) if root else None

    def project_for(self, uri: str) -> Project:
        """The project model for a document: the configuration found from its folder, the editor settings
        on top, their relative paths taken from the document's own workspace folder (multi-root)."""
        path = to_fs_path(uri) or ""
        folder = os.path.dirname(path) if path else os.getcwd()
        folders = [p for p in (to_fs_path(f.uri) for f in self.workspace.folders.values()) if p]
        root = self.workspace_root()
        base = folder_for(path, folders) if path else None
        base = base or (str(root) if root else None)
        key = (folder, base)
        project = self._projects.get(key)
        if project is None:
            settings = self.folder_settings.get(base, self.editor_settings) if base else self.editor_settings
            project = Project(folder, Overrides.from_editor(settings, base), caps_cache=self._caps_cache)
            self._projects[key] = project
        return project

    def affects_caps(self, path: str) -> bool:
        """Whether a changed file is configuration or capabilities the documents are checked against."""
        if os.path.basename(path) in CONFIG_NAMES:
            return True
        path = os.path.abspath(path)
        return any(path == source or path.startswith(source.rstrip(os.sep) + os.sep)
                   for source in self.caps_sources_seen)

    def linter_for(self, uri: str) -> tuple[Linter | None, list[str]]:
        """The project's linter for the document, or (None, why not)."""
        try:
            project = self.project_for(uri)
            if not project.settings.caps:
                return None, []
            self.caps_sources_seen.update(os.path.abspath(source) for source in project.settings.caps)
            project.caps()
        except (ConfigError, CapsError) as err:
            return None, [str(err)]
        except OSError as err:
            return None, [f"{err.filename}: {err.strerror or err}"]
        return project.linter_for(to_fs_path(uri) or uri), []

    def forget_caps(self) -> None:
        self._caps_cache.clear()
        self._projects.clear()
        for state in self.states.values():
            state.linted_version = -1

    # -- linting --------------------------------------------------------------

    def lint(self, uri: str) -> list[T.Diagnostic]:
        """Diagnostics for the document's current text (cached per version)."""
        text_document = self.workspace.get_text_document(uri)
        state = self.states.setdefault(uri, DocumentState())
        if state.linted_version == text_document.version and state.linted_version is not None:
            return state.diagnostics
        state.linted_version = text_document.version
        state.diagnostics, state.findings = self._lint_text(uri, text_document.source, state)
        return state.diagnostics

    def _lint_text(self, uri: str, text: str, state: DocumentState) -> tuple[list[T.Diagnostic], list[Finding]]:
        path = to_fs_path(uri) or uri
        if len(text) > MAX_FILE_BYTES:
            if not _starts_with_domain(text[:4096]):
                return [], []
            message = f"virtlint: the document is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; not checked"
            return [T.Diagnostic(T.Range(T.Position(0, 0), T.Position(0, 0)), message,
                                 severity=T.DiagnosticSeverity.Warning, source="virtlint")], []
        document = Document(text, path)
        state.bom = has_bom(text)
        if document.root is None:
            # malformed: only a <domain> gets its one parse diagnostic
            if not _starts_with_domain(document.text):
                return [], []
        elif document.root_name != "domain":
            return [], []
        else:
            state.good = document
        linter, problems = self.linter_for(uri)
        if linter is None:
            message = NO_CAPS if not problems else "virtlint: the configured capabilities cannot be used: " + \
                "; ".join(problems)
            severity = T.DiagnosticSeverity.Information if not problems else T.DiagnosticSeverity.Warning
            if problems:  # (a caps file caught mid-write, say): the next lint of this version tries again
                state.linted_version = None
            span = document.name_span(document.root) if document.root is not None else None
            start, end = (span.start, span.end) if span else (0, 0)
            return [T.Diagnostic(to_range(document, start, end, self.encoding, state.bom), message,
                                 severity=severity, source="virtlint")], []
        result = linter.lint_document(document)
        state.result = result if document.root is not None else state.result
        for code, message in result.internal_errors:
            self.window_log_message(T.LogMessageParams(T.MessageType.Error,
                                                       f"virtlint: rule {code} failed on {uri}: {message}"))
        return [self._diagnostic(document, finding, state.bom) for finding in result.findings], result.findings

    def _diagnostic(self, document: Document, finding: Finding, bom: bool) -> T.Diagnostic:
        start, end = finding.offsets if finding.offsets else (0, 0)
        related = None
        if finding.evidence is not None:
            evidence = finding.evidence
            related = [T.DiagnosticRelatedInformation(
                T.Location(from_fs_path(os.path.abspath(evidence.path)) or evidence.path,
                           T.Range(T.Position(evidence.start.line, evidence.start.utf16),
                                   T.Position(evidence.end.line, evidence.end.utf16))),
                f"host capabilities: {evidence.label}")]
        message = finding.message + (f"\nhint: {finding.hint}" if finding.hint else "")
        return T.Diagnostic(
            range=to_range(document, start, end, self.encoding, bom),
            message=message,
            severity=SEVERITY[finding.severity],
            code=finding.code,
            source="virtlint",
            related_information=related,
        )

    def publish(self, uri: str) -> None:
        """Push diagnostics, unless the client pulls them (then doing both would show each twice)."""
        if uri not in self.states and uri not in self.workspace.text_documents:
            return
        if self.client_pulls:
            return
        diagnostics = self.lint(uri)
        version = self.workspace.get_text_document(uri).version
        self.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri, diagnostics, version))

    def changed(self, uri: str, now: float | None = None) -> float:
        """Debounce an edit, leading edge then trailing: the first change after a pause of ``debounce`` is
        linted at once; changes that follow it within the pause are linted once, when the typing pauses.
        Returns the delay chosen."""
        now = time.monotonic() if now is None else now
        last = self.last_change.get(uri)
        self.last_change[uri] = now
        paused = last is None or now - last >= self.debounce
        delay = 0.0 if paused and uri not in self.pending else self.debounce
        self.schedule(uri, delay)
        return delay

    def schedule(self, uri: str, delay: float) -> None:
        """Re-lint after the typing pauses; a newer change cancels the older pending one."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()

        async def later() -> None:
            try:
                if delay:
                    await asyncio.sleep(delay)
                self.publish(uri)
            except asyncio.CancelledError:
                pass
            except Exception:  # never let one document take the server down
                log.exception("linting %s failed", uri)
            finally:
                if self.pending.get(uri) is task:
                    del self.pending[uri]

        task = asyncio.ensure_future(later())
        self.pending[uri] = task

    def refresh_all(self) -> None:
        self.forget_caps()
        if self.client_pulls:
            refresh = self.client_capabilities.workspace
            if refresh and refresh.diagnostics and refresh.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in list(self.workspace.text_documents):
            self.schedule(uri, 0)

    # -- hovers, completions, code actions ---------------------------------------

    def hover(self, uri: str, position: T.Position) -> T.Hover | None:
        state = self.states.get(uri)
        if state is None or state.good is None or state.result is None or state.result.caps is None:
            return None
        document, caps = state.good, state.result.caps
        offset = from_lsp(document, position, self.encoding, state.bom)
        target = _element_at(document, offset)
        if target is None:
            return None
        element, attribute, span = target
        # While the text is malformed the last good parse answers, but only where the text has not
        # changed since: past the first edit its positions would point at other text.
        current = self.workspace.get_text_document(uri).source
        if state.bom:
            current = current[1:]
        if current != document.text and span[1] >= _common_prefix(current, document.text):
            return None
        path = _path(element)
        found = vocabulary.allowed(caps, path, attribute, element)
        # the documentation of the rules reported here travels with the package
        lines = [rule_markdown(rule) + "\n" for rule in _rules_at(state.findings, span)]
        if not found and not lines:
            return None
        where = f"`{attribute}`" if attribute else f"`<{element.tag}>`"
        for label, allowed in found:
            lines.append(f"**{label}** ({where}) on these capabilities ({caps.identity}):")
            lines.append(f"- allowed: {_describe(allowed)}")
            current = element.get(attribute) if attribute else (element.text or "").strip()
            detail = next((c.detail for c in allowed.choices if c.value == current and c.detail), None)
            if detail:
                lines.append(f"- `{current}`: {detail}")
            if allowed.answer.evidence is not None:
                evidence = allowed.answer.evidence
                lines.append(f"- from `{evidence.label}` at {os.path.basename(evidence.path)}:{evidence.start.line + 1}")
        return T.Hover(T.MarkupContent(T.MarkupKind.Markdown, "\n".join(lines)),
                       to_range(document, span[0], span[1], self.encoding, state.bom))

    def complete(self, uri: str, position: T.Position) -> T.CompletionList | None:
        source = self.workspace.get_text_document(uri).source
        current = Document(source, uri)  # may be half-typed
        bom = has_bom(source)
        offset = from_lsp(current, position, self.encoding, bom)
        cursor = cursor_at(current.text, offset)
        state = self.states.get(uri)
        if cursor is None or cursor.root_name.split(":")[-1] != "domain":
            return None
        caps = state.result.caps if state and state.result else None
        if caps is None:
            linter, _ = self.linter_for(uri)
            caps = linter.caps[0] if linter and len(linter.caps) == 1 else None
        if caps is None:
            return None
        items: list[T.CompletionItem] = []
        edit_range = to_range(current, cursor.start, cursor.end, self.encoding, bom)
        for label, allowed in vocabulary.allowed(caps, cursor.path, cursor.attribute, cursor.element):
            for rank, choice in enumerate(allowed.choices):
                items.append(T.CompletionItem(
                    label=choice.value,
                    kind=T.CompletionItemKind.EnumMember,
                    detail=f"{label}" + (f" ({choice.detail})" if choice.detail else ""),
                    sort_text=f"{0 if choice.preferred else 1}{rank:04d}",
                    text_edit=T.TextEdit(edit_range, choice.value),
                    tags=[T.CompletionItemTag.Deprecated] if choice.deprecated else None,
                ))
        return T.CompletionList(is_incomplete=False, items=items)

    def code_actions(self, uri: str, wanted: T.Range, only: list[str] | None = None) -> list[T.CodeAction]:
        """Quick fixes and suppressions for the findings in range; "fix all" when a source action is asked for."""
        self.lint(uri)
        state = self.states.get(uri)
        if state is None:
            return []
        text_document = self.workspace.get_text_document(uri)
        document = Document(text_document.source, uri)
        edits = _Edits(self, uri, text_document.version, document, state.bom)
        actions: list[T.CodeAction] = []
        if _wants(only, T.CodeActionKind.QuickFix):
            for finding, diagnostic in zip(state.findings, state.diagnostics):
                if _overlaps(diagnostic.range, wanted):
                    actions += self._finding_actions(finding, diagnostic, document, edits)
        if only and any(_wants([kind], FIX_ALL) for kind in only):
            fixed = self.fix_all(uri, document)
            if fixed is not None:
                actions.append(T.CodeAction(title="virtlint: fix all safely fixable problems", kind=FIX_ALL,
                                            edit=edits.workspace_edit([_whole_change(document.text, fixed)])))
        return actions

    def _finding_actions(self, finding: Finding, diagnostic: T.Diagnostic, document: Document,
                         edits: _Edits) -> list[T.CodeAction]:
        actions = [
            T.CodeAction(title=f"{fix.title} ({finding.code})", kind=T.CodeActionKind.QuickFix,
                         diagnostics=[diagnostic], is_preferred=index == 0 and _is_safe(fix),
                         edit=edits.workspace_edit(list(fix.edits)))
            for index, fix in enumerate(finding.fixes)
        ]
        if document.root is None or finding.offsets is None:
            return actions  # nothing to attach a comment to
        element = _innermost_element(document, finding.offsets[0])
        if element is None:
            element = document.root
        for title, directive, target in (
            (f"Disable {finding.code} for this element", "disable", element),
            (f"Disable {finding.code} for this file", "disable-file", document.root),
        ):
            comment = _comment_before(document, target, f"<!-- virtlint: {directive}={finding.code} -->")
            if comment is not None:
                actions.append(T.CodeAction(title=title, kind=T.CodeActionKind.QuickFix, diagnostics=[diagnostic],
                                            edit=edits.workspace_edit([comment])))
        return actions

    def fix_all(self, uri: str, document: Document) -> str | None:
        """The text with every safe fix applied, pass after pass (as `virtlint check --fix`); None: no change."""
        linter, _ = self.linter_for(uri)
        if linter is None or document.root is None:
            return None
        result = linter.lint_document(document)
        fixed, _, _, applied = fix_document(document, linter, result, FixOptions(write=True))
        return fixed.text if applied else None


class _Edits:
    """Text edits of one document version as a workspace edit the client can check against its version."""

    def __init__(self, server: VirtlintServer, uri: str, version: int | None, document: Document, bom: bool):
        self.server, self.uri, self.version, self.document, self.bom = server, uri, version, document, bom

    def workspace_edit(self, edits: list[TextEdit]) -> T.WorkspaceEdit:
        lsp_edits = [T.TextEdit(to_range(self.document, e.start, e.end, self.server.encoding, self.bom), e.text)
                     for e in edits]
        capabilities = self.server.client_capabilities.workspace
        versioned = capabilities and capabilities.workspace_edit and capabilities.workspace_edit.document_changes
        if versioned:
            identifier = T.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.version)
            return T.WorkspaceEdit(document_changes=[T.TextDocumentEdit(identifier, lsp_edits)])
        return T.WorkspaceEdit(changes={self.uri: lsp_edits})


def _wants(only: list[str] | None, kind: str) -> bool:
    """Whether a code action of ``kind`` was asked for (LSP kinds are hierarchical: 'source' asks for all)."""
    return not only or any(kind == wanted or kind.startswith(wanted + ".") for wanted in only)


def _is_safe(fix: ResolvedFix) -> bool:
    """Safe fixes keep what the VM is; only they are applied without the user choosing each."""
    return fix.safe


def _whole_change(old: str, new: str) -> TextEdit:
    """One edit turning ``old`` into ``new``: the span between their common prefix and suffix."""
    start = _common_prefix(old, new)
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    return TextEdit(start, end_old, new[start:end_new])


def _common_prefix(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))


def _innermost_element(document: Document, offset: int):
    """The deepest element whose extent holds the offset."""
    found = None
    for element in document.elements():
        span = document.element_span(element)
        if span is not None and span.start <= offset < max(span.end, span.start + 1):
            found = element
    return found


def _comment_before(document: Document, element, comment: str) -> TextEdit | None:
    """An edit putting a comment before the element's start tag: on a line of its own when the tag starts one."""
    tag = document.tag_span(element)
    if tag is None:
        return None
    text = document.text
    line_start = text.rfind("\n", 0, tag.start) + 1
    indent = text[line_start:tag.start]
    if indent.strip():
        return TextEdit(tag.start, tag.start, comment)
    return TextEdit(line_start, line_start, f"{indent}{comment}{document.newline()}")


def _rules_at(findings: list[Finding], span: tuple[int, int]) -> list[type]:
    """The rules of the findings whose range overlaps the span, once each."""
    rules: dict[str, type] = {}
    for finding in findings:
        if finding.offsets and finding.offsets[0] <= span[1] and span[0] <= finding.offsets[1]:
            rule = get_rule(finding.code)
            if rule is not None:
                rules.setdefault(finding.code, rule)
    return list(rules.values())


def _overlaps(a: T.Range, b: T.Range) -> bool:
    def key(p: T.Position) -> tuple[int, int]:
        return p.line, p.character

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)


def _path(element) -> str:
    parts = []
    while element.getparent() is not None:
        parts.append(element.tag)
        element = element.getparent()
    return "/".join(reversed(parts))


def _element_at(document: Document, offset: int):
    """(element, attribute or None, span) under the offset: an attribute value, a tag name, or text."""
    best = None
    for element in document.elements():
        tag = document.tag_span(element)
        if tag is None or tag.start > offset:
            continue
        if offset <= tag.end:
            for name in element.attrib:
                span = document.attr_span(element, name)
                if span and span.start <= offset <= span.end:
                    return element, name, (span.start, span.end)
            name_span = document.name_span(element)
            if name_span is not None:
                best = (element, None, (name_span.start, name_span.end))
        text = document.text_span(element)
        if text and text.start <= offset <= text.end:
            best = (element, None, (text.start, text.end))
    return best


def _describe(allowed: vocabulary.Allowed) -> str:
    answer = allowed.answer
    if answer.availability is Availability.UNKNOWN:
        return "not reported by these capabilities (unknown, not checked)"
    if answer.availability is Availability.UNSUPPORTED:
        return "not supported (`supported='no'`)"
    if not answer.values:
        return "no value is allowed (empty enum)"
    shown = ", ".join(answer.values[:25]) + (f", ... ({len(answer.values)} in all)" if len(answer.values) > 25 else "")
    return shown


server = VirtlintServer()


@server.feature(T.INITIALIZE)
def initialize(ls: VirtlintServer, params: T.InitializeParams) -> None:
    options = params.initialization_options
    if isinstance(options, dict):
        ls.apply_settings(options.get("virtlint", options))


@server.feature(T.INITIALIZED)
async def initialized(ls: VirtlintServer, params: T.InitializedParams) -> None:
    if await _pull_configuration(ls):
        # a document opened and linted (or pulled) before the answer came was checked without its settings
        ls.refresh_all()
    workspace = ls.client_capabilities.workspace
    if workspace and workspace.did_change_watched_files and workspace.did_change_watched_files.dynamic_registration:
        watchers = [T.FileSystemWatcher(glob) for glob in ("**/*.xml", "**/virtlint.toml", "**/pyproject.toml")]
        registration = T.Registration("virtlint-watch", T.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                      T.DidChangeWatchedFilesRegistrationOptions(watchers))
        try:  # caps files are also re-read when their modification time changes
            await asyncio.wait_for(ls.client_register_capability_async(T.RegistrationParams([registration])), 5)
        except Exception:
            log.debug("the client did not accept the file watcher", exc_info=True)


async def _pull_configuration(ls: VirtlintServer) -> bool:
    """Ask the client for the settings, once for the window and once per workspace folder; True if the answer
    changed them. An answer overtaken by settings the client pushed meanwhile is stale: dropped."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return False
    folders = list(ls.workspace.folders.values())
    items = [T.ConfigurationItem(section="virtlint")] + [
        T.ConfigurationItem(scope_uri=folder.uri, section="virtlint") for folder in folders]
    pushed_before = ls.settings_pushed
    try:
        settings = await asyncio.wait_for(ls.workspace_configuration_async(T.ConfigurationParams(items)), timeout=5)
    except Exception:  # a client that cannot answer keeps the initialization options
        return False
    if not settings or ls.settings_pushed != pushed_before:
        return False
    changed = ls.apply_settings(settings[0])
    for folder, folder_settings in zip(folders, settings[1:]):
        path = to_fs_path(folder.uri)
        if path:
            changed = ls.apply_settings(folder_settings, folder=str(Path(path))) or changed
    return changed


@server.feature(T.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: VirtlintServer, params: T.DidChangeConfigurationParams) -> None:
    settings = params.settings
    ls.settings_pushed += 1  # an answer to an earlier pull is older than this
    if isinstance(settings, dict) and isinstance(settings.get("virtlint"), dict):
        ls.apply_settings(settings["virtlint"])
    else:
        await _pull_configuration(ls)
    ls.refresh_all()


@server.feature(T.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: VirtlintServer, params: T.DidChangeWatchedFilesParams) -> None:
    # the watcher sees every XML file; only configuration and capabilities change what documents get
    if any(ls.affects_caps(path) for change in params.changes if (path := to_fs_path(change.uri))):
        ls.refresh_all()


@server.feature(T.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: VirtlintServer, params: T.DidOpenTextDocumentParams) -> None:
    ls.states[params.text_document.uri] = DocumentState()
    ls.schedule(params.text_document.uri, 0)


@server.feature(T.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: VirtlintServer, params: T.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)


@server.feature(T.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: VirtlintServer, params: T.DidSaveTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, 0)


@server.feature(T.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: VirtlintServer, params: T.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    ls.last_change.pop(uri, None)
    task = ls.pending.pop(uri, None)
    if task is not None:
        task.cancel()
    ls.states.pop(uri, None)
    if not ls.client_pulls:
        ls.text_document_publish_diagnostics(T.PublishDiagnosticsParams(uri, []))


@server.feature(T.TEXT_DOCUMENT_DIAGNOSTIC, T.DiagnosticOptions(
    identifier="virtlint", inter_file_dependencies=False, workspace_diagnostics=False))
def diagnostic(ls: VirtlintServer, params: T.DocumentDiagnosticParams) -> T.RelatedFullDocumentDiagnosticReport:
    return T.RelatedFullDocumentDiagnosticReport(items=ls.lint(params.text_document.uri))


@server.feature(T.TEXT_DOCUMENT_HOVER)
def hover(ls: VirtlintServer, params: T.HoverParams) -> T.Hover | None:
    ls.lint(params.text_document.uri)
    return ls.hover(params.text_document.uri, params.position)


@server.feature(T.TEXT_DOCUMENT_COMPLETION, T.CompletionOptions(trigger_characters=["'", '"', ">"]))
def completion(ls: VirtlintServer, params: T.CompletionParams) -> T.CompletionList | None:
    return ls.complete(params.text_document.uri, params.position)


@server.feature(T.TEXT_DOCUMENT_CODE_ACTION, T.CodeActionOptions(
    code_action_kinds=[T.CodeActionKind.QuickFix, T.CodeActionKind.SourceFixAll, FIX_ALL]))
def code_action(ls: VirtlintServer, params: T.CodeActionParams) -> list[T.CodeAction]:
    only = [str(kind) for kind in params.context.only] if params.context.only else None
    return ls.code_actions(params.text_document.uri, params.range, only)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="virtlint-lsp %(levelname)s %(message)s")
    server.start_io()
