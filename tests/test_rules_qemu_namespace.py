"""VL812 qemu-namespace: QEMU's extension elements as qemuDomainDefNamespaceParse reads them (by namespace URI,
whatever the prefix), each refusal with its valid twin; every case was defined on the lab's libvirt 9.0."""

from __future__ import annotations

import pytest

from conftest import caps_from_text
from test_rules_parse_checks import Q35
from virtlint.linter.document import Document
from virtlint.linter.engine import Linter
from virtlint.linter.model import Severity

NS = "http://libvirt.org/schemas/domain/qemu/1.0"


def qemu_ns(inner: str, prefix: str = "qemu") -> str:
    body = inner.replace("qemu:", f"{prefix}:")
    return (f"<domain type='qemu' xmlns:{prefix}='{NS}'><name>t</name><memory>262144</memory><vcpu>1</vcpu>"
            f"<os><type arch='x86_64' machine='q35'>hvm</type></os><devices/>{body}</domain>")


def prop(attrs: str) -> str:
    return (f"<qemu:override><qemu:device alias='ua-x'><qemu:frontend><qemu:property {attrs}/></qemu:frontend>"
            "</qemu:device></qemu:override>")


CASES = [
    ("arg-without-value", qemu_ns("<qemu:commandline><qemu:arg/></qemu:commandline>"),
     "No qemu command-line argument specified"),
    ("arg", qemu_ns("<qemu:commandline><qemu:arg value='-foo'/></qemu:commandline>"), None),
    ("arg-empty-value", qemu_ns("<qemu:commandline><qemu:arg value=''/></qemu:commandline>"), None),
    ("env-without-name", qemu_ns("<qemu:commandline><qemu:env value='x'/></qemu:commandline>"),
     "No qemu environment name specified"),
    ("env-digit-first", qemu_ns("<qemu:commandline><qemu:env name='1A' value='x'/></qemu:commandline>"),
     "Invalid environment name, it must begin with a letter or underscore"),
    ("env-empty-name", qemu_ns("<qemu:commandline><qemu:env name='' value='x'/></qemu:commandline>"),
     "Invalid environment name, it must begin with a letter or underscore"),
    ("env-non-ascii-first", qemu_ns("<qemu:commandline><qemu:env name='\u00e9A' value='x'/></qemu:commandline>"),
     "Invalid environment name, it must begin with a letter or underscore"),
    ("env-dash", qemu_ns("<qemu:commandline><qemu:env name='A-B' value='x'/></qemu:commandline>"),
     "Invalid environment name, it must contain only alphanumerics and underscore"),
    ("env", qemu_ns("<qemu:commandline><qemu:env name='_A1' value='x'/></qemu:commandline>"), None),
    ("env-without-value", qemu_ns("<qemu:commandline><qemu:env name='A'/></qemu:commandline>"), None),
    ("capability-add-unnamed", qemu_ns("<qemu:capabilities><qemu:add/></qemu:capabilities>"),
     "missing capability name"),
    ("capability-del-unnamed", qemu_ns("<qemu:capabilities><qemu:del/></qemu:capabilities>"),
     "missing capability name"),
    ("capabilities", qemu_ns("<qemu:capabilities><qemu:add capability='blockdev'/><qemu:del capability='blockdev'/>"
                             "</qemu:capabilities>"), None),
    # (at start: a name libvirt's enum of QEMU flags lacks; libvirt 9.0 refuses each, checked)
    ("capability-add-misspelt", qemu_ns("<qemu:capabilities><qemu:add capability='blockdev-bogus'/>"
                                        "</qemu:capabilities>"), "invalid qemu namespace capability 'blockdev-bogus'"),
    ("capability-del-empty", qemu_ns("<qemu:capabilities><qemu:del capability=''/></qemu:capabilities>"),
     "invalid qemu namespace capability ''"),
    ("capability-del-upper-case", qemu_ns("<qemu:capabilities><qemu:del capability='BLOCKDEV'/></qemu:capabilities>"),
     "invalid qemu namespace capability 'BLOCKDEV'"),
    ("device-without-alias", qemu_ns("<qemu:override><qemu:device><qemu:frontend><qemu:property name='foo' "
                                     "type='string' value='1'/></qemu:frontend></qemu:device></qemu:override>"),
     "missing 'alias' attribute for qemu:device"),
    ("property-without-name", qemu_ns(prop("type='string' value='x'")), "missing 'name' attribute for qemu:property"),
    ("property-id", qemu_ns(prop("name='id' type='string' value='x'")), "property with name 'id' can't be overridden"),
    ("property-without-type", qemu_ns(prop("name='foo' value='x'")),
     "Missing required attribute 'type' in element 'property'"),
    ("property-unknown-type", qemu_ns(prop("name='foo' type='int' value='1'")),
     "Invalid value for attribute 'type' in element 'property': 'int'."),
    ("property-without-value", qemu_ns(prop("name='foo' type='string'")),
     "missing 'value' attribute for 'qemu:property'"),
    ("signed-word", qemu_ns(prop("name='foo' type='signed' value='1x'")),
     "invalid value '1x' of 'value' attribute of 'qemu:property'"),
    ("signed-hex", qemu_ns(prop("name='foo' type='signed' value='0x10'")),
     "invalid value '0x10' of 'value' attribute of 'qemu:property'"),
    ("signed", qemu_ns(prop("name='foo' type='signed' value='-3'")), None),
    ("unsigned-negative", qemu_ns(prop("name='foo' type='unsigned' value='-1'")),
     "invalid value '-1' of 'value' attribute of 'qemu:property'"),
    ("unsigned-negative-zero", qemu_ns(prop("name='foo' type='unsigned' value='-0'")),
     "invalid value '-0' of 'value' attribute of 'qemu:property'"),
    ("unsigned", qemu_ns(prop("name='foo' type='unsigned' value=' +3'")), None),
    ("bool-yes", qemu_ns(prop("name='foo' type='bool' value='yes'")),
     "invalid value 'yes' of 'value' attribute of 'qemu:property'"),
    ("bool", qemu_ns(prop("name='foo' type='bool' value='true'")), None),
    ("remove-with-value", qemu_ns(prop("name='foo' type='remove' value='1'")),
     "setting 'value' attribute of 'qemu:property' doesn't make sense with 'remove' type"),
    ("remove", qemu_ns(prop("name='foo' type='remove'")), None),
    ("string-empty", qemu_ns(prop("name='foo' type='string' value=''")), None),
    # libvirt reads the elements by namespace URI: another prefix is the same
    ("other-prefix", qemu_ns("<qemu:commandline><qemu:arg/></qemu:commandline>", prefix="q"),
     "No qemu command-line argument specified"),
]


def _errors(xml: str, version: tuple[int, int] | None = None) -> list[tuple[str, str]]:
    findings = Linter([caps_from_text(Q35)], libvirt_version=version).lint_document(Document(xml, "t.xml")).findings
    return [(f.code, f.message) for f in findings if f.severity is Severity.ERROR]


@pytest.mark.parametrize(("xml", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_qemu_namespace_as_libvirt_reads_it(xml: str, message: str | None) -> None:
    assert _errors(xml) == ([] if message is None else [("VL812", message)])


def test_elements_outside_the_namespace_or_not_below_domain_are_not_read() -> None:
    """qemuDomainDefNamespaceParse's XPath is ./qemu:commandline/qemu:arg: the same names elsewhere are not its."""
    unprefixed = qemu_ns("<commandline><arg/></commandline>")
    nested = qemu_ns("").replace("<devices/>", f"<devices/><metadata><qemu:commandline xmlns:qemu='{NS}'>"
                                               "<qemu:arg/></qemu:commandline></metadata>")
    assert [c for c, _ in _errors(unprefixed) if c == "VL812"] == []
    assert [c for c, _ in _errors(nested) if c == "VL812"] == []


def test_override_is_not_read_before_8_2() -> None:
    xml = qemu_ns(prop("name='id' type='string' value='x'"))
    assert _errors(xml, (8, 1)) == []
    assert _errors(xml, (8, 2)) == [("VL812", "property with name 'id' can't be overridden")]


def test_the_finding_points_at_the_attribute() -> None:
    xml = qemu_ns("<qemu:commandline><qemu:env name='A-B' value='x'/></qemu:commandline>")
    (finding,) = [f for f in Linter([caps_from_text(Q35)]).lint_document(Document(xml, "t.xml")).findings
                  if f.code == "VL812"]
    start = xml.index("A-B")
    assert (finding.start.line, finding.start.column) == (0, start)  # (0-based inside; the CLI adds 1)


@pytest.mark.parametrize(("flag", "refused_by_9_0"), [("netdev.stream", False), ("virtio-crypto", True),
                                                      ("machine-i8042-opt", True), ("vnc-colon", False)])
def test_the_flags_a_release_knows(flag: str, refused_by_9_0: bool) -> None:
    """libvirt's flag enum only grows: 9.0 knows the first 442 of 10.7's 465 (its last is netdev.stream; asked of the
    real 9.0, which starts a domain adding netdev.stream and refuses virtio-crypto at start)."""
    xml = qemu_ns(f"<qemu:capabilities><qemu:add capability='{flag}'/></qemu:capabilities>")
    refusal = [("VL812", f"invalid qemu namespace capability '{flag}'")]
    assert _errors(xml, (9, 0)) == (refusal if refused_by_9_0 else [])
    assert _errors(xml, (9, 1)) == _errors(xml, (10, 7)) == _errors(xml) == []
