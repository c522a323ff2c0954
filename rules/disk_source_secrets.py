"""VL753 disk-source-secrets: a disk's <auth>/<encryption> given twice or of the wrong kind, network hosts."""

from __future__ import annotations

from typing import Iterable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import parse_ui
from virtlint.rules._devices import (LIBVIRT_START, QEMU_START, DiskFacts, DiskTableRule, caps_qemu_release, disk_facts,
                                     disks_with_extras, qemu_release_label)
from virtlint.rules._storage import SECRET_USAGES, chain_layers, iscsi_lun, luks_info, one_host_problem
from virtlint.rules._support import first_child

#: Protocol -> the secret usage its <auth> must name (virDomainDiskDefValidateSourceChainOne).
AUTH_USAGE = {"iscsi": "iscsi", "rbd": "ceph"}
#: Protocols whose <auth> libvirt refuses.
NO_AUTH = ("nbd", "sheepdog", "gluster", "tftp", "vxhs", "nfs")
#: The protocols whose <source tls='yes'> QEMU can honour (qemuDomainPrepareStorageSourceTLS).
TLS_PROTOCOLS = ("nbd", "vxhs")
#: The others libvirt knows (an unknown protocol is the parser's error: VL759's).
KNOWN_PROTOCOLS = ("rbd", "sheepdog", "gluster", "iscsi", "http", "https", "ftp", "ftps", "tftp", "nfs", "ssh")
#: The protocols whose servers QEMU reaches by a socket address (qemuBlockStorageSourceBuildJSONSocketAddress):
#: every host of Gluster's, the one of NBD's and Sheepdog's
SOCKET_PROTOCOLS = ("gluster", "nbd", "sheepdog")
def given_twice(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefParseSourceXML: <auth>/<encryption> both in <disk> and in its <source>."""
    for tag in ("auth", "encryption"):
        outer, inner = disk.find(tag), disk.find(f"source/{tag}")
        if outer is not None and inner is not None:
            yield Problem(Anchor(outer), f"an <{tag}> definition already found for disk source",
                          hint=f"keep only the <{tag}> inside <source>")
            return


def auth_kind(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidateSourceChainOne: the secret an <auth> names must fit the protocol."""
    source = disk.find("source")
    auth = disk.find("source/auth")
    if auth is None:
        auth = disk.find("auth")
    if auth is None or source is None:
        return
    if (disk.get("type") or "file") != "network":
        return
    protocol = source.get("protocol")
    if protocol in NO_AUTH:
        yield Problem(Anchor(auth), f"authentication is not supported for protocol '{protocol}'")
        return
    secret = auth.find("secret")
    if secret is None:
        return  # (the parser's error: VL759's)
    usage = secret.get("type")
    if usage not in SECRET_USAGES:
        yield Problem(Anchor(secret, "type") if usage is not None else Anchor(secret),
                      f"unknown secret type '{usage if usage is not None else '<null>'}'",
                      hint=f"use <secret type='{AUTH_USAGE.get(protocol or '', 'iscsi')}' .../>")
        return
    wanted = AUTH_USAGE.get(protocol or "")
    if wanted and usage != wanted:
        yield Problem(Anchor(secret, "type"), f"invalid secret type '{usage}'", replacements=(wanted,))


def cipher(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """virDomainDiskDefValidateSourceChainOne: luks disks take no <cipher> (QEMU picks it from the header)."""
    for encryption in (disk.find("encryption"), disk.find("source/encryption")):
        # (a <cipher> the parser refuses is VL759's: libvirt stops there)
        if encryption is not None and encryption.get("format") == "luks" and encryption.find("cipher") is not None \
                and luks_info(encryption) is None:
            yield Problem(Anchor(encryption.find("cipher")),
                          "supplying <cipher> for domain disk definition is unnecessary", hint="remove <cipher>")
            return


def _network_sources(disk: etree._Element) -> Iterator[etree._Element]:
    """The <source> of each network layer of the disk's chain (the disk's, then its backing stores')."""
    for holder, kind in chain_layers(disk):
        if kind == "network":
            source = first_child(holder, "source")
            if source is not None:
                yield source


def hosts(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemu_block.c: protocols that name exactly one server (refused when QEMU's command line is built; NFS's by
    qemuDomainValidateStorageSource, at define), in each layer of the chain."""
    for source in _network_sources(disk):
        problem = one_host_problem(source, ctx)
        if problem is not None:
            yield problem
            return


def vxhs(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuProcessStartValidateDisks: a disk's own VxHS source (QEMU dropped the protocol in 5.1; libvirt 10.7
    refuses it whatever the binary, 9.8 without the binary's vxhs option)."""
    source = first_child(disk, "source") if disk.get("type") == "network" else None
    if source is not None and source.get("protocol") == "vxhs":
        yield Problem(Anchor(source, "protocol"), "VxHS protocol is not supported with this QEMU binary"
                      + LIBVIRT_START, hint="QEMU has no VxHS client: reach the storage another way (NBD, iSCSI...)")


def tls(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemuDomainPrepareStorageSourceTLS (at start): QEMU's NBD and VxHS clients speak TLS, no other protocol's does,
    in any layer of the chain."""
    for source in _network_sources(disk):
        if source.get("tls") == "yes":
            protocol = source.get("protocol")
            if protocol not in TLS_PROTOCOLS and protocol in KNOWN_PROTOCOLS:
                yield Problem(Anchor(source, "tls"), f"TLS transport is not supported for disk protocol '{protocol}'",
                              hint="remove tls= (the protocol's own encryption, if any, is configured elsewhere)",
                              replacements=("no",))
                return


def servers(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """qemu_block.c, building QEMU's block properties at start: QEMU reaches a Gluster, NBD or Sheepdog server over
    TCP or a Unix socket, not RDMA; an iSCSI name's LUN, after its '/', is a number (virStrToLong_ui). In any layer
    of the chain."""
    for source in _network_sources(disk):
        protocol = source.get("protocol")
        if protocol in SOCKET_PROTOCOLS:
            hosts_read = list(source.iterchildren("host"))
            for host in hosts_read if protocol == "gluster" else hosts_read[:1]:
                if host.get("transport") == "rdma":
                    yield Problem(Anchor(host, "transport"), "transport protocol 'rdma' is not yet supported",
                                  replacements=("tcp",))
                    return
        elif protocol == "iscsi":
            problem = iscsi_lun(source)
            if problem is not None:
                yield problem
                return
        problem = _inet_hosts(source, protocol) or _empty_name(source, protocol) or _empty_nbd_host(source, protocol) \
            or _nfs_identity(source, protocol) or _sheepdog(source, protocol, ctx)
        if problem is not None:
            yield problem
            return


def _inet_hosts(source: etree._Element, protocol: str | None) -> Problem | None:
    """qemuBlockStorageSourceBuildJSONInetSocketAddress: QEMU's RBD client takes every host, and its SSH client the
    first, as a TCP address (checked on 9.0: unix and rdma hosts refused at start, before QEMU runs)."""
    if protocol not in ("rbd", "ssh"):
        return None
    hosts = list(source.iterchildren("host"))
    for host in hosts if protocol == "rbd" else hosts[:1]:
        if host.get("transport") not in (None, "tcp"):
            return Problem(Anchor(host, "transport"), "only TCP protocol can be converted to InetSocketAddress"
                           + LIBVIRT_START, hint=f"QEMU's {protocol} client reaches its servers over TCP",
                           replacements=("tcp",))
    return None


#: The protocols whose name holds '<volume or pool>/<path or image>', and QEMU's property for the part after '/'
SPLIT_NAMES = {"rbd": "image", "gluster": "path"}


def _empty_name(source: etree._Element, protocol: str | None) -> Problem | None:
    """virDomainStorageSourceParse takes an empty name for none: the copy a start parses again lacks it (`missing
    name for disk source`, all but NBD, whose server may have a default export), and an RBD or Gluster name ends at
    its '/' (QEMU's property then null); an iSCSI one makes libvirtd 9.0 crash at define
    (virDomainPostParseCheckISCSIPath reads it; 9.8 and 10.7 the same code). Each checked on 9.0."""
    name = source.get("name")
    if name is None or protocol in (None, "nbd"):
        return None
    if name == "" and protocol == "iscsi":
        return Problem(Anchor(source, "name"), "libvirtd crashes defining the domain: an empty iSCSI source name "
                       "(virDomainPostParseCheckISCSIPath reads the missing name)",
                       hint="name the target: iqn.2013-07.com.example:storage/1")
    if name == "" and protocol not in SPLIT_NAMES:
        return Problem(Anchor(source, "name"), "missing name for disk source (libvirt reads an empty name as none "
                       "in the copy a start makes)" + LIBVIRT_START, hint="name the export, path or image")
    key = SPLIT_NAMES.get(protocol)
    if key is not None and "/" in name and not name.split("/", 1)[1]:
        return Problem(Anchor(source, "name"), f"argument key '{key}' must not have null value (nothing after the "
                       "'/')" + LIBVIRT_START, hint=f"name the {key} after the '/'")
    return None


#: NBD's port when the host names none
NBD_PORT = 10809


def _empty_nbd_host(source: etree._Element, protocol: str | None) -> Problem | None:
    """QEMU at start: an NBD server named by an empty host name or socket path, which libvirt passes on as it is
    (checked on 9.0 with QEMU 7.2, both refused as they open the disk)."""
    host = first_child(source, "host") if protocol == "nbd" else None
    if host is None:
        return None
    if host.get("transport") == "unix" and host.get("socket") == "":
        return Problem(Anchor(host, "socket"), "Failed to connect to '': Connection refused" + QEMU_START,
                       hint="give the NBD server's socket path")
    if host.get("transport") in (None, "tcp") and host.get("name") == "":
        port = host.get("port") or str(NBD_PORT)
        return Problem(Anchor(host, "name"), f"address resolution failed for :{port}: Name or service not known"
                       + QEMU_START, hint="give the NBD server's host name or address")
    return None


def _nfs_identity(source: etree._Element, protocol: str | None) -> Problem | None:
    """qemuDomainPrepareStorageSourceNFS (virGetUserID, virGetGroupID) at start: '+N' is a number (virStrToLong_ui),
    anything else a name the host's passwd or group file knows, else a number; an empty one no host knows (checked
    on 9.0). Names are the host's: not judged."""
    identity = first_child(source, "identity") if protocol == "nfs" else None
    if identity is None:
        return None
    for attribute, what in (("user", "user"), ("group", "group")):
        value = identity.get(attribute)
        if value is None:
            continue
        number = value[1:] if value.startswith("+") else None
        if value == "" or number is not None and parse_ui(number) is None:
            shown = number if number is not None else value
            return Problem(Anchor(identity, attribute), f"Failed to parse {what} '{shown}'" + LIBVIRT_START,
                           hint=f"a {what} name, or '+' and a number: +107")
    return None


#: The first QEMU release without the Sheepdog block driver (removed after its deprecation; gone by 6.1)
SHEEPDOG_GONE = (6, 1)


def _sheepdog(source: etree._Element, protocol: str | None, ctx: Context) -> Problem | None:
    """QEMU at start: libvirt still writes a Sheepdog -blockdev, and QEMU no longer has the driver (checked on 9.0
    with QEMU 7.2); judged where the caps' QEMU is known to be 6.1 or later."""
    if protocol != "sheepdog":
        return None
    release = caps_qemu_release(ctx)
    if release is None or release[0][:2] < SHEEPDOG_GONE:
        return None
    return Problem(Anchor(source, "protocol"), "Parameter 'driver' does not accept value 'sheepdog'" + QEMU_START,
                   hint=f"QEMU {qemu_release_label(release)} has no Sheepdog client: move the image to RBD, NBD...")


CHECKS = (given_twice, auth_kind, cipher, hosts, tls, servers, vxhs)


def _suspects(facts: list[DiskFacts], extras: set[etree._Element]) -> list[etree._Element]:
    """The disks CHECKS may report on, in document order: network disks, and (``extras``) disks that may have
    <auth> or <encryption>, and disks with a backing chain; they certainly report nothing on the others (usually
    none is suspect)."""
    suspects = []
    for disk, children, _device, kind, _target, _dev, _bus, _more in facts:
        if kind == "network" or disk in extras or "backingStore" in children:
            suspects.append(disk)
    return suspects


@register
class DiskSourceSecrets(DiskTableRule):
    """
    ## What it does
    Reports a disk's `<auth>` or `<encryption>` given both in `<disk>` and in
    its `<source>`, an `<auth>` whose secret type is unknown or wrong for the
    protocol (iSCSI needs `iscsi`, RBD needs `ceph`) or on a protocol without
    authentication, a `<cipher>` in luks encryption, and a network source
    (the disk's, or a layer of its backing chain) without exactly one
    `<host>` where the protocol takes one server, `tls='yes'` on a network
    source whose protocol has no TLS in QEMU (all but NBD and VxHS), an RDMA
    transport to a Gluster, NBD or Sheepdog server, an iSCSI name whose
    LUN (after the '/') is no number, and a VxHS disk (QEMU dropped the
    protocol). More than one iSCSI `<host>` is refused by libvirt 10.7 only
    (8.1 to 10.4 take the first; a warning for 10.5 and 10.6, not seen).

    ## Why is this bad?
    libvirt refuses the domain. Messages modelled: `an <auth> definition
    already found for disk source` (virDomainDiskDefParseSourceXML), `unknown
    secret type '<null>'`, `invalid secret type 'ceph'`, `supplying <cipher>
    for domain disk definition is unnecessary`
    (virDomainDiskDefValidateSourceChainOne), `'nfs' protocol requires the
    usage of exactly one host` (qemuDomainValidateStorageSource): stage
    define. `iSCSI protocol
    accepts only one host` and its siblings (qemu_block.c, while building
    QEMU's command line), `transport protocol 'rdma' is not yet supported`,
    `cannot parse target for lunStr 'iqn.2013-07.com.example:t'` (qemu_block.c
    too), `TLS transport is not supported for disk protocol 'iscsi'`
    (qemuDomainPrepareStorageSourceTLS), `VxHS protocol is not supported
    with this QEMU binary` (qemuProcessStartValidateDisks): stage start.
    Also at start (each checked on 9.0 with its twin): an RBD host, or the
    first SSH host, off TCP (`only TCP protocol can be converted to
    InetSocketAddress`), an empty source name but NBD's (`missing name for
    disk source`: libvirt reads it as none in the copy a start makes), an RBD
    or Gluster name with nothing after its `/` (`argument key 'image' must
    not have null value`), an NFS `<identity>` user or group that is empty
    or `+` and no number (`Failed to parse user 'abc'`), a Sheepdog source
    where the caps' QEMU is 6.1 or later (`Parameter 'driver' does not
    accept value 'sheepdog'`), an NBD host of an empty name or socket path
    (`address resolution failed for :10809`, `Failed to connect to ''`);
    and an empty iSCSI source name, which makes
    libvirtd 9.0 crash when the domain is defined.
    Driver: QEMU.
    Same in libvirt 9.0 and 10.7.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='network' device='disk'>
        <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'>
          <host name='example.com' port='3260'/></source>
        <auth username='myname'><secret type='ceph' usage='mycluster_myname'/></auth>
        <target dev='vda' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='network' device='disk'>
        <source protocol='iscsi' name='iqn.2013-07.com.example:iscsi-nopool/1'>
          <host name='example.com' port='3260'/></source>
        <auth username='myname'><secret type='iscsi' usage='mycluster_myname'/></auth>
        <target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL753"
    name = "disk-source-secrets"
    severity = Severity.ERROR
    summary = "Disk auth or encryption given twice or of the wrong kind, or a network source's host count."
    checks = CHECKS

    def suspects(self, devices: etree._Element, ctx: Context) -> list[etree._Element]:
        return _suspects(disk_facts(ctx, devices), disks_with_extras(ctx, devices))
