"""VL011 domain-ids: a domain uuid or genid libvirt cannot read, a second genid, a title on two lines, or a name
with a slash."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, fw_cfg_without_dma, qemu_driver
from virtlint.rules._support import NOTHING, domain_children, is_uuid, string_value

_UUID_HINT = "write 32 hexadecimal digits, e.g. 4dea22b3-1d52-d8f3-2516-782e98ab3fa0 (or remove it: libvirt makes one)"


def _problem(children: dict[str, list[etree._Element]], ctx: Context) -> Problem | None:
    """In libvirt's order (virDomainDefParseIDs, the title, then post-parse's name check, then the QEMU driver's
    define); it stops at the first."""
    name = children.get("name")
    if name and not string_value(name[0]):  # (string(./name[1]): an empty one is none; an absent one is VL901's)
        return Problem(Anchor(name[0]), "missing name information", hint="name the domain: <name>web</name>")
    uuid = children.get("uuid")
    if uuid and (text := string_value(uuid[0])) and not is_uuid(text):
        return Problem(Anchor(uuid[0], text=True), "malformed uuid element", hint=_UUID_HINT)
    genids = children.get("genid", ())
    if len(genids) > 1:
        return Problem(Anchor(genids[1]), "element 'genid' can only appear once", hint="remove this <genid>")
    if genids and (text := string_value(genids[0])) and not is_uuid(text):
        return Problem(Anchor(genids[0], text=True), "malformed genid element",
                       hint="write a UUID, or leave <genid/> empty for libvirt to make one")
    title = children.get("title")
    title_text = string_value(title[0]) if title else ""
    if title and ("\n" in title_text or "\r" in title_text):
        # (a carriage return, written &#13;, passes the define; libvirt writes it as it is in the copy it makes to
        # start the domain, whose parser reads it as a line break: refused then; checked on 9.0)
        return Problem(Anchor(title[0], text=True), "Domain title can't contain newlines"
                       + ("" if "\n" in title_text else LIBVIRT_START),
                       hint="keep the title on one line; <description> takes several")
    if name and "/" in (text := string_value(name[0])) and qemu_driver(ctx):
        return Problem(Anchor(name[0], text=True), f"name {text} cannot contain '/'",
                       hint="use another character, such as '-'", replacements=(text.replace("/", "-"),))
    if name and qemu_driver(ctx):
        head = name[0].text or ""
        if len(name[0]) or "\n" in head or len(head) * 4 > NAME_MAX_BYTES or head in (".", ".."):
            return _qemu_name(name[0], string_value(name[0]))
    return None


#: The longest domain name the QEMU driver can write its definition file for: the file system's 255-byte name
#: less '.xml.new' (virFileRewrite; checked on 9.0: 247 bytes defined, 248 refused)
NAME_MAX_BYTES = 255 - len(".xml.new")


def _qemu_name(name: etree._Element, text: str) -> Problem | None:
    """qemuDomainDefineXMLFlags: no line break in the name (virXMLCheckIllegalChars), and a name short enough for
    the file libvirt keeps the definition in (/etc/libvirt/qemu/NAME.xml, written through NAME.xml.new)."""
    if "\n" in text:
        return Problem(Anchor(name, text=True), "invalid char in name: \n", hint="keep the name on one line")
    if text in (".", ".."):
        # (qemuDomainNamePathsCleanup deletes <snapshot dir>/NAME before it defines a new domain: the directory
        # itself, or its parent, which fails part way through after deleting files; checked on 9.0)
        return Problem(Anchor(name, text=True), f"Cannot delete directory '/var/lib/libvirt/qemu/snapshot/{text}'"
                       " (libvirt deletes the snapshot directory of a new domain's name, here its own)",
                       hint="name the domain otherwise: '.' and '..' name directories")
    if len(text.encode()) > NAME_MAX_BYTES:
        return Problem(Anchor(name, text=True), f"Failed to create file '/etc/libvirt/qemu/{text}.xml.new': File "
                       "name too long", hint=f"a name of at most {NAME_MAX_BYTES} bytes (the file system's 255 less "
                       "'.xml.new')")
    return None


def _genid_machine(genid: etree._Element, ctx: Context) -> Problem | None:
    """QEMU's vmgenid device (libvirt adds it for <genid>) refuses a machine without fw_cfg DMA, which it needs to
    write the generation ID back (libvirt only asks for the device's capability)."""
    if not fw_cfg_without_dma(ctx.machine):
        return None
    return Problem(Anchor(genid), "-device vmgenid: vmgenid requires DMA write support in fw_cfg, which this "
                   "machine type does not provide" + QEMU_START,
                   hint=f"use a machine of version 2.5 or later than {ctx.machine}, or remove <genid>")


@register
class DomainIds(Rule):
    """
    ## What it does
    Reports a domain `<uuid>` or `<genid>` that is not a UUID as libvirt
    reads one (32 hexadecimal digits in pairs, with dashes or spaces between
    pairs, blanks around), a second `<genid>`, a `<title>` with a line break,
    an empty `<name>`, and (QEMU) a `<name>` with a slash or a line break,
    `.` or `..` (libvirt deletes the snapshot directory of a new domain's
    name before it defines it, and so its own directories), or longer than
    247 bytes (its definition file, NAME.xml.new, would pass
    the file system's 255). An empty `<uuid>` or `<genid>` is read as absent:
    libvirt makes one.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `missing name information`,
    `malformed uuid element`,
    `element 'genid' can only appear once`, `malformed genid element`
    (virDomainDefParseIDs), `Domain title can't contain newlines`
    (virDomainDefParseXML; all drivers; a carriage return, `&#13;`, at
    start, when libvirt reads back the copy it writes), `name a/b cannot contain '/'`
    (post-parse, for the drivers that do not name files after domains
    freely: QEMU), `invalid char in name: ` and a line break, `Failed to
    create file '/etc/libvirt/qemu/NAME.xml.new': File name too long`
    (qemuDomainDefineXMLFlags). Same in libvirt 9.0 (checked with `virsh define`) and
    10.7. At start, QEMU's vmgenid device, which libvirt adds for a
    `<genid>`, refuses the x86 `pc-i440fx` and `pc-q35` machines of version
    2.4 and older, whose fw_cfg has no DMA: `vmgenid requires DMA write
    support in fw_cfg, which this machine type does not provide` (QEMU;
    checked on 9.0 with QEMU 7.2: 2.4 and older refused, 2.5 started).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><name>web</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa</uuid>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><name>web</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>
      <os><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL011"
    name = "domain-ids"
    severity = Severity.ERROR
    summary = ("A domain uuid or genid libvirt cannot read, a second genid, a genid on a machine without fw_cfg DMA, a "
               "title with a line break, a name with '/'.")
    elements = ("",)
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = domain_children(ctx)
        problem = _problem(children, ctx)
        if problem is None and "genid" in children and qemu_driver(ctx):
            problem = _genid_machine(children["genid"][0], ctx)
        return NOTHING if problem is None else iter((problem,))
