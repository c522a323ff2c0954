"""Configuration: `virtlint.toml`, or `[tool.virtlint]` in `pyproject.toml`, found upward."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

CONFIG_NAMES = ("virtlint.toml", ".virtlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """The configuration file exists but cannot be used."""


@dataclass(slots=True)
class Config:
    source: Path | None = None
    #: Caps files or directories, absolute (relative entries are taken from the config's folder).
    caps: list[str] = field(default_factory=list)
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)


def find_config(start: Path) -> Config:
    """The first configuration found in ``start`` or a parent folder; an empty one when none."""
    folder = start if start.is_dir() else start.parent
    for directory in (folder, *folder.parents):
        for name in CONFIG_NAMES:
            candidate = directory / name
            if candidate.is_file():
                config = load_config(candidate)
                if config is not None:
                    return config
    return Config()


def load_config(path: Path) -> Config | None:
    """Read one file; None for a pyproject.toml without a [tool.virtlint] table."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("virtlint")
        if data is None:
            return None
    return Config(
        source=path,
        caps=[os.path.join(path.parent, entry) for entry in _strings(path, data, "caps")],
        select=_strings(path, data, "select"),
        ignore=_strings(path, data, "ignore"),
    )


def _strings(path: Path, data: dict, key: str) -> list[str]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value
