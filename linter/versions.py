"""libvirt releases: which one the checks model, and how a user names one.

Some of libvirt's refusals were added or lifted in a release (CPU clusters in the topology
count since 10.1, for example); rules ask ``ctx.libvirt_at_least(major, minor)``.
"""

from __future__ import annotations

import re

#: The newest libvirt release whose checks virtlint models: the default.
NEWEST: tuple[int, int] = (10, 7)


def parse(text: str) -> tuple[int, int]:
    """'9.0', '10.7.0' or libvirt's number 9000000 -> (major, minor); ValueError otherwise."""
    text = str(text).strip()
    match = re.fullmatch(r"(\d+)\.(\d+)(?:\.\d+)?", text)
    if match:
        return int(match.group(1)), int(match.group(2))
    if re.fullmatch(r"\d{7,}", text):  # virConnectGetLibVersion: major * 1000000 + minor * 1000 + micro
        number = int(text)
        return number // 1_000_000, number // 1000 % 1000
    raise ValueError(f"not a libvirt version: {text!r} (expected MAJOR.MINOR, e.g. 9.0)")


def label(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
