"""VL783 sysinfo-values: an SMBIOS BIOS date libvirt cannot read, a system UUID other than the domain's, fw_cfg
entries QEMU refuses, and SMBIOS mode 'sysinfo' without the SMBIOS sysinfo QEMU needs (start)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import c_int
from virtlint.rules._devices import LIBVIRT_START, QEMU_START, qemu_driver
from virtlint.rules._support import parse_uuid, string_value

#: what virStrToLong_i (strtol) reads: C blanks, a sign, ASCII digits
_NUMBER = lazy_compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+")
#: what QEMU's sscanf("%hhu.%hhu") reads of an SMBIOS BIOS release (smbios_set_defaults' type 0 option parsing)
_RELEASE = lazy_compile(r"[ \t\n\v\f\r]*[+-]?[0-9]+\.[ \t\n\v\f\r]*[+-]?[0-9]+")
#: the blanks virStringIsEmpty skips (c_isspace)
C_BLANKS = " \t\n\v\f\r"
#: the -fw_cfg parameters QEMU knows (qemu_fw_cfg_opts): a comma libvirt writes unescaped starts a parameter
FW_CFG_PARAMETERS = frozenset(("name", "file", "string", "gen_id"))


def _bios_date_ok(text: str) -> bool:
    """virSysinfoBIOSParseXML: mm/dd/yy or mm/dd/yyyy, with yyyy from 1900 on."""
    parts = text.split("/")
    if len(parts) != 3:
        return False
    values = []
    for part in parts:
        if not _NUMBER.fullmatch(part) or c_int(part.strip(C_BLANKS)) is None:
            return False  # (virStrToLong_i: an int, nothing after it)
        values.append(int(part))
    month, day, year = values
    return 1 <= month <= 12 and 1 <= day <= 31 and (0 <= year < 100 or year >= 1900)


#: fw_cfg names QEMU keeps for itself (qemuValidateDomainDefSysinfo)
RESERVED_FW_CFG = ("opt/ovmf/", "opt/org.qemu/")
#: QEMU's FW_CFG_MAX_FILE_PATH less the terminating NUL: a longer name stops QEMU at start
FW_CFG_NAME_MAX = 55


def _fw_cfg(sysinfo: etree._Element, ctx: Context) -> Iterator[Problem]:
    """virSysinfoParseFWCfgDef, then (QEMU) qemuValidateDomainDefSysinfo."""
    entries = list(sysinfo.iterchildren("entry"))
    for entry in entries:
        if entry.get("name") is None:
            yield Problem(Anchor(entry), "Firmware entry is missing 'name' attribute",
                          hint="name it, e.g. name='opt/com.example/setting'")
            return
        if not string_value(entry).strip(C_BLANKS) and entry.get("file") is None:
            yield Problem(Anchor(entry), "Firmware entry must have either value or 'file' attribute",
                          hint="give the value as the entry's text, or file='/path'")
            return
    if not qemu_driver(ctx):
        return
    earlier = {entry.get("name") for sysinfo in sysinfo.itersiblings("sysinfo", preceding=True)
               if sysinfo.get("type") == "fwcfg" for entry in sysinfo.iterchildren("entry")}
    for entry in entries:
        name = entry.get("name") or ""
        if not name.startswith("opt/"):
            yield Problem(Anchor(entry, "name"), "Invalid firmware name",
                          hint="QEMU takes user fw_cfg names under opt/, e.g. opt/com.example/" + name.lstrip("/"))
            return
        if name.startswith(RESERVED_FW_CFG):
            yield Problem(Anchor(entry, "name"), "That firmware name is reserved",
                          hint="opt/ovmf/ and opt/org.qemu/ are QEMU's and OVMF's: use your own prefix")
            return
        if len(name.encode()) > FW_CFG_NAME_MAX:
            yield Problem(Anchor(entry, "name"), f"-fw_cfg name={name}: name too long (max. {FW_CFG_NAME_MAX} char) "
                                                 "(QEMU refuses to start the domain)",
                          hint=f"a fw_cfg name holds at most {FW_CFG_NAME_MAX} bytes")
            return
        file = entry.get("file")
        if file == "":
            # (virSecurityDACSetSysinfoLabel stats every file named, empty or not, before QEMU runs)
            yield Problem(Anchor(entry, "file"), "unable to stat: : No such file or directory" + LIBVIRT_START,
                          hint="name the file, or drop file= and give the value as the entry's text")
            return
        value = None if file is not None else string_value(entry)
        refusal = _fw_cfg_option_problem((name, file, value), "file" if file is not None else "string")
        if refusal is not None:
            anchor = Anchor(entry, "name") if "," in name else Anchor(entry, "file") if file is not None else \
                Anchor(entry, text=True)
            yield Problem(anchor, f"-fw_cfg name={name}: {refusal} (libvirt does not double the commas of a fw_cfg "
                          "entry)" + QEMU_START, hint="write each comma twice (,,)")
            return
        if name in earlier:
            yield Problem(Anchor(entry, "name"), f"duplicate fw_cfg file name: {name}" + QEMU_START,
                          hint="give each fw_cfg entry a name of its own")
            return
        earlier.add(name)


def _option_split(text: str | None) -> list[str]:
    """The parameters QEMU's option parser reads after the commas libvirt left single in a value (a run of commas
    of odd length ends a parameter; QEMU reads ',,' as a comma); an empty one (a trailing comma) is none."""
    if not text or "," not in text:
        return []
    parameters: list[str] = []
    index = 0
    while index < len(text):
        if text[index] != ",":
            index += 1
            continue
        end = index
        while end < len(text) and text[end] == ",":
            end += 1
        if (end - index) % 2:
            parameter = text[end:].split(",", 1)[0]
            if parameter:
                parameters.append(parameter)
        index = end
    return parameters


def _fw_cfg_option_problem(texts: tuple[str | None, ...], source: str) -> str | None:
    """QEMU's refusal of the -fw_cfg option libvirt writes (name=N,string=V or name=N,file=F, commas not doubled),
    None when QEMU takes it (a repeated name= or string= is taken: the last one counts)."""
    given = {source}
    for text in texts:
        for parameter in _option_split(text):
            key = parameter.split("=", 1)[0]
            if "=" not in parameter or key not in FW_CFG_PARAMETERS:
                return f"Invalid parameter '{key}'"
            given.add(key)
    if len(given & {"file", "string", "gen_id"}) > 1:
        return "name, plus exactly one of file, string and gen_id, are needed"
    return None


#: the <baseBoard> entries libvirt keeps (virSysinfoBaseBoardParseXML: a board with none of them is dropped)
BASE_BOARD_ENTRIES = ("manufacturer", "product", "version", "serial", "asset", "location")


def _kept_board(board: etree._Element) -> bool:
    """virSysinfoBaseBoardParseXML: string(entry[@name='X']) of the first such entry, empty (NULL) or not."""
    firsts: dict[str, etree._Element] = {}
    for entry in board.iterchildren("entry"):
        firsts.setdefault(entry.get("name") or "", entry)
    return any(name in firsts and string_value(firsts[name]) for name in BASE_BOARD_ENTRIES)


def _smbios_sysinfo(smbios: etree._Element, ctx: Context) -> Problem | None:
    """qemuBuildSmbiosCommandLine, mode 'sysinfo': the first <sysinfo type='smbios'> is the source, with at most
    one <baseBoard> (SMBIOS type 2) kept."""
    first_mode = next(element for element in ctx.root.iterfind("os/smbios") if element.get("mode") is not None)
    if first_mode is not smbios:
        return None  # (libvirt reads string(./os/smbios/@mode): the first)
    source = next((sysinfo for sysinfo in ctx.root.iterchildren("sysinfo") if sysinfo.get("type") == "smbios"),
                  None)
    if source is None:
        return Problem(Anchor(smbios, "mode"), f"Domain '{ctx.root.findtext('name') or ''}' sysinfo are not "
                       "available" + LIBVIRT_START,
                       hint="add <sysinfo type='smbios'> with the values, or use mode='emulate'")
    bios = source.find("bios")  # (virSysinfoParseSMBIOSDef reads ./bios[1]; QEMU gets its release)
    release = next(bios.iterfind("entry[@name='release']"), None) if bios is not None else None
    text = string_value(release) if release is not None else ""
    if text and _RELEASE.match(text) is None:  # (an empty one is none: virXPathString)
        return Problem(Anchor(release, text=True), f"-smbios type=0,release={text}: Invalid release" + QEMU_START,
                       hint="QEMU reads the BIOS release as major.minor, e.g. 1.2")
    kept = 0
    for board in source.iterchildren("baseBoard"):
        if _kept_board(board):
            kept += 1
            if kept > 1:
                return Problem(Anchor(board), "qemu does not support more than one entry to Type 2 in SMBIOS table"
                               + LIBVIRT_START, hint="keep one <baseBoard> (QEMU writes one SMBIOS type 2 table)")
    return None


@register
class SysinfoValues(Rule):
    """
    ## What it does
    Reports an SMBIOS `<bios><entry name='date'>` that is not `mm/dd/yy` or
    `mm/dd/yyyy` (with a year from 1900 on), a `<system><entry
    name='uuid'>` that differs from the domain's `<uuid>`, and fw_cfg
    entries (`<sysinfo type='fwcfg'>`) without a name, without a value or
    file, or (QEMU) with a name outside `opt/`, in QEMU's and OVMF's own
    `opt/ovmf/` and `opt/org.qemu/`, or longer than 55 bytes.
    libvirt reads the first `<bios>` of a sysinfo and its first date (as
    the entry's string value, numbers in C's digits and int range), and
    QEMU the first `<bios>`'s release; at start, a fw_cfg entry whose
    `file` is empty (`unable to stat: : No such file or directory`, the DAC
    driver; checked on 9.0).

    ## Why is this bad?
    libvirt refuses the domain when it is defined. Messages modelled:
    `Invalid BIOS 'date' format` (virSysinfoBIOSParseXML), `UUID mismatch
    between <uuid> and <sysinfo>` (virSysinfoSystemParseXML), `Firmware entry
    is missing 'name' attribute`, `Firmware entry must have either value or
    'file' attribute` (virSysinfoParseFWCfgDef), `Invalid firmware name`,
    `That firmware name is reserved` (qemuValidateDomainDefSysinfo; QEMU).
    Stage: define; all drivers but the last two. Same in libvirt 9.0 and
    10.7 (each checked on 9.0 with its twin). A longer fw_cfg name is
    defined, and QEMU refuses to start the domain: `-fw_cfg
    name=opt/...: name too long (max. 55 char)` (QEMU's fw_cfg
    option parser; start). With `<smbios mode='sysinfo'/>`, QEMU's driver
    needs a `<sysinfo type='smbios'>` and takes at most one `<baseBoard>`
    (one with a non-empty manufacturer, product, version, serial, asset or
    location entry: the others are dropped); else it refuses to start the
    domain (stage: start; checked with 9.0): `Domain 'vm' sysinfo are not
    available`, `qemu does not support more than one entry to Type 2 in
    SMBIOS table` (qemuBuildSmbiosCommandLine). Also at start (QEMU, each
    checked on 9.0 with QEMU 7.2 and its twin): two fw_cfg entries of one
    name, in one `<sysinfo>` or two (`duplicate fw_cfg file name`); a single
    comma in a fw_cfg name, value or file, which libvirt writes as it is
    (`Invalid parameter 'b'`; QEMU reads `,,` as a comma); and, with
    `<smbios mode='sysinfo'/>`, a BIOS `release` QEMU cannot read as
    `major.minor` (`-smbios type=0,release=1: Invalid release`).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <sysinfo type='smbios'><bios><entry name='date'>2024-01-31</entry></bios></sysinfo></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <sysinfo type='smbios'><bios><entry name='date'>01/31/2024</entry></bios></sysinfo></domain>
    ```
    """

    code = "VL783"
    name = "sysinfo-values"
    severity = Severity.ERROR
    summary = ("An SMBIOS BIOS date in the wrong format, a system UUID other than the domain's, a fw_cfg entry "
               "without name or value, or with a name QEMU refuses, or SMBIOS mode 'sysinfo' without the sysinfo it "
               "needs.")
    elements = ("sysinfo", "os/smbios")
    uses_caps = False
    drivers = ALL_DRIVERS

    def screen(self, path: str) -> Screen | None:
        # only mode='sysinfo' takes its source from <sysinfo>
        return ((("mode", frozenset((None, "none", "emulate", "host"))),), None) if path == "os/smbios" else None

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "os/smbios":
            if element.get("mode") == "sysinfo" and qemu_driver(ctx):
                problem = _smbios_sysinfo(element, ctx)
                if problem is not None:
                    yield problem
            return
        kind = element.get("type")
        if kind == "fwcfg":
            yield from _fw_cfg(element, ctx)
            return
        if kind not in (None, "smbios"):
            return
        bios = element.find("bios")  # (./bios[1], and its string(entry[@name='date']): the first of each)
        date = next(bios.iterfind("entry[@name='date']"), None) if bios is not None else None
        text = string_value(date) if date is not None else ""
        if text and not _bios_date_ok(text):
            yield Problem(Anchor(date, text=True), "Invalid BIOS 'date' format", hint="write the date as mm/dd/yyyy")
        for entry in element.iterfind("system/entry[@name='uuid']"):
            text = string_value(entry)
            if not text:
                break  # (an empty value reads as none)
            given = parse_uuid(text)
            if given is None:
                yield Problem(Anchor(entry, text=True), "malformed <sysinfo> uuid element",
                              hint="a UUID such as 6dd3e4a5-1d76-44ce-961f-f119f5aad935 (the domain's own)")
                break
            domain_uuid = ctx.root.findtext("uuid") or ""
            wanted = parse_uuid(domain_uuid) if domain_uuid else None
            if wanted is not None and given != wanted:
                yield Problem(Anchor(entry, text=True), "UUID mismatch between <uuid> and <sysinfo>",
                              replacements=(domain_uuid.strip(),))
            break
