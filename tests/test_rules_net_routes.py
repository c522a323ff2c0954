"""An interface's IP addresses and routes as libvirt's parser reads them (virDomainNetIPParseXML,
virNetDevIPRouteCreate): the host side of an ethernet interface and the guest side. Each case was put to the real
libvirt 9.0, with its valid twins."""

from __future__ import annotations

import pytest

from test_rules_parse_checks import dom
from test_rules_parse_checks import test_parse_checks as judged_as_libvirt

HOST = "<interface type='ethernet'><source>{}</source></interface>"
GUEST = "<interface type='user'>{}</interface>"
NET4 = "address='192.168.122.0' prefix='24' gateway='192.168.122.1'"

CASES = [
    ("peer", HOST.format("<ip address='192.168.122.5' prefix='24' peer='10.0.0.10'/>"), None, ""),
    ("peer-word", HOST.format("<ip address='192.168.122.5' prefix='24' peer='x'/>"), "VL770", "Invalid peer 'x' in <ip>"),
    ("peer-other-family", HOST.format("<ip address='192.168.122.5' peer='fe80::1'/>"), "VL770",
     "Invalid peer 'fe80::1' in <ip>"),
    ("ipv4-read-as-ipv6", HOST.format("<ip address='192.168.122.5' family='ipv6'/>"), "VL770",
     "Invalid address '192.168.122.5' in <ip>"),
    ("ipv4-shorthand", HOST.format("<ip address='10.1' prefix='8'/>"), None, ""),
    ("ip-prefix-trailing-blank", HOST.format("<ip address='192.168.122.5' prefix='1 '/>"), "VL770",
     "Invalid prefix value '1 ' in <ip>"),
    ("ip-prefix-minus-one", HOST.format("<ip address='192.168.122.5' prefix='-1'/>"), "VL770",
     "Invalid prefix value '-1' in <ip>"),
    ("ip-prefix-plus", HOST.format("<ip address='192.168.122.5' prefix='+24'/>"), None, ""),
    ("route", HOST.format(f"<route family='ipv4' {NET4}/>"), None, ""),
    ("route-metric", HOST.format(f"<route {NET4} metric='5'/>"), None, ""),
    ("route-netmask", HOST.format("<route address='192.168.122.0' netmask='255.255.255.0' gateway='192.168.122.1'/>"),
     None, ""),
    ("route-default", HOST.format("<route address='0.0.0.0' gateway='192.168.122.1'/>"), None, ""),
    ("route-ipv6", HOST.format("<route family='ipv6' address='fd00::' prefix='64' gateway='fd00::1'/>"), None, ""),
    ("route-without-prefix", HOST.format("<route address='192.168.122.0' gateway='192.168.122.1'/>"), "VL770",
     "interface host IP: Address '192.168.122.0' in route definition is not a network address"),
    ("route-host-bits", HOST.format("<route address='192.168.122.0' netmask='255.255.0.0' gateway='192.168.122.1'/>"),
     "VL770", "is not a network address"),
    ("route-shorthand-host-bits", HOST.format("<route address='10.1' prefix='8' gateway='192.168.122.1'/>"), "VL770",
     "Address '10.1' in route definition is not a network address"),
    ("route-without-gateway", HOST.format("<route address='192.168.122.0' prefix='24'/>"), "VL770",
     "interface host IP: Missing required gateway attribute in route definition"),
    ("route-bad-gateway", HOST.format("<route address='192.168.122.0' prefix='24' gateway='x'/>"), "VL770",
     "interface host IP: Bad gateway address 'x' in route definition"),
    ("route-ipv6-without-family", HOST.format("<route address='fd00::' prefix='24' gateway='192.168.122.1'/>"), "VL770",
     "No family specified for non-IPv4 address 'fd00::' in route definition"),
    ("route-ipv6-gateway-without-family", HOST.format("<route address='192.168.122.0' prefix='24' gateway='fd00::1'/>"),
     "VL770", "No family specified for non-IPv4 gateway '192.168.122.0' in route definition"),
    ("route-ipv6-prefix-129", HOST.format("<route family='ipv6' address='fd00::' prefix='129' gateway='fd00::1'/>"),
     "VL770", "Invalid prefix 129 specified in route definition, must be 0 - 128"),
    ("route-ipv4-prefix-33", HOST.format("<route address='192.168.122.0' prefix='33' gateway='192.168.122.1'/>"),
     "VL770", "Invalid prefix 33 specified in route definition, must be 0 - 32"),
    ("route-prefix-and-netmask", HOST.format("<route address='192.168.122.0' netmask='255.255.255.0' prefix='24' "
                                             "gateway='192.168.122.1'/>"), "VL770",
     "Route definition cannot have both a prefix and a netmask"),
    ("route-ipv6-netmask", HOST.format("<route family='ipv6' address='fd00::' netmask='255.0.0.0' gateway='fd00::1'/>"),
     "VL770", "Specifying netmask invalid for IPv6 address 'fd00::' in route definition"),
    ("route-ipv6-netmask-on-ipv4", HOST.format("<route address='192.168.122.0' netmask='fd00::' "
                                               "gateway='192.168.122.1'/>"), "VL770",
     "Invalid netmask 'fd00::' for address '192.168.122.0' (both must be IPv4)"),
    ("route-ipv6-ipv4-gateway", HOST.format("<route family='ipv6' address='fd00::' prefix='64' "
                                            "gateway='192.168.122.1'/>"), "VL770",
     "ipv6 specified for non-IPv6 gateway address '192.168.122.1' in route definition"),
    ("route-family", HOST.format(f"<route family='ipv5' {NET4}/>"), "VL770",
     "Unrecognized family 'ipv5' in route definition"),
    ("route-prefix-word", HOST.format("<route address='192.168.122.0' prefix='x' gateway='192.168.122.1'/>"), "VL851",
     "Invalid value for attribute 'prefix' in element 'route': 'x'"),
    ("route-metric-zero", HOST.format(f"<route {NET4} metric='0'/>"), "VL851",
     "Invalid value for attribute 'metric' in element 'route': Zero is not permitted"),
    ("guest-route-without-gateway", GUEST.format("<route address='192.168.122.0' prefix='24'/>"), "VL770",
     "guest interface: Missing required gateway attribute in route definition"),
    ("guest-route-on-qemu", GUEST.format(f"<route {NET4}/>"), "VL770",
     "Invalid attempt to set network interface guest-side IP route, not supported by QEMU"),
]


@pytest.mark.parametrize(("devices", "code", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_addresses_and_routes(devices: str, code: str | None, fragment: str) -> None:
    judged_as_libvirt(dom(devices), code, fragment)
