"""The oracle's daemon between modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import libvirt_oracle  # noqa: E402


@pytest.fixture(autouse=True, scope="module")
def fresh_daemon_afterwards() -> Iterator[None]:
    """After each module of cases, restart the daemon .ci/libvirt.sh started (a daemon started otherwise is left
    alone): libvirt 9.0's daemon can be left with a damaged heap by a refusal (a NUMA <distances>, an absurd
    vCPU count) and crash a few calls later, in whatever test comes next."""
    yield
    if libvirt_oracle.SCRIPT.exists() and libvirt_oracle.STATE_PID.exists():
        libvirt_oracle.restart_daemon()
