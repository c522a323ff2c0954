"""One `virtlint check` run: find the files, lint each with its project's linter, fix. No output here."""

from __future__ import annotations

import gc
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Sequence

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.caps import CapsError
from virtlint.linter.capsources import root_name
from virtlint.linter.document import MAX_FILE_BYTES, Document, InputError, read_bytes
from virtlint.linter.fixes import apply_fixes
from virtlint.linter.model import FileReport, Finding, Severity
from virtlint.linter.project import Overrides, Project, caps_files, read_domain

if TYPE_CHECKING:
    from virtlint.linter.cache import ResultCache
    from virtlint.linter.engine import Linter, LintResult  # imported by project.linter_for when a file is linted

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

__all__ = ["FixOptions", "Run", "available_cpus", "caps_files", "check", "domain_files", "fails", "read_domain",
           "root_name", "write_fixed"]

#: How many fix passes a run makes at most (fixes that overlapped wait for the next pass).
FIX_PASSES = 5
#: Below this many files a process pool costs more than it saves.
PARALLEL_FROM = 64
#: The most files a worker is sent at once.
CHUNK = 128
#: The label of standard input when no --stdin-filename is given.
STDIN = "-"


#: Whether garbage collection waits for the first file to be checked (see pause_collection), and whether
#: what start-up built was frozen out of it.
_collection_paused = False
_start_up_frozen = False


def pause_collection(collecting: bool | None = None) -> None:
    """Collect no garbage until the first file is checked. Start-up builds ~40,000 objects that all live to the
    end (modules, rules, caps, the structure table): collecting while they are built costs ~10 ms of a one-file
    check. The files' own garbage is collected as usual (resume_collection). ``collecting``: whether collection
    was on before a caller that turned it off already (``python -m virtlint``, from its first import on)."""
    global _collection_paused
    if collecting is None:
        collecting = gc.isenabled()
    gc.disable()
    _collection_paused = _collection_paused or collecting


def resume_collection() -> None:
    """Collect garbage again, after the first file, with what start-up built frozen (gc.freeze: never traversed
    again, as it lives to the end; forked workers share it untouched)."""
    global _collection_paused, _start_up_frozen
    if _collection_paused:
        _collection_paused = False
        gc.freeze()
        _start_up_frozen = True
        gc.enable()


def end_collection_pause() -> None:
    """When a run ends in a process that goes on (a caller running the CLI in process): collection as before."""
    global _start_up_frozen
    resume_collection()
    if _start_up_frozen:
        _start_up_frozen = False
        gc.unfreeze()


def domain_files(paths: Sequence[str], seen: set[str] | None = None) -> Iterator[tuple[str, bool]]:
    """(path, named explicitly) for each file to check, once each (``seen``: the real paths already
    listed); directories are searched for *.xml."""
    seen = set() if seen is None else seen
    for path in paths:
        if os.path.isdir(path):
            for found, real in _xml_files(path):
                if real not in seen:
                    seen.add(real)
                    yield found, False
        else:
            real = os.path.realpath(path)
            if real not in seen:
                seen.add(real)
                yield path, True


def _xml_files(folder: str) -> list[tuple[str, str]]:
    """(path, real path) of the regular files named *.xml below a folder, what ``sorted(Path(folder).rglob(
    "*.xml"))`` filtered by ``is_file()`` lists, in its order: hidden entries included, symlinked folders not
    entered, unreadable folders skipped; the real path without a realpath() per file (10,000 files: ~0.35 s
    less). pathlib orders paths by their parts, which is the order of the relative paths split at '/', and
    that is the order of the relative paths with '/' written as the smallest character, NUL, which no name
    holds: one string per file to sort rather than a list of parts (10,000 files: ~15 ms less)."""
    shown = str(Path(folder))  # pathlib's spelling of the folder, which the listed paths start with
    prefix = "" if shown == "." else shown if shown.endswith(os.sep) else shown + os.sep
    real_folder = os.path.realpath(folder)
    real_prefix = real_folder if real_folder.endswith(os.sep) else real_folder + os.sep
    found: list[tuple[str, str, str]] = []  # (order, path, real path)
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            with os.scandir(real_prefix + relative if relative else real_folder) as entries:
                listed = list(entries)
        except PermissionError:
            continue
        order = relative.replace(os.sep, "\0")
        shown_folder = prefix + relative
        real_subfolder = real_prefix + relative
        for entry in listed:
            name = entry.name
            symlink = entry.is_symlink()
            if not symlink and entry.is_dir(follow_symlinks=False):
                pending.append(relative + name + os.sep)
            if not name.endswith(".xml"):
                continue
            if symlink:
                shown_path = shown_folder + name
                if Path(shown_path).is_file():
                    found.append((order + name, shown_path, os.path.realpath(shown_path)))
            elif entry.is_file(follow_symlinks=False):
                found.append((order + name, shown_folder + name, real_subfolder + name))
    found.sort(key=_order)
    return [(shown_path, real) for _, shown_path, real in found]


def _order(row: tuple[str, str, str]) -> str:
    return row[0]


class FixOptions(FrozenRecord):
    """What to do with fixes: apply them (--fix), show them (--diff), and whether unsafe ones count."""

    write: bool
    diff: bool
    unsafe: bool

    __slots__ = ("write", "diff", "unsafe")
    _fields = __slots__

    def __init__(self, write: bool = False, diff: bool = False, unsafe: bool = False) -> None:
        _set(self, "write", write)
        _set(self, "diff", diff)
        _set(self, "unsafe", unsafe)

    @property
    def active(self) -> bool:
        return self.write or self.diff

    def applies(self, finding: Finding) -> bool:
        return bool(finding.fixes) and (self.unsafe or finding.fixes[0].safe)


class Run(Record):
    reports: list[FileReport]
    #: Files that could not be read (or written back): (path, reason).
    input_errors: list[tuple[str, str]]
    #: Rules (or the engine) that raised: (path, code, message).
    internal_errors: list[tuple[str, str, str]]
    #: Unified diffs of the fixes (with --diff), or the files rewritten (with --fix).
    diffs: list[str]
    fixed_files: list[str]
    #: Fixes applied (or, with --diff, that would be).
    fixes_applied: int

    __slots__ = ("reports", "input_errors", "internal_errors", "diffs", "fixed_files", "fixes_applied")
    _fields = __slots__

    def __init__(
        self,
        reports: list[FileReport] | None = None,
        input_errors: list[tuple[str, str]] | None = None,
        internal_errors: list[tuple[str, str, str]] | None = None,
        diffs: list[str] | None = None,
        fixed_files: list[str] | None = None,
        fixes_applied: int = 0,
    ) -> None:
        self.reports = [] if reports is None else reports
        self.input_errors = [] if input_errors is None else input_errors
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.diffs = [] if diffs is None else diffs
        self.fixed_files = [] if fixed_files is None else fixed_files
        self.fixes_applied = fixes_applied


#: What checking one file yields: its report (None when skipped), why it could not be read, internal
#: errors, and what fixing it did (diff or None, written or not, fixes applied).
Outcome = tuple[FileReport | None, tuple[str, str] | None, list[tuple[str, str, str]], str | None, bool, int]


def check(paths: Sequence[str], project: Project, *, fixes: FixOptions = FixOptions(), domains_only: bool = False,
          jobs: int = 1, stdin: bytes | None = None, stdin_filename: str | None = None,
          cache: ResultCache | None = None) -> Run:
    """Lint every file (and standard input for the path '-'); with jobs > 1 (and no fixing or live
    host), in worker processes. With a result cache (never with fixes or a live host), files whose bytes
    are unchanged are answered from it and only the others linted."""
    run = Run()
    items: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for path in paths:
        if path == STDIN:
            label = stdin_filename or STDIN
            _merge(run, _check_document(_stdin_document(stdin or b"", label), project, fixes))
        else:
            items += [(p, named and not domains_only) for p, named in domain_files([path], seen)]
    if not fixes.active:
        outcomes: Iterable[Outcome]
        if cache is not None and project.live is None:
            outcomes = _cached_outcomes(items, project, jobs, cache)
        else:
            outcomes = _outcomes(items, project, jobs)
        for outcome in outcomes:
            _merge(run, outcome)
        return run
    for item in items:
        _merge(run, _check_file(item, project, fixes))
        resume_collection()
    return run


def _outcomes(items: list[tuple[str, bool]], project: Project, jobs: int) -> Iterator[Outcome]:
    """Each file's outcome, in order; with jobs > 1, many files and no live host, from worker processes."""
    for outcome, _ in _checked(items, project, jobs, digests=False):
        yield outcome


def _checked(items: list[tuple[str, bool]], project: Project, jobs: int,
             digests: bool) -> Iterator[tuple[Outcome, str | None]]:
    """Each file's outcome and, with ``digests``, the cache digest of the bytes linted (None: unreadable)."""
    if jobs > 1 and len(items) >= PARALLEL_FROM and project.live is None:
        project.schema()  # in this process: the workers inherit it, and its note is said once, here
        yield _check_one(items[0], project, digests)
        resume_collection()  # (before the workers fork: they inherit it)
        yield from _parallel(items[1:], project, jobs, digests)
        return
    for item in items:
        yield _check_one(item, project, digests)
        resume_collection()


def _cached_outcomes(items: list[tuple[str, bool]], project: Project, jobs: int,
                     cache: ResultCache) -> list[Outcome]:
    """Outcomes from the cache where a file's bytes are unchanged; the other files linted, then stored.
    Files the cache has no entry for are not read here: whoever lints them hashes the bytes it read (in the
    workers, in parallel, not one by one before they start)."""
    outcomes: list[Outcome | None] = []
    misses: list[int] = []
    for index, (path, named) in enumerate(items):
        outcome = None
        key = f"{path}\0{named}"
        if cache.known(key):
            try:
                data = read_bytes(path, MAX_FILE_BYTES)
            except OSError:
                data = None  # reported by the ordinary path
            if data is not None and len(data) <= MAX_FILE_BYTES:
                outcome = cache.lookup(key, data)
        outcomes.append(outcome)
        if outcome is None:
            misses.append(index)
    if misses:
        for index, (outcome, digest) in zip(misses, _checked([items[i] for i in misses], project, jobs, True)):
            outcomes[index] = outcome
            if digest is not None:
                cache.store(f"{items[index][0]}\0{items[index][1]}", outcome, digest)
    cache.save()
    return [outcome for outcome in outcomes if outcome is not None]  # every miss was filled


def _stdin_document(data: bytes, label: str) -> Document | tuple[str, str]:
    try:
        return Document.from_bytes(data, label)
    except InputError as err:
        return label, str(err)


# -- workers ------------------------------------------------------------------------------------------

_WORKER_PROJECT: Project | None = None
#: whether the workers return the cache digest of the bytes they lint
_WORKER_DIGESTS = False
#: The fewest files a forked worker is sent at once: the last chunks of a run shrink to it, so that the workers
#: finish together.
MIN_CHUNK = 4
#: Chunks a forked worker is sent ahead: the next one waits in its pipe while it checks one, so it never idles
#: waiting for the parent.
AHEAD = 2

#: A file's outcome as a forked worker sends it back (parallel runs never fix): the report's fields rather than
#: the record (pickling a record calls Python per file), the input error, the internal errors, the cache digest.
Packed = tuple[tuple[str, list[Finding], dict[int, str], str | None] | None, tuple[str, str] | None,
               list[tuple[str, str, str]], str | None]


def _parallel(items: list[tuple[str, bool]], project: Project, jobs: int,
              digests: bool) -> Iterator[tuple[Outcome, str | None]]:
    """Outcomes in the files' order, from forked workers (which inherit the files, the parsed caps and the
    schema), or spawned ones (which rebuild the project) where fork is unavailable."""
    global _WORKER_PROJECT, _WORKER_DIGESTS
    if _can_fork():
        yield from _forked(items, project, jobs, digests)
        return
    import multiprocessing

    # chunks of at most CHUNK files: a round trip through the pool costs ~0.1 ms, and the last chunks of a run
    # decide when it ends: a worker still busy with a chunk of 1,250 files (10,000 / 8) while the other idles
    # is a second lost on 2 CPUs
    chunk = max(16, min(CHUNK, len(items) // (jobs * 8)))
    context = multiprocessing.get_context("spawn")
    _WORKER_DIGESTS = digests
    try:
        with context.Pool(jobs, initializer=_init_worker,
                          initargs=((str(project.folder), project.overrides), digests)) as pool:
            yield from pool.imap(_check_in_worker, items, chunksize=chunk)
    finally:
        _WORKER_PROJECT = None


def _can_fork() -> bool:
    """Whether workers can be forked (everywhere but Windows). Asked of os, not of multiprocessing, whose import
    (socket, selectors, its contexts: ~5 ms) a forked run does not need."""
    return hasattr(os, "fork")


def _init_worker(recipe: tuple[str, Overrides] | None, digests: bool) -> None:
    global _WORKER_PROJECT, _WORKER_DIGESTS
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no worker tracebacks
    if recipe is not None:
        _WORKER_PROJECT = Project(recipe[0], recipe[1])
    _WORKER_DIGESTS = digests


def _check_in_worker(item: tuple[str, bool]) -> tuple[Outcome, str | None]:
    assert _WORKER_PROJECT is not None
    return _check_one(item, _WORKER_PROJECT, _WORKER_DIGESTS)


def _forked(items: list[tuple[str, bool]], project: Project, jobs: int,
            digests: bool) -> Iterator[tuple[Outcome, str | None]]:
    """Outcomes in the files' order from forked workers, each sent chunks of the files as (start, stop) and
    the next chunk when it answers one.

    Not multiprocessing.Pool: its three threads in this process cost ~0.2 s of CPU over 10,000 files (its
    worker-handling thread wakes for every result waiting in the shared queue, ~2,400 times), taken from the
    workers on a machine with as many CPUs as workers; here the parent sleeps in poll() between answers."""
    import pickle  # noqa: F401  (here, before the fork: each worker would import it again)
    import select
    import signal  # noqa: F401

    chunks = _chunks(len(items), jobs)
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(min(jobs, len(chunks))):
            workers.append(_Worker(items, project, digests, workers))
        sent = 0
        for _ in range(AHEAD):
            for worker in workers:
                if sent < len(chunks):
                    worker.send(*chunks[sent])
                    sent += 1
        busy = {worker.results: worker for worker in workers}
        poller = select.poll()
        for fd in busy:
            poller.register(fd, select.POLLIN)
        answers: dict[int, list[Packed]] = {}
        for start, _ in chunks:
            while start not in answers:
                for fd, _ in poller.poll():
                    worker = busy[fd]
                    answered, packed = worker.receive()
                    answers[answered] = packed
                    if sent < len(chunks):
                        worker.send(*chunks[sent])
                        sent += 1
                    elif not worker.pending:
                        worker.close()  # nothing more: it exits
                        poller.unregister(fd)
                        del busy[fd]
            for one in answers.pop(start):
                yield _unpack(one)
        finished = True
    finally:
        for worker in workers:
            worker.end(stop=not finished)


def _chunks(count: int, jobs: int) -> list[tuple[int, int]]:
    """(start, stop) of the chunks of ``count`` files: CHUNK files at most (an answer costs a round trip),
    shrinking towards MIN_CHUNK at the end (a worker still busy with a big last chunk while the others idle
    decides when the run ends)."""
    bounds = []
    start = 0
    while start < count:
        size = max(MIN_CHUNK, min(CHUNK, (count - start) // (jobs * 4)))
        bounds.append((start, min(count, start + size)))
        start += size
    return bounds


class _Worker:
    """A forked worker process. It reads chunks of the run's files as (start, stop) from one pipe and writes
    their packed outcomes to another; it inherits the files and the project with its linters, caps and schema
    as they are, so nothing is sent but two numbers per chunk. It exits when its task pipe is closed."""

    __slots__ = ("pid", "tasks", "results", "pending")

    def __init__(self, items: list[tuple[str, bool]], project: Project, digests: bool,
                 others: Sequence[_Worker]) -> None:
        task_read, self.tasks = os.pipe()
        self.results, result_write = os.pipe()
        #: the starts of the chunks sent and not answered yet
        self.pending: list[int] = []
        try:
            self.pid = os.fork()
        except OSError:  # (too many processes, no memory: the run fails, without leaking the pipes)
            for fd in (task_read, self.tasks, self.results, result_write):
                os.close(fd)
            raise
        if self.pid == 0:  # the worker, which never returns from here
            status = 1
            try:
                for fd in (self.tasks, self.results, *[fd for other in others for fd in (other.tasks, other.results)]):
                    os.close(fd)  # (another worker's pipes held open here would hide its exit from the parent)
                status = _serve(task_read, result_write, items, project, digests)
            finally:
                os._exit(status)
        os.close(task_read)
        os.close(result_write)

    def send(self, start: int, stop: int) -> None:
        self.pending.append(start)
        try:
            os.write(self.tasks, start.to_bytes(4, "little") + stop.to_bytes(4, "little"))
        except BrokenPipeError:  # (it died before the parent read that it had: the same error as receive's)
            raise RuntimeError(f"worker process {self.pid} exited unexpectedly") from None

    def close(self) -> None:
        """Close the task pipe: the worker exits once it has answered what it was sent."""
        if self.tasks >= 0:
            os.close(self.tasks)
            self.tasks = -1

    def receive(self) -> tuple[int, list[Packed]]:
        """The next answer: (start of its chunk, its packed outcomes); what the worker raised is raised here."""
        import pickle

        header = _read_exactly(self.results, 8)
        if len(header) < 8:
            raise RuntimeError(f"worker process {self.pid} exited unexpectedly")
        answer = pickle.loads(_read_exactly(self.results, int.from_bytes(header, "little")))
        if isinstance(answer, BaseException):
            raise answer
        start, packed = answer
        self.pending.remove(start)
        return start, packed

    def end(self, stop: bool) -> None:
        """Close the pipes and wait for the process to end (``stop``: end it now)."""
        self.close()
        if self.results >= 0:
            os.close(self.results)
            self.results = -1
        if stop:
            import signal

            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:  # reaped already (SIGCHLD ignored by whoever runs this)
            pass


def _serve(tasks: int, results: int, items: list[tuple[str, bool]], project: Project, digests: bool) -> int:
    """A forked worker's loop: check each chunk it is sent, write back the packed outcomes; its exit status."""
    import pickle
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle: no worker tracebacks
    while True:
        task = _read_exactly(tasks, 8)
        if len(task) < 8:  # the task pipe is closed: done
            return 0
        start, stop = int.from_bytes(task[:4], "little"), int.from_bytes(task[4:], "little")
        failed = None
        try:
            answer = pickle.dumps((start, [_pack(_check_one(items[index], project, digests))
                                           for index in range(start, stop)]), pickle.HIGHEST_PROTOCOL)
        except Exception as err:  # raised in the parent (an internal error), as a pool would
            failed = err
            try:
                answer = pickle.dumps(err, pickle.HIGHEST_PROTOCOL)
            except Exception:  # an exception that does not pickle
                answer = pickle.dumps(RuntimeError(f"{type(err).__name__}: {err}"), pickle.HIGHEST_PROTOCOL)
        _write_all(results, len(answer).to_bytes(8, "little") + answer)
        if failed is not None:
            return 1


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes from a pipe; fewer at its end."""
    data = os.read(fd, size)
    if len(data) == size or not data:
        return data
    parts = [data]
    got = len(data)
    while got < size:
        data = os.read(fd, size - got)
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _pack(checked: tuple[Outcome, str | None]) -> Packed:
    (report, input_error, internal_errors, _, _, _), digest = checked
    if report is None:
        return None, input_error, internal_errors, digest
    return (report.path, report.findings, report.lines, report.caps_path), input_error, internal_errors, digest


def _unpack(packed: Packed) -> tuple[Outcome, str | None]:
    fields, input_error, internal_errors, digest = packed
    return (None if fields is None else FileReport(*fields), input_error, internal_errors, None, False, 0), digest


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup CPU quota."""
    try:
        count = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        count = os.cpu_count() or 1
    quota = cgroup_cpu_quota()
    if quota is not None:
        count = min(count, max(1, -int(-quota // 1)))  # ceil, without importing math
    return max(1, count)


def cgroup_cpu_quota(root: str = "/sys/fs/cgroup") -> float | None:
    """CPUs' worth of time the cgroup allows (cgroup v2 cpu.max, or v1 cfs quota), None when unlimited."""
    try:
        with open(os.path.join(root, "cpu.max")) as handle:
            quota, _, period = handle.read().strip().partition(" ")
        if quota != "max" and period:
            return int(quota) / int(period)
        return None
    except (OSError, ValueError):
        pass
    try:
        with open(os.path.join(root, "cpu", "cpu.cfs_quota_us")) as handle:
            quota_us = int(handle.read())
        with open(os.path.join(root, "cpu", "cpu.cfs_period_us")) as handle:
            period_us = int(handle.read())
        return quota_us / period_us if quota_us > 0 and period_us > 0 else None
    except (OSError, ValueError):
        return None


# -- one file ---------------------------------------------------------------------------------------------

def _merge(run: Run, outcome: Outcome) -> None:
    report, input_error, internal_errors, diff, written, applied = outcome
    if input_error is not None:
        run.input_errors.append(input_error)
    if report is not None:
        run.reports.append(report)
    run.internal_errors += internal_errors
    if diff:
        run.diffs.append(diff)
    if written and report is not None:
        run.fixed_files.append(report.path)
    run.fixes_applied += applied


def _check_one(item: tuple[str, bool], project: Project, digests: bool) -> tuple[Outcome, str | None]:
    """A file's outcome and, with ``digests``, the cache digest of the bytes it was computed from."""
    if not digests:
        return _check_file(item, project), None
    try:
        data = read_bytes(item[0], MAX_FILE_BYTES)
    except OSError:  # unreadable: reported as the ordinary path says, never cached
        return _check_file(item, project), None
    from virtlint.linter.cache import digest_of

    return _check_file(item, project, data=data), digest_of(data) if len(data) <= MAX_FILE_BYTES else None


def _check_file(item: tuple[str, bool], project: Project, fixes: FixOptions = FixOptions(),
                data: bytes | None = None) -> Outcome:
    path, named = item
    document, reason = read_domain(path, named, data)
    if document is None:
        return None, (path, reason) if reason else None, [], None, False, 0
    return _check_document(document, project, fixes)


def _check_document(document: Document | tuple[str, str], project: Project, fixes: FixOptions) -> Outcome:
    if isinstance(document, tuple):
        return None, document, [], None, False, 0
    path = document.path
    try:
        linter = project.linter_for(document)
        result = linter.lint_document(document)
        failure = project.live_failures.get(path)
        if failure is not None and not any(f.severity is Severity.ERROR for f in result.findings):
            return None, (path, failure), [], None, False, 0
        diff, written, applied = None, False, 0
        if fixes.active and any(fixes.applies(f) for f in result.findings):
            document, result, diff, applied = fix_document(document, linter, result, fixes)
            if fixes.write and applied:
                write_fixed(path, document.encode(document.text))
                written, diff = True, None
    except (CapsError, FixWriteError) as err:
        return None, (path, str(err)), [], None, False, 0
    except OSError as err:
        return None, (path, err.strerror or str(err)), [], None, False, 0
    except Exception as err:  # an engine bug: report it for this file, keep checking the others
        return None, None, [(path, "engine", f"{type(err).__name__}: {err}")], None, False, 0
    lines = {f.start.line: document.line_text(f.start.line) for f in result.findings if f.offsets is not None}
    report = FileReport(path, result.findings, lines, result.caps.path if result.caps else None)
    errors = [(path, code, message) for code, message in result.internal_errors]
    return report, None, errors, diff, written, applied


def fix_document(document: Document, linter: Linter, result: LintResult,
                 options: FixOptions) -> tuple[Document, LintResult, str | None, int]:
    """Apply the first fix of every finding it applies to, pass after pass, until nothing changes:
    (fixed document, its findings, the unified diff, fixes applied)."""
    original, applied = document.text, 0
    for _ in range(FIX_PASSES):
        wanted = [f.fixes[0] for f in result.findings if options.applies(f)]
        if not wanted:
            break
        text, count = apply_fixes(document.text, wanted)
        if text == document.text:
            break
        applied += count
        fixed = Document(text, document.path)
        fixed.encoding, fixed.bom = document.encoding, document.bom
        document, result = fixed, linter.lint_document(fixed)
    if document.text == original:
        return document, result, None, 0
    import difflib

    diff = "".join(difflib.unified_diff(original.splitlines(keepends=True), document.text.splitlines(keepends=True),
                                        fromfile=f"a/{document.path}", tofile=f"b/{document.path}"))
    return document, result, diff, applied


class FixWriteError(Exception):
    """A fixed file cannot be written back."""


def write_fixed(path: str, data: bytes) -> None:
    """Write a fixed file back: through a symlink to its target, in place when the file has other hard
    links (so they keep sharing it), else atomically (temporary file and rename) keeping the permissions.
    A read-only file is refused, not overwritten."""
    target = os.path.realpath(path)
    info = os.stat(target)
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
        raise FixWriteError(f"{path}: the file is read-only; not fixed")
    if info.st_nlink > 1:
        with open(target, "r+b") as out:
            out.write(data)
            out.truncate()
        return
    folder = os.path.dirname(target)
    import tempfile

    handle, temporary = tempfile.mkstemp(prefix=".virtlint-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, stat.S_IMODE(info.st_mode))
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def fails(reports: Sequence[FileReport], threshold: Severity) -> bool:
    return any(f.severity.rank >= threshold.rank for r in reports for f in r.findings)


def __getattr__(name: str) -> object:
    """Modules imported only when used, still reachable as attributes (``runner.tempfile``) for callers and tests
    that patch them."""
    if name in ("tempfile", "difflib", "multiprocessing", "signal"):
        import importlib

        return importlib.import_module(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
