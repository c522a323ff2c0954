"""Start-up: a one-file `virtlint check` imports only what it needs and exits without teardown, output intact."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import Q35_KVM

DOMAIN = """<domain type='kvm'><name>a</name><memory>1048576</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices><disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk></devices>
</domain>
"""

#: modules a plain check of one file must not import (each costs milliseconds at start)
HEAVY = ("dataclasses", "difflib", "multiprocessing", "tempfile", "pkgutil", "logging", "socket", "copy")


@pytest.mark.parametrize("cache", [False, True])
def test_one_file_check_imports_nothing_heavy(tmp_path: Path, cache: bool) -> None:
    domain = tmp_path / "d.xml"
    domain.write_text(DOMAIN)
    flags = [] if cache else ["--no-cache"]
    env = {k: v for k, v in os.environ.items() if k != "VIRTLINT_NO_CACHE"}
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "virtlint", "check", "--caps", str(Q35_KVM),
                          *flags, str(domain)], capture_output=True, text=True, cwd=tmp_path, env=env)
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time")}
    assert "virtlint.rules" in imported
    # (json is used: the structure table and the cache's entries are JSON)
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_exit_status_and_output_survive_the_fast_exit(tmp_path: Path) -> None:
    domain = tmp_path / "d.xml"
    domain.write_text(DOMAIN)
    command = [sys.executable, "-m", "virtlint", "check", "--caps", str(Q35_KVM)]
    piped = subprocess.run([*command, "--format", "json", str(domain)], capture_output=True, text=True)
    report = tmp_path / "report.json"
    written = subprocess.run([*command, "--format", "json", "-o", str(report), str(domain)], capture_output=True,
                             text=True)
    assert piped.returncode == written.returncode
    assert piped.stdout and piped.stdout == report.read_text()
    clean = tmp_path / "clean.xml"
    clean.write_text(DOMAIN.replace("<devices><disk type='file' device='floppy'><target dev='fda' bus='fdc'/></disk>"
                                    "</devices>", ""))
    assert subprocess.run([*command, "-q", str(clean)], capture_output=True).returncode in (0, 1)
    missing = subprocess.run([*command, str(tmp_path / "nope.xml")], capture_output=True, text=True)
    assert missing.returncode == 2 and "nope.xml" in missing.stderr


def test_the_rules_bundle_holds_every_rule_module_even_one_another_imports(tmp_path: Path) -> None:
    """The rule modules' code is loaded from one bundle beside their bytecode; a module another rule module imports
    first (features_parser imports parser_number) must still go in it, or no bundle is written at all."""
    import marshal

    import virtlint.rules as rules

    folder = rules.__path__[0]
    bundle = rules._bundle_path(folder)
    if bundle is None:
        pytest.skip("bytecode is not cached beside the sources here")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    Path(bundle).unlink(missing_ok=True)
    subprocess.run([sys.executable, "-c", "import virtlint.rules"], env=env, check=True, timeout=120)
    data = Path(bundle).read_bytes()
    size = int.from_bytes(data[:4], "little")
    codes = marshal.loads(data[4 + size:])
    modules = {entry[:-3] for entry in os.listdir(folder) if entry.endswith(".py") and not entry.startswith("_")}
    assert set(codes) == modules and "parser_number" in codes


def test_lazy_patterns_behave_as_compiled_ones() -> None:
    """Module-level patterns compile on first use (linter/lazy_re.py); every method then answers as re's."""
    import re

    from virtlint.linter.lazy_re import lazy_compile

    text = "a1 b22 C333"
    for source, flags in ((r"([a-z])(\d+)", 0), (r"([a-z])(\d+)", re.I)):
        lazy, compiled = lazy_compile(source, flags), re.compile(source, flags)
        assert lazy.pattern == source and lazy.groups == compiled.groups  # (before any match: compiles)
        for method, args in (("match", (text,)), ("fullmatch", ("a1",)), ("search", (text,)),
                             ("findall", (text,)), ("split", (text,)), ("sub", ("-", text)), ("subn", ("-", text))):
            got, want = getattr(lazy, method)(*args), getattr(compiled, method)(*args)
            assert (got.group(0) if isinstance(got, re.Match) else got) == \
                (want.group(0) if isinstance(want, re.Match) else want), method
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in compiled.finditer(text)]
