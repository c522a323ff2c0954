"""Rules the engine itself reports before any other rule runs (VL0xx)."""

from __future__ import annotations

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Rule, Severity


@register
class XmlSyntax(Rule):
    """
    ## What it does
    Reports a document that is not well-formed XML, at the position the parser
    stopped.

    ## Why is this bad?
    libvirt cannot parse it: `virsh define` fails with an XML error, and no
    other check can run.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'>
      <name>web</name>
    </domian>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'>
      <name>web</name>
    </domain>
    ```
    """

    code = "VL001"
    name = "xml-syntax"
    severity = Severity.ERROR
    summary = "The document is not well-formed XML."
    engine_rule = True
    drivers = ALL_DRIVERS


@register
class DoctypeRefused(Rule):
    """
    ## What it does
    Refuses a document that declares a DOCTYPE (and with it, possibly, entities
    or an external DTD). Nothing else in the document is checked.

    ## Why is this bad?
    libvirt domain XML never needs a DTD. In CI, templates may come from
    untrusted contributors: external entities can read local files and entity
    expansion can exhaust memory. virtlint never loads, fetches or expands them.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <!DOCTYPE domain [<!ENTITY name "web">]>
    <domain type='kvm'><name>&name;</name></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name></domain>
    ```
    """

    code = "VL002"
    name = "doctype-refused"
    severity = Severity.ERROR
    summary = "The document has a DOCTYPE; DTDs and entities are refused."
    engine_rule = True
    drivers = ALL_DRIVERS


@register
class NotADomain(Rule):
    """
    ## What it does
    Reports a file named on the command line whose root element is not
    `<domain>`. (Inside a directory such files are skipped silently, and the
    language server leaves them alone.)

    ## Why is this bad?
    `virsh define` accepts only `<domain>` documents; a network or pool
    definition, or the caps file itself, passed by mistake is not checked.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <network><name>default</name></network>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name></domain>
    ```
    """

    code = "VL003"
    name = "not-a-domain"
    severity = Severity.ERROR
    summary = "The root element is not <domain>."
    engine_rule = True
    drivers = ALL_DRIVERS


@register
class NoMatchingCaps(Rule):
    """
    ## What it does
    Says, once per file, that the capabilities do not describe the domain:
    a domcapabilities document is fetched for one emulator binary, guest arch,
    virt type and machine family, and a domain that asks for another of any of
    them is not what it describes. The note names what differs, which checks
    were therefore skipped, and the command that prints the document that
    does describe it (`virsh domcapabilities --virttype kvm --machine q35`,
    or `virtlint caps --connect URI -o DIR`). With several capabilities
    documents (a directory), the one that describes the domain is used and
    this note appears only when none does. An older machine of the same
    family, or an alias (`q35` for `pc-q35-7.2`), counts as described.

    ## Why is this bad?
    It is not an error: the host may well run the domain (a plain `virsh
    domcapabilities` on x86 describes the i440fx machine, yet the same QEMU
    runs q35). But the device, feature and CPU checks would compare the domain
    with the wrong binary or machine, so they are skipped, and the domain is
    checked only for what libvirt refuses with certainty (the identity rules
    VL101-VL104 and the checks that need no capabilities).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-i440fx-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='pc'>hvm</type></os></domain>
    ```
    """

    code = "VL004"
    name = "no-matching-caps"
    severity = Severity.WARNING
    summary = "The capabilities do not describe the domain's virt type, arch, emulator or machine; checks skipped."
    engine_rule = True
    drivers = ALL_DRIVERS


@register
class UnusedSuppression(Rule):
    """
    ## What it does
    Reports an inline suppression that silences nothing. Suppressions are XML
    comments: `<!-- virtlint: disable=VL302 -->` silences the listed codes (or
    code prefixes) for the next element and its subtree, `<!-- virtlint:
    disable-file=VL504 -->` for the whole file.

    ## Why is this bad?
    A stale suppression hides the next real problem of that kind in the same
    place, and tells readers about a problem that no longer exists.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><!-- virtlint: disable=VL302 --><disk type='file'><target dev='vda' bus='virtio'/></disk></devices>
    </domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><target dev='vda' bus='virtio'/></disk></devices>
    </domain>
    ```
    """

    code = "VL005"
    name = "unused-suppression"
    severity = Severity.WARNING
    summary = "An inline suppression comment silences nothing."
    engine_rule = True
    drivers = ALL_DRIVERS


@register
class SchemaMissing(Rule):
    """
    ## What it does
    Says, once per run, that the structure of the domains was not checked
    because libvirt's RelaxNG schemas were not found. Install them (Debian:
    `apt-get install libvirt0`, which puts them in
    `/usr/share/libvirt/schemas`) or point at them with `--schemas DIR` or
    `schemas = "DIR"` in virtlint.toml. It never fails a run. The command line
    and `--fleet` say it once per run on standard error (`virtlint: note:
    ...`), not as a finding in every file; ignoring VL900 silences the note.

    ## Why is this bad?
    Without the schema, a typo in an element or attribute name goes unnoticed,
    and `virsh define` drops it silently.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><name>web</name></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name></domain>
    ```
    """

    code = "VL900"
    name = "schema-not-checked"
    severity = Severity.INFO
    summary = "libvirt's RelaxNG schemas were not found, so the structure was not checked."
    engine_rule = True
    drivers = ALL_DRIVERS
