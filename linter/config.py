"""Configuration: `virtlint.toml`, or `[tool.virtlint]` in `pyproject.toml`, found upward."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from virtlint.linter._record import Record

CONFIG_NAMES = ("virtlint.toml", ".virtlint.toml", "pyproject.toml")


class ConfigError(Exception):
    """The configuration file exists but cannot be used."""


SEVERITIES = ("error", "warning", "info")
#: Every key a configuration may hold (in virtlint.toml, or [tool.virtlint] in pyproject.toml).
KEYS = ("caps", "select", "ignore", "extend-select", "severity", "per-file-ignores", "fail-on", "schemas",
        "libvirt-version", "libvirt_version", "cache-dir", "strict-schema")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for the closest choice, or "" when none is close."""
    import difflib

    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Config(Record):
    source: Path | None
    #: Caps files or directories, absolute (relative entries are taken from the config's folder).
    caps: list[str]
    select: list[str]
    ignore: list[str]
    extend_select: list[str]
    #: Severity overrides: code or prefix -> 'error' | 'warning' | 'info'.
    severity: dict[str, str]
    #: Glob (relative to the config's folder) -> codes or prefixes ignored in matching files.
    per_file_ignores: dict[str, list[str]]
    fail_on: str | None
    #: Folder of libvirt's RelaxNG schemas (default: where libvirt installs them).
    schemas: str | None
    #: The libvirt release whose checks apply, (major, minor); None: the newest known.
    libvirt_version: tuple[int, int] | None
    #: Where the result cache lives (default: .virtlint_cache beside this file).
    cache_dir: str | None
    #: Check the structure with libvirt's full RelaxNG schema instead of the structure table.
    strict_schema: bool

    __slots__ = (
        "source",
        "caps",
        "select",
        "ignore",
        "extend_select",
        "severity",
        "per_file_ignores",
        "fail_on",
        "schemas",
        "libvirt_version",
        "cache_dir",
        "strict_schema",
    )
    _fields = __slots__

    def __init__(
        self,
        source: Path | None = None,
        caps: list[str] | None = None,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        extend_select: list[str] | None = None,
        severity: dict[str, str] | None = None,
        per_file_ignores: dict[str, list[str]] | None = None,
        fail_on: str | None = None,
        schemas: str | None = None,
        libvirt_version: tuple[int, int] | None = None,
        cache_dir: str | None = None,
        strict_schema: bool = False,
    ) -> None:
        self.source = source
        self.caps = [] if caps is None else caps
        self.select = [] if select is None else select
        self.ignore = [] if ignore is None else ignore
        self.extend_select = [] if extend_select is None else extend_select
        self.severity = {} if severity is None else severity
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.fail_on = fail_on
        self.schemas = schemas
        self.libvirt_version = libvirt_version
        self.cache_dir = cache_dir
        self.strict_schema = strict_schema


def find_config(start: Path) -> Config:
    """The first configuration found in ``start`` or a parent folder; an empty one when none.

    Raises ConfigError for a configuration that exists but cannot be used (syntax, unknown keys, bad values).
    """
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
    import tomllib  # only when there is a configuration file to read

    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("virtlint")
        if data is None:
            return None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: [tool.virtlint] must be a table")
    for key in data:
        if key not in KEYS:
            raise ConfigError(f"{path}: unknown key {key!r}{did_you_mean(key, KEYS)}; "
                              f"known keys: {', '.join(KEYS)}")
    severity = data.get("severity", {})
    if not isinstance(severity, dict) or any(v not in SEVERITIES for v in severity.values()):
        raise ConfigError(f"{path}: 'severity' must map rule codes to one of {', '.join(SEVERITIES)}")
    per_file = data.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigError(f"{path}: 'per-file-ignores' must map file patterns to lists of rule codes")
    strict_schema = data.get("strict-schema", False)
    if not isinstance(strict_schema, bool):
        raise ConfigError(f"{path}: 'strict-schema' must be true or false")
    cache_dir = data.get("cache-dir")
    if cache_dir is not None and not isinstance(cache_dir, str):
        raise ConfigError(f"{path}: 'cache-dir' must be a folder name")
    fail_on = data.get("fail-on")
    if fail_on is not None and fail_on not in SEVERITIES:
        raise ConfigError(f"{path}: 'fail-on' must be one of {', '.join(SEVERITIES)}")
    return Config(
        libvirt_version=_libvirt_version(path, data),
        source=path,
        caps=[os.path.join(path.parent, entry) for entry in _strings(path, data, "caps")],
        select=_strings(path, data, "select"),
        ignore=_strings(path, data, "ignore"),
        extend_select=_strings(path, data, "extend-select"),
        severity={code.upper(): level for code, level in severity.items()},
        per_file_ignores={pattern: _strings(path, per_file, pattern) for pattern in per_file},
        fail_on=fail_on,
        schemas=os.path.join(path.parent, data["schemas"]) if isinstance(data.get("schemas"), str) else None,
        cache_dir=os.path.join(path.parent, cache_dir) if cache_dir else None,
        strict_schema=strict_schema,
    )


def ignored_for(config: Config, file: str) -> list[str]:
    """The codes that per-file-ignores silence for this file."""
    import fnmatch

    if not config.per_file_ignores:
        return []
    base = config.source.parent if config.source else Path.cwd()
    try:
        relative = Path(os.path.abspath(file)).relative_to(base.resolve()).as_posix()
    except ValueError:
        relative = Path(file).as_posix()
    return [code for pattern, codes in config.per_file_ignores.items()
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(Path(file).name, pattern) for code in codes]


def _libvirt_version(path: Path, data: dict) -> tuple[int, int] | None:
    """`libvirt_version = "9.0"` (or `libvirt-version`)."""
    from virtlint.linter import versions

    value = data.get("libvirt_version", data.get("libvirt-version"))
    if value is None:
        return None
    try:
        return versions.parse(str(value))
    except ValueError as err:
        raise ConfigError(f"{path}: 'libvirt_version': {err}") from None


def _strings(path: Path, data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{path}: '{key}' must be a list of strings")
    return value
