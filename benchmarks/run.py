"""The virtlint benchmark: one command, the costs of each mode and their ratios, measured in one run.

    .venv/bin/python benchmarks/run.py [--files 10000] [--quick]

Generates realistic domain XMLs (benchmarks/generate.py) and uses a real `virsh domcapabilities` document
(examples/host-caps.xml), then measures, in one run so that the ratios compare like with like:

 1. the floors: lxml parse + iterate (A), and parse + iterate + every attribute and text (B);
 2. libvirt's RelaxNG alone (lxml parse + validate against domain.rng);
 3. virtlint's engine per file: without the structure check, with full RelaxNG (strict), and with the
    structure table when linter/structure.py provides one;
 4. `virtlint check` over N files: first run without the cache, first run filling the cache, unchanged re-run;
 5. one file from a cold start, against `python -c "import lxml.etree"`;
 6. the language server, keystroke to diagnostics on a 2,000-line domain, with the default settings
    (the debounce included), one keystroke after each pause;
 7. scaling: 1 to N files, 5 KB to 1 MB.
In-process costs are CPU time (time.process_time), the minimum over repeats, the modes taking turns within each
repeat: on a shared machine CPU time is what descheduling does not inflate, and turns expose every mode to the
same drift. Commands report wall time (and their CPU time). Nothing here asserts.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO / "tests"))

import generate  # noqa: E402
from lxml import etree  # noqa: E402

from virtlint.linter.caps import DomainCaps  # noqa: E402
from virtlint.linter.document import Document  # noqa: E402
from virtlint.linter.engine import Linter  # noqa: E402
from virtlint.linter.schema import schema_for  # noqa: E402

#: A QEMU 9.1 q35 host from the shared corpus when it is there (on it every generated domain has one finding,
#: VL604: its CPU model is not usable there, so positioning runs for every file), else the repository's example.
SHARED_CAPS = REPO.parent / "shared" / "corpus" / "libvirt-domaincaps" / "qemu_9.1.0-q35.x86_64.xml"
CAPS = SHARED_CAPS if SHARED_CAPS.exists() else REPO / "examples" / "host-caps.xml"
MEASURE_CHILD = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)
"""


#: files each timed function sees first (see interleaved)
WARM_FILES = 20


def interleaved(functions: dict[str, Callable[[bytes], object]], blobs: list[bytes], repeats: int,
                warm: int = WARM_FILES) -> dict[str, float]:
    """Minimum CPU seconds per file of each function, the functions taking turns within each repeat, each pass
    over files that no function has seen before.

    Turns: on a shared machine the speed drifts over seconds, so timing the modes one after another would compare
    a fast minute with a slow one. Unseen files: virtlint keeps what it learnt of a file's lines and values (the
    structure table's caches, the rules' memos) for the next files, so timing the same files again would time
    cache hits a first run over 10,000 different files mostly does not get. The first ``warm`` files warm every
    function up (caps memos, per-caps plans: what a run has learnt after a few files); the rest is cut into one
    batch per function and repeat."""
    for function in functions.values():
        for blob in blobs[:warm]:
            function(blob)
    batch = (len(blobs) - warm) // (len(functions) * repeats)
    assert batch > 0, "too few files for the modes and repeats"
    fresh = iter(range(warm, len(blobs) - batch + 1, batch))
    best = dict.fromkeys(functions, float("inf"))
    for _ in range(repeats):
        for name, function in functions.items():
            first = next(fresh)
            files = blobs[first:first + batch]
            start = time.process_time()
            for blob in files:
                function(blob)
            best[name] = min(best[name], (time.process_time() - start) / batch)
    return best


def floor_a(blob: bytes) -> None:
    for _ in etree.fromstring(blob).iter():
        pass


def floor_b(blob: bytes) -> None:
    for element in etree.fromstring(blob).iter():
        element.attrib.items()
        element.text  # noqa: B018


def command(*args: str, cwd: Path | None = None) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, peak RSS KiB) of a command in a fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE_CHILD, *args], capture_output=True, text=True,
                         check=True, cwd=cwd).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def compile_bytecode() -> None:
    """Write virtlint's bytecode, as installing a wheel and a first run do, so that the command rows time an
    installed virtlint also where PYTHONDONTWRITEBYTECODE keeps the interpreter from caching it (an editable
    install otherwise compiles all ~140 modules at every start: ~200 ms)."""
    import compileall
    from importlib.util import find_spec

    for package in ("virtlint", "virtlint.linter", "virtlint.rules", "virtlint.lsp"):
        spec = find_spec(package)
        if spec is not None and spec.origin is not None:
            compileall.compile_dir(os.path.dirname(spec.origin), maxlevels=0, quiet=1)
    # and the rules' bundle (rules/__init__.py), which the first run that may write bytecode writes
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", "import virtlint.rules"], check=True, env=env)


def median_command(repeats: int, *args: str, cwd: Path | None = None) -> tuple[float, float]:
    runs = [command(*args, cwd=cwd) for _ in range(repeats)]
    return statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)


def virtlint(*args: str) -> list[str]:
    return [sys.executable, "-m", "virtlint", "check", "--caps", str(CAPS), *args]


def lsp_latency(path: Path, changes: int, debounce: int | None, pause: float) -> list[float]:
    from stdio_client import StdioClient

    text = path.read_text()
    client = StdioClient(str(CAPS), pull=False, debounce=debounce)
    try:
        uri = path.as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "xml", "version": 1,
                                                                "text": text}})
        client.wait_for("textDocument/publishDiagnostics")
        latencies = []
        for version in range(2, changes + 2):
            time.sleep(pause)  # the typist pauses, then types one character
            edited = text.replace("<name>vm0</name>", f"<name>vm{version}</name>", 1)
            start = time.perf_counter()
            client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version},
                                                     "contentChanges": [{"text": edited}]})
            client.wait_for("textDocument/publishDiagnostics")
            latencies.append(time.perf_counter() - start)
        return latencies
    finally:
        client.close()


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    load = os.getloadavg()[0]
    return (f"{cpu}, {os.cpu_count()} cores, load average {load:.1f}; {platform.platform()}; "
            f"Python {platform.python_version()}, lxml {etree.__version__}")


def structure_linter(caps: DomainCaps) -> Linter | None:
    """The engine with the structure table, when this tree has one."""
    from virtlint.linter.structure import table_for

    table = table_for()
    return Linter([caps], schema=table) if table is not None else None  # type: ignore[arg-type]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(len(ordered) * 0.95)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10000)
    parser.add_argument("--quick", action="store_true", help="fewer files and repeats, for a smoke run")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    count = min(args.files, 1000) if args.quick else args.files
    work = Path(tempfile.mkdtemp(prefix="virtlint-bench-"))
    rows: list[tuple[str, str, str]] = []
    print(f"Machine: {machine()}", flush=True)
    compile_bytecode()
    try:
        files = generate.write(work / "domains", count)
        blobs = [p.read_bytes() for p in files]
        caps = DomainCaps.from_file(str(CAPS))
        schema = schema_for()
        assert schema is not None, "libvirt's schemas are needed for the RelaxNG rows"
        rng = schema._full
        no_structure, strict = Linter([caps]), Linter([caps], schema=schema)
        # what a plain `check` runs: the structure table, fixes built (the text output marks fixable findings)
        table = structure_linter(caps)
        def engine(linter: Linter):
            return lambda blob: linter.lint_document(Document.from_bytes(blob, "x"))

        modes: dict[str, Callable[[bytes], object]] = {
            "a": floor_a, "b": floor_b,
            "alone": lambda blob: rng.validate(etree.ElementTree(etree.fromstring(blob))),
            "bare": engine(no_structure), "full": engine(strict)}
        if table is not None:
            modes["structured"] = engine(table)
        timed = interleaved(modes, blobs, repeats)
        findings = statistics.mean(len(no_structure.lint_document(Document.from_bytes(b, "x")).findings)
                                   for b in blobs[:200])
        a, b, alone, bare, full = (timed[name] for name in ("a", "b", "alone", "bare", "full"))
        rows += [
            ("1a. floor A: lxml parse + iterate", f"{a * 1e6:.0f} µs", "1.00x A"),
            ("1b. floor B: parse + iterate + attributes + text", f"{b * 1e6:.0f} µs", f"{b / a:.2f}x A"),
            ("2. libvirt's RelaxNG alone (parse + validate)", f"{alone * 1e6:.0f} µs", f"{alone / b:.2f}x B"),
            ("3a. engine, no structure check", f"{bare * 1e6:.0f} µs",
             f"**{bare / b:.2f}x B** ({bare / a:.2f}x A); target ≤ 2.2x"),
            ("3b. engine, strict RelaxNG (`--strict-schema`)", f"{full * 1e6:.0f} µs",
             f"**{full / alone:.2f}x RelaxNG alone**; target ≤ 1.3x"),
        ]
        if table is not None:
            structured = timed["structured"]
            rows.append(("3c. engine, structure table", f"{structured * 1e6:.0f} µs",
                         f"**{structured / alone:.2f}x RelaxNG alone**; target ≤ 1.0x"))
        else:
            rows.append(("3c. engine, structure table", "not built", ""))
        print(f"Domains: {count} generated, {statistics.mean(map(len, blobs)) / 1024:.1f} KB, "
              f"{findings:.1f} findings each on average; caps: {CAPS.name}", flush=True)

        folder = work / "domains"
        uncached = command(*virtlint("-q", "--no-cache", str(folder)), cwd=work)
        strict_run = command(*virtlint("-q", "--no-cache", "--strict-schema", str(folder)), cwd=work)
        cold = command(*virtlint("-q", str(folder)), cwd=work)
        warm = command(*virtlint("-q", str(folder)), cwd=work)
        rows += [
            (f"4a. `virtlint check`, {count} files, no cache (structure table)", f"{uncached[0]:.2f} s (CPU {uncached[1]:.2f} s)",
             f"{uncached[0] / count * 1e3:.2f} ms/file; target < 3 s at 10,000"),
            (f"4a'. the same with `--strict-schema` (full RelaxNG)", f"{strict_run[0]:.2f} s (CPU {strict_run[1]:.2f} s)",
             f"{strict_run[0] / uncached[0]:.2f}x 4a"),
            (f"4b. the same, first run filling the cache", f"{cold[0]:.2f} s (CPU {cold[1]:.2f} s)",
             f"{cold[0] / uncached[0]:.2f}x 4a"),
            (f"4c. the same, unchanged re-run (warm cache)", f"{warm[0]:.2f} s (CPU {warm[1]:.2f} s)",
             f"{warm[0] / uncached[0]:.2f}x 4a; target < 0.8 s at 10,000"),
            ("4d. peak memory of 4a", f"{uncached[2] / 1024:.0f} MiB", ""),
        ]

        one = files[0]
        python = median_command(repeats, sys.executable, "-c", "import lxml.etree")
        single = median_command(repeats, *virtlint("--no-cache", str(one)), cwd=work)
        hit = median_command(repeats, *virtlint(str(one)), cwd=work)
        rows += [
            ("5a. `python -c 'import lxml.etree'`", f"{python[0] * 1e3:.0f} ms", "1.00x"),
            ("5b. `virtlint check`, one file, cold start, no cache", f"{single[0] * 1e3:.0f} ms",
             f"**{single[0] / python[0]:.2f}x**; target < 2.5x"),
            ("5c. the same, a cache hit", f"{hit[0] * 1e3:.0f} ms", f"{hit[0] / python[0]:.2f}x"),
        ]

        big = work / "big.xml"
        scale = 1
        while True:
            big.write_text(generate.domain(random.Random(1), 0, scale))
            if big.read_text().count("\n") >= 2000:
                break
            scale += 1
        lines = big.read_text().count("\n")
        keystrokes = 10 if args.quick else 40
        default = lsp_latency(big, keystrokes, None, 0.3)
        immediate = lsp_latency(big, keystrokes, 0, 0.05)
        rows += [
            (f"6a. editor, keystroke to diagnostics, {lines} lines, default settings",
             f"p50 {statistics.median(default) * 1e3:.1f} ms", f"**p95 {p95(default) * 1e3:.1f} ms**; target < 50 ms"),
            (f"6b. the same, debounce 0", f"p50 {statistics.median(immediate) * 1e3:.1f} ms",
             f"p95 {p95(immediate) * 1e3:.1f} ms"),
        ]

        sizes = []
        for scale_factor in ((1, 10) if args.quick else (1, 10, 70, 700)):
            size_modes: dict[str, Callable[[bytes], object]] = {
                "floor": floor_b, "bare": engine(no_structure),
                "alone": lambda x: rng.validate(etree.ElementTree(etree.fromstring(x))), "full": engine(strict)}
            if table is not None:
                size_modes["structured"] = engine(table)
            # a file for the warm-up, then an unseen one for each mode and repeat (see interleaved)
            seed = random.Random(2)
            sized = [generate.domain(seed, index, scale_factor).encode() for index in range(1 + len(size_modes) * 3)]
            timed = interleaved(size_modes, sized, 3, warm=1)
            sizes.append((len(sized[0]), timed["floor"], timed["bare"], timed["alone"], timed["full"],
                          timed.get("structured")))
        counts = []
        for how_many in (1, 10, 100, 1000, 10000):
            if how_many > count:
                break
            sub = work / f"count{how_many}"
            sub.mkdir()
            for path in files[:how_many]:
                os.link(path, sub / path.name)
            counts.append((how_many, command(*virtlint("-q", "--no-cache", str(sub)), cwd=work)[0],
                           command(*virtlint("-q", "--no-cache", "--ignore", "VL901", str(sub)), cwd=work)[0]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    width = max(len(r[0]) for r in rows)
    print(f"\n| {'measure':<{width}} | value | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, ratio in rows:
        print(f"| {name:<{width}} | {value} | {ratio} |")
    print("\nGrowth with file size (in process, CPU ms per file):")
    print("| bytes | floor B | engine, no structure | RelaxNG alone | engine, strict | engine, table |")
    print("|---|---|---|---|---|---|")
    for length, base, bare, alone, full, structured in sizes:
        table_cell = f"{structured * 1e3:.2f} ({structured / alone:.2f}x RelaxNG)" if structured else "-"
        print(f"| {length:,} | {base * 1e3:.2f} | {bare * 1e3:.2f} ({bare / base:.2f}x B) | {alone * 1e3:.2f} | "
              f"{full * 1e3:.2f} ({full / alone:.2f}x RelaxNG) | {table_cell} |")
    print("\nGrowth with file count (`virtlint check --no-cache`, wall seconds):")
    print("| files | structure table (default) | per file | `--ignore VL901` |\n|---|---|---|---|")
    for how_many, wall, ignored in counts:
        print(f"| {how_many:,} | {wall:.2f} s | {wall / how_many * 1e3:.2f} ms | {ignored:.2f} s |")


if __name__ == "__main__":
    main()
