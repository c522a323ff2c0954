"""VL754 boot-order: per-device boot orders mixed with <os><boot>, reused, or a boot menu timeout out of range."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, parse_int, prop_uint
from virtlint.rules._devices import QEMU_START, is_s390, qemu_driver, refused_since, scanned
from virtlint.rules._support import NOTHING, domain_find

#: Devices whose <boot order> libvirt parses (VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT); elsewhere it is ignored.
BOOTABLE = ("disk", "interface", "hostdev", "redirdev", "filesystem")


def _boots_or_menu(ctx: Context) -> bool:
    """Whether the domain has an <os><bootmenu> or a device's <boot>, what the check reports on (usually there is
    only <os><boot>)."""
    root = ctx.root
    for menu in scanned(ctx, "bootmenu"):
        parent = menu.getparent()
        if parent.tag == "os" and parent.getparent() is root:
            return True
    for boot in scanned(ctx, "boot"):
        holder = boot.getparent().getparent()
        if holder is not None and holder.tag == "devices" and holder.getparent() is root:
            return True
    return False


def _reboot_timeout(bios: etree._Element) -> Problem | None:
    """virDomainDefBootValidate: <bios rebootTimeout> from -1 (no reboot) to 65535 milliseconds."""
    delay = parse_int(bios.get("rebootTimeout"))
    if delay is None or -1 <= delay <= 65535:
        return None  # (absent, or unreadable: the parser's)
    return Problem(Anchor(bios, "rebootTimeout"), "invalid value for rebootTimeout, must be in range [-1,65535]",
                   replacements=("65535",) if delay > 0 else ("-1",))


def _filesystem_boot(fs: etree._Element, ctx: Context) -> Iterator[Problem]:
    """virDomainFSDefValidate, qemuValidateDomainDeviceDefFS: only virtiofs on PCI boots."""
    boot = fs.find("boot")
    if boot is None or not prop_uint(boot.get("order"), 10):
        return
    driver = fs.find("driver")
    if driver is None or driver.get("type") != "virtiofs":
        yield Problem(Anchor(boot), "boot order is only supported for virtiofs", hint="remove <boot order>")
        return
    address = fs.find("address")
    kind = address.get("type") if address is not None else ("ccw" if is_s390(ctx) and qemu_driver(ctx) else None)
    if kind not in (None, "pci") and qemu_driver(ctx) and refused_since(ctx, 10, 3):  # (NEWS: new in 10.3.0)
        yield Problem(Anchor(boot), "setting virtiofs boot order is supported only with PCI bus",
                      hint="remove <boot order>, or give the filesystem a PCI address")


#: the characters virDomainDeviceLoadparmIsValid takes (after upper-casing)
LOADPARM_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789. ")


def _loadparm(boot: etree._Element) -> Problem | None:
    """virDomainDeviceBootParseXML: the loadparm, upper-cased (ASCII letters only), is 1 to 8 bytes, not only
    blanks, of letters, digits, dots and spaces (virDomainDeviceLoadparmIsValid)."""
    value = boot.get("loadparm")
    if value is None:
        return None
    upper = value.encode().upper().decode()  # (g_ascii_toupper: other letters stay as they are)
    if not upper.strip(" \t\n\v\f\r") or len(upper.encode()) > 8:
        return Problem(Anchor(boot, "loadparm"), f"loadparm value '{upper}' must be between 1 and 8 characters",
                       hint="1 to 8 letters, digits, dots or spaces")
    if not LOADPARM_CHARS.issuperset(upper):
        return Problem(Anchor(boot, "loadparm"),
                       f"invalid loadparm value '{upper}', expecting chars in set of [a-zA-Z0-9.] and blank spaces",
                       hint="letters, digits, dots and spaces only")
    return None


@register
class BootOrder(Rule):
    """
    ## What it does
    Reports a device `<boot order>` in a domain that also has `<os><boot
    dev>`, two devices with the same boot order, a `<bootmenu timeout>`
    above 65535 ms, a `<bios rebootTimeout>` outside -1..65535, and a boot order on a filesystem other than virtiofs or on
    a virtiofs device off PCI (s390 gives it a CCW address), and a device
    boot `loadparm` that is not 1 to 8 letters, digits, dots or spaces. At
    start (QEMU), a disk's or interface's boot order above 2147483647.

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `per-device boot elements cannot be used together with os/boot elements`
    and `boot order '1' used for more than one device`
    (virDomainDefBootOrderPostParse), `loadparm value 'ABCDEFGHI' must be
    between 1 and 8 characters`, `invalid loadparm value 'A_B', expecting
    chars in set of [a-zA-Z0-9.] and blank spaces`
    (virDomainDeviceLoadparmIsValid, on the upper-cased value), `invalid value for boot menu timeout,
    must be in range [0,65535]`, `invalid value for rebootTimeout, must be in
    range [-1,65535]` (virDomainDefBootValidate), `boot order is
    only supported for virtiofs` (virDomainFSDefValidate), `setting virtiofs
    boot order is supported only with PCI bus` (qemuValidateDomainDeviceDefFS;
    QEMU). Stage: define. Same in libvirt 9.0 and 10.7. At start, QEMU's
    `Parameter 'bootindex' expects int32_t` (libvirt parses the order as an
    unsigned number and writes it as the device's bootindex; checked on 9.0).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type><boot dev='hd'/></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><boot order='1'/></disk></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><disk type='file'><source file='/var/lib/libvirt/images/a.qcow2'/>
        <target dev='vda' bus='virtio'/><boot order='1'/></disk></devices></domain>
    ```
    """

    code = "VL754"
    name = "boot-order"
    severity = Severity.ERROR
    summary = "Per-device boot orders with <os><boot>, a reused boot order, or a boot menu timeout out of range."
    elements = ("",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        bios = domain_find(ctx, "os/bios")
        reboot = _reboot_timeout(bios) if bios is not None else None
        if not _boots_or_menu(ctx):
            return NOTHING if reboot is None else iter((reboot,))
        if reboot is None:
            return self._problems(element, ctx)
        return iter([*self._problems(element, ctx), reboot])

    def _problems(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        """The domain's boot problems (it has a device <boot> or a boot menu)."""
        menu = element.find("os/bootmenu")
        if menu is not None and menu.get("enable") == "yes":  # (the timeout is read for an enabled menu only)
            timeout = prop_uint(menu.get("timeout"), 10)
            if timeout is not None and timeout > 65535:
                yield Problem(Anchor(menu, "timeout"),
                              "invalid value for boot menu timeout, must be in range [0,65535]",
                              replacements=("65535",))
        orders: dict[int, etree._Element] = {}
        boots: list[etree._Element] = []
        for device in BOOTABLE:
            for boot in element.iterfind(f"devices/{device}/boot[1]"):  # (virDomainDeviceInfoParseXML reads the first)
                order = prop_uint(boot.get("order"), 10)
                if order is None or order == 0:
                    continue  # (the parser stops at the order: VL851's)
                problem = _loadparm(boot)
                if problem is not None:
                    yield problem
                    continue
                boots.append(boot)
                if order in orders:
                    yield Problem(Anchor(boot, "order"), f"boot order '{order}' used for more than one device",
                                  hint=f"already used on line {orders[order].sourceline}; give each device its own")
                else:
                    orders[order] = boot
                    if order > INT_MAX and device in ("disk", "interface") and qemu_driver(ctx) and \
                            boot.getparent().get("device") != "floppy":  # (a floppy's is the fdc's bootindexA/B)
                        # (libvirt writes the order as the device's bootindex, which QEMU reads as an int32)
                        yield Problem(Anchor(boot, "order"), "Parameter 'bootindex' expects int32_t" + QEMU_START,
                                      hint=f"a boot order from 1 to {INT_MAX}")
        for fs in element.iterfind("devices/filesystem"):
            yield from _filesystem_boot(fs, ctx)
        os_boot = element.find("os/boot")
        if os_boot is not None and boots:
            yield Problem(Anchor(os_boot), "per-device boot elements cannot be used together with os/boot elements",
                          hint="remove <os><boot dev> and order devices with <boot order> only")
