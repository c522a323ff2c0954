"""The rule engine: registry, caps selection and one traversal of the domain.

Rules subscribe to element paths below ``<domain>``; the engine walks the tree
once, descending only into elements on the way to a subscribed path, and
calls each subscriber with the element, or, for a rule with a screen
(``Rule.screen``), tests the screen itself and calls the rule only on an element
failing it. Problems become positioned findings.
"""

from __future__ import annotations

import os
from typing import Collection, Iterable, Sequence

from lxml import etree

from virtlint.linter import suppressions, versions
from virtlint.linter._record import Record
from virtlint.linter.caps import DomainCaps
from virtlint.linter.cpu_map import CpuMapSource
from virtlint.linter.document import START_TAG_LINE, WHOLE_ELEMENT_LINE, Document, Position, Span
from virtlint.linter.fixes import Fix, ResolvedFix, SetText, resolve, set_attribute
from virtlint.linter.host import HostCaps
from virtlint.linter.drivers import driver_of
from virtlint.linter.identity import Identity, closeness, fetch_command, fit_rank, mismatches
from virtlint.linter.model import Anchor, Context, Finding, Problem, Rule, Screen, Severity
from virtlint.linter.schema import DomainSchema


REGISTRY: dict[str, type[Rule]] = {}
#: element path below <domain> -> the checkers subscribed to it
_Handlers = dict[str, list[Rule]]
#: A rule's screen as the walk tests it: (the rule; its one attribute row's name and accepted values when it has
#: one, else None and no values; with _ITEMS_FROM rows or more, their accepted values by name, else None; with two or
#: three, the rows; the accepted texts or None). Names to read are bytes: lxml reads them without encoding.
_Screened = tuple[Rule, bytes | None, Collection[str | None], dict[str, Collection[str | None]] | None,
                  tuple[tuple[bytes, Collection[str | None]], ...], Collection[str | None] | None]
#: From this many attribute rows on, a screen reads the element's attributes in one ``items()`` call, not one
#: ``get`` per row (most rows name an absent attribute there: VL850's disk driver or clock timer).
_ITEMS_FROM = 4
#: A step of the walk: (element path, the checkers called there, the screened ones (called on an element failing
#: their screen), child tag -> the child's step, the source lines whose element passed every screen here (see
#: _walk)), only for the paths on the way to a subscribed one. Steps hold each other directly, so the walk looks
#: nothing up by path.
_Step = tuple[str, tuple[Rule, ...], tuple[_Screened, ...], dict[str, "_Step"], "_Passed"]
#: A step's source lines whose element passed its screens, and whether a line must hold the element whole (a
#: screen reads the text) or its start tag suffices.
_Passed = tuple[set[str], bool]
#: The most lines a step remembers (a line repeats across a fleet's documents; one that holds a unique value,
#: a name or a path, is not seen again): beyond, it starts afresh.
_PASSED_LINES = 4096
#: The XML namespaces a rule's element path may name by prefix (``qemu:commandline/qemu:arg``): libvirt's
#: drivers read their extension elements by namespace URI, whatever prefix the document binds to it.
PATH_NAMESPACES = {"qemu": "http://libvirt.org/schemas/domain/qemu/1.0"}
#: libvirt's CPU map in its default folders, for linters not told otherwise (read once, when first needed)
DEFAULT_CPU_MAPS = CpuMapSource()


def path_tag(part: str) -> str:
    """The tag lxml gives an element named by a path part: ``qemu:arg`` is ``{its namespace}arg``."""
    prefix, colon, local = part.partition(":")
    return f"{{{PATH_NAMESPACES[prefix]}}}{local}" if colon else part


def register(rule: type[Rule]) -> type[Rule]:
    """Class decorator: add a rule to the registry under its stable code."""
    if rule.code in REGISTRY:
        raise ValueError(f"duplicate rule code {rule.code}")
    REGISTRY[rule.code] = rule
    return rule


def all_rules() -> list[type[Rule]]:
    import virtlint.rules  # noqa: F401  (importing registers every rule)

    return [REGISTRY[code] for code in sorted(REGISTRY)]


def get_rule(code_or_name: str) -> type[Rule] | None:
    for rule in all_rules():
        if code_or_name.upper() == rule.code or code_or_name == rule.name:
            return rule
    return None


def matches_selector(code: str, selectors: Iterable[str]) -> bool:
    """A selector is a code ('VL301') or a prefix of codes ('VL3', 'VL')."""
    return any(code.startswith(selector.upper()) for selector in selectors)


class LintResult(Record):
    findings: list[Finding]
    #: Rules that raised: (code, message). The others still reported.
    internal_errors: list[tuple[str, str]]
    caps: DomainCaps | None

    __slots__ = ("findings", "internal_errors", "caps")
    _fields = __slots__

    def __init__(
        self,
        findings: list[Finding] | None = None,
        internal_errors: list[tuple[str, str]] | None = None,
        caps: DomainCaps | None = None,
    ) -> None:
        self.findings = [] if findings is None else findings
        self.internal_errors = [] if internal_errors is None else internal_errors
        self.caps = caps


class Linter:
    """Checks domain documents against a set of capabilities documents."""

    def __init__(
        self,
        caps: Sequence[DomainCaps],
        select: Iterable[str] = (),
        ignore: Iterable[str] = (),
        severity: dict[str, Severity] | None = None,
        schema: DomainSchema | None = None,
        report_missing_schema: bool = False,
        hosts: Sequence[HostCaps] = (),
        libvirt_version: tuple[int, int] | None = None,
        fixes: bool = True,
        cpu_maps: CpuMapSource | None = DEFAULT_CPU_MAPS,
    ) -> None:
        self.caps = list(caps)
        self.hosts = list(hosts)
        #: The libvirt release the checks model (None: the newest known).
        self.libvirt_version = libvirt_version or versions.NEWEST
        #: Whether the caller named the release (else the host's libvirt may be newer than the newest known).
        self.libvirt_named = libvirt_version is not None
        #: Build findings' fixes (for --fix, --diff and the editor); library callers that print none may skip them.
        self.fixes = fixes
        #: libvirt's CPU map, read when a check first needs it (None: not used)
        self.cpu_maps = cpu_maps
        self.schema = schema
        #: Say once (VL900) that the structure is not checked, for want of schemas.
        self._missing_schema_note = report_missing_schema and schema is None
        #: Severity overrides by code or prefix (configuration).
        self.severity_overrides = dict(severity or {})
        select, ignore = list(select), list(ignore)
        self.rules = [
            rule
            for rule in all_rules()
            if (not select or matches_selector(rule.code, select)) and not matches_selector(rule.code, ignore)
        ]
        self._enabled = {rule.code for rule in self.rules}
        checkers = [rule() for rule in self.rules if not rule.engine_rule]
        #: whether a rule screens (Rule.screen): then the walk keys what passed by source lines
        self._screening = any(type(checker).screen is not Rule.screen for checker in checkers)
        self._handlers: dict[str, list[Rule]] = {}
        for checker in checkers:
            for path in checker.elements:
                self._handlers.setdefault(path, []).append(checker)
        #: (id(caps), identity matches, host given, driver) -> (caps, the root's step of the walk, leading only to
        #: the handlers that run on such a document): decided once, so the walk tests nothing per checker
        self._plans: dict[tuple[int, bool, bool, str | None], tuple[DomainCaps, _Step]] = {}
        #: a domain's identity (its fields) -> (caps, host, mismatches): the caps selection, once per identity
        #: (documents of one fleet share a handful)
        self._selections: dict[tuple[str | None, ...], tuple[DomainCaps, HostCaps | None, tuple[str, ...]]] = {}

    def _live_handlers(self, caps: DomainCaps) -> dict[str, list[Rule]]:
        """The handlers that can fire with these caps (``fires_with``), whatever the document."""
        return {path: [checker for checker in checkers if checker.fires_with(caps, path)]
                for path, checkers in self._handlers.items()}

    def _plan(self, ctx: Context) -> _Step:
        """The root's step of the walk for this document: the handlers that run on it, and the child steps,
        pruned to the paths leading to one."""
        key = (id(ctx.caps), ctx.identity_matches, ctx.host is not None, ctx.driver)
        entry = self._plans.get(key)
        if entry is None or entry[0] is not ctx.caps:
            handlers: _Handlers = {}
            for path, checkers in self._live_handlers(ctx.caps).items():
                running = [checker for checker in checkers if _runs(checker, ctx)]
                if running:
                    handlers[path] = running
            steps: dict[str, _Step] = {}

            def step(path: str) -> _Step:
                found = steps.get(path)
                if found is None:
                    running = handlers.get(path, ())
                    screens = [(checker, checker.screen(path)) for checker in running]
                    found = steps[path] = (path, tuple(checker for checker, screen in screens if screen is None),
                                           tuple(_screened(checker, screen) for checker, screen in screens
                                                 if screen is not None), {},
                                           (set(), any(screen is not None and screen[1] is not None
                                                       for _, screen in screens)))
                return found

            root = step("")
            # descend only towards paths with a running handler
            for path in handlers:
                parts = path.split("/") if path else []
                for depth in range(len(parts)):
                    step("/".join(parts[:depth]))[3][path_tag(parts[depth])] = step("/".join(parts[:depth + 1]))
            entry = self._plans[key] = (ctx.caps, root)
        return entry[1]

    # -- public -----------------------------------------------------------

    def lint_document(self, document: Document) -> LintResult:
        result = LintResult()
        if document.syntax_error is not None:
            problem = document.syntax_error
            offset = document.offset(problem.line - 1, problem.column - 1)
            self._emit_at(result, document, "VL001", f"not well-formed XML: {problem.message}", Span(offset, offset))
            return result
        if document.doctype is not None:
            start = max(document.text.find("<!DOCTYPE"), 0)
            self._emit_at(
                result,
                document,
                "VL002",
                "the document has a DOCTYPE; virtlint refuses DTDs and entity declarations "
                "(libvirt domain XML never needs them), so nothing else was checked",
                Span(start, start + len("<!DOCTYPE")),
            )
            return result
        root = document.root
        assert root is not None
        if document.root_name != "domain":
            self._emit_at(
                result,
                document,
                "VL003",
                f"root element is <{document.root_name}>, not <domain>: not a libvirt domain definition",
                document.name_span(root),
            )
            return result
        ctx_or_problem = self._context(document)
        if isinstance(ctx_or_problem, str):
            self._emit_at(result, document, "VL004", ctx_or_problem, document.name_span(root))
            return result
        ctx = ctx_or_problem
        result.caps = ctx.caps
        if ctx.mismatches:
            self._not_described(result, ctx)
        if self._missing_schema_note:
            self._missing_schema_note = False
            self._emit_at(result, document, "VL900",
                          "the structure was not checked: libvirt's RelaxNG schemas were not found; install them "
                          "(Debian: libvirt0) or pass --schemas DIR", document.name_span(root))
        self._walk([root], {root.tag: self._plan(ctx)}, ctx, result,
                   document.source_lines if self._screening else None)
        self._suppress(document, result, ctx)
        result.findings.sort(key=Finding.sort_key)
        return result

    def _suppress(self, document: Document, result: LintResult, ctx: Context) -> None:
        """Drop findings silenced by inline comments; report the comments that silenced nothing (among
        rules that ran here: a suppression for a rule this environment skipped is not stale)."""
        directives = suppressions.read(document)
        if not directives:
            return
        ran = {rule.code for rule in self.rules
               if not (rule.needs_schema and self.schema is None)
               and not (rule.uses_caps and not rule.identity_rule and not rule.engine_rule
                        and not ctx.identity_matches)}
        kept = []
        for finding in result.findings:
            hits = [(d, code) for d in directives if (code := d.covers(finding))]
            for directive, code in hits:
                directive.used.add(code)
            if not hits:
                kept.append(finding)
        result.findings = kept
        for directive in directives:
            if directive.error is not None:
                self._emit_at(result, document, "VL005", directive.error,
                              suppressions.comment_span(document, directive.comment))
            for code in directive.codes:
                if code not in directive.used and any(enabled.startswith(code) for enabled in ran):
                    self._emit_at(result, document, "VL005",
                                  f"suppression of {code} silences nothing here; remove it",
                                  suppressions.comment_span(document, directive.comment))

    def _severity(self, code: str, default: Severity) -> Severity:
        if not self.severity_overrides:
            return default
        for selector, severity in sorted(self.severity_overrides.items(), key=lambda kv: -len(kv[0])):
            if code.startswith(selector.upper()):
                return severity
        return default

    # -- caps selection ---------------------------------------------------

    def _context(self, document: Document) -> Context | str:
        root = document.root
        assert root is not None
        wanted = Identity.of(root)
        if not self.caps:
            return "no capabilities to check against"
        key = (wanted.domain_type, wanted.arch, wanted.machine, wanted.emulator, wanted.os_type)
        selection = self._selections.get(key)
        if selection is None:
            selection = self._select(wanted)
            if len(self._selections) > 4096:
                self._selections.clear()
            self._selections[key] = selection
        caps, host, reasons = selection
        return Context(document, caps, wanted.domain_type, wanted.arch, wanted.machine, not reasons,
                       schema=self.schema, driver=driver_of(wanted.domain_type), mismatches=list(reasons), host=host,
                       libvirt_version=self.libvirt_version, identity=wanted,
                       libvirt_named=self.libvirt_named, cpu_maps=self.cpu_maps)

    def _select(self, wanted: Identity) -> tuple[DomainCaps, HostCaps | None, tuple[str, ...]]:
        """The caps and host document for a domain's identity, and why the caps do not describe it."""
        # the caps that describe the domain, best first (same binary, same machine); with none,
        # the closest, whose identity rules still run (their certain errors) while the rest is skipped
        ranked = [(rank, -index) for index, caps in enumerate(self.caps)
                  if (rank := fit_rank(caps, wanted)) is not None]
        if ranked:
            caps = self.caps[-max(ranked)[1]]
        else:
            caps = max(self.caps, key=lambda c: closeness(c, wanted))
        host = self._host(wanted, caps)
        return caps, host, tuple(mismatches(caps, wanted, host))

    def _host(self, wanted: Identity, caps: DomainCaps) -> HostCaps | None:
        """The host document for this domain: one offering its arch, preferably the one the domcaps were
        fetched on (it lists their binary, or the domain's); else the first."""
        if not self.hosts:
            return None
        offering = [h for h in self.hosts if wanted.arch and h.guests_for(wanted.arch, wanted.host_os_type)] or self.hosts
        binaries = {b for b in (caps.emulator, wanted.emulator) if b}

        def lists(host: HostCaps) -> bool:
            return any(e in binaries for g in host.guests
                       for e in (g.emulator, *(d.emulator for d in g.domains.values())) if e)

        return next((h for h in offering if lists(h)), offering[0])

    def _not_described(self, result: LintResult, ctx: Context) -> None:
        """The one note (VL004) for a domain the caps do not describe: what to fetch, what was skipped."""
        wanted = ctx.identity or Identity.of(ctx.root)
        skipped = sorted({rule.code for rule in self.rules
                          if rule.uses_caps and not rule.identity_rule and not rule.engine_rule
                          and (ctx.driver is None or ctx.driver in rule.drivers)})
        if not skipped:
            return  # nothing depended on them (another driver's domain): nothing to say
        if len(self.caps) == 1:
            head = f"the capabilities {ctx.caps.path} ({ctx.caps.identity}) do not describe this domain's"
        else:
            offered = "; ".join(f"{os.path.basename(c.path)} ({c.identity})" for c in self.caps)
            head = (f"none of the {len(self.caps)} capabilities documents ({offered}) describes this domain; "
                    f"the closest, {ctx.caps.path}, differs in")
        message = f"{head} {'; '.join(ctx.mismatches)}"
        message += f"; so {len(skipped)} checks that need them were skipped ({_code_ranges(skipped)})"
        message += (f"; fetch the matching document on the host with `{fetch_command(wanted)}` "
                    "(or `virtlint caps --connect URI -o DIR`) and pass it with --caps")
        self._emit_at(result, ctx.document, "VL004", message, ctx.document.name_span(ctx.root))

    # -- traversal --------------------------------------------------------

    def _walk(self, elements: list[etree._Element], steps: dict[str, _Step], ctx: Context,
              result: LintResult, lines: list[str] | None) -> None:
        """Visit the elements that have a step (by tag), then, depth first, their children that have one: the
        walk calls itself only for an element with child steps, not for each element.

        ``lines``: the source's lines (Document.source_lines), or None. An element whose line holds its start
        tag whole (its element whole, when a screen reads the text) has the values that line spells: once it
        passed a step's screens, the same line passes them in any document, and is not read again. Documents of
        a fleet repeat most lines; a line costs a C-level int and a lookup, where the screens read values."""
        for element in elements:
            step = steps.get(element.tag)  # (comments and PIs have no step, as other elements)
            if step is None:
                continue
            path, checkers, screened, children, (passed, whole) = step
            line = None
            if screened and lines is not None:
                number = element.sourceline  # (None for an element added to a parsed tree: judged by its values)
                if number is not None and number < len(lines):
                    line = lines[number]
                    if line in passed:
                        screened = ()
            unscreened = checkers
            for checker, attribute, accepted, by_name, rows, texts in screened:
                # the rule's no-finding test, run here: most elements pass it, at no call
                if attribute is not None:
                    if element.get(attribute) in accepted and (texts is None or element.text in texts):
                        continue
                elif texts is None or element.text in texts:
                    if by_name is not None:  # many rows: the attributes present, in one call
                        for name, value in element.items():
                            row_accepted = by_name.get(name)
                            if row_accepted is not None and value not in row_accepted:
                                break
                        else:
                            continue
                    else:
                        for row_attribute, row_accepted in rows:
                            if element.get(row_attribute) not in row_accepted:
                                break
                        else:
                            continue
                # a suspect: its check decides, after the unscreened rules' (findings are sorted, and rules share
                # only memoized facts: the order changes nothing)
                checkers += (checker,)
            if screened and checkers is unscreened and line is not None and (
                    WHOLE_ELEMENT_LINE.fullmatch(line) or not whole and START_TAG_LINE.fullmatch(line)):
                if len(passed) >= _PASSED_LINES:
                    passed.clear()
                passed.add(line)
            if checkers:
                ctx.path = path
                for checker in checkers:
                    try:
                        problems = checker.check(element, ctx)
                        if problems:  # (an empty tuple or list: nothing to iterate; a generator is always true)
                            for problem in problems:
                                result.findings.append(self._finding(ctx.document, checker, problem))
                    except Exception as err:  # a broken rule must not hide the others
                        import logging

                        logging.getLogger("virtlint").debug("rule %s failed", checker.code, exc_info=True)
                        result.internal_errors.append((checker.code, f"{type(err).__name__}: {err}"))
            if children:
                self._walk(element.getchildren(), children, ctx, result, lines)  # every child node: a C-level list

    # -- findings ---------------------------------------------------------

    def _finding(self, document: Document, rule: Rule, problem: Problem) -> Finding:
        span = _resolve(document, problem.anchor)
        start, end = _positions(document, span)
        return Finding(
            path=document.path,
            start=start,
            end=end,
            severity=self._severity(rule.code, problem.severity or rule.severity),
            code=rule.code,
            rule=rule.name,
            message=problem.message,
            hint=problem.hint or _default_hint(problem),
            evidence=problem.evidence,
            fixes=_fixes(document, problem) if self.fixes else (),
            offsets=(span.start, span.end) if span else None,
        )

    def _emit_at(self, result: LintResult, document: Document, code: str, message: str, span: Span | None) -> None:
        if code not in self._enabled:
            return
        rule = REGISTRY[code]
        start, end = _positions(document, span)
        result.findings.append(
            Finding(document.path, start, end, self._severity(code, rule.severity), code, rule.name, message,
                    offsets=(span.start, span.end) if span else None)
        )


def _screened(checker: Rule, screen: Screen) -> _Screened:
    """A rule's screen as the walk tests it."""
    rows, texts = screen
    if len(rows) == 1:
        return checker, rows[0][0].encode(), rows[0][1], None, (), texts
    # (the attributes present, in one call: for screens that accept each attribute's absence)
    if len(rows) >= _ITEMS_FROM and all(None in accepted for _, accepted in rows):
        return checker, None, (), dict(rows), (), texts
    return checker, None, (), None, tuple((attribute.encode(), accepted) for attribute, accepted in rows), texts


def _runs(checker: Rule, ctx: Context) -> bool:
    """Whether a checker runs on a document with this context's caps fit, host and driver."""
    if not ctx.identity_matches and checker.uses_caps and not checker.identity_rule:
        return False
    if checker.uses_host and ctx.host is None:
        return False
    return ctx.driver is None or ctx.driver in checker.drivers  # else another libvirt driver's check


def _code_ranges(codes: list[str]) -> str:
    """'VL201, VL301-VL303' for sorted codes: runs of consecutive numbers collapsed."""
    runs: list[list[int]] = []
    for number in sorted(int(code[2:]) for code in codes):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"VL{run[0]:03d}" + (f"-VL{run[-1]:03d}" if len(run) > 1 else "") for run in runs)


def _fixes(document: Document, problem: Problem) -> tuple[ResolvedFix, ...]:
    """The problem's own fixes, then its replacement values as (unsafe) fixes of its anchor.

    The rule's own fixes come first: they are what its hint says to do."""
    anchor, fixes = problem.anchor, []
    for value in problem.replacements:
        if anchor.attribute is not None:
            fixes.append(set_attribute(anchor.element, anchor.attribute, value))
        elif anchor.text:
            fixes.append(Fix(f"Replace with '{value}'", (SetText(anchor.element, value),)))
    resolved = (resolve(document, fix) for fix in [*problem.fixes, *fixes])
    return tuple(fix for fix in resolved if fix is not None)


def _default_hint(problem: Problem) -> str | None:
    """For a problem with a fix but no hint: say what its first fix does (the hint and the fix agree)."""
    if problem.fixes:
        title = problem.fixes[0].title
        return title[:1].lower() + title[1:]
    if problem.replacements:
        value = problem.replacements[0]
        return f"use {problem.anchor.attribute}='{value}'" if problem.anchor.attribute else f"use '{value}'"
    return None


def _resolve(document: Document, anchor: Anchor) -> Span | None:
    if anchor.attribute is not None:
        span = document.attr_span(anchor.element, anchor.attribute)
        if span is not None:
            return span
    elif anchor.text:
        span = document.text_span(anchor.element)
        if span is not None:
            return span
    return document.name_span(anchor.element)


def _positions(document: Document, span: Span | None) -> tuple[Position, Position]:
    if span is None:
        origin = Position(0, 0, 0)
        return origin, origin
    return document.position(span.start), document.position(span.end)


__all__ = ["Linter", "LintResult", "register", "all_rules", "get_rule", "Severity"]
