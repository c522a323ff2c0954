"""Type hints are checked: mypy over the installed package, as .ci/run does, is clean."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO


def test_mypy_is_clean_over_the_installed_package(tmp_path: Path) -> None:
    pytest.importorskip("mypy", reason="mypy is in the test extra: pip install -e '.[test]'")
    assert "mypy --config-file ../../pyproject.toml -p virtlint" in (REPO / ".ci" / "run").read_text()
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the work tree
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(
        ".git", "node_modules", "vscode-extension", "build", "dist", "*.egg-info", "__pycache__", ".*cache",
        ".venv", "artifacts", "tests", "docs", "benchmarks"))
    target = tmp_path / "installed"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target",
                    str(target), str(source)], check=True, capture_output=True, timeout=300)
    result = subprocess.run([sys.executable, "-m", "mypy", "--config-file", str(REPO / "pyproject.toml"),
                             "--cache-dir", str(tmp_path / "cache"), "-p", "virtlint"],
                            cwd=target, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
