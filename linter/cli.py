"""The `virtlint` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Callable, NoReturn, Sequence

import click

from virtlint import __version__

if TYPE_CHECKING:
    from virtlint.linter.caps import DomainCaps
    from virtlint.linter.document import Document
    from virtlint.linter.model import Severity
    from virtlint.linter.project import Project
    from virtlint.linter.runner import FixOptions, Run

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
FORMATS = ("text", "json", "sarif", "github", "junit")


def _libvirt_version(option: str | None, connect: str | None) -> str | None:
    """--libvirt-version, else the host's with --connect, else None (the configuration's, else the newest known)."""
    from virtlint.linter import versions

    if option is not None:
        try:
            return versions.label(versions.parse(option))
        except ValueError as err:
            _fail(f"--libvirt-version: {err}")
    if connect:
        from virtlint.linter.caps import CapsError
        from virtlint.linter.live import host_libvirt_version

        try:
            return versions.label(host_libvirt_version(connect))
        except CapsError as err:
            _fail(str(err))
    return None


def _fail(message: str) -> NoReturn:
    click.echo(f"virtlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


def _finish(status: int) -> NoReturn:
    """Exit once the output is flushed and closed, without the interpreter's teardown (about 12 ms of freeing
    objects one by one) when this process is the command itself; callers that swapped the streams (tests
    running the CLI in process) get the ordinary SystemExit."""
    if sys.stdout is not sys.__stdout__ or sys.stderr is not sys.__stderr__:
        sys.exit(status)
    for stream in (sys.stdout, sys.stderr):
        if stream is None:
            continue
        try:
            stream.flush()
            stream.close()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said
            pass
    os._exit(status)


def _codes(values: Sequence[str]) -> list[str]:
    """Rule selectors from repeated and comma-separated options."""
    return [part.strip().upper() for value in values for part in value.split(",") if part.strip()]


class _Group(click.Group):
    """Exit codes for what a command did not handle: 2 for an internal error, 130 for Ctrl-C."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("virtlint: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            sys.exit(EXIT_USAGE)
        except Exception as err:
            click.echo(f"virtlint: internal error: {type(err).__name__}: {err} "
                       "(a bug in virtlint; please report it with the input that caused it)", err=True)
            sys.exit(EXIT_USAGE)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="virtlint")
def main() -> None:
    """Check libvirt domain XML against a host's domcapabilities, offline."""


@main.command()
@click.option("--caps", "caps_paths", multiple=True, metavar="PATH",
              help="A `virsh domcapabilities` or `virsh capabilities` (host) file, or a directory of them "
                   "(repeatable; the root element tells them apart). "
                   "Default: `caps` from virtlint.toml or [tool.virtlint] in pyproject.toml.")
@click.option("--connect", "connects", multiple=True, metavar="[NAME=]URI",
              help="Ask the libvirt at URI for the capabilities matching each domain (repeatable with --fleet: "
                   "one per host, named after the URI's host unless NAME= is given).")
@click.option("--format", "output_format", type=click.Choice(FORMATS + ("html",)), default="text",
              show_default=True, help="Output format (html: with --fleet, a placement matrix page).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the report to FILE.")
@click.option("--schemas", metavar="DIR", help="libvirt's RelaxNG schemas [default: /usr/share/libvirt/schemas].")
@click.option("--select", multiple=True, metavar="CODES", help="Only these rule codes or prefixes.")
@click.option("--extend-select", multiple=True, metavar="CODES", help="Add rule codes or prefixes to the selection.")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Skip these rule codes or prefixes (added to the configuration's ignore).")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Lowest severity that makes the exit status 1 [default: error].")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (2 still means an error).")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule instead of the findings.")
@click.option("-q", "--quiet", is_flag=True, help="Print the findings only: no source lines, hints or summary.")
@click.option("--no-color", is_flag=True, help="Never colour the text output (NO_COLOR works too).")
@click.option("--fix", is_flag=True, help="Apply the safe fixes to the files, then report what remains.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix or --diff, also apply fixes that change what the VM is (hardware, CPU, counts, paths).")
@click.option("--diff", is_flag=True, help="Print the fixes as a diff; write nothing (also with --fix).")
@click.option("--config", "config_file", metavar="FILE", type=click.Path(dir_okay=False),
              help="Use this configuration file instead of searching for virtlint.toml or pyproject.toml.")
@click.option("--isolated", is_flag=True, help="Ignore every configuration file.")
@click.option("--stdin-filename", metavar="PATH",
              help="The name of the document read from standard input (path '-'): for per-file-ignores and messages.")
@click.option("--domains-only", is_flag=True,
              help="Skip named files whose root is not <domain> (for pre-commit, which passes every XML file).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes for many files [default: the CPUs this process may use].")
@click.option("--fleet", is_flag=True, help="Check each domain against every caps document of its arch.")
@click.option("--require", type=click.Choice(["all", "any"]), default="any", show_default=True,
              help="With --fleet: a domain passes when all, or any, of its hosts can run it.")
@click.option("--libvirt-version", "libvirt_version", metavar="X.Y",
              help="The libvirt release whose checks apply [default: the host's with --connect, else the newest "
                   "known].")
@click.option("--strict-schema", is_flag=True,
              help="Check the structure with libvirt's full RelaxNG schema instead of the structure table.")
@click.option("--no-cache", is_flag=True,
              help="Lint every file again instead of reusing results for unchanged files (.virtlint_cache/).")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def check(caps_paths: tuple[str, ...], connects: tuple[str, ...], output_format: str, output: str | None,
          schemas: str | None, select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
          fail_on: str | None, exit_zero: bool, statistics: bool, quiet: bool, no_color: bool, fix: bool,
          unsafe_fixes: bool, diff: bool, config_file: str | None, isolated: bool, stdin_filename: str | None,
          domains_only: bool, jobs: int | None, fleet: bool, require: str, libvirt_version: str | None,
          strict_schema: bool, no_cache: bool,
          paths: tuple[str, ...]) -> None:
    """Check domain XML files (or directories of them; '-' for standard input) against host capabilities.

    Exit status: 0 nothing at or above --fail-on, 1 findings at or above it,
    2 usage, configuration or input error (or an internal error), 130 interrupted.
    """
    from virtlint.linter.caps import CapsError
    from virtlint.linter.config import ConfigError
    from virtlint.linter.project import Overrides, Project
    from virtlint.linter.runner import FixOptions, available_cpus, end_collection_pause, pause_collection
    from virtlint.linter.runner import check as run_check

    pause_collection()
    click.get_current_context().call_on_close(end_collection_pause)  # (os._exit skips it: for in-process callers)
    if len(connects) > 1 and not fleet:
        _fail("--connect is repeatable with --fleet (one URI per host); without it, give one")
    if output_format == "html" and not fleet:
        _fail("--format html is the --fleet placement matrix; add --fleet")
    connect = None
    if connects and not fleet:
        from virtlint.linter.fleet import parse_connect

        connect = parse_connect(connects[0])[1]
    overrides = Overrides(caps=list(caps_paths) or None, select=_codes(select) or None,
                          extend_select=_codes(extend_select), ignore=_codes(ignore), fail_on=fail_on,
                          schemas=schemas, config_file=config_file, isolated=isolated, base=os.getcwd(),
                          libvirt_version=_libvirt_version(libvirt_version, connect), strict_schema=strict_schema)
    live_hosts = []
    if connect:  # the host's own document too: the identity and host-topology checks use it
        from virtlint.linter.live import host_for

        try:
            live_hosts = [host_for(connect)]
        except CapsError as err:
            _fail(str(err))
    try:
        project = Project(Path.cwd(), overrides, live=_live(connect) if connect else None, live_hosts=live_hosts)
    except ConfigError as err:
        _fail(str(err))
    if connects and not caps_paths:
        project.settings.caps = []
    if not project.settings.caps and not connects:
        _fail("no capabilities given: pass --caps FILE (from `virsh domcapabilities`, and the host's "
              "`virsh capabilities`) or --connect URI, or set caps = [\"host-caps.xml\"] in virtlint.toml")
    try:
        if project.settings.caps:
            project.caps()
    except (CapsError, OSError) as err:
        _fail(str(err) if isinstance(err, CapsError) else f"{err.filename}: {err.strerror or err}")
    problem = project.check_schemas_option()
    if problem:
        _fail(problem)
    missing = [path for path in paths if path != "-" and not os.path.exists(path)]
    if missing:
        _fail("; ".join(f"{path}: No such file or directory" for path in missing))
    if paths.count("-") > 1:
        _fail("standard input ('-') can be read once")
    if "-" in paths and fix and not diff:
        _fail("--fix cannot rewrite standard input; use --diff to see the fixes")

    if fleet:
        _run_fleet(paths, project, connects, output_format, output, require)

    stdin = sys.stdin.buffer.read() if "-" in paths else None
    fixes = FixOptions(write=fix and not diff, diff=diff, unsafe=unsafe_fixes)
    cache = None
    if not (no_cache or connect or fix or diff or os.environ.get("VIRTLINT_NO_CACHE")):
        from virtlint.linter.cache import open_cache

        cache = open_cache(project)
    run = run_check(paths, project, fixes=fixes, domains_only=domains_only, jobs=jobs or available_cpus(),
                    stdin=stdin, stdin_filename=stdin_filename, cache=cache)
    _say_run_problems(run, project, paths)
    colour = output is None and not no_color and sys.stdout.isatty() and "NO_COLOR" not in os.environ
    _emit(_render(run, output_format, project.threshold, statistics, quiet, colour, fixes), output)
    for path in run.fixed_files:
        click.echo(f"virtlint: fixed {path}", err=True)
    if fixes.write and (output_format != "text" or output is not None or statistics or quiet):
        remaining = sum(len(report.findings) for report in run.reports)  # the text summary says it otherwise
        click.echo(f"virtlint: {run.fixes_applied} fix{'' if run.fixes_applied == 1 else 'es'} applied, "
                   f"{remaining} finding{'' if remaining == 1 else 's'} remaining", err=True)
    _finish(_exit_status(run, project.threshold, exit_zero=exit_zero, diff=diff))


def _say_run_problems(run: Run, project: Project, paths: Sequence[str]) -> None:
    """On stderr: the run's notes, unreadable files, internal errors, and an empty run."""
    for message in project.notes.messages:
        click.echo(f"virtlint: note: {message}", err=True)
    for path, reason in run.input_errors:
        click.echo(f"virtlint: error: {path}: {reason}", err=True)
    for path, code, message in run.internal_errors:
        where = "the engine" if code == "engine" else f"rule {code}"
        click.echo(f"virtlint: internal error in {where} on {path}: {message}", err=True)
    if not run.reports and not run.input_errors and not run.internal_errors:
        click.echo(f"virtlint: warning: no domain XML found in {', '.join(paths)}", err=True)


def _exit_status(run: Run, threshold: Severity, *, exit_zero: bool, diff: bool) -> int:
    """2 when something could not be checked; else 0 with --exit-zero; else 1 for a diff or findings at or
    above the threshold."""
    from virtlint.linter.runner import fails

    if run.input_errors or run.internal_errors:
        return EXIT_USAGE
    if exit_zero:
        return EXIT_CLEAN
    if diff and run.diffs:
        return EXIT_FINDINGS
    return EXIT_FINDINGS if fails(run.reports, threshold) else EXIT_CLEAN


def _live(connect: str) -> Callable[[Document], DomainCaps]:
    from virtlint.linter.live import caps_for

    def live(document: Document) -> DomainCaps:
        root = document.root
        assert root is not None
        os_type = root.find("os/type")
        emulator = (root.findtext("devices/emulator") or "").strip() or None
        return caps_for(connect, root.get("type"), os_type.get("arch") if os_type is not None else None,
                        os_type.get("machine") if os_type is not None else None, emulator)

    return live


def _render(run: Run, output_format: str, threshold: Severity, statistics: bool, quiet: bool, colour: bool,
            fixes: FixOptions) -> str:
    from virtlint.linter import formatters
    from virtlint.linter.engine import all_rules

    findings = [f for report in run.reports for f in report.findings]
    if run.diffs:
        return "".join(run.diffs)
    if statistics:
        return formatters.format_statistics(findings)
    if output_format == "json":
        return formatters.format_json(run.reports)
    if output_format == "sarif":
        return formatters.format_sarif(run.reports, all_rules())
    if output_format == "github":
        return formatters.format_github(run.reports)
    if output_format == "junit":
        return formatters.format_junit(run.reports, threshold)
    return formatters.format_text(run.reports, colour=colour, quiet=quiet, unsafe_fixes=fixes.unsafe,
                                  fixed=run.fixes_applied if fixes.write else None,
                                  unreadable=len(run.input_errors) + len({path for path, _, _ in run.internal_errors}))


def _emit(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as err:
        _fail(f"{output}: {err.strerror or err}")


def _run_fleet(paths: Sequence[str], project: Project, connects: Sequence[str], output_format: str,
               output: str | None, require: str) -> NoReturn:
    from virtlint.linter.fleet import Fleet, Host, as_json, file_hosts, format_table, parse_connect, unique_names
    from virtlint.linter.live import caps_for
    from virtlint.linter.runner import domain_files, read_domain, resume_collection

    if "-" in paths:
        _fail("--fleet reads files, not standard input")
    if output_format not in ("text", "json", "html"):
        _fail("--fleet prints text, json or html")
    live = [parse_connect(value) for value in connects]
    hosts = file_hosts(project.caps() if project.settings.caps else [])
    names = unique_names([h.name for h in hosts] + [name for name, _ in live])[len(hosts):]
    hosts += [Host(name, uri=uri) for name, (_, uri) in zip(names, live)]
    fleet = Fleet(hosts, project, fetch=caps_for)
    verdicts, errors = [], 0
    for path, named in domain_files(paths):
        document, reason = read_domain(path, named)
        if reason is not None:
            click.echo(f"virtlint: error: {path}: {reason}", err=True)
            errors += 1
        if document is not None:
            verdicts.append(fleet.judge(document))
        resume_collection()  # after the first file, as a plain check
    unreachable = {cell.host.name: cell.problem for verdict in verdicts for cell in verdict.hosts if cell.problem}
    for name, problem in unreachable.items():  # the report shows the host red; the exit status says it
        click.echo(f"virtlint: error: host {name}: {problem}", err=True)
        errors += 1
    for message in project.notes.messages:
        click.echo(f"virtlint: note: {message}", err=True)
    if output_format == "json":
        import json

        _emit(json.dumps(as_json(verdicts, require), indent=2) + "\n", output)
    elif output_format == "html":
        from virtlint.linter.html_report import render

        _emit(render(verdicts, hosts, fleet.families(), require), output)
    else:
        _emit(format_table(verdicts, require, fleet.families()), output)
    if errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_CLEAN if all(v.satisfied(require) for v in verdicts) else EXIT_FINDINGS)


@main.command("caps")
@click.option("--connect", "connects", multiple=True, metavar="[NAME=]URI",
              help="The libvirt to ask, e.g. qemu:///system (repeatable: one per host).")
@click.option("--baseline", is_flag=True,
              help="Write the capabilities every given host has (the PATHS and --connect hosts) as one document.")
@click.option("--virttype", help="Virt type (kvm, qemu, ...); libvirt's default when omitted.")
@click.option("--arch", help="Guest architecture.")
@click.option("--machine", help="Machine type, e.g. q35.")
@click.option("--emulator", help="Emulator binary path.")
@click.option("-o", "--output", type=click.Path(writable=True),
              help="Write to FILE; to an existing DIR for one host: its capabilities.xml and a domcapabilities "
                   "file per virt type and machine alias of its arch (or per the options given); a DIR for "
                   "several --connect hosts without --baseline.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
def caps_command(connects: tuple[str, ...], baseline: bool, virttype: str | None, arch: str | None,
                 machine: str | None, emulator: str | None, output: str | None, paths: tuple[str, ...]) -> None:
    """Save a running libvirt's domcapabilities for offline use, or the baseline of a fleet (--baseline)."""
    from virtlint.linter.caps import CapsError
    from virtlint.linter.capsources import load
    from virtlint.linter.fleet import parse_connect, unique_names
    from virtlint.linter.live import caps_for, fetch

    if paths and not baseline:
        _fail("caps files are only read with --baseline")
    if not connects and not paths:
        _fail("give --connect URI, or --baseline with caps files or directories")
    live = [parse_connect(value) for value in connects]
    if not baseline:
        if len(live) == 1 and output and os.path.isdir(output):
            from virtlint.linter.live import save_all

            try:
                written = save_all(live[0][1], output, virttype, arch, machine, emulator)
            except CapsError as err:
                _fail(str(err))
            for path in written:
                click.echo(f"virtlint: wrote {path}", err=True)
            return
        if len(live) == 1:
            try:
                text = fetch(live[0][1], virttype, arch, machine, emulator)
            except CapsError as err:
                _fail(str(err))
            _emit(text, output)
            if output:
                click.echo(f"virtlint: wrote {output}", err=True)
            return
        if not output:
            _fail("several --connect hosts: give -o DIR for one file per host")
        Path(output).mkdir(parents=True, exist_ok=True)
        for name, uri in zip(unique_names([n for n, _ in live]), (u for _, u in live)):
            try:
                text = fetch(uri, virttype, arch, machine, emulator)
            except CapsError as err:
                _fail(str(err))
            target = Path(output) / f"{name}.xml"
            _emit(text, str(target))
            click.echo(f"virtlint: wrote {target}", err=True)
        return

    from virtlint.linter.baseline import BaselineError, build
    from virtlint.linter.fleet import family_key, machine_alias

    try:
        hosts = load(paths).domcaps  # host capabilities documents among them say nothing a baseline keeps
        names = [Path(c.path).stem for c in hosts]
        if live and hosts and not (virttype or arch or machine):  # ask the live hosts for the files' family
            virttype, arch, family = family_key(hosts[0])
            machine = machine_alias(family)
        for name, uri in live:
            hosts.append(caps_for(uri, virttype, arch, machine, emulator))
            names.append(name)
        result = build(hosts, unique_names(names))
    except (CapsError, BaselineError) as err:
        _fail(str(err))
    _emit(result.xml(), output)
    for note in result.notes:
        click.echo(f"virtlint: note: {note}", err=True)
    advice = result.cpu
    click.echo("virtlint: CPU models every host can run, newest first: "
               + (", ".join(advice.usable) if advice.usable else advice.describe()), err=True)
    for model, disabled in advice.with_disabled[:3]:
        click.echo(f"virtlint: newer, with features disabled: {model} without {', '.join(disabled)}", err=True)
    if output:
        click.echo(f"virtlint: wrote the baseline of {len(hosts)} hosts to {output}", err=True)


@main.command("rules")
@click.option("--markdown", is_flag=True, help="Print the full rule reference (docs/rules.md) instead.")
def list_rules(markdown: bool) -> None:
    """List every rule: code, name, severity and summary."""
    from virtlint.linter.engine import all_rules

    if markdown:
        from virtlint.linter.ruledocs import render_markdown

        click.echo(render_markdown(all_rules()), nl=False)
        return
    for rule in all_rules():
        click.echo(f"{rule.code}  {rule.name:<26} {rule.severity.value:<8} {rule.summary}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    from virtlint.linter.engine import get_rule

    rule = get_rule(code)
    if rule is None:
        _fail(f"no rule {code!r}; `virtlint rules` lists them")
    from virtlint.linter.drivers import describe

    click.echo(f"{rule.code} {rule.name} [{rule.severity.value}]\n\n{rule.summary}\n\n"
               f"libvirt drivers: {describe(rule.drivers)}\n\n{rule.documentation()}")


@main.command()
@click.option("--stdio", is_flag=True, help="Talk over stdin/stdout (the default; editors' clients pass it).")
def lsp(stdio: bool) -> None:
    """Run the language server on stdin/stdout (for editors)."""
    from virtlint.linter.runner import end_collection_pause
    from virtlint.lsp.server import main as serve

    end_collection_pause()  # a long-lived process collects its garbage (python -m virtlint pauses it at start)

    serve()
