"""Cases for i13core's checks: a <domain> whose children are in an XML namespace (VL010)."""

from __future__ import annotations

from cases import Case, case_maker

DOMAIN_NS = "http://libvirt.org/schemas/domain/1.0"


def cases(kvm: bool) -> list[Case]:
    virttype = "kvm" if kvm else "qemu"

    case = case_maker("i13core", virttype, machine="pc-q35-7.2")

    # Case.xml() writes <domain type='{domain_type}'>: the namespace declaration rides on that attribute
    return [
        case("default-namespace", "VL010", domain_type=f"{virttype}' xmlns='{DOMAIN_NS}"),
        case("prefixed-namespace", None, domain_type=f"{virttype}' xmlns:x='{DOMAIN_NS}"),
        case("no-namespace", None),
    ]
