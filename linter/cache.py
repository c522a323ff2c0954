"""The result cache: an unchanged file checked the same way again costs a read and a hash.

Like ruff's, it lives in ``.virtlint_cache/`` beside the configuration file (or in the working folder), or where
``cache-dir`` in the configuration or ``VIRTLINT_CACHE_DIR`` says; ``--no-cache`` turns it off. A run's key
covers everything that decides a file's findings except the file itself:

* virtlint's own code: a hash of the bytes of every source file of ``virtlint.linter`` and ``virtlint.rules``
  (so an editable install invalidates the cache on every edit), and its version;
* the capabilities documents and the hosts' `virsh capabilities` documents (their text), the libvirt version
  the checks model, and the configuration that selects and grades rules (select, ignore, severity overrides,
  per-file ignores);
* libvirt's schema files (name, size and modification time of each) and whether the structure is checked, and
  likewise libvirt's CPU map files (linter/cpu_map.py).

Inside one run key, a file's entry is keyed by its path and a BLAKE2b hash of its bytes. Entries are JSON (a
cache in a checked-out repository must not be able to run code, so no pickle). Writes go through a temporary
file and a rename, so concurrent runs never see a torn file (the last writer wins; the loser's new entries
are simply computed again next time). Pruning: one entry per path (the newest bytes), at most MAX_ENTRIES per
run key, and at most MAX_RUN_KEYS run keys (least recently used go first). Files with internal errors or
unreadable files are never cached; ``--connect``, ``--fix`` and ``--diff`` bypass the cache.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Sequence

from virtlint import __version__
from virtlint.linter.caps import DomainCaps, Evidence
from virtlint.linter.document import Position
from virtlint.linter.fixes import Applicability, ResolvedFix, TextEdit
from virtlint.linter.hashing import blake2b
from virtlint.linter.model import FileReport, Finding, Severity

if TYPE_CHECKING:
    from virtlint.linter.project import Project

DEFAULT_DIR = ".virtlint_cache"
#: Entries kept per run key (one per path).
MAX_ENTRIES = 200_000
#: Run keys kept (configurations, caps sets, virtlint versions) per cache folder.
MAX_RUN_KEYS = 16
#: Bumped when the entry format changes.
FORMAT = 1

#: What checking one file yields (runner.Outcome): its report (None when skipped), why it could not be read,
#: internal errors, and what fixing did (diff, written, fixes applied: never, with the cache).
Outcome = tuple[FileReport | None, tuple[str, str] | None, list[tuple[str, str, str]], str | None, bool, int]

_code_digest: str | None = None


def code_digest() -> str:
    """A hash of virtlint's own sources (linter and rules), computed once per process."""
    global _code_digest
    if _code_digest is None:
        from importlib.util import find_spec

        # the folders from the import system, not by importing the packages: importing virtlint.rules
        # registers every rule, which a run answered from the cache never needs
        folders = []
        for package in ("virtlint.linter", "virtlint.rules"):
            spec = find_spec(package)
            assert spec is not None and spec.origin is not None
            folders.append(os.path.dirname(os.path.abspath(spec.origin)))
        _code_digest = sources_digest(folders)
    return _code_digest


def sources_digest(folders: Iterable[str]) -> str:
    """A hash of the version and of every Python source in the folders (names and bytes)."""
    digest = blake2b(__version__.encode(), digest_size=16)
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as handle:
                    digest.update(name.encode() + b"\0" + handle.read() + b"\0")
    return digest.hexdigest()


def schema_stamp(directory: str | None, suffix: str = ".rng") -> list[tuple[str, int, int]]:
    """(name, size, mtime_ns) of every schema file (or CPU map file, suffix '.xml'): what they give changes only
    when one of them does."""
    if directory is None:
        return []
    stamp = []
    for name in sorted(os.listdir(directory)):
        if name.endswith(suffix):
            info = os.stat(os.path.join(directory, name))
            stamp.append((name, info.st_size, info.st_mtime_ns))
    return stamp


def run_key(caps: Sequence[DomainCaps], select: Iterable[str], ignore: Iterable[str], severity: dict[str, str],
            per_file_ignores: dict[str, list[str]], schema_dir: str | None, structure: bool,
            extra: Iterable[str] = ()) -> str:
    """The key of everything but the file that decides a file's findings."""
    import json

    digest = blake2b(digest_size=16)
    for document in caps:
        digest.update(blake2b(document.document.text.encode("utf-8", "surrogatepass")).digest())
    digest.update(json.dumps([FORMAT, code_digest(), sorted(select), sorted(ignore), sorted(severity.items()),
                              sorted(per_file_ignores.items()), schema_stamp(schema_dir), structure,
                              list(extra)]).encode())
    return digest.hexdigest()


def digest_of(data: bytes) -> str:
    """What a file's entry is keyed by besides its path: a hash of its bytes."""
    return blake2b(data, digest_size=20).hexdigest()


def _position(position: Position) -> list[int]:
    return [position.line, position.column, position.utf16]


def _finding_to_json(finding: Finding) -> list[object]:
    evidence = finding.evidence
    return [finding.path, _position(finding.start), _position(finding.end), finding.severity.value, finding.code,
            finding.rule, finding.message, finding.hint,
            None if evidence is None else [evidence.path, _position(evidence.start), _position(evidence.end),
                                           evidence.label],
            None if finding.offsets is None else list(finding.offsets),
            [[fix.title, [[edit.start, edit.end, edit.text] for edit in fix.edits], fix.applicability.value]
             for fix in finding.fixes]]


def _finding_from_json(row: list) -> Finding:
    path, start, end, severity, code, rule, message, hint, evidence, offsets, fixes = row
    return Finding(path, Position(*start), Position(*end), Severity(severity), code, rule, message, hint,
                   None if evidence is None else Evidence(evidence[0], Position(*evidence[1]),
                                                          Position(*evidence[2]), evidence[3]),
                   tuple(ResolvedFix(title, tuple(TextEdit(*edit) for edit in edits), Applicability(applicability))
                         for title, edits, applicability in fixes),
                   None if offsets is None else (offsets[0], offsets[1]))


def outcome_to_json(outcome: Outcome) -> list[object] | None:
    """A cacheable outcome as JSON data; None for what must not be cached (unreadable, internal errors, fixes)."""
    report, input_error, internal_errors, diff, written, applied = outcome
    if input_error is not None or internal_errors or diff is not None or written or applied:
        return None
    if report is None:
        return [None]
    return [[report.path, [_finding_to_json(f) for f in report.findings],
             [[line, text] for line, text in report.lines.items()], report.caps_path]]


def outcome_from_json(data: list) -> Outcome:
    if data[0] is None:
        return None, None, [], None, False, 0
    path, findings, lines, caps_path = data[0]
    report = FileReport(path, [_finding_from_json(row) for row in findings], {line: text for line, text in lines},
                        caps_path)
    return report, None, [], None, False, 0


class ResultCache:
    """One run's view of the cache: the entries of its run key, read once and written once."""

    def __init__(self, folder: str, key: str) -> None:
        #: the cache's top folder (.virtlint_cache); entries live in a subfolder per entry format
        self.top = folder
        self.folder = os.path.join(folder, f"v{FORMAT}")
        self.path = os.path.join(self.folder, f"{key}.json")
        self._entries: dict[str, list] | None = None
        #: path -> digest of the bytes read this run (for misses, to store their outcome under)
        self._digests: dict[str, str] = {}
        self._new: dict[str, list] = {}

    def _load(self) -> dict[str, list]:
        if self._entries is None:
            import json

            try:
                with open(self.path, "rb") as handle:
                    data = json.loads(handle.read())
                entries = data["entries"] if data.get("format") == FORMAT else {}
                self._entries = entries if isinstance(entries, dict) else {}
            except (OSError, ValueError, TypeError, KeyError, AttributeError):
                self._entries = {}  # absent, torn by a crash, or from another version: start afresh
        return self._entries

    def known(self, path: str) -> bool:
        """Whether the cache holds an entry for this path (with any bytes): without one, its bytes need not be
        read here (the worker that lints the file hashes what it read)."""
        return path in self._load()

    def lookup(self, path: str, data: bytes) -> Outcome | None:
        """The cached outcome of this path with these bytes, if any."""
        digest = digest_of(data)
        self._digests[path] = digest
        entry = self._load().get(path)
        if entry is None or entry[0] != digest:
            return None
        try:
            return outcome_from_json(entry[1])
        except (TypeError, ValueError, IndexError, KeyError):
            return None

    def store(self, path: str, outcome: Outcome, digest: str | None = None) -> None:
        """Keep an outcome for the bytes it was computed from: their ``digest_of``, or those given to lookup."""
        digest = digest or self._digests.get(path)
        data = outcome_to_json(outcome)
        if digest is not None and data is not None:
            self._new[path] = [digest, data]

    def save(self) -> None:
        """Merge this run's new entries into the file, atomically; a failure to write is not an error."""
        if not self._new:
            self._touch()
            return
        import json

        try:
            os.makedirs(self.folder, exist_ok=True)
            _mark(self.top)
            self._entries = None  # re-read: another run may have written since
            entries = dict(self._load())
            entries.update(self._new)
            if len(entries) > MAX_ENTRIES:
                for stale in list(entries)[: len(entries) - MAX_ENTRIES]:
                    del entries[stale]
            # a name no other writer uses (not tempfile: its import costs more than this whole hit path)
            temporary = os.path.join(self.folder, f".tmp-{os.getpid()}-{id(self)}-{_now_ns()}.json")
            # one string, written at once: json.dump writes every token separately (10,000 entries: ~100 ms)
            text = json.dumps({"format": FORMAT, "entries": entries}, separators=(",", ":"))
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    out.write(text)
                os.replace(temporary, self.path)
            except BaseException:
                if os.path.exists(temporary):
                    os.unlink(temporary)
                raise
            _prune(self.folder)
        except OSError:
            pass  # a read-only checkout: run uncached

    def _touch(self) -> None:
        """Mark the run key as used (pruning keeps the most recently used keys)."""
        try:
            os.utime(self.path)
        except OSError:
            pass


def _mark(folder: str) -> None:
    """Tell git and backup tools to leave the cache alone, as ruff does."""
    for name, text in ((".gitignore", "# Automatically created by virtlint.\n*\n"),
                       ("CACHEDIR.TAG", "Signature: 8a477f597d28d172789f06886806bc55\n"
                                        "# This file is a cache directory tag created by virtlint.\n")):
        target = os.path.join(folder, name)
        if not os.path.exists(target):
            try:
                with open(target, "x", encoding="utf-8") as out:
                    out.write(text)
            except OSError:
                pass


def _prune(folder: str) -> None:
    """Keep the MAX_RUN_KEYS most recently used run keys."""
    try:
        found = [entry for entry in os.scandir(folder) if entry.name.endswith(".json") and
                 not entry.name.startswith(".")]
        found.sort(key=lambda entry: entry.stat().st_mtime_ns, reverse=True)
        for stale in found[MAX_RUN_KEYS:]:
            os.unlink(stale.path)
        for entry in os.scandir(folder):  # temporary files of runs that crashed long ago
            if entry.name.startswith(".tmp-") and entry.stat().st_mtime < _now() - 3600:
                os.unlink(entry.path)
    except OSError:
        pass


def _now() -> float:
    import time

    return time.time()


def _now_ns() -> int:
    import time

    return time.monotonic_ns()


def open_cache(project: Project) -> ResultCache | None:
    """The cache of a `virtlint check` run of this project; None when results must not be reused (the
    schemas are missing: the note saying so comes from loading them)."""
    from virtlint.linter.schema import find_schema_dir

    settings = project.settings
    schema_dir = None
    if settings.structure:
        found = find_schema_dir(settings.schemas)
        if found is None:
            return None
        schema_dir = os.fspath(found)
    hosts = [blake2b(host.document.text.encode("utf-8", "surrogatepass")).hexdigest()
             for host in project.hosts()]
    from virtlint.linter.cpu_map import find_cpu_map_dir

    cpu_map = find_cpu_map_dir(settings.schemas)
    key = run_key(project.caps(), settings.select, settings.ignore, settings.severity,
                  settings.config.per_file_ignores, schema_dir, settings.structure,
                  extra=["strict" if settings.strict_schema else "table", repr(settings.libvirt_version), *hosts,
                         repr((cpu_map, schema_stamp(cpu_map, ".xml")))])
    config = settings.config
    return ResultCache(cache_folder(config.cache_dir, os.fspath(config.source) if config.source else None), key)


def cache_folder(configured: str | None, config_source: str | None) -> str:
    """Where the cache lives: VIRTLINT_CACHE_DIR, else ``cache-dir`` from the configuration, else
    ``.virtlint_cache`` beside the configuration file or in the working folder."""
    folder = os.environ.get("VIRTLINT_CACHE_DIR") or configured
    if not folder:
        base = os.path.dirname(config_source) if config_source else os.getcwd()
        folder = os.path.join(base, DEFAULT_DIR)
    return folder
