"""VL783 sysinfo-values: an SMBIOS BIOS date libvirt cannot read, a system UUID other than the domain's, fw_cfg
entries QEMU refuses, and SMBIOS mode 'sysinfo' without the SMBIOS sysinfo QEMU needs (start)."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.lazy_re import lazy_compile
from virtlint.linter.machines import parse_machine, upstream_at_most
from virtlint.linter.model import Anchor, Context, Problem, Rule, Screen, Severity
from virtlint.linter.units import c_int
from virtlint.rules._devices import LIBVIRT_START, PC_FAMILIES, QEMU_START, qemu_driver, versioned_machine
from virtlint.rules._support import domain_children, domain_find, parse_uuid, string_value

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
    problem = _fw_cfg_slots(sysinfo, len(earlier), ctx)
    if problem is not None:
        yield problem


#: The fw_cfg files a domain may add on QEMU 7.2's machines (its x-file-slots, 16 up to the 2.8 machines and 32
#: from 2.9, less the files QEMU adds itself): the most entries a domain with ACPI and nothing else that adds a
#: file starts with (checked on 9.0, one more refused), by machine family and the newest version each holds for
FW_CFG_ROOM = {"pc-i440fx": (((1, 6), 11), ((2, 0), 7), ((2, 5), 5), ((2, 8), 4), ((99, 0), 20)),
               "pc-q35": (((2, 6), 5), ((2, 8), 4), ((99, 0), 17))}
ISAPC_FW_CFG_ROOM = 28
#: The fw_cfg files a domain without <acpi/> leaves free, by machine family (QEMU's ACPI tables, loader, RSDP...)
NO_ACPI_ROOM = {"pc-q35": 4, "pc-i440fx": 5}


def _fw_cfg_room(ctx: Context) -> tuple[int, str] | None:
    """How many fw_cfg files the domain's machine leaves a minimal domain, and the machine; None if unknown."""
    name = versioned_machine(ctx) or (ctx.caps.machine if ctx.identity_matches else None)
    if not name:
        return None
    if name == "isapc":
        return ISAPC_FW_CFG_ROOM, name
    machine = parse_machine(name)
    rows = FW_CFG_ROOM.get(machine.family)
    if rows is None or machine.version is None or machine.flavor:
        return None
    return next(room for newest, room in rows if machine.version[:2] <= newest), machine.name


def _fw_cfg_slots(sysinfo: etree._Element, entries: int, ctx: Context) -> Problem | None:
    """At start: QEMU's fw_cfg has a fixed number of file slots, and asserts when they run out (`Assertion 'count <
    fw_cfg_file_slots(s)' failed`). The entries of every fw_cfg sysinfo so far, and the files a <genid> (2) and a
    <vmcoreinfo> (1) add, against what the machine leaves a domain with ACPI (one more without): other devices (a
    NIC's boot ROM, a VGA BIOS, a boot menu) take slots too, so this errs only where a minimal domain fails."""
    room = _fw_cfg_room(ctx)
    if room is None or not entries:
        return None
    children = domain_children(ctx)
    # (QEMU builds no ACPI tables for isapc, with <acpi/> or without)
    acpi = room[1] == "isapc" or domain_find(ctx, "features/acpi") is not None
    genid = 2 if "genid" in children and acpi else 0  # (its files are ACPI's: none without it, checked on 9.0)
    vmcoreinfo = domain_find(ctx, "features/vmcoreinfo")
    used = entries + genid + (1 if vmcoreinfo is not None and vmcoreinfo.get("state") != "off" else 0)
    # (without ACPI, QEMU's ACPI files are not written: 4 more on q35, 5 on i440fx; checked on 9.0)
    allowed = room[0] + (0 if acpi else NO_ACPI_ROOM.get(parse_machine(room[1]).family, 0))
    if used <= allowed:
        return None
    return Problem(Anchor(sysinfo), "fw_cfg: Assertion `count < fw_cfg_file_slots(s)' failed (or "
                   f"fw_cfg_modify_file's) (QEMU's fw_cfg on {room[1]} has room for {allowed} more files here; these "
                   f"take {used})"
                   + QEMU_START, hint="fewer fw_cfg entries, or a newer machine (2.9 and later have 32 fw_cfg slots)")


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


#: the <chassis> entries libvirt keeps (virSysinfoChassisParseXML: a chassis with none of them is dropped)
CHASSIS_ENTRIES = ("manufacturer", "version", "serial", "asset", "sku")


def _kept(table: etree._Element, names: tuple[str, ...]) -> bool:
    """Whether libvirt keeps an SMBIOS table element: one of the names it reads has a non-empty value
    (virXPathString gives NULL for an empty one)."""
    return bool(_first_values(table, names))


def _first_values(table: etree._Element, names: tuple[str, ...]) -> list[str]:
    """The non-empty values libvirt reads of a table element: string(entry[@name='X']) for each name."""
    firsts: dict[str, etree._Element] = {}
    for entry in table.iterchildren("entry"):
        firsts.setdefault(entry.get("name") or "", entry)
    return [value for name in names if name in firsts and (value := string_value(firsts[name]))]


#: The SMBIOS string fields libvirt passes QEMU per table element (qemuBuildSmbios*Str; a BIOS release and the
#: system UUID are numbers in the table)
SMBIOS_STRINGS = {"bios": ("vendor", "version", "date"),
                  "system": ("manufacturer", "product", "version", "serial", "sku", "family"),
                  "baseBoard": BASE_BOARD_ENTRIES, "chassis": CHASSIS_ENTRIES}
#: The SMBIOS 2.1 (32-bit) entry point's limit on the whole table, and a floor of what QEMU adds to the strings
#: given: the formatted parts of its tables 0, 1, 3, 4, 16, 17, 19, 32 and 127, their terminators and the strings
#: of the CPU and DIMM tables nobody sets (the lab measured 335 bytes with one vCPU and a BIOS vendor)
SMBIOS21_MAX, SMBIOS_TABLE_FLOOR = 65535, 250
#: The newest x86 machine versions whose default SMBIOS entry point is 2.1 (QEMU 8.2 moved its new machines to
#: the 64-bit SMBIOS 3.0 one, which has no such limit)
SMBIOS21_NEWEST_MACHINE = (8, 1)


def _smbios_string_bytes(source: etree._Element) -> int:
    """The bytes of the SMBIOS strings libvirt writes from the source sysinfo, each with its NUL: the first <bios>,
    <system> (not when its sku alone is set: libvirt then writes no type 1), kept <baseBoard>s, the first <chassis>
    when kept, and every entry of the first <oemStrings>."""
    total = 0
    for tag, names in SMBIOS_STRINGS.items():
        # (every <baseBoard>: more than one kept is refused before; the first of the others)
        first = source.find(tag)
        for table in source.iterchildren(tag) if tag == "baseBoard" else () if first is None else (first,):
            values = _first_values(table, names)
            if tag == "system" and len(values) == 1 and _first_values(table, ("sku",)):
                continue
            total += sum(len(value.encode()) + 1 for value in values)
    oem = source.find("oemStrings")
    if oem is not None:
        total += sum(len(string_value(entry).encode()) + 1 for entry in oem.iterchildren("entry"))
    return total


def _smbios21_machine(ctx: Context) -> bool:
    """Whether the domain's x86 machine (its version, or the caps' for an alias) builds an SMBIOS 2.1 table."""
    return upstream_at_most(versioned_machine(ctx) or "", PC_FAMILIES, SMBIOS21_NEWEST_MACHINE)


def _smbios_too_long(source: etree._Element, ctx: Context) -> Problem | None:
    """QEMU's smbios_validate_table: with the 2.1 entry point, the whole table within 65535 bytes."""
    given = _smbios_string_bytes(source)
    if given + SMBIOS_TABLE_FLOOR <= SMBIOS21_MAX or not _smbios21_machine(ctx):
        return None
    return Problem(Anchor(source), f"SMBIOS 2.1 table length exceeds {SMBIOS21_MAX}: its strings alone take {given} "
                   "bytes" + QEMU_START, hint="shorten the SMBIOS values (or use a machine of version 8.2 or later, "
                   "whose 64-bit SMBIOS 3.0 entry point has no such limit)")


def _kept_board(board: etree._Element) -> bool:
    """virSysinfoBaseBoardParseXML's test."""
    return _kept(board, BASE_BOARD_ENTRIES)


#: QEMU's i440fx machine with SMBIOS defaults in legacy mode (pc_i440fx_2_0_machine_options): it takes fields of
#: SMBIOS types 0 and 1 only (the 1.x machines set no defaults, and take them all)
SMBIOS_LEGACY_MACHINE = "pc-i440fx-2.0"


def _legacy_smbios(source: etree._Element, ctx: Context) -> Problem | None:
    """QEMU's smbios_set_defaults in legacy mode refuses fields of SMBIOS types above 1, which libvirt writes for a
    kept <baseBoard> (type 2), the first <chassis> when kept (type 3) and the first <oemStrings> with an entry
    (type 11)."""
    if ctx.machine != SMBIOS_LEGACY_MACHINE:
        return None
    chassis = source.find("chassis")
    oem = source.find("oemStrings")
    culprit = next((board for board in source.iterchildren("baseBoard") if _kept_board(board)), None)
    if culprit is None and chassis is not None and _kept(chassis, CHASSIS_ENTRIES):
        culprit = chassis
    if culprit is None and oem is not None and oem.find("entry") is not None:
        culprit = oem
    if culprit is None:
        return None
    return Problem(Anchor(culprit), "can't process fields for smbios types > 1 on machine versions < 2.1!"
                   + QEMU_START, hint=f"QEMU's {SMBIOS_LEGACY_MACHINE} takes only <bios> and <system> values: "
                   "remove this, or use a newer machine (pc-i440fx-2.1 or later)")


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
    return _legacy_smbios(source, ctx) or _smbios_too_long(source, ctx)


@register
class SysinfoValues(Rule):
    """
    ## What it does
    Reports an SMBIOS `<bios><entry name='date'>` that is not `mm/dd/yy` or
    `mm/dd/yyyy` (with a year from 1900 on), a `<system><entry
    name='uuid'>` that differs from the domain's `<uuid>` (libvirt reads
    the first `<system>` and its first uuid entry), and fw_cfg
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
    more fw_cfg entries than QEMU's fw_cfg has file slots for, once its own
    files are in (16 slots up to the 2.8 machines, 32 later: a pc-i440fx-2.8
    domain with ACPI starts with 4 entries and fails with 5, `Assertion
    'count < fw_cfg_file_slots(s)' failed`; counted for a domain with
    nothing else that adds a file, a `<genid>` taking 2 and `<vmcoreinfo>`
    1; without `<acpi/>` 4 more on q35 and 5 on i440fx, and the genid
    none), and with `<smbios mode='sysinfo'/>`, a BIOS `release` QEMU cannot read as
    `major.minor` (`-smbios type=0,release=1: Invalid release`), and a
    kept `<baseBoard>`, `<chassis>` or `<oemStrings>` on x86's
    `pc-i440fx-2.0`, whose SMBIOS legacy mode takes types 0 and 1 only
    (`can't process fields for smbios types > 1 on machine versions <
    2.1!`; 1.x machines and 2.1 start), and SMBIOS strings longer than
    the 2.1 entry point's 65535-byte table takes on x86 machines of 8.1 and
    older (`SMBIOS 2.1 table length 65635 exceeds 65535`: the strings and
    QEMU's own tables; virtlint counts the strings and 250 bytes of the
    latter, fewer than QEMU adds, so a table a few hundred bytes short of
    the limit may still be refused).

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
        # ./system[1] and its string(entry[@name='uuid']): the first of each; an empty value reads as none
        system = element.find("system")
        entry = next(system.iterfind("entry[@name='uuid']"), None) if system is not None else None
        text = string_value(entry) if entry is not None else ""
        if entry is None or not text:
            return
        given = parse_uuid(text)
        if given is None:
            yield Problem(Anchor(entry, text=True), "malformed <sysinfo> uuid element",
                          hint="a UUID such as 6dd3e4a5-1d76-44ce-961f-f119f5aad935 (the domain's own)")
            return
        domain_uuid = ctx.root.findtext("uuid") or ""
        wanted = parse_uuid(domain_uuid) if domain_uuid else None
        if wanted is not None and given != wanted:
            yield Problem(Anchor(entry, text=True), "UUID mismatch between <uuid> and <sysinfo>",
                          replacements=(domain_uuid.strip(),))
