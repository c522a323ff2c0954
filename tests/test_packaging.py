"""What `pip install .` puts in site-packages: only the `virtlint` namespace."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def test_wheel_holds_only_the_virtlint_package(tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the work tree
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "node_modules", "vscode-extension", "build", "*.egg-info", "__pycache__", ".*cache", ".venv", "artifacts"))
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(out)], check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("virtlint-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"virtlint", next(t for t in tops if t.endswith(".dist-info"))}
    for package in ("linter", "rules", "lsp"):
        assert f"virtlint/{package}/__init__.py" in names
    assert "virtlint/__main__.py" in names
    assert not any(name.startswith(("virtlint/tests", "virtlint/examples")) for name in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "virtlint = virtlint.linter.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
