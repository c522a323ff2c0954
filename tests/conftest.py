"""Shared helpers: fixture paths, the optional ../shared corpus, and one-call linting."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from virtlint.linter.caps import DomainCaps
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Finding

#: The command lines the tests run lint afresh: a result cached by an earlier run (the cache is keyed by the
#: sources, not by a test's monkeypatching) must not answer for them. tests/test_cache.py turns it back on.
os.environ.setdefault("VIRTLINT_NO_CACHE", "1")

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
CAPS = FIXTURES / "caps"
#: The read-only ground truth beside the repository; absent in a user's fresh clone.
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available (the shared corpus lives beside the repository)")
    return path


def caps_from_text(text: str, path: str = "caps.xml") -> DomainCaps:
    return DomainCaps(Document(text, path))


def lint(domain: str, *caps: str | Path, select: tuple[str, ...] = (), schema: bool = False,
         report_missing_schema: bool = False) -> list[Finding]:
    """Lint domain XML text against caps given as XML text or fixture paths (and libvirt's schema if asked)."""
    is_host = [isinstance(c, str) and c.lstrip().startswith("<capabilities") for c in caps]
    documents = [
        DomainCaps.from_file(str(c)) if isinstance(c, Path) else caps_from_text(c, f"caps{i}.xml")
        for i, c in enumerate(caps) if not is_host[i]
    ]
    hosts = [HostCaps(Document(c, f"host{i}.xml")) for i, c in enumerate(caps) if is_host[i]]
    linter = Linter(documents, select=select, schema=installed_schema() if schema else None,
                    report_missing_schema=report_missing_schema, hosts=hosts)
    return linter.lint_document(Document(domain, "dom.xml")).findings


def installed_schema():
    """libvirt's installed RelaxNG schema, or a skip when libvirt's schemas are not on this machine."""
    from virtlint.linter.schema import schema_for

    schema = schema_for()
    if schema is None:
        pytest.skip("libvirt's RelaxNG schemas are not installed (/usr/share/libvirt/schemas; .ci/run installs them)")
    return schema


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


Q35_KVM = CAPS / "x86_64-q35-kvm.xml"
Q35_TCG = CAPS / "x86_64-q35-qemu.xml"
PC_KVM = CAPS / "x86_64-pc-kvm.xml"
AARCH64_TCG = CAPS / "aarch64-virt-qemu.xml"

#: The editor tests' document (LSP editing, Neovim): a q35 domain whose IDE cdrom q35 refuses.
EDITOR_DOMAIN = """<domain type='kvm'>
  <name>vm</name><memory unit='MiB'>1024</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <disk type='file' device='cdrom'><target dev='sdc' bus='ide'/></disk>
  </devices>
</domain>
"""


@pytest.fixture(autouse=True, scope="module")
def fresh_oracle_daemon_afterwards(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each module of the oracle's cases (tests/oracle), restart the daemon .ci/libvirt.sh started (a daemon
    started otherwise is left alone): libvirt 9.0's daemon can be left with a damaged heap by a refusal (a NUMA
    <distances>, an absurd vCPU count) and crash a few calls later, in whatever test comes next."""
    yield
    if Path(str(request.path)).parent != TESTS / "oracle":
        return
    import sys

    sys.path.insert(0, str(TESTS / "oracle"))
    import libvirt_oracle

    if libvirt_oracle.SCRIPT.exists() and libvirt_oracle.STATE_PID.exists():
        libvirt_oracle.restart_daemon()
