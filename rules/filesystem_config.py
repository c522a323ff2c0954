"""VL791 filesystem-config: a <filesystem> without its source or target, or with settings its driver does not take."""

from __future__ import annotations

from typing import Callable, Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import c_decimal, c_int, prop_uint
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, caps_qemu_release, qemu_driver, qemu_release_label
from virtlint.rules._libvirt_enums import STRICT_ENUMS
from virtlint.rules._support import NOTHING, USER_ALIAS, children_by_tag

#: the storage formats virStorageFileFormatTypeFromString knows (the disk driver's table row; 'none' is refused)
FORMATS = next(row.values for row in STRICT_ENUMS if row.path == "devices/disk/driver" and row.attribute == "type")

#: Filesystem type -> the <source> attribute holding its path (virDomainFSDefParseXML); ram and volume name none
SOURCE_ATTRIBUTE = {"mount": "dir", "bind": "dir", "file": "file", "block": "dev", "template": "name"}


class _Fs:
    """What the checks read of one <filesystem>, once."""

    __slots__ = ("element", "type", "source", "path", "socket", "target_element", "target", "driver", "driver_type",
                 "accessmode")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.type = element.get("type", "mount")
        self.source = element.find("source")
        attribute = SOURCE_ATTRIBUTE.get(self.type)
        self.path = self.source.get(attribute) if self.source is not None and attribute else None
        self.socket = self.source.get("socket") if self.source is not None else None
        self.target_element = target = element.find("target")
        # (virXPathString: an empty dir is none)
        self.target = (target.get("dir") or None) if target is not None else None
        self.driver = element.find("driver")
        self.driver_type = self.driver.get("type") if self.driver is not None else None
        # (an empty one is the default, which post-parse makes passthrough: checked on 9.0)
        self.accessmode = element.get("accessmode") or "passthrough"


def _source(fs: _Fs, ctx: Context) -> Problem | None:
    """virDomainFSDefParseXML: a filesystem names its source (but a RAM or pool volume one, or a virtiofs socket)."""
    if fs.path is None and fs.socket is None and fs.type not in ("ram", "volume"):
        name = f" {fs.target}" if fs.target else ""
        return Problem(Anchor(fs.source if fs.source is not None else fs.element),
                       f"missing source information for device{name}",
                       hint=f"add <source {SOURCE_ATTRIBUTE.get(fs.type, 'dir')}='...'/>")
    return None


def _parsed(fs: _Fs, ctx: Context) -> Problem | None:
    """virDomainFSDefParseXML's numbers and format: octal modes up to 0777, a storage format, virtiofs's queue and
    thread pool sizes and open files limit."""
    for name in ("fmode", "dmode"):
        raw = fs.element.get(name)
        if raw is None:
            continue
        mode = prop_uint(raw, 8)  # (virStrToLong_uip: leading blanks and '+' read, trailing ones refused)
        if mode is None:
            return Problem(Anchor(fs.element, name), f"Invalid value for attribute '{name}' in element 'filesystem': "
                           f"'{raw}'. Expected non-negative integer value", hint="an octal mode, e.g. 0644")
        if mode > 0o777:
            return Problem(Anchor(fs.element, name), f"invalid {name}: '0{mode:o}'",
                           hint="permission bits only (0 to 0777): no setuid, setgid or sticky bit")
    fmt = fs.driver.get("format") if fs.driver is not None else None
    if fmt is not None and fmt not in FORMATS:
        return Problem(Anchor(fs.driver, "format"), f"unknown driver format value '{fmt}'", replacements=("raw",))
    if fs.driver_type == "virtiofs":
        queue = fs.driver.get("queue") if fs.driver is not None else None
        if queue and c_decimal(queue, -(2**64 - 1), 2**64 - 1) is None:
            return Problem(Anchor(fs.driver, "queue"), f"cannot parse queue size '{queue}' for virtiofs",
                           hint="a number")
        pool = fs.element.find("binary/thread_pool")
        size = pool.get("size") if pool is not None else None
        if size and c_int(size) is None:
            return Problem(Anchor(pool, "size"), f"cannot parse thread pool size '{size}' for virtiofs",
                           hint="a number")
        openfiles = fs.element.find("binary/openfiles")  # (libvirt 10.6 on: formatdomain "Since 10.6.0")
        most = openfiles.get("max") if openfiles is not None else None
        if most and c_decimal(most, -(2**64 - 1), 2**64 - 1) is None and ctx.libvirt_at_least(10, 6):
            return Problem(Anchor(openfiles, "max"), f"cannot parse openfiles '{most}' for virtiofs",
                           hint="the most file descriptors virtiofsd may open, a number")
    return None


def _target(fs: _Fs, ctx: Context) -> Problem | None:
    """virDomainFSDefValidate: and its target in the guest."""
    if fs.target is None:
        name = fs.path or fs.socket
        return Problem(Anchor(fs.element), "missing target information for device" + (f" {name}" if name else ""),
                       hint="add <target dir='tag'/> (the mount tag the guest uses)")
    return None


def _qemu(fs: _Fs, ctx: Context) -> Problem | None:
    """qemuValidateDomainDeviceDefFS, in its order."""
    if not qemu_driver(ctx):
        return None
    element = fs.element
    if fs.type != "mount":
        return Problem(Anchor(element, "type") if element.get("type") else Anchor(element),
                       "only supports mount filesystem type", replacements=("mount",))
    # (these two: 10.7's; 9.0 defines both, checked on the daemon; the releases between were not checked)
    newest = ctx.libvirt_at_least(10, 7)
    limit = element.find("space_hard_limit")
    if limit is None:
        limit = element.find("space_soft_limit")
    if limit is not None and newest:
        return Problem(Anchor(limit), "filesystem usage limits are not supported with QEMU")
    # (the parsed numbers: a mode of 0, '000' or '+0' is none)
    modes = any(prop_uint(element.get(name) or "0", 8) for name in ("fmode", "dmode"))
    if modes and fs.accessmode != "mapped":
        return Problem(Anchor(element, "fmode" if element.get("fmode") is not None else "dmode"),
                       "fmode and dmode must be used with accessmode=mapped")
    # ("sandbox can only be used with driver=virtiofs" never fires: the parser reads <sandbox> for virtiofs only)
    if fs.driver_type == "handle" and fs.accessmode != "passthrough":
        return Problem(Anchor(element, "accessmode"), "only supports passthrough accessmode",
                       replacements=("passthrough",))
    if fs.driver_type in ("loop", "nbd", "ploop"):
        return Problem(Anchor(fs.driver, "type"), "Filesystem driver type not supported",
                       replacements=("path", "virtiofs"))
    if fs.driver_type == "virtiofs":
        return _virtiofs(fs, modes)
    return None


def _virtiofs(fs: _Fs, modes: bool) -> Problem | None:
    element, driver = fs.element, fs.driver
    assert driver is not None
    if fs.socket is None:
        if fs.accessmode != "passthrough":
            return Problem(Anchor(element, "accessmode"), "virtiofs only supports passthrough accessmode",
                           replacements=("passthrough",))
        if driver.get("wrpolicy") not in (None, "default"):
            return Problem(Anchor(driver, "wrpolicy"), "virtiofs does not support wrpolicy")
    # (read-only virtiofs: VL786)
    if element.get("model") is not None:
        return Problem(Anchor(element, "model"), "virtiofs does not support model")
    if driver.get("format") is not None:
        return Problem(Anchor(driver, "format"), "virtiofs does not support format")
    if element.get("multidevs") not in (None, "default"):
        return Problem(Anchor(element, "multidevs"), "virtiofs does not support multidevs")
    if modes:
        return Problem(Anchor(element, "fmode" if element.get("fmode") is not None else "dmode"),
                       "virtiofs does not support fmode and dmode")
    return None


def _handle_backend(fs: _Fs, ctx: Context) -> Problem | None:
    """At start: QEMU 6.0 removed the 9p 'handle' backend, which libvirt still writes (and its domcapabilities still
    list). The caps' machine tells the QEMU: an upstream versioned machine of 6.0 or later (a distribution's own
    machine names, such as RHEL's, carry its version, not QEMU's, and are not judged)."""
    if fs.driver_type != "handle" or not qemu_driver(ctx):
        return None
    release = caps_qemu_release(ctx)
    if release is None or release[0] < (6, 0):
        return None
    assert fs.driver is not None
    return Problem(Anchor(fs.driver, "type"), "fsdev: fsdriver handle not found (QEMU 6.0 removed the 'handle' 9p "
                   f"backend; {qemu_release_label(release)})" + QEMU_START,
                   hint="use the default 9p driver (type='path'), or virtiofs", replacements=("path",))


#: QEMU's longest mount tags, in bytes: 9p's (MAX_TAG_LEN - 1) and vhost-user-fs's (virtio_fs_config's tag)
NINE_P_TAG_BYTES, VIRTIOFS_TAG_BYTES = 31, 36
#: vhost-user-fs's queue-size: a uint16 property, a power of 2 up to VIRTQUEUE_MAX_SIZE
VIRTQUEUE_MAX_SIZE = 1024


def _device_properties(fs: _Fs, ctx: Context) -> Problem | None:
    """QEMU at start, on the device libvirt writes for the share: its mount tag's length (virtio-9p's
    v9fs_device_realize_common, vhost-user-fs's realize: the tag is the target dir, in UTF-8 bytes) and virtiofs's
    queue size (libvirt writes queue-size when it is not 0). Checked on 9.0 with QEMU 7.2."""
    if not qemu_driver(ctx) or fs.target is None:
        return None
    virtiofs = fs.driver_type == "virtiofs"
    # (g_ascii_strtoull takes a minus sign, and wraps: -1 is 2^64 - 1)
    queue = c_decimal(fs.driver.get("queue"), -(2**64 - 1), 2**64 - 1) if virtiofs and fs.driver is not None else None
    if queue is not None:
        queue %= 2**64
    if queue and queue > 0xFFFF:
        return Problem(Anchor(fs.driver, "queue"), "Parameter 'queue-size' expects uint16_t" + QEMU_START,
                       hint=f"a power of 2 up to {VIRTQUEUE_MAX_SIZE}", replacements=(str(VIRTQUEUE_MAX_SIZE),))
    size = len(fs.target.encode())
    target = fs.target_element
    assert target is not None  # (fs.target is its dir)
    if virtiofs and size > VIRTIOFS_TAG_BYTES:
        return Problem(Anchor(target, "dir"), f"tag property must be {VIRTIOFS_TAG_BYTES} bytes or less" + QEMU_START,
                       hint=f"a mount tag of at most {VIRTIOFS_TAG_BYTES} bytes ('{fs.target}' has {size})")
    if not virtiofs and size > NINE_P_TAG_BYTES:
        return Problem(Anchor(target, "dir"), f"mount tag '{fs.target}' ({size} bytes) is longer than maximum "
                       f"({NINE_P_TAG_BYTES} bytes)" + QEMU_START,
                       hint=f"a mount tag of at most {NINE_P_TAG_BYTES} bytes")
    if queue and fs.driver is not None:  # (a virtiofs queue of at most 65535)
        if queue & (queue - 1):
            return Problem(Anchor(fs.driver, "queue"), "queue-size property must be a power of 2" + QEMU_START,
                           hint=f"a power of 2 up to {VIRTQUEUE_MAX_SIZE}",
                           replacements=(str(min(1 << (queue.bit_length() - 1), VIRTQUEUE_MAX_SIZE)),))
        if queue > VIRTQUEUE_MAX_SIZE:
            return Problem(Anchor(fs.driver, "queue"), f"queue-size property must be {VIRTQUEUE_MAX_SIZE} or smaller"
                           + QEMU_START, replacements=(str(VIRTQUEUE_MAX_SIZE),))
    return None


#: The system daemon's per-domain directory, before '<id>-<short name>' (qemuDomainSetPrivatePaths), the short
#: name's most characters (virDomainDefGetShortName) and a UNIX socket path's most bytes (sun_path less its NUL)
DOMAIN_LIB_DIR = "/var/lib/libvirt/qemu/domain-"
SHORT_NAME_MAX = 20
SOCKET_PATH_MAX = 107
#: The domain ids below which a warning's path fits: a domain id grows with every start on the host
TYPICAL_ID_DIGITS = 4


def _socket_path(fs: _Fs, ctx: Context) -> Problem | None:
    """At start, the vhost-user socket of the virtiofsd libvirt starts: <domain lib dir>/<alias>-fs.sock
    (qemuDomainGetVHostUserFSSocketPath), which must fit a UNIX socket address (checked on 9.0: `UNIX socket path
    '...' too long`). The domain id is known only then: too long even with a one-digit id is an error, with a
    four-digit one a warning."""
    if fs.driver_type != "virtiofs" or fs.socket is not None or not qemu_driver(ctx):
        return None
    alias = fs.element.find("alias")
    name = alias.get("name") if alias is not None else None
    if not name or not USER_ALIAS.fullmatch(name):
        return None  # (libvirt drops any other alias, and its own fsN ones are short; checked on 9.0)
    short = (ctx.root.findtext("name") or "")[:SHORT_NAME_MAX]
    fixed = len(DOMAIN_LIB_DIR) + len("-") + len(short.encode()) + len("/") + len(name.encode()) + len("-fs.sock")
    if fixed + 1 <= SOCKET_PATH_MAX - TYPICAL_ID_DIGITS + 1:
        return None
    assert alias is not None
    certain = fixed + 1 > SOCKET_PATH_MAX
    return Problem(Anchor(alias, "name"), f"UNIX socket path '{DOMAIN_LIB_DIR}N-{short}/{name}-fs.sock' too long"
                   + LIBVIRT_START, hint=f"a shorter alias: the socket path takes at most {SOCKET_PATH_MAX} bytes, "
                   "and holds the domain id and the first 20 characters of its name"
                   + ("" if certain else " (it fits while the domain id has fewer digits)"),
                   severity=None if certain else Severity.WARNING)


#: In libvirt's order: the parser, validation, then the QEMU driver's validation; it stops at the first
CHECKS: tuple[Callable[[_Fs, Context], Problem | None], ...] = (_source, _parsed, _target, _qemu, _handle_backend,
                                                                _device_properties, _socket_path)


@register
class FilesystemConfig(Rule):
    """
    ## What it does
    Reports a `<filesystem>` without the `<source>` its type names (`dir`
    for mount, `file`, `dev` for block...; a virtiofs `socket` will do) or
    without a `<target dir>`, and, for QEMU: a type other than `mount`, usage
    limits, a non-zero `fmode`/`dmode` (octal; `0` is none) off
    `accessmode='mapped'`, the `handle` driver off passthrough, the `loop`,
    `nbd` and `ploop` drivers, and virtiofs with another access mode (an
    empty one is the default, passthrough) or a `wrpolicy` other than
    `default` (unless it uses an external daemon's socket), a `model`, a
    `format`, `multidevs` other than `default`, `fmode` or `dmode`. At start, the 9p `handle` driver on a QEMU of 6.0 or
    later (its capabilities' versioned machine tells), which removed it
    (`fsdev: fsdriver handle not found`; checked on 9.0 with QEMU 7.2, whose
    capabilities still list `handle`); and, at start, a mount tag (the
    target dir) longer than QEMU takes, 31 bytes for 9p (`mount tag '...'
    (32 bytes) is longer than maximum (31 bytes)`) and 36 for virtiofs
    (`tag property must be 36 bytes or less`), and a virtiofs `queue` that is
    not a power of 2 up to 1024 (`queue-size property must be a power of
    2`; libvirt reads it as g_ascii_strtoull does, a negative one wrapping
    to 2^64 less it; checked on 9.0 with QEMU 7.2), and a virtiofs user
    alias too long for the socket of the virtiofsd libvirt starts,
    /var/lib/libvirt/qemu/domain-ID-NAME/ALIAS-fs.sock, 107 bytes at most
    (`UNIX socket path '...' too long`; checked on 9.0; an error when it
    does not fit with a one-digit domain id, a warning with a four-digit
    one).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `missing source
    information for device x` (virDomainFSDefParseXML), `missing target
    information for device /srv` (virDomainFSDefValidate), `only supports mount
    filesystem type`, `virtiofs only supports passthrough accessmode` and
    their siblings (qemuValidateDomainDeviceDefFS; QEMU driver). Checked with
    the real libvirt 9.0 (`virsh define`), which defines usage limits: they
    follow the libvirt-version setting (reported for 10.7, the newest
    modelled). libvirt reads `<binary>` and its children for virtiofs only
    (a 9p share's are ignored; VL850 judges their values). virtiofs's `<binary><openfiles
    max>` that is not a number (`cannot parse openfiles 'abc' for virtiofs`,
    virDomainFSDefParseXML) is refused since libvirt 10.6, which added it
    (9.0 drops the element, checked). Read-only virtiofs is VL786's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><filesystem type='mount'><source dir='/srv/share'/></filesystem></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><filesystem type='mount'><source dir='/srv/share'/><target dir='share'/></filesystem></devices></domain>
    ```
    """

    code = "VL791"
    name = "filesystem-config"
    severity = Severity.ERROR
    summary = "A filesystem without its source or target, or with settings its driver does not take."
    elements = ("devices",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        filesystems = children_by_tag(ctx, element).get("filesystem")
        if not filesystems:
            return NOTHING
        return self._problems(filesystems, ctx)

    @staticmethod
    def _problems(filesystems: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        targets: set[str] = set()
        for element in filesystems:
            fs = _Fs(element)
            for check in CHECKS:
                problem = check(fs, ctx)
                if problem is not None:
                    yield problem
                    break
            else:
                # (virDomainDefFSValidate: virtiofs mount tags are unique)
                if fs.driver_type == "virtiofs" and fs.target is not None:
                    if fs.target in targets:
                        yield Problem(Anchor(fs.target_element, "dir"),
                                      f"filesystem target '{fs.target}' specified twice",
                                      hint="give each virtiofs share its own mount tag")
                    targets.add(fs.target)
