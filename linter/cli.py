"""The `virtlint` command line."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Iterator, NoReturn, Sequence

import click

from virtlint import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _fail(message: str) -> NoReturn:
    click.echo(f"virtlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="virtlint")
def main() -> None:
    """Check libvirt domain XML against a host's domcapabilities, offline."""


@main.command()
@click.option("--caps", "caps_paths", multiple=True, metavar="PATH",
              help="A domcapabilities file, or a directory of them (repeatable). "
                   "Default: `caps` from virtlint.toml or [tool.virtlint] in pyproject.toml.")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--select", multiple=True, metavar="CODE", help="Only these rule codes or prefixes.")
@click.option("--ignore", multiple=True, metavar="CODE", help="Skip these rule codes or prefixes.")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=str))
def check(caps_paths: tuple[str, ...], output_format: str, select: tuple[str, ...], ignore: tuple[str, ...],
          paths: tuple[str, ...]) -> None:
    """Check domain XML files (or directories of them) against capabilities.

    Exit status: 0 no error, 1 at least one error-severity finding,
    2 usage error, unreadable input or a caps file that is not domcapabilities.
    """
    from virtlint.linter.caps import CapsError, load_caps
    from virtlint.linter.config import ConfigError, find_config
    from virtlint.linter.document import Document, InputError
    from virtlint.linter.engine import Linter
    from virtlint.linter.formatters import format_json, format_text
    from virtlint.linter.model import Severity

    try:
        config = find_config(Path.cwd())
    except ConfigError as err:
        _fail(str(err))
    caps_sources = list(caps_paths) or config.caps
    if not caps_sources:
        _fail("no capabilities given: pass --caps FILE (from `virsh domcapabilities`), "
              "or set caps = [\"host-caps.xml\"] in virtlint.toml")
    try:
        caps = load_caps(_caps_files(caps_sources))
    except CapsError as err:
        _fail(str(err))
    linter = Linter(caps, select=select or config.select, ignore=ignore or config.ignore)

    findings = []
    input_errors = 0
    internal_errors = 0
    files_checked = 0
    for path, named in _domain_candidates(paths):
        try:
            document = Document.from_file(path)
        except (InputError, OSError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            click.echo(f"virtlint: error: {path}: {reason}", err=True)
            input_errors += 1
            continue
        if not named and document.root is not None and document.root_name != "domain":
            continue  # other XML inside a directory is not ours to judge
        files_checked += 1
        result = linter.lint_document(document)
        findings.extend(result.findings)
        for code, message in result.internal_errors:
            click.echo(f"virtlint: internal error in rule {code} on {path}: {message}", err=True)
            internal_errors += 1
    if not files_checked and not input_errors:
        click.echo(f"virtlint: warning: no domain XML found in {', '.join(paths)}", err=True)

    click.echo(format_json(findings) if output_format == "json" else format_text(findings, files_checked), nl=False)
    if input_errors or internal_errors:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_FINDINGS if any(f.severity is Severity.ERROR for f in findings) else EXIT_CLEAN)


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
        click.echo(f"{rule.code}  {rule.name:<24} {rule.severity.value:<8} {rule.summary}")


@main.command("rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Print the documentation of one rule (by code or name)."""
    from virtlint.linter.engine import get_rule

    rule = get_rule(code)
    if rule is None:
        _fail(f"no rule {code!r}; `virtlint rules` lists them")
    click.echo(f"{rule.code} {rule.name} [{rule.severity.value}]\n\n{rule.summary}\n\n{rule.documentation()}")


@main.command()
def lsp() -> None:
    """Run the language server on stdin/stdout (for editors)."""
    from virtlint.lsp.server import main as serve

    serve()


def _caps_files(sources: Sequence[str]) -> Iterator[str]:
    """Caps files named directly, and every domcapabilities XML inside named directories."""
    from virtlint.linter.caps import CapsError

    for source in sources:
        if os.path.isdir(source):
            found = [str(p) for p in sorted(Path(source).rglob("*.xml")) if _root_name(str(p)) == "domainCapabilities"]
            if not found:
                raise CapsError(f"{source}: no domcapabilities documents in this directory")
            yield from found
        elif os.path.exists(source):
            yield source
        else:
            raise CapsError(f"{source}: no such file or directory")


def _domain_candidates(paths: Sequence[str]) -> Iterator[tuple[str, bool]]:
    """(path, named explicitly) for each file to check; directories are searched for *.xml."""
    for path in paths:
        if os.path.isdir(path):
            for found in sorted(Path(path).rglob("*.xml")):
                if found.is_file():
                    yield str(found), False
        else:
            yield path, True


def _root_name(path: str) -> str | None:
    """The local name of a file's root element, read without parsing the whole file."""
    from lxml import etree

    try:
        for _, element in etree.iterparse(path, events=("start",), resolve_entities=False, no_network=True,
                                          load_dtd=False):
            return etree.QName(element).localname
    except (etree.XMLSyntaxError, OSError):
        return None
    return None
