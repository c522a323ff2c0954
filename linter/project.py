"""The project model: which settings apply to a file, and the linter that checks it.

Every front end (``virtlint check``, ``check --fleet`` and the language server) asks this module, so
they agree. Settings are layered as in ruff: the configuration file found upward from a folder (or the
one named with ``--config``), then what the command line or the editor says (``Overrides``). Relative
paths in a configuration file are taken from the file's folder; relative paths in overrides from the
folder they were given for (the current directory for the command line, the workspace folder for an
editor, so each folder of a multi-root workspace resolves its own).

This module also owns the "is this a domain document?" test and the notes said once per run (not once
per file), e.g. that libvirt's schemas are missing.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from virtlint.linter._record import Record
from virtlint.linter.config import SEVERITIES, Config, ConfigError, did_you_mean, find_config, ignored_for, load_config
from virtlint.linter.document import Document, InputError, read_bytes, within_limit
from virtlint.linter.lazy_re import lazy_compile

if TYPE_CHECKING:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.cpu_map import CpuMapSource
    from virtlint.linter.engine import Linter
    from virtlint.linter.host import HostCaps
    from virtlint.linter.model import Severity
    from virtlint.linter.schema import DomainSchema

MISSING_SCHEMAS_NOTE = ("the structure was not checked (VL901): libvirt's RelaxNG schemas were not found; "
                        "install them (Debian: libvirt0) or pass --schemas DIR")


class Overrides(Record):
    """Settings from the command line or an editor; they win over the configuration file.

    ``None`` or empty means "as configured". ``ignore`` and ``extend_select`` add to the configuration's
    lists; ``select`` replaces its selection. ``base`` is the folder relative paths here are taken from.
    """

    caps: list[str] | None
    select: list[str] | None
    extend_select: list[str]
    ignore: list[str]
    severity: dict[str, str]
    fail_on: str | None
    schemas: str | None
    #: Use this configuration file instead of searching for one (`--config FILE`).
    config_file: str | None
    #: Ignore every configuration file (`--isolated`).
    isolated: bool
    base: str | None
    #: Check the structure with libvirt's full RelaxNG schema rather than the structure table.
    strict_schema: bool
    #: The libvirt release whose checks apply ('9.0'; `--libvirt-version`, or the host's with `--connect`).
    libvirt_version: str | None

    __slots__ = (
        "caps",
        "select",
        "extend_select",
        "ignore",
        "severity",
        "fail_on",
        "schemas",
        "config_file",
        "isolated",
        "base",
        "strict_schema",
        "libvirt_version",
    )
    _fields = __slots__

    def __init__(
        self,
        caps: list[str] | None = None,
        select: list[str] | None = None,
        extend_select: list[str] | None = None,
        ignore: list[str] | None = None,
        severity: dict[str, str] | None = None,
        fail_on: str | None = None,
        schemas: str | None = None,
        config_file: str | None = None,
        isolated: bool = False,
        base: str | None = None,
        strict_schema: bool = False,
        libvirt_version: str | None = None,
    ) -> None:
        self.caps = caps
        self.select = select
        self.extend_select = [] if extend_select is None else extend_select
        self.ignore = [] if ignore is None else ignore
        self.severity = {} if severity is None else severity
        self.fail_on = fail_on
        self.schemas = schemas
        self.config_file = config_file
        self.isolated = isolated
        self.base = base
        self.strict_schema = strict_schema
        self.libvirt_version = libvirt_version

    @classmethod
    def from_editor(cls, settings: object, base: str | None) -> Overrides:
        """Overrides from an editor's `virtlint` settings (keys as in virtlint.toml, or camelCase)."""
        if not isinstance(settings, dict):
            return cls(base=base)

        def strings(*keys: str) -> list[str] | None:
            for key in keys:
                value = settings.get(key)
                if isinstance(value, str):
                    return [value] if value else None
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    return list(value) or None
            return None

        severity = settings.get("severity")
        schemas = settings.get("schemas")
        config_file = settings.get("configFile", settings.get("config"))
        fail_on = settings.get("failOn", settings.get("fail-on"))
        libvirt_version = settings.get("libvirtVersion", settings.get("libvirt-version"))
        return cls(
            caps=strings("caps"),
            select=strings("select"),
            extend_select=strings("extendSelect", "extend-select") or [],
            ignore=strings("ignore") or [],
            severity={k: v for k, v in severity.items() if isinstance(k, str) and isinstance(v, str)}
            if isinstance(severity, dict) else {},
            fail_on=fail_on if isinstance(fail_on, str) else None,
            schemas=schemas if isinstance(schemas, str) and schemas else None,
            strict_schema=settings.get("strictSchema", settings.get("strict-schema")) is True,
            config_file=config_file if isinstance(config_file, str) and config_file else None,
            base=base,
            libvirt_version=libvirt_version if isinstance(libvirt_version, str) and libvirt_version else None,
        )

    def path(self, value: str) -> str:
        return value if os.path.isabs(value) or self.base is None else os.path.join(self.base, value)


class Settings(Record):
    """What applies to every file of a project (per-file ignores are applied by ``Project.linter_for``)."""

    config: Config
    caps: list[str]
    select: list[str]
    ignore: list[str]
    severity: dict[str, str]
    fail_on: str
    schemas: str | None
    #: libvirt's schema is wanted (VL901 selected and not ignored).
    structure: bool
    #: The libvirt release whose checks apply, (major, minor); None: the newest known.
    libvirt_version: tuple[int, int] | None
    #: The structure is checked with full RelaxNG (`--strict-schema`), not the structure table.
    strict_schema: bool

    __slots__ = ("config", "caps", "select", "ignore", "severity", "fail_on", "schemas", "structure", "libvirt_version",
                 "strict_schema")
    _fields = __slots__

    def __init__(
        self,
        config: Config,
        caps: list[str],
        select: list[str],
        ignore: list[str],
        severity: dict[str, str],
        fail_on: str,
        schemas: str | None,
        structure: bool,
        libvirt_version: tuple[int, int] | None = None,
        strict_schema: bool = False,
    ) -> None:
        self.config = config
        self.caps = caps
        self.select = select
        self.ignore = ignore
        self.severity = severity
        self.fail_on = fail_on
        self.schemas = schemas
        self.structure = structure
        self.libvirt_version = libvirt_version
        self.strict_schema = strict_schema


def resolve_selectors(values: Iterable[str], where: str) -> list[str]:
    """Codes or code prefixes for rule codes, names or prefixes; ConfigError for one that names nothing."""
    values = [value for value in values if value.strip()]
    if not values:  # nothing to look up: the rules need not be imported (a cache hit never imports them)
        return []
    from virtlint.linter.engine import all_rules

    rules = all_rules()
    codes = [rule.code for rule in rules]
    names = {rule.name: rule.code for rule in rules}
    resolved = []
    for value in values:
        selector = value.strip()
        if not selector:
            continue
        if selector in names:
            resolved.append(names[selector])
        elif any(code.startswith(selector.upper()) for code in codes):
            resolved.append(selector.upper())
        else:
            hint = did_you_mean(selector.upper(), codes) or did_you_mean(selector, names)
            raise ConfigError(f"{where}: unknown rule {selector!r}{hint}; `virtlint rules` lists them")
    return resolved


def resolve_settings(folder: Path, overrides: Overrides | None = None) -> Settings:
    """The configuration for files under ``folder``, with the overrides layered on top."""
    overrides = overrides or Overrides()
    if overrides.isolated:
        config = Config()
    elif overrides.config_file:
        path = Path(overrides.path(overrides.config_file))
        if not path.is_file():
            raise ConfigError(f"{path}: no such configuration file")
        config = load_config(path) or Config(source=path)
    else:
        config = find_config(folder)
    where = str(config.source) if config.source else "configuration"
    select = resolve_selectors(config.select, f"{where}: select")
    extend = resolve_selectors(config.extend_select, f"{where}: extend-select")
    ignore = resolve_selectors(config.ignore, f"{where}: ignore")
    resolve_selectors(config.severity, f"{where}: severity")
    for pattern, codes in config.per_file_ignores.items():
        resolve_selectors(codes, f"{where}: per-file-ignores {pattern!r}")
    if overrides.select is not None:
        select = resolve_selectors(overrides.select, "--select")
    extend += resolve_selectors(overrides.extend_select, "--extend-select")
    ignore += resolve_selectors(overrides.ignore, "--ignore")
    severity = {code.upper(): level for code, level in config.severity.items()}
    for code, level in overrides.severity.items():
        if level not in SEVERITIES:
            raise ConfigError(f"severity of {code}: {level!r} is not one of {', '.join(SEVERITIES)}")
        severity[resolve_selectors([code], "severity")[0]] = level
    selection = select + extend if select else []  # extending the default (every rule) changes nothing
    fail_on = overrides.fail_on or config.fail_on or "error"
    if fail_on not in SEVERITIES:
        raise ConfigError(f"fail-on: {fail_on!r} is not one of {', '.join(SEVERITIES)}")
    schemas = overrides.path(overrides.schemas) if overrides.schemas else config.schemas
    caps = [overrides.path(c) for c in overrides.caps] if overrides.caps else config.caps
    from virtlint.linter.engine import matches_selector

    structure = (not selection or matches_selector("VL901", selection)) and not matches_selector("VL901", ignore)
    libvirt_version = config.libvirt_version
    if overrides.libvirt_version:
        from virtlint.linter import versions

        try:
            libvirt_version = versions.parse(overrides.libvirt_version)
        except ValueError as err:
            raise ConfigError(f"libvirt version: {err}") from None
    return Settings(config, caps, selection, ignore, severity, fail_on, schemas, structure, libvirt_version,
                    overrides.strict_schema or config.strict_schema)


# -- "is this a domain?" --------------------------------------------------------------------------------

_FIRST_ELEMENT = lazy_compile(r"<(?![?!/])([A-Za-z_][\w.:-]*)")


def starts_with_domain(text: str) -> bool:
    """Whether the first element written in a text (which may not parse) is <domain>."""
    first = _FIRST_ELEMENT.search(text)
    return first is not None and first.group(1).split(":")[-1] == "domain"


def is_domain(document: Document) -> bool:
    """A document virtlint judges: its root is <domain>, or it is malformed and starts like one."""
    if document.root is not None:
        return document.root_name == "domain"
    return starts_with_domain(document.text)


def read_domain(path: str, named: bool, data: bytes | None = None) -> tuple[Document | None, str | None]:
    """(document, None) to check; (None, reason) when unreadable; (None, None) to skip.

    Files found inside a directory (``named`` False) are checked only when they are domains (a malformed
    file that starts like a domain is one: it may be a broken domain). Files named explicitly are always
    checked, so a non-domain gets its finding. ``data``: the file's bytes when the caller read them already
    (with ``read_bytes``).
    """
    try:
        document = Document.from_bytes(within_limit(read_bytes(path) if data is None else data), path)
    except (InputError, OSError) as err:
        return None, err.strerror if isinstance(err, OSError) and err.strerror else str(err)
    if not named and not is_domain(document):
        return None, None
    return document, None


# -- caps -----------------------------------------------------------------------------------------------

def caps_files(sources: Sequence[str]) -> Iterator[str]:
    """Caps files named directly, and every domcapabilities or host capabilities XML inside named directories
    (linter/capsources.py: the root element tells the two kinds apart)."""
    from virtlint.linter.capsources import caps_files as both_kinds

    return both_kinds(sources)




class CapsCache:
    """Parsed caps documents by path, re-read when a file's modification time changes.

    ``watch``: look at the modification times on every use (an editor's long-lived cache), not once."""

    def __init__(self, watch: bool = False) -> None:
        self.watch = watch
        self._loaded: dict[str, tuple[float, DomainCaps | HostCaps]] = {}

    def load(self, paths: Iterable[str]) -> list[DomainCaps | HostCaps]:
        """The documents of either kind (domcapabilities, or the host's virsh capabilities)."""
        from virtlint.linter.capsources import read

        loaded = []
        for path in paths:
            mtime = os.stat(path).st_mtime
            cached = self._loaded.get(path)
            if cached is None or cached[0] != mtime:
                cached = (mtime, read(path))
                self._loaded[path] = cached
            loaded.append(cached[1])
        return loaded

    def clear(self) -> None:
        self._loaded.clear()


# -- the project ----------------------------------------------------------------------------------------

class Notes:
    """Things said once per run on standard error, not once per file (nor once per worker)."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


class Project:
    """The settings of one folder (and the files below it) and the linters that apply them.

    ``folder`` is where configuration discovery starts (the current directory for the command line, the
    document's folder for an editor). ``live`` gives the caps of a document from a running libvirt
    (`--connect`); without it the settings' caps files are used.
    """

    def __init__(self, folder: Path | str, overrides: Overrides | None = None, *,
                 live: Callable[[Document], DomainCaps] | None = None, caps_cache: CapsCache | None = None,
                 live_hosts: Sequence[HostCaps] = ()) -> None:
        self.folder = Path(folder)
        self.overrides = overrides or Overrides()
        self.settings = resolve_settings(self.folder, self.overrides)
        self.live = live
        self.notes = Notes()
        self._caps_cache = caps_cache or CapsCache()
        self._caps: list[DomainCaps] | None = None
        self._hosts: list[HostCaps] = []
        #: Host documents from running libvirts (--connect), besides those the caps files hold.
        self.live_hosts = list(live_hosts)
        #: path -> why the live libvirt gave no domcapabilities for that document
        self.live_failures: dict[str, str] = {}
        self._caps_paths: list[str] | None = None
        self._schema: DomainSchema | None = None
        self._cpu_maps: CpuMapSource | None = None
        self._placeholder: DomainCaps | None = None
        self._schema_loaded = False
        self._linters: dict[object, Linter] = {}

    # -- what the settings name --

    @property
    def threshold(self) -> Severity:
        from virtlint.linter.model import Severity

        return Severity(self.settings.fail_on)

    def caps_paths(self) -> list[str]:
        """The caps files the settings name (directories searched); CapsError when one cannot be used."""
        return list(caps_files(self.settings.caps))

    def caps(self) -> list[DomainCaps]:
        """The parsed domcapabilities documents (loaded once); CapsError or OSError when one cannot be used.

        Host documents among the files are kept for ``hosts()``; with only host documents, a placeholder
        that describes every domain and answers nothing stands for the domcapabilities (noted once)."""
        if self._caps is not None and not self._caps_cache.watch:  # (once per file: the loaded ones first)
            return self._caps
        from virtlint.linter.capsources import placeholder_domcaps, split

        if self._caps_paths is None:
            self._caps_paths = self.caps_paths()
        if self._caps is None or self._caps_cache.watch:
            both = split(self._caps_cache.load(self._caps_paths))
            self._caps, self._hosts = both.domcaps, both.hosts
            if not self._caps and self._hosts:
                self.notes.add("only host capabilities given; the checks that need `virsh domcapabilities` "
                               "are not run")
                self._caps = [placeholder_domcaps()]
        return self._caps

    def hosts(self) -> list[HostCaps]:
        """The host capabilities documents: those among the caps files, then the live ones."""
        if self.settings.caps:
            self.caps()
        return [*self._hosts, *self.live_hosts]

    def cpu_maps(self) -> CpuMapSource:
        """Where libvirt's CPU map is read: beside the configured schemas, else in libvirt's default folder."""
        if self._cpu_maps is None:
            from virtlint.linter.cpu_map import CpuMapSource

            self._cpu_maps = CpuMapSource(self.settings.schemas)
        return self._cpu_maps

    def schema(self) -> DomainSchema | None:
        """libvirt's RelaxNG schema when the structure is checked and the schemas are found.

        When they are missing, a note is added once (the VL901 rule then reports nothing)."""
        if not self._schema_loaded:
            self._schema_loaded = True
            if self.settings.structure:
                if self.settings.strict_schema:
                    from virtlint.linter.schema import schema_for

                    self._schema = schema_for(self.settings.schemas)
                else:  # the structure table: what RelaxNG checks, at a fraction of its cost
                    from virtlint.linter.structure import table_for

                    self._schema = table_for(self.settings.schemas)  # type: ignore[assignment]
                if self._schema is None and self.selected("VL900"):
                    self.notes.add(MISSING_SCHEMAS_NOTE)
        return self._schema

    def check_schemas_option(self) -> str | None:
        """Why an explicitly given schema folder cannot be used, or None."""
        schemas = self.overrides.schemas
        if schemas and not os.path.isfile(os.path.join(self.overrides.path(schemas), "domain.rng")):
            return f"{schemas}: no domain.rng in this directory"
        return None

    def selected(self, code: str) -> bool:
        """Whether the settings select a rule (the run-level notes follow the selection too)."""
        from virtlint.linter.engine import matches_selector

        select, ignore = self.settings.select, self.settings.ignore
        return (not select or matches_selector(code, select)) and not matches_selector(code, ignore)

    # -- linters --

    def ignored_for(self, path: str) -> list[str]:
        if not self.settings.config.per_file_ignores:  # (once per file: no call to match no pattern)
            return list(self.settings.ignore)
        return self.settings.ignore + ignored_for(self.settings.config, path)

    def linter_for(self, document: Document | str, caps: Sequence[DomainCaps] | None = None) -> Linter:
        """The linter for one file: its caps (given, live, or the settings'), per-file ignores, severities,
        schema. Linters are shared between files that need the same one."""
        path = document if isinstance(document, str) else document.path
        ignore = self.ignored_for(path)
        if caps is None:
            if self.live is not None and not isinstance(document, str) and document.root is not None \
                    and document.root_name == "domain":
                from virtlint.linter.caps import CapsError

                try:
                    caps = [self.live(document)]
                except CapsError as err:
                    if not self.live_hosts:
                        raise
                    # libvirt refused to describe this identity: the host document's identity rules say why,
                    # and the refusal itself is reported when they do not (see failure_for)
                    from virtlint.linter.capsources import placeholder_domcaps

                    self.live_failures[document.path] = str(err)
                    caps = [self._placeholder or placeholder_domcaps()]
                    self._placeholder = caps[0]
            else:
                caps = self.caps()
        key = (tuple(ignore), *map(id, caps))
        linter = self._linters.get(key)
        if linter is None:
            from virtlint.linter.engine import Linter
            from virtlint.linter.model import Severity

            hosts = self.hosts()
            severity = {code: Severity(level) for code, level in self.settings.severity.items()}
            linter = Linter(caps, select=self.settings.select, ignore=ignore, severity=severity,
                            schema=self.schema(), hosts=hosts, libvirt_version=self.settings.libvirt_version,
                            cpu_maps=self.cpu_maps())
            self._linters[key] = linter
        return linter


def folder_for(path: str, folders: Sequence[str]) -> str | None:
    """The workspace folder holding a file (the innermost one), or None."""
    absolute = os.path.abspath(path)
    best: str | None = None
    for folder in folders:
        root = os.path.abspath(folder)
        if (absolute == root or absolute.startswith(root.rstrip(os.sep) + os.sep)) and \
                (best is None or len(root) > len(best)):
            best = root
    return best
