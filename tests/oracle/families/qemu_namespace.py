"""QEMU's extension elements (VL812): qemuDomainDefNamespaceParse's refusals next to their accepted twins.

The namespace is declared on each extension element itself: libvirt reads them by URI, not by the root's prefix.
"""

from __future__ import annotations

from cases import Case

PREFIX = "qemuns"
_NS = "xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'"


def _commandline(inner: str) -> str:
    return f"<qemu:commandline {_NS}>{inner}</qemu:commandline>"


def _property(attrs: str) -> str:
    return (f"<qemu:override {_NS}><qemu:device alias='ua-x'><qemu:frontend><qemu:property {attrs}/>"
            "</qemu:frontend></qemu:device></qemu:override>")


def cases(kvm: bool) -> list[Case]:
    def case(name: str, rule: str | None, after: str) -> Case:
        return Case(f"{PREFIX}-{name}", "qemu", "x86_64", "q35", rule, after=after)

    return [
        case("arg-without-value", "VL812", _commandline("<qemu:arg/>")),
        case("arg-ok", None, _commandline("<qemu:arg value='-no-user-config'/>")),
        case("env-digit-first", "VL812", _commandline("<qemu:env name='9A' value='x'/>")),
        case("env-dot", "VL812", _commandline("<qemu:env name='A.B' value='x'/>")),
        case("env-ok", None, _commandline("<qemu:env name='A_9' value='x'/>")),
        case("capability-unnamed", "VL812", f"<qemu:capabilities {_NS}><qemu:del/></qemu:capabilities>"),
        case("property-id", "VL812", _property("name='id' type='string' value='x'")),
        case("property-unsigned-negative", "VL812", _property("name='foo' type='unsigned' value='-2'")),
        case("property-remove-with-value", "VL812", _property("name='foo' type='remove' value='x'")),
        case("property-ok", None, _property("name='foo' type='signed' value='-2'")),
    ]
