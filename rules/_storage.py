"""What the disk, NVRAM and host device rules share of libvirt's storage source parsing: backing chains, network
hosts, auth, secret usages, encryption formats, slices."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import c_unsigned, parse_ui, prop_uint
from virtlint.rules._libvirt_enums import MISSING, UINT_MESSAGE
from virtlint.rules._support import first_child, parse_uuid

#: virStorageNetHostTransport's names
TRANSPORTS = ("tcp", "rdma", "unix")
#: virSecretUsageType names libvirt knows
SECRET_USAGES = ("none", "volume", "ceph", "iscsi", "tls", "vtpm")
#: virStorageEncryptionFormat
ENCRYPTION_FORMATS = frozenset(("default", "qcow", "luks", "luks2", "luks-any"))


#: Protocol -> libvirt's message when it does not have exactly one <host> (qemu_block.c; start).
ONE_HOST = {
    "iscsi": "iSCSI protocol accepts only one host",
    "nbd": "nbd protocol accepts only one host",
    "ssh": "ssh protocol accepts only one host",
    "vxhs": "VxHS protocol accepts only one host",
    "sheepdog": "sheepdog protocol accepts only one host",
    "nfs": "'nfs' protocol requires the usage of exactly one host",
    **{p: f"protocol '{p}' accepts only one host" for p in ("http", "https", "ftp", "ftps", "tftp")},
}


def one_host_problem(source: etree._Element, ctx: Context) -> Problem | None:
    """qemu_block.c: a network <source> (a disk's, a backing store's, a network NVRAM's) whose protocol names
    exactly one server without exactly one <host> (refused while QEMU's command line is built; NFS's by
    qemuDomainValidateStorageSource, at define)."""
    protocol = source.get("protocol")
    if protocol not in ONE_HOST:
        return None
    found = source.findall("host")
    if len(found) == 1:
        return None
    severity = None
    if protocol == "iscsi" and len(found) > 1 and not ctx.libvirt_at_least(10, 7):
        # (10.7 counts the hosts; 8.1, 9.0, 9.8 and 10.4 take the first: 9.0 starts with it, checked)
        if not ctx.libvirt_at_least(10, 5):
            return None
        severity = Severity.WARNING  # (10.5 and 10.6: not seen)
    anchor = Anchor(found[1]) if len(found) > 1 else Anchor(source, "protocol")
    return Problem(anchor, ONE_HOST[protocol], hint=f"give <source protocol='{protocol}'> exactly one <host>",
                   severity=severity)


def storage_slice(source: etree._Element | None) -> etree._Element | None:
    """The slice libvirt reads in a storage <source> (virDomainStorageSourceParseSlices: the first
    ./slices/slice[@type='storage']), None without one (a <slices/> alone, or slices of another type, is none)."""
    if source is None or first_child(source, "slices") is None:
        return None
    return source.find("slices/slice[@type='storage']")


def chain_layers(disk: etree._Element) -> Iterator[tuple[etree._Element, str | None]]:
    """A disk's storage layers as libvirt parses them, each (the element holding the layer's <source>, its storage
    type): the disk, then each <backingStore> with a type (one without ends the chain:
    virDomainDiskBackingStoreParse)."""
    yield disk, disk.get("type") or "file"
    holder = disk
    while True:
        backing = first_child(holder, "backingStore")
        if backing is None or backing.get("type") is None:
            return
        yield backing, backing.get("type")
        holder = backing


def network_hosts(source: etree._Element, protocol: str | None) -> Problem | None:
    """virDomainStorageNetworkParseHost, then qemuDomainValidateStorageSource's NFS rules."""
    for host in source.iterchildren("host"):
        transport = host.get("transport")
        if transport is not None and transport not in TRANSPORTS:
            return Problem(Anchor(host, "transport"), f"unknown protocol transport type '{transport}'",
                           replacements=TRANSPORTS)
        if transport == "unix":
            if host.get("socket") is None:
                return Problem(Anchor(host), "missing socket for unix transport", hint="add socket='/path'")
        else:
            if host.get("socket") is not None:
                return Problem(Anchor(host, "socket"), f"transport '{transport or '(null)'}' does not support socket "
                               "attribute", hint="add transport='unix', or remove socket=")
            if host.get("name") is None:
                return Problem(Anchor(host), "missing name for host", hint="add name='...'")
        # (the name and port are read off unix transports only: checked on 9.0, a unix host's port 'abc' defined)
        port = host.get("port") if transport != "unix" else None
        value = None
        if port is not None:
            value = c_unsigned(port, 2**32 - 1)
            if value is None:
                return Problem(Anchor(host, "port"), f"failed to parse port number '{port}'", hint="a port number")
            if value > 65535:
                return Problem(Anchor(host, "port"), f"port '{port}' out of range")
        if protocol == "nfs":
            if transport not in (None, "tcp"):
                return Problem(Anchor(host), "'nfs' host must use TCP protocol")
            if value:  # (the parsed port: 0, '00' or '+0' is none; checked on 9.0)
                return Problem(Anchor(host, "port"), "port cannot be specified in 'nfs' protocol host",
                               hint="remove port=")
    return None


def storage_auth(auth: etree._Element) -> Problem | None:
    """virStorageAuthDefParse and virSecretLookupParseSecret."""
    if not auth.get("username"):  # (virXPathString: an empty one is none)
        return Problem(Anchor(auth), "missing username for auth", hint="add username='...'")
    kind = auth.get("type")
    if kind is not None and kind not in ("none", "chap", "ceph"):
        return Problem(Anchor(auth, "type"), f"unknown auth type '{kind}'", replacements=("chap", "ceph"))
    secret = first_child(auth, "secret")
    if secret is None:
        return Problem(Anchor(auth), "Missing <secret> element in auth",
                       hint="name the secret: <secret type='...' usage='...'/> or uuid='...'")
    uuid, usage = secret.get("uuid"), secret.get("usage")
    if uuid is None and usage is None:
        return Problem(Anchor(secret), "missing secret uuid or usage attribute", hint="add uuid='...' or usage='...'")
    if uuid is not None and usage is not None:
        return Problem(Anchor(secret), "either secret uuid or usage expected", hint="keep one of uuid= and usage=")
    if uuid is not None and parse_uuid(uuid) is None:
        return Problem(Anchor(secret, "uuid"), f"invalid secret uuid '{uuid}'")
    return None


def luks_info(encryption: etree._Element) -> Problem | None:
    """virStorageEncryptionParseNode on a luks <encryption>: its first <cipher> needs a name and a size, an
    <ivgen> a name and a <cipher> before it (the storage volume's settings: a domain's disk refuses a well-formed
    <cipher> later, VL753's check)."""
    cipher = first_child(encryption, "cipher")
    if cipher is not None:
        if cipher.get("name") is None:  # (virXMLPropString: an empty name is a name)
            return Problem(Anchor(cipher), "cipher info missing 'name' attribute", hint="remove <cipher>")
        size = cipher.get("size")
        if size is None:
            return Problem(Anchor(cipher), MISSING.format(attribute="size", element="cipher"), hint="remove <cipher>")
        if prop_uint(size, 10) is None:
            return Problem(Anchor(cipher, "size"), UINT_MESSAGE.format(attribute="size", element="cipher", value=size),
                           hint="remove <cipher>")
    ivgen = first_child(encryption, "ivgen")
    if ivgen is not None:
        if cipher is None:
            return Problem(Anchor(ivgen), "ivgen element found, but cipher is missing",
                           hint="remove <ivgen>: QEMU reads the LUKS header's")
        if ivgen.get("name") is None:
            return Problem(Anchor(ivgen), "missing ivgen info name string", hint="remove <ivgen>")
    return None


def iscsi_lun(source: etree._Element) -> Problem | None:
    """qemuBlockStorageSourceGetISCSIProps, at start: an iSCSI name's LUN, after its first '/', is a number
    (virStrToLong_ui, which takes a sign); a name without '/' is LUN 0. A disk's source and a SCSI hostdev's alike."""
    target, slash, lun = (source.get("name") or "").partition("/")
    if slash and parse_ui(lun) is None:
        return Problem(Anchor(source, "name"), f"cannot parse target for lunStr '{target}'",
                       hint="end the name with the LUN's number: iqn...:target/0")
    return None
