"""The virtlint benchmark: one command, a table of per-file costs and their ratios.

    .venv/bin/python benchmarks/run.py [--files 1000] [--quick]

Generates realistic domain XMLs (benchmarks/generate.py) and uses a real
`virsh domcapabilities` document (examples/host-caps.xml), then measures:

 1. bare lxml parse + full element iteration, per file (the floor);
 2. virtlint's engine in process (parse, positions when needed, all rules, the RelaxNG check), per file;
 3. `virtlint check` over N files, one command (it forks a worker per CPU), wall time;
 4. `virt-xml-validate` per file (when installed) and libvirt's RNG check in process;
 5. `virtlint check` on one file from a cold start, against starting Python with lxml imported;
 6. language-server didChange-to-diagnostics latency on a 2,000-line domain;
 7. peak memory of (3);
 and growth with file size and file count (1x, 10x, 100x).
Timings are medians of repeats. Nothing here asserts: it reports.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
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

CAPS = REPO / "examples" / "host-caps.xml"
MEASURE_CHILD = """
import resource, subprocess, sys, time
start = time.perf_counter()
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def per_file(function, blobs: list[bytes], repeats: int) -> float:
    """Median seconds per file of function(blob) over the blobs."""
    function(blobs[0])
    runs = []
    for _ in range(repeats):
        start = time.perf_counter()
        for blob in blobs:
            function(blob)
        runs.append((time.perf_counter() - start) / len(blobs))
    return statistics.median(runs)


def floor(blob: bytes) -> None:
    for _ in etree.fromstring(blob).iter():
        pass


def command(*args: str) -> tuple[float, int]:
    """(wall seconds, peak RSS KiB) of a command in a fresh process."""
    out = subprocess.run([sys.executable, "-c", MEASURE_CHILD, *args], capture_output=True, text=True,
                         check=True).stdout.split()
    return float(out[0]), int(out[1])


def virtlint() -> list[str]:
    return [sys.executable, "-m", "virtlint"]


def lsp_latency(path: Path, changes: int) -> list[float]:
    from stdio_client import StdioClient

    text = path.read_text()
    client = StdioClient(str(CAPS), pull=False)
    try:
        uri = path.as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "xml", "version": 1,
                                                                "text": text}})
        client.wait_for("textDocument/publishDiagnostics")
        latencies = []
        for version in range(2, changes + 2):
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
    return (f"{cpu}, {os.cpu_count()} cores, {os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') // 2**30} GiB; "
            f"{platform.platform()}; Python {platform.python_version()}, lxml {etree.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="fewer repeats, for a smoke run")
    args = parser.parse_args()
    repeats = 3 if args.quick else 7
    work = Path(tempfile.mkdtemp(prefix="virtlint-bench-"))
    rows: list[tuple[str, str, str]] = []
    try:
        files = generate.write(work / "domains", args.files)
        blobs = [p.read_bytes() for p in files]
        sample = blobs[: min(200, len(blobs))]
        size = statistics.mean(len(b) for b in blobs)
        elements = statistics.mean(sum(1 for _ in etree.fromstring(b).iter()) for b in sample[:20])
        caps = DomainCaps.from_file(str(CAPS))
        schema = schema_for()
        full = Linter([caps], schema=schema)
        no_schema = Linter([caps])

        base = per_file(floor, sample, repeats)
        rows.append(("1. lxml parse + iterate (floor)", f"{base * 1e6:.0f} µs/file", "1.00x"))
        engine = per_file(lambda b: full.lint_document(Document.from_bytes(b, "x")), sample, repeats)
        rows.append(("2. engine in process, all rules + RelaxNG", f"{engine * 1e6:.0f} µs/file",
                     f"{engine / base:.2f}x"))
        caps_only = per_file(lambda b: no_schema.lint_document(Document.from_bytes(b, "x")), sample, repeats)
        rows.append(("2a. engine without the RelaxNG check", f"{caps_only * 1e6:.0f} µs/file",
                     f"{caps_only / base:.2f}x"))

        def with_positions(blob: bytes) -> None:
            document = Document.from_bytes(blob, "x")
            no_schema.lint_document(document)
            document.tag_span(document.root)  # forces the position scan

        forced = per_file(with_positions, sample, repeats)
        rows.append(("2b. engine without RelaxNG, positions forced", f"{forced * 1e6:.0f} µs/file",
                     f"{forced / base:.2f}x"))

        wall, rss = command(*virtlint(), "check", "--caps", str(CAPS), "-q", str(work / "domains"))
        rows.append((f"3. virtlint check, {args.files} files, one command ({os.cpu_count()} workers)", f"{wall:.2f} s",
                     f"{wall / args.files * 1e3:.2f} ms/file"))
        rows.append(("7. peak memory of (3)", f"{rss / 1024:.0f} MiB", ""))

        rng = schema._full if schema else None
        if rng is not None:
            validate = per_file(lambda b: rng.validate(etree.ElementTree(etree.fromstring(b))), sample, repeats)
            rows.append(("4a. libvirt RNG check in process (lxml RelaxNG)", f"{validate * 1e6:.0f} µs/file",
                         f"{validate / base:.2f}x"))
        if shutil.which("virt-xml-validate"):
            times = [command("virt-xml-validate", str(p), "domain")[0] for p in files[:20]]
            rows.append(("4b. virt-xml-validate, per file (a process each)", f"{statistics.median(times) * 1e3:.1f} ms",
                         ""))
        else:
            rows.append(("4b. virt-xml-validate", "not installed", ""))

        cold = statistics.median(command(*virtlint(), "check", "--caps", str(CAPS), str(files[0]))[0]
                                 for _ in range(repeats))
        python = statistics.median(command(sys.executable, "-c", "import lxml.etree")[0] for _ in range(repeats))
        rows.append(("5. virtlint check, one file, cold start", f"{cold * 1e3:.0f} ms",
                     f"{cold / python:.2f}x python+lxml ({python * 1e3:.0f} ms)"))

        big = work / "big.xml"
        scale = 1
        while True:
            big.write_text(generate.domain(__import__("random").Random(1), 0, scale))
            if big.read_text().count("\n") >= 2000:
                break
            scale += 1
        latencies = lsp_latency(big, 10 if args.quick else 30)
        rows.append((f"6. LSP didChange -> diagnostics, {big.read_text().count(chr(10))}-line domain",
                     f"{statistics.median(latencies) * 1e3:.1f} ms median", f"p90 {sorted(latencies)[int(len(latencies) * .9) - 1] * 1e3:.1f} ms"))

        growth = []
        for factor in (1, 10, 100):
            blob = generate.domain(__import__("random").Random(2), 0, factor).encode()
            cost = per_file(lambda b: full.lint_document(Document.from_bytes(b, "x")), [blob], repeats)
            growth.append((factor, len(blob), cost, per_file(floor, [blob], repeats)))
        counts = []
        for count in (10, 100, 1000):
            folder = work / f"count{count}"
            generate.write(folder, count)
            counts.append((count, command(*virtlint(), "check", "--caps", str(CAPS), "-q", str(folder))[0]))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Machine: {machine()}")
    print(f"Domains: {args.files} generated files, {size / 1024:.1f} KB and {elements:.0f} elements on average; "
          f"caps: {CAPS.relative_to(REPO)}\n")
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value | ratio |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for name, value, ratio in rows:
        print(f"| {name:<{width}} | {value} | {ratio} |")
    print("\nGrowth with file size (engine, all rules + RelaxNG):")
    print("| size | bytes | engine | floor | ratio |\n|---|---|---|---|---|")
    for factor, length, cost, base_cost in growth:
        print(f"| {factor}x | {length} | {cost * 1e3:.2f} ms | {base_cost * 1e3:.2f} ms | {cost / base_cost:.2f}x |")
    print("\nGrowth with file count (`virtlint check`, one command, wall time):")
    print("| files | wall | per file |\n|---|---|---|")
    for count, wall in counts:
        print(f"| {count} | {wall:.2f} s | {wall / count * 1e3:.2f} ms |")


if __name__ == "__main__":
    main()
