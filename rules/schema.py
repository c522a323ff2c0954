"""VL901 schema: the domain against libvirt's own RelaxNG schema (domain.rng)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.schema import DomainSchema
from virtlint.rules._support import ranked


@register
class Schema(Rule):
    """
    ## What it does
    Validates the domain against libvirt's own `domain.rng`, from the schemas
    installed with libvirt (`/usr/share/libvirt/schemas`, Debian's `libvirt0`;
    elsewhere `--schemas DIR` or `schemas = "DIR"` in the configuration), and
    points at the culprit: an unknown element or attribute (named with its
    parent), or an invalid attribute value (with the values the schema allows
    when it has a choice). When no schemas are installed the structure is not
    checked, and virtlint says so once. The schema is the one of the
    installed libvirt: elements newer than it are unknown to it.

    ## Why is this bad?
    Without `--validate`, `virsh define` silently drops unknown elements and
    attributes: the domain is defined, but not as written, and a typo such as
    `buss='virtio'` leaves the default in place. It is a warning for that
    reason (raise it with `[severity] VL901 = "error"`).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><name>web</name><memory>1048576</memory>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><target dev='vda' buss='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name><memory>1048576</memory>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL901"
    name = "schema"
    severity = Severity.WARNING
    summary = "The domain does not match libvirt's RelaxNG schema."
    elements = ("",)
    uses_caps = False
    needs_schema = True
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        schema = ctx.schema
        if schema is None:
            return
        if isinstance(schema, DomainSchema):
            found = schema.problems(element)
        else:  # the structure table (it stands in for the schema): the source's lines key its cache
            found = schema.problems(element, ctx.document.source_lines)
        for problem in found:
            value = problem.element.get(problem.attribute) if problem.attribute else None
            replacements = ranked(value, problem.allowed)[:4] if value is not None and problem.allowed else ()
            yield Problem(Anchor(problem.element, problem.attribute), problem.message, replacements=replacements,
                          hint=f"use '{replacements[0]}'" if replacements else None)
