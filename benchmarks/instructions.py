"""Per-file CPU instruction counts of each mode, with valgrind's callgrind: the load-independent companion of
run.py's timed rows (on a shared machine timings move by up to 2x between runs; instruction counts do not).

    .venv/bin/python benchmarks/instructions.py [--files 40]

Each mode runs in its own process under callgrind twice: once over WARM files (caches and per-caps
memos built, as in a long run) and once over WARM + N new files; the difference divided by N is the mode's
cost per file, start-up excluded. Needs valgrind (Debian: valgrind). Instruction counts are not time (Python's
interpreter and libxml2 differ in instructions per cycle), so both this and run.py are reported.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from run import CAPS  # noqa: E402

WARM = 10
#: mode -> the statement run for each blob (``blob``), after the shared set-up below
MODES = {
    "floor A: parse + iterate": "for _ in etree.fromstring(blob).iter(): pass",
    "RelaxNG alone: parse + validate": "rng.validate(etree.ElementTree(etree.fromstring(blob)))",
    "engine, no structure check": "plain.lint_document(Document.from_bytes(blob, 'x'))",
    "engine, structure table (default)": "table.lint_document(Document.from_bytes(blob, 'x'))",
    "engine, strict RelaxNG": "strict.lint_document(Document.from_bytes(blob, 'x'))",
}
SETUP = """
import random, sys
sys.path.insert(0, {here!r})
import generate
from lxml import etree
from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.schema import schema_for
from virtlint.linter.structure import table_for
caps = DomainCaps.from_file({caps!r})
schema = schema_for()
rng = schema._full
plain, table, strict = Linter([caps]), Linter([caps], schema=table_for()), Linter([caps], schema=schema)
rng_random = random.Random(7)
blobs = [generate.domain(rng_random, i).encode() for i in range({count})]
for blob in blobs:
    {statement}
"""


def instructions(statement: str, count: int, work: Path) -> int:
    script = work / "mode.py"
    script.write_text(SETUP.format(here=str(HERE), caps=str(CAPS), count=count, statement=statement))
    out = work / "callgrind.out"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
                    str(script)], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    match = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
    assert match, "callgrind wrote no summary"
    return int(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=40)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed (Debian: apt-get install valgrind)")
    work = Path(tempfile.mkdtemp(prefix="virtlint-instructions-"))
    try:
        per_file = {}
        for name, statement in MODES.items():
            base = instructions(statement, WARM, work)
            total = instructions(statement, WARM + args.files, work)
            per_file[name] = (total - base) / args.files
        floor, relaxng = per_file["floor A: parse + iterate"], per_file["RelaxNG alone: parse + validate"]
        print(f"Instructions per 5 KB generated domain (callgrind, {args.files} new files after {WARM} warm-up ones)")
        print("| mode | instructions | vs floor A | vs RelaxNG alone |")
        print("|---|---|---|---|")
        for name, count in per_file.items():
            print(f"| {name} | {count / 1e6:.2f}M | {count / floor:.2f}x | {count / relaxng:.2f}x |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
