"""VL759 disk-source: a disk source (or a layer of its backing chain) libvirt's storage source parser and validators
refuse: network hosts and names, auth, encryption, NVMe and volume sources, slices, reservations, cookies."""

from __future__ import annotations

from typing import ClassVar, Iterable, Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import c_unsigned, prop_uint
from virtlint.rules._addresses import source_pci_problem
from virtlint.rules._devices import LIBVIRT_START, DiskFacts, DiskTableRule, disk_facts, qemu_driver
from virtlint.rules._libvirt_enums import MISSING, STRICT_ENUMS, UINT_MESSAGE
from virtlint.rules._storage import (ENCRYPTION_FORMATS, chain_layers, luks_info, network_hosts, storage_auth,
                                     storage_slice)
from virtlint.rules._support import NOTHING, after_first, first_child, parse_uuid, string_value

#: protocols whose name is pool/image or volume/path (virDomainDiskSourceNetworkParse)
SPLIT_NAME = ("rbd", "gluster")
#: what a cookie's value may not hold (virStorageSourceCookieValueInvalidChars: control characters, blanks, '"',
#: ',', ';' and '\\'), and its name neither, nor these (virStorageSourceCookieNameInvalidChars)
_COOKIE_VALUE_REFUSED = frozenset(map(chr, range(1, 32))) | frozenset(' ",;\\')
_COOKIE_NAME_REFUSED = _COOKIE_VALUE_REFUSED | frozenset("()<>@:/[]?={}")
STORAGE_TYPES = ("file", "block", "dir", "network", "volume", "nvme", "vhostuser", "vhostvdpa")
#: the storage formats virStorageFileFormatTypeFromString knows (the disk driver's table row)
FORMATS = next(row.values for row in STRICT_ENUMS if row.path == "devices/disk/driver" and row.attribute == "type")


def _network(source: etree._Element, ctx: Context) -> Problem | None:
    """virDomainDiskSourceNetworkParse's protocol, names, cookies, readahead and timeout, an ssh source's known
    hosts and identity; the TLS host name's protocol."""
    protocol = source.get("protocol")
    name = source.get("name")
    if protocol is None:
        return Problem(Anchor(source), MISSING.format(attribute="protocol", element="source"),
                       hint="name its protocol: protocol='rbd', 'iscsi', 'nbd', ...")
    if name is None and protocol != "nbd":
        return Problem(Anchor(source), "missing name for disk source",
                       hint=f"name the {protocol} volume or image: <source protocol='{protocol}' name='...'>")
    if protocol in SPLIT_NAME and name is not None and ("/" not in name or name.startswith("/")):
        return Problem(Anchor(source, "name"), f"can't split path '{name}' into pool name and image name",
                       hint="write pool/image (rbd) or volume/path (gluster)")
    problem = network_hosts(source, protocol)
    if problem is not None:
        return problem
    if protocol == "tftp":  # (qemuDomainValidateStorageSource: QEMU has had no tftp block driver since 2.8)
        return Problem(Anchor(source, "protocol"), "'tftp' protocol is not supported with this QEMU binary",
                       hint="serve the image over http(s) or ftp(s), or copy it to local storage",
                       replacements=("http", "https"))
    if source.get("tlsHostname") is not None and protocol != "nbd":
        return Problem(Anchor(source, "tlsHostname"), "'tlsHostname' field is supported only with NBD disks",
                       hint="remove tlsHostname=")
    if protocol in ("http", "https", "ftp", "ftps"):
        for tag, attribute in (("readahead", "size"), ("timeout", "seconds")):
            element = first_child(source, tag)
            text = element.get(attribute) if element is not None else None
            # (virXPathULongLong: an empty or absent value is none)
            if text and c_unsigned(text, 2**64 - 1) is None:
                return Problem(Anchor(element, attribute), "invalid readahead size or timeout", hint="a number")
    if protocol in ("http", "https"):
        cookies = first_child(source, "cookies")
        names: set[str] = set()
        for cookie in cookies.iterchildren("cookie") if cookies is not None else ():
            cookie_name = cookie.get("name")
            if not cookie_name:
                return Problem(Anchor(cookie), "missing cookie name", hint="add name='...'")
            value = string_value(cookie)  # (virXPathString("string(.)"): an empty one is none)
            if not value:
                return Problem(Anchor(cookie), f"missing value for cookie '{cookie_name}'", hint="write its value")
            # (virStorageSourceNetCookieValidate: a value may be quoted whole)
            if not _COOKIE_NAME_REFUSED.isdisjoint(cookie_name):
                return Problem(Anchor(cookie, "name"), f"cookie name '{cookie_name}' contains invalid characters",
                               hint="no blanks, quotes, separators or control characters in the name")
            if (value.startswith('"') and not value.endswith('"')) or \
                    not _COOKIE_VALUE_REFUSED.isdisjoint(value[1:-1] if value.startswith('"') else value):
                return Problem(Anchor(cookie, text=True), f"value of cookie '{cookie_name}' contains invalid characters",
                               hint="no ';', ',', blanks or quotes inside the value")
            if cookie_name in names:
                return Problem(Anchor(cookie, "name"), f"duplicate cookie '{cookie_name}'")
            names.add(cookie_name)
    if protocol == "ssh" and ctx.libvirt_at_least(*SSH_AUTH_SINCE):
        return _ssh(source)
    return None


#: The release whose parser first reads an ssh source's <knownHosts> and <identity> (older ones drop both): the
#: nbdkit backend for ssh disks (NEWS 9.8). The release that added them is not pinned down: 9.0 drops them
#: (checked), a 9.8-era domain_conf.c parses them, so 9.8 is the first release shown to.
SSH_AUTH_SINCE = (9, 8)


def _ssh(source: etree._Element) -> Problem | None:
    """virDomainDiskSourceNetworkParse: an ssh source's known hosts file and identity (a user, and a key file or an
    ssh-agent socket)."""
    known_hosts = first_child(source, "knownHosts")
    if known_hosts is not None and known_hosts.get("path") is None:  # (virXMLPropStringRequired: '' will do)
        return Problem(Anchor(known_hosts), MISSING.format(attribute="path", element="knownHosts"),
                       hint="add path='/root/.ssh/known_hosts'")
    identity = first_child(source, "identity")
    if identity is None:
        return None
    if identity.get("username") is None:
        return Problem(Anchor(identity), MISSING.format(attribute="username", element="identity"),
                       hint="name the user on the ssh server: username='...'")
    if identity.get("keyfile") is None and identity.get("agentsock") is None:
        return Problem(Anchor(identity), "element 'identity' requires either 'keyfile' or 'agentsock' attribute",
                       hint="add keyfile='/root/.ssh/id_ed25519' (a key without a passphrase) or the ssh-agent's "
                            "socket: agentsock='...'")
    return None


#: Formats a release after 9.0 added: the first release that takes each (formatstorageencryption: "Since 9.3.0";
#: libvirt 9.0 refuses luks-any, checked)
ENCRYPTION_FORMATS_SINCE = {"luks-any": (9, 3)}


def _secret_lookup(secret: etree._Element) -> Problem | None:
    """virSecretLookupParseSecret: a uuid or a usage, not both; a uuid virUUIDParse reads."""
    uuid, usage = secret.get("uuid"), secret.get("usage")
    if uuid is None and usage is None:
        return Problem(Anchor(secret), "missing secret uuid or usage attribute",
                       hint="name the libvirt secret: uuid='...' or usage='...'")
    if uuid is not None and usage is not None:
        return Problem(Anchor(secret, "usage"), "either secret uuid or usage expected", hint="keep one of them")
    if uuid is not None and parse_uuid(uuid) is None:
        return Problem(Anchor(secret, "uuid"), f"invalid secret uuid '{uuid}'",
                       hint="the secret's UUID, as `virsh secret-list` shows it")
    return None


def _encryption(encryption: etree._Element, kind: str | None, ctx: Context) -> Problem | None:
    """virStorageEncryptionParseNode, then qemuDomainValidateStorageSource's encryption engine."""
    encryption_format = encryption.get("format")
    if not encryption_format:  # (virXPathString: an empty string is none)
        return Problem(Anchor(encryption), "unknown volume encryption format", hint="add format='luks'")
    if encryption_format not in ENCRYPTION_FORMATS or (
            encryption_format in ENCRYPTION_FORMATS_SINCE and
            not ctx.libvirt_at_least(*ENCRYPTION_FORMATS_SINCE[encryption_format])):
        return Problem(Anchor(encryption, "format"), f"unknown volume encryption format type {encryption_format}",
                       replacements=("luks", "qcow"))
    engine = encryption.get("engine")
    if engine is not None and engine not in ("qemu", "librbd"):  # (VIR_XML_PROP_NONZERO: not 'default')
        return Problem(Anchor(encryption, "engine"),
                       f"Invalid value for attribute 'engine' in element 'encryption': '{engine}'.",
                       replacements=("qemu", "librbd"))
    for secret in encryption.iterchildren("secret"):
        secret_type = secret.get("type")
        if not secret_type:
            return Problem(Anchor(secret), "unknown volume encryption secret type", hint="add type='passphrase'")
        if secret_type != "passphrase":
            return Problem(Anchor(secret, "type"), f"unknown volume encryption secret type {secret_type}",
                           replacements=("passphrase",))
        problem = _secret_lookup(secret)  # (virSecretLookupParseSecret)
        if problem is not None:
            return problem
    if encryption_format == "luks":
        problem = luks_info(encryption)
        if problem is not None:
            return problem
    if encryption.get("engine") == "librbd" and kind != "network":
        return Problem(Anchor(encryption, "engine"), "librbd encryption is supported only with RBD backed disks",
                       replacements=("qemu",))
    return None


def _source(holder: etree._Element, kind: str | None, backing: bool, ctx: Context) -> Problem | None:
    """One layer: its backing store's format and source, its source by type, auth, encryption, slices."""
    if backing:
        if kind not in STORAGE_TYPES:
            return Problem(Anchor(holder, "type"), f"unknown storage source type '{kind}'", replacements=("file",))
        fmt = first_child(holder, "format")
        if fmt is None or fmt.get("type") is None:
            return Problem(Anchor(fmt if fmt is not None else holder), "missing disk backing store format",
                           hint="add <format type='qcow2'/>")
        if fmt.get("type") not in FORMATS:
            return Problem(Anchor(fmt, "type"), f"unknown storage source format '{fmt.get('type')}'")
    source = first_child(holder, "source")
    if source is None:
        if backing:
            return Problem(Anchor(holder), "missing disk backing store source", hint="add its <source>")
        return None
    if kind == "network":
        problem = _network(source, ctx)
        if problem is not None:
            return problem
    elif kind == "nvme":  # (virDomainDiskSourceNVMeParse, then virDomainDiskDefValidateSourceChainOne)
        if source.get("type") is None:
            return Problem(Anchor(source), "missing 'type' attribute to disk source", hint="add type='pci'")
        if source.get("type") != "pci":
            return Problem(Anchor(source, "type"), f"unsupported source type '{source.get('type')}'",
                           replacements=("pci",))
        namespace = source.get("namespace")
        if namespace is None:
            return Problem(Anchor(source), "Missing required attribute 'namespace' in element 'source'")
        # (10.7 reads it with virXMLPropULongLong; 9.0 with virStrToLong_ull, which takes '-1' and says "malformed
        # namespace 'x'": a negative namespace is left alone, for want of the release between that changed it)
        blanks = namespace[:len(namespace) - len(namespace.lstrip(" \t\n\v\f\r"))]
        unsigned = blanks + namespace[len(blanks) + 1:] if namespace[len(blanks):].startswith("-") else namespace
        if prop_uint(unsigned, 10, 64) is None:
            return Problem(Anchor(source, "namespace"),
                           UINT_MESSAGE.format(attribute="namespace", element="source", value=namespace),
                           hint="the namespace number, from 1")
        address = first_child(source, "address")
        if address is None:
            return Problem(Anchor(source), "NVMe disk source is missing address", hint="add <address .../>")
        problem = source_pci_problem(address)
        if problem is not None:
            return problem
        if prop_uint(unsigned, 10, 64) == 0:
            return Problem(Anchor(source, "namespace"), "NVMe namespace can't be zero", replacements=("1",))
    elif kind == "volume":
        if (source.get("pool") is None) != (source.get("volume") is None):
            return Problem(Anchor(source), "'pool' and 'volume' must be specified together for 'pool' type source")
        mode = source.get("mode")
        if mode is not None and mode not in ("host", "direct"):
            return Problem(Anchor(source, "mode"), f"unknown source mode '{mode}' for volume type disk",
                           replacements=("host", "direct"))
    auth = first_child(source, "auth")
    if auth is not None:  # (virDomainStorageSourceParse reads it whatever the source's type)
        problem = storage_auth(auth)
        if problem is not None:
            return problem
        if kind == "network" and source.get("protocol") == "nbd" and backing:
            return Problem(Anchor(auth), "authentication is not supported for protocol 'nbd'", hint="remove <auth>")
    encryption = first_child(source, "encryption")
    if encryption is not None:
        problem = _encryption(encryption, kind, ctx)
        if problem is not None:
            return problem
    slice_ = storage_slice(source)
    if slice_ is not None:
        for name in ("offset", "size"):
            value = slice_.get(name)
            if not value:  # (virXPathString: an empty one is none)
                return Problem(Anchor(slice_), "missing offset or size attribute of slice",
                               hint="add offset='...' and size='...' (bytes)")
            # (virStrToLong_ullp refuses any '-' in the number it reads, '-0' too)
            if c_unsigned(value, 2**64 - 1) is None:
                return Problem(Anchor(slice_, name), f"malformed value '{value}' of '{name}' attribute of slice",
                               hint="bytes, as a decimal number")
    return None


def chain(disk: etree._Element, ctx: Context) -> Iterable[Problem]:
    """Every layer of the disk's chain, the disk's own encryption (outside <source>) and reservations."""
    encryption = first_child(disk, "encryption")
    if encryption is not None:
        problem = _encryption(encryption, disk.get("type") or "file", ctx)
        if problem is not None:
            yield problem
            return
    layers = list(chain_layers(disk))
    for index, (holder, kind) in enumerate(layers):
        problem = _source(holder, kind, index > 0, ctx)
        if problem is not None:
            yield problem
            return
    if len(layers) > 1 and qemu_driver(ctx):
        problem = _backed_flat_format(disk, layers)
        if problem is not None:
            yield problem
            return
    source = first_child(disk, "source")
    auth = first_child(disk, "auth")  # (the old place, read after the source; VL753 reports one in both places)
    if auth is not None and (source is None or first_child(source, "auth") is None):
        problem = storage_auth(auth)
        if problem is not None:
            yield problem
            return
    reservations = first_child(source, "reservations") if source is not None else None
    if reservations is not None and (disk.get("device") or "disk") == "lun":
        problems = list(_reservations(reservations))
        if problems:
            yield from problems
            return
    if disk.get("type") == "volume" and source is not None and source.get("pool") is None and \
            source.get("volume") is None and (disk.get("device") or "disk") not in ("cdrom", "floppy") and \
            qemu_driver(ctx):
        # (the parser takes such a source as an empty pool, meant for a CD-ROM without media; at start
        # virDomainDiskTranslateSourcePool looks up a pool without a name: libvirt 9.0's daemon dies there)
        yield Problem(Anchor(source), "a 'volume' disk's <source> names no pool and volume: it cannot start "
                      "(libvirt looks up a storage pool without a name)" + LIBVIRT_START,
                      hint="add pool='...' volume='...', or use type='file' with <source file='...'/>")


#: The image formats below VIR_STORAGE_FILE_BACKING, which have no backing file (raw, iso...)
FLAT_FORMATS = frozenset(("raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop"))


def _backed_flat_format(disk: etree._Element, layers: list[tuple[etree._Element, str | None]]) -> Problem | None:
    """At start (qemuBlockStorageSourceGetFormatProps): a layer given a typed <backingStore> must have a format that
    takes one; the disk's own format is its driver type, raw when it has none (checked on 9.0)."""
    for index, (holder, _kind) in enumerate(layers[:-1]):
        if index == 0:
            driver = first_child(disk, "driver")
            written = driver.get("type") if driver is not None else None
            fmt, anchor = written or "raw", Anchor(driver, "type") if written else Anchor(layers[1][0])
        else:
            element = first_child(holder, "format")
            fmt = element.get("type") if element is not None else None
            anchor = Anchor(element, "type") if element is not None else Anchor(holder)
        if fmt in FLAT_FORMATS:
            return Problem(anchor, f"storage format '{fmt}' does not support backing store" + LIBVIRT_START,
                           hint="a layer with a backing file is qcow2 (or another format that has one); or end the "
                                "chain here with an empty <backingStore/>")
    return None


def _reservations(reservations: etree._Element) -> Iterable[Problem]:
    """virStoragePRDefParseXML: an unmanaged helper needs its socket's type, path and mode (unix, client)."""
    managed = reservations.get("managed")
    if managed not in ("yes", "no"):
        return  # (the parser refuses the managed switch first: VL850's)
    source = first_child(reservations, "source")
    # (virXPathString of source[1]/@type, @path and @mode: an empty one is none)
    kind, path, mode = ((source.get("type") or None, source.get("path") or None, source.get("mode") or None)
                        if source is not None else (None, None, None))
    if managed == "no" or kind or path or mode:
        for value, message in ((kind, "missing connection type for <reservations/>"),
                               (path, "missing path for <reservations/>"),
                               (mode, "missing connection mode for <reservations/>")):
            if value is None:
                yield Problem(Anchor(source if source is not None else reservations), message,
                              hint="give it <source type='unix' path='...' mode='client'/>")
                return
    if kind is not None and kind != "unix":
        yield Problem(Anchor(source, "type"), f"unsupported connection type for <reservations/>: {kind}",
                      replacements=("unix",))
    elif mode is not None and mode != "client":
        yield Problem(Anchor(source, "mode"), f"unsupported connection mode for <reservations/>: {mode}",
                      replacements=("client",))


def _suspects(facts: list[DiskFacts]) -> list[etree._Element]:
    """The disks whose source has something to read: a network, NVMe or volume source, a source with children,
    a backing chain, or encryption or auth outside the source."""
    suspects = []
    for disk, children, _device, kind, _target, _dev, _bus, _more in facts:
        source = children.get("source")
        if kind in ("network", "nvme", "volume") or "backingStore" in children or "encryption" in children or \
                "auth" in children or \
                (source is not None and len(source)):
            suspects.append(disk)
    return suspects


@register
class DiskSource(DiskTableRule):
    """
    ## What it does
    Checks each layer of a disk (its `<source>` and every typed
    `<backingStore>`), and a typed `<nvram>`'s source (libvirt 8.5 on): a
    network source's protocol and name (all but NBD name one), network hosts
    (a name, or a socket with
    `transport='unix'`, a port number up to 65535, a known transport; NFS
    over TCP without a port), rbd and gluster names of the form pool/image,
    `tlsHostname` for NBD only, HTTP cookies, readahead and timeout; `<auth>`
    (in any source, or in the disk, its old place) with a username, a known
    type and a `<secret>` naming one of a secret UUID or usage; an
    `<encryption>` with a format and passphrase secrets, and for luks a
    `<cipher>` with a name and a size and an `<ivgen>` with a name after a
    `<cipher>`; an NVMe source of
    type pci with a namespace other than 0 and an address; a volume source
    with both pool and volume; a backing store with its format and source;
    the byte offset and size of the first `<slice type='storage'>` (the one
    libvirt reads; as decimal numbers without a '-' sign, `-0` included);
    a LUN's unmanaged reservations helper. At start (QEMU): a `volume` disk
    (not a CD-ROM or floppy) whose `<source>` names neither pool nor volume;
    a layer of a format without backing files (`raw`, the default, `iso`,
    `vdi`...) given a typed `<backingStore>` (`storage format 'raw' does not
    support backing store`, qemuBlockStorageSourceGetFormatProps; checked on
    9.0).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `Missing required
    attribute 'protocol' in element 'source'`, `missing name for disk
    source`, `can't split path
    'vm-disk-1' into pool name and image name`, `missing socket for unix
    transport`, `port '67890' out of range`, `missing username for auth`,
    `Missing <secret> element in auth`, `missing secret uuid or usage
    attribute`, `either secret uuid or usage expected`, `unknown volume encryption
    format`, `ivgen element found, but cipher is missing`, `cipher info
    missing 'name' attribute` (virStorageEncryptionParseNode), `NVMe
    namespace can't be zero`, `missing disk backing store format`, `missing
    offset or size attribute of slice`, `malformed value '-0' of 'offset'
    attribute of slice`, `missing connection type for <reservations/>` (virDomainDiskDefParseXML and the
    storage source parsers), `'tlsHostname' field is supported only with NBD
    disks`, `port cannot be specified in 'nfs' protocol host`
    (qemuDomainValidateStorageSource; QEMU; a port of 0 is none). A unix
    host's port is never read (virDomainStorageNetworkParseHost reads name and
    port off unix transports only). Each was checked with the real
    libvirt 9.0, with its twin. Versions: the encryption format `luks-any`
    arrived in libvirt 9.3 (`unknown volume encryption format type luks-any`
    before: 9.0 refuses it, checked); an ssh source's `<identity>` with
    neither `keyfile` nor `agentsock` (`element 'identity' requires either
    'keyfile' or 'agentsock' attribute`), or without `username`, and a
    `<knownHosts>` without `path` are refused since the release that reads
    them, taken as 9.8 (9.0 drops both elements, checked); both follow the
    libvirt-version setting. A `volume` disk's source without pool and
    volume is defined (the parser takes it as an empty pool, meant for a
    CD-ROM without media), and starting it looks a storage pool up without a
    name: libvirt 9.0's daemon dies there (checked; the crash ends that
    start, whatever the release says in words).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
        <source protocol='rbd' name='vm-disk-1'><host name='10.0.0.1'/></source>
        <target dev='vda' bus='virtio'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='network' device='disk'><driver name='qemu' type='raw'/>
        <source protocol='rbd' name='rbd/vm-disk-1'><host name='10.0.0.1'/></source>
        <target dev='vda' bus='virtio'/></disk></devices></domain>
    ```
    """

    code = "VL759"
    name = "disk-source"
    severity = Severity.ERROR
    summary = "A disk source, backing layer or NVRAM source libvirt's storage parser refuses: hosts, names, auth, ..."
    checks: ClassVar = (chain,)

    elements: ClassVar[tuple[str, ...]] = ("devices", "os/nvram")

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "os/nvram":
            return self._nvram(element, ctx)
        return super().check(element, ctx)

    @staticmethod
    def _nvram(nvram: etree._Element, ctx: Context) -> Iterator[Problem]:
        """virDomainLoaderDefParseXMLNvram: a typed <nvram> (libvirt 8.5 on: formatdomain) is a storage source,
        parsed as a disk's (an unknown type is VL850's)."""
        kind = nvram.get("type")
        if kind is None or kind not in STORAGE_TYPES and kind != "none" or not ctx.libvirt_at_least(8, 5) \
                or after_first(nvram):
            return NOTHING  # (libvirt reads ./os/nvram[1], and its source as ./os/nvram/source[1]: any <nvram>'s)
        if first_child(nvram, "source") is None and ctx.root.find("os/nvram/source") is None:  # (it fails silently)
            return iter((Problem(Anchor(nvram), "An error occurred, but the cause is unknown",
                                 hint="give the NVRAM its <source>, or drop type= and write the path as its text"),))
        if kind == "none":  # (read with VIR_XML_PROP_NONE, 'none' gets to the source parser, which has no such storage)
            return iter((Problem(Anchor(nvram, "type"), "unexpected disk type none", replacements=("file", "block")),))
        problem = _source(nvram, kind, False, ctx)
        return iter((problem,)) if problem is not None else NOTHING

    def suspects(self, devices: etree._Element, ctx: Context) -> list[etree._Element]:
        return _suspects(disk_facts(ctx, devices))
