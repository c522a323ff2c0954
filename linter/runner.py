"""One `virtlint check` run: find the files, get the capabilities, lint, fix. No output here."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator, Sequence

from lxml import etree

from virtlint.linter._record import Record
from virtlint.linter.caps import CapsError, DomainCaps
from virtlint.linter.config import Config, ignored_for
from virtlint.linter.document import MAX_FILE_BYTES, Document, InputError
from virtlint.linter.engine import Linter
from virtlint.linter.fixes import apply
from virtlint.linter.model import FileReport, Severity
from virtlint.linter.schema import DomainSchema

if TYPE_CHECKING:
    from virtlint.linter.cache import ResultCache

#: How many fix passes a run makes at most (fixes that overlapped wait for the next pass).
FIX_PASSES = 5


def caps_files(sources: Sequence[str]) -> Iterator[str]:
    """Caps files named directly, and every domcapabilities XML inside named directories."""
    for source in sources:
        if os.path.isdir(source):
            found = [str(p) for p in sorted(Path(source).rglob("*.xml")) if root_name(str(p)) == "domainCapabilities"]
            if not found:
                raise CapsError(f"{source}: no domcapabilities documents in this directory")
            yield from found
        elif os.path.exists(source):
            yield source
        else:
            raise CapsError(f"{source}: no such file or directory")


def domain_files(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """(path, named explicitly) for each file to check; directories are searched for *.xml."""
    for path in paths:
        if os.path.isdir(path):
            for found in sorted(Path(path).rglob("*.xml")):
                if found.is_file():
                    yield str(found), False
        else:
            yield path, True


def root_name(path: str) -> str | None:
    """The local name of a file's root element, read without parsing the whole file."""
    try:
        for _, element in etree.iterparse(path, events=("start",), resolve_entities=False, no_network=True,
                                          load_dtd=False, huge_tree=False):
            return etree.QName(element).localname
    except (etree.XMLSyntaxError, OSError, ValueError):
        return None
    return None


class Run(Record):
    reports: list[FileReport]
    #: Files that could not be read at all: (path, reason).
    input_errors: list[tuple[str, str]]
    #: Rules that raised: (path, code, message).
    internal_errors: list[tuple[str, str, str]]
    #: Unified diffs of the fixes (with --diff), or the files rewritten (with --fix).
    diffs: list[str]
    fixed_files: list[str]

    __slots__ = ("reports", "input_errors", "internal_errors", "diffs", "fixed_files")
    _fields = __slots__

    def __init__(
        self,
        reports: list[FileReport] | None = None,
        input_errors: list[tuple[str, str]] | None = None,
        internal_errors: list[tuple[str, str, str]] | None = None,
        diffs: list[str] | None = None,
        fixed_files: list[str] | None = None,
    ) -> None:
        self.reports = [] if reports is None else reports
        self.input_errors = [] if input_errors is None else input_errors
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.diffs = [] if diffs is None else diffs
        self.fixed_files = [] if fixed_files is None else fixed_files


class Checker(Record):
    """Lints documents with the right linter, from static caps or a live host."""

    caps: list[DomainCaps]
    config: Config
    select: list[str]
    ignore: list[str]
    live: Callable[[Document], DomainCaps] | None
    schema: DomainSchema | None
    #: Say once per run (VL900) that the structure was not checked.
    report_missing_schema: bool
    #: Build fixes (only --fix and --diff apply them; `check` sets this).
    with_fixes: bool
    _linters: dict[object, Linter]

    __slots__ = (
        "caps",
        "config",
        "select",
        "ignore",
        "live",
        "schema",
        "report_missing_schema",
        "with_fixes",
        "_linters",
    )
    _fields = __slots__

    def __init__(
        self,
        caps: list[DomainCaps],
        config: Config,
        select: list[str],
        ignore: list[str],
        live: Callable[[Document], DomainCaps] | None = None,
        schema: DomainSchema | None = None,
        report_missing_schema: bool = False,
        with_fixes: bool = True,
        _linters: dict[object, Linter] | None = None,
    ) -> None:
        self.caps = caps
        self.config = config
        self.select = select
        self.ignore = ignore
        self.live = live
        self.schema = schema
        self.report_missing_schema = report_missing_schema
        self.with_fixes = with_fixes
        self._linters = {} if _linters is None else _linters

    def linter(self, document: Document) -> Linter:
        ignore = self.ignore + ignored_for(self.config, document.path)
        caps = self.caps
        key: object = (self.with_fixes, *ignore)
        if self.live is not None and document.root is not None and document.root_name == "domain":
            live_caps = self.live(document)
            caps, key = [live_caps], (id(live_caps), self.with_fixes, *ignore)
        if key not in self._linters:
            severity = {code: Severity(level) for code, level in self.config.severity.items()}
            self._linters[key] = Linter(caps, select=self.select, ignore=ignore, severity=severity, schema=self.schema,
                                        report_missing_schema=self.report_missing_schema, fixes=self.with_fixes)
            self.report_missing_schema = False
        return self._linters[key]


def check(paths: Sequence[str], checker: Checker, *, fix: bool = False, diff: bool = False,
          domains_only: bool = False, jobs: int = 1, cache: ResultCache | None = None) -> Run:
    """Lint every file; with jobs > 1 (and no fixing or live host), in forked worker processes. With a result
    cache (never with fixes or a live host), unchanged files are answered from it and only the others linted."""
    run = Run()
    checker.with_fixes = fix or diff
    items = [(path, named and not domains_only) for path, named in domain_files(paths)]
    if cache is not None and not (fix or diff) and checker.live is None:
        _check_cached(run, items, checker, cache, jobs)
        return run
    if not (fix or diff):
        for outcome in _outcomes(items, checker, jobs):
            _merge(run, outcome)
        return run
    for item in items:
        _merge(run, _check_file(item, checker, run, fix=fix))
    return run


def _outcomes(items: list[tuple[str, bool]], checker: Checker, jobs: int) -> Iterator[Outcome]:
    """Each file's outcome, in order; with jobs > 1, many files and no live host, from forked workers."""
    if jobs > 1 and len(items) >= PARALLEL_FROM and checker.live is None:
        yield _check_file(items[0], checker)  # in this process: a once-per-run note stays single
        global _WORKER_CHECKER
        _WORKER_CHECKER = checker  # inherited by the forked workers, with its compiled schema and caps
        try:
            chunk = max(16, len(items) // (jobs * 4))  # few, large chunks: less pickling and fewer round trips
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                yield from pool.imap(_check_in_worker, items[1:], chunksize=chunk)
        finally:
            _WORKER_CHECKER = None
        return
    for item in items:
        yield _check_file(item, checker)


#: Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 64
_WORKER_CHECKER: Checker | None = None

#: What checking one file yields: its report (None when skipped), or why it could not be read.
Outcome = tuple[FileReport | None, tuple[str, str] | None, list[tuple[str, str, str]]]


def _check_cached(run: Run, items: list[tuple[str, bool]], checker: Checker, cache: ResultCache, jobs: int) -> None:
    """Outcomes from the cache where the bytes are unchanged; the other files linted, in order, then stored."""
    outcomes: list[Outcome | None] = []
    misses: list[int] = []
    for index, (path, named) in enumerate(items):
        outcome = None
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_FILE_BYTES + 1)
        except OSError:
            data = None  # reported by the ordinary path below
        if data is not None and len(data) <= MAX_FILE_BYTES:
            outcome = cache.lookup(f"{path}\0{named}", data)
        outcomes.append(outcome)
        if outcome is None:
            misses.append(index)
    if misses:
        for index, outcome in zip(misses, _outcomes([items[i] for i in misses], checker, jobs)):
            outcomes[index] = outcome
            cache.store(f"{items[index][0]}\0{items[index][1]}", outcome)
    for outcome in outcomes:
        assert outcome is not None
        _merge(run, outcome)
    cache.save()


def _check_in_worker(item: tuple[str, bool]) -> Outcome:
    assert _WORKER_CHECKER is not None
    return _check_file(item, _WORKER_CHECKER)


def _merge(run: Run, outcome: Outcome) -> None:
    report, input_error, internal_errors = outcome
    if input_error is not None:
        run.input_errors.append(input_error)
    if report is not None:
        run.reports.append(report)
    run.internal_errors += internal_errors


def read_domain(path: str, named: bool) -> tuple[Document | None, str | None]:
    """(document, None) to check; (None, reason) when unreadable; (None, None) to skip: other XML found in a
    directory is not ours to judge (a malformed file there is still reported, it may be a broken domain)."""
    try:
        document = Document.from_file(path)
    except (InputError, OSError) as err:
        return None, err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    if not named and document.root is not None and document.root_name != "domain":
        return None, None
    return document, None


def _check_file(item: tuple[str, bool], checker: Checker, fixing: Run | None = None, *, fix: bool = False) -> Outcome:
    path, named = item
    document, reason = read_domain(path, named)
    if document is None:
        return None, (path, reason) if reason else None, []
    try:
        linter = checker.linter(document)
    except CapsError as err:
        return None, (path, str(err)), []
    result = linter.lint_document(document)
    if fixing is not None and any(f.fixes for f in result.findings):
        document, result = _fix(document, linter, result, fixing, write=fix)
    lines = {f.start.line: document.line_text(f.start.line) for f in result.findings if f.offsets is not None}
    report = FileReport(path, result.findings, lines, result.caps.path if result.caps else None)
    return report, None, [(path, code, message) for code, message in result.internal_errors]


def _fix(document: Document, linter: Linter, result, run: Run, *, write: bool):
    """Apply the first fix of every finding, pass after pass, until nothing changes."""
    original = document.text
    for _ in range(FIX_PASSES):
        edits = [f.fixes[0].edits for f in result.findings if f.fixes]
        if not edits:
            break
        text = apply(document.text, [edit for group in edits for edit in group])
        if text == document.text:
            break
        fixed = Document(text, document.path)
        fixed.encoding, fixed.bom = document.encoding, document.bom
        document, result = fixed, linter.lint_document(fixed)
    if document.text == original:
        return document, result
    if write:
        write_atomically(document.path, document.encode(document.text))
        run.fixed_files.append(document.path)
    else:
        import difflib

        run.diffs.append("".join(difflib.unified_diff(
            original.splitlines(keepends=True), document.text.splitlines(keepends=True),
            fromfile=f"a/{document.path}", tofile=f"b/{document.path}")))
    return document, result


def write_atomically(path: str, data: bytes) -> None:
    """Write through a temporary file in the same folder and rename it, keeping the permissions."""
    import tempfile

    mode = stat.S_IMODE(os.stat(path).st_mode)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".virtlint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def fails(reports: Sequence[FileReport], threshold: Severity) -> bool:
    return any(f.severity.rank >= threshold.rank for r in reports for f in r.findings)
