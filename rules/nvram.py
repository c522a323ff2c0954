"""VL507 nvram: NVRAM that the firmware or loader cannot keep."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.drivers import ALL_DRIVERS
from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import qemu_driver, refused_since
from virtlint.rules._domain import os_parts
from virtlint.rules._libvirt_enums import STRICT_ENUMS
from virtlint.rules._storage import one_host_problem, storage_slice
from virtlint.rules._support import NOTHING, first_child

#: the storage formats a <loader> or <nvram> names that libvirt reads but refuses: all but raw and qcow2 ('none' is
#: no format; an unknown one is VL850's)
UNSUPPORTED_FORMATS = frozenset(next(row.values for row in STRICT_ENUMS if row.path == "os/loader"
                                     and row.attribute == "format")) - {"none", "raw", "qcow2"}


#: the storage types of a typed <nvram> QEMU cannot keep NVRAM on (qemuValidateDomainDefNvram)
UNSUPPORTED_NVRAM_TYPES = ("dir", "volume", "nvme", "vhostuser", "vhostvdpa")


def _qemu_nvram(nvram: etree._Element, ctx: Context) -> Problem | None:
    """qemuValidateDomainDefNvram: a typed <nvram> (a storage source) on file, block or network storage, without
    slices or persistent reservations."""
    kind = nvram.get("type")
    if kind in UNSUPPORTED_NVRAM_TYPES and (kind != "vhostvdpa" or refused_since(ctx, 9, 8)):  # (else VL850's)
        return Problem(Anchor(nvram, "type"), f"unsupported nvram disk type '{kind}'",
                       hint="keep the NVRAM in a file: <nvram type='file'><source file='...'/></nvram>",
                       replacements=("file", "block"))
    source = first_child(nvram, "source")  # (virDomainStorageSourceParse reads its slices and reservations)
    if source is None or not len(source):
        return None
    slice_ = storage_slice(source)
    if slice_ is not None:
        return Problem(Anchor(slice_.getparent()), "slices are not supported with NVRAM", hint="remove <slices>")
    reservations = first_child(source, "reservations")
    if reservations is not None:
        return Problem(Anchor(reservations), "persistent reservations are not supported with NVRAM",
                       hint="remove <reservations>")
    return None


@register
class NvramVarstore(Rule):
    """
    ## What it does
    Reports NVRAM the firmware cannot keep: `<nvram>` with
    `os/@firmware='bios'` or with a `rom` loader, a stateless loader
    (`stateless='yes'`) with `<nvram>` or an NVRAM template, a loader that
    asks to keep state (`stateless='no'`) without being EFI firmware or a
    pflash loader, loader and NVRAM formats that differ, and a loader or
    NVRAM format other than raw and qcow2. A `rom` loader
    with `<nvram>` and no `stateless` is a warning: libvirt defines it (its
    check needs `stateless='no'`) and the ROM does not use the NVRAM. (A `<varstore>`
    the capabilities mark `supported='no'` is reported by VL401.)

    ## Why is this bad?
    libvirt refuses it when the domain is defined. Messages modelled:
    `firmware type 'bios' does not support nvram`, `NVRAM template is not
    permitted when loader is stateless`, `NVRAM is not permitted when loader is
    stateless`, `Only pflash loader type permits NVRAM`, `Only EFI firmware
    permits NVRAM` (virDomainDefOSValidate), `Format mismatch:
    loader.format='qcow2' nvram.format='raw'` (virDomainLoaderDefParseXML),
    a loader or NVRAM format other than raw and qcow2 (`Unsupported nvram
    format 'vmdk'`, virDomainLoaderDefParseXMLNvram; `Unsupported loader
    format 'vmdk'`, virDomainLoaderDefParseXMLLoader; a name that is no
    storage format is VL850's). Stage: define; all drivers. libvirt 9.0
    knows `stateless` but ignores `format` (loader and NVRAM formats arrived
    in 9.2; 9.0 defines `format='vmdk'`, checked): the format checks follow
    the libvirt-version setting (reported for 9.2 and later). For QEMU, a
    typed `<nvram>` is a storage source on file, block or network storage
    only, without slices or reservations: `unsupported nvram disk type
    'volume'`, `slices are not supported with NVRAM`, `persistent
    reservations are not supported with NVRAM` (qemuValidateDomainDefNvram;
    QEMU driver, before virDomainDefOSValidate; each checked on 9.0). At
    start, a network NVRAM whose protocol names one server without exactly
    one `<host>` (`nbd protocol accepts only one host`; qemu_block.c, as for
    a disk: QEMU driver, stage start; checked on 9.0 with none and two).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os firmware='bios'><type arch='x86_64' machine='q35'>hvm</type>
      <nvram>/var/lib/libvirt/qemu/nvram/vm_VARS.fd</nvram></os></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os firmware='bios'><type arch='x86_64' machine='q35'>hvm</type></os></domain>
    ```
    """

    code = "VL507"
    name = "nvram"
    severity = Severity.ERROR
    summary = "NVRAM with BIOS firmware, a ROM or stateless loader, or in another format than the loader."
    #: an <os> with neither is never visited (the common case: firmware autoselection); with both, the first
    #: <loader>'s visit speaks for its <os>
    elements = ("os/loader", "os/nvram")
    uses_caps = False
    drivers = ALL_DRIVERS

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        os_element = element.getparent()
        firmware, loader, nvram = os_parts(ctx, os_element)
        if element is not (nvram if loader is None else loader):
            return NOTHING  # another <loader> or <nvram> of this <os>: it is judged once
        # the common case: without <nvram> only a loader (the element then) with stateless='no' or a format is judged
        stateless, fmt = element.get("stateless"), element.get("format")  # type: ignore[union-attr]
        if nvram is None and stateless != "no" and fmt is None:
            return NOTHING
        return self._problems(os_element, firmware, loader, nvram, ctx)

    def _problems(self, element: etree._Element, firmware: str | None, loader: etree._Element | None,
                  nvram: etree._Element | None, ctx: Context) -> Iterator[Problem]:
        found = list(self._define_problems(element, firmware, loader, nvram, ctx))
        if found:
            yield from found
        elif nvram is not None and nvram.get("type") == "network" and qemu_driver(ctx):
            # (at start: qemu_block.c builds the NVRAM's blockdev as a disk's, one server for most protocols)
            # (NFS's host count is qemuDomainValidateStorageSource's, for disks: whether it runs for an NVRAM is
            # not known here)
            source = first_child(nvram, "source")
            problem = one_host_problem(source, ctx) if source is not None and source.get("protocol") != "nfs" \
                else None
            if problem is not None:
                yield problem

    def _define_problems(self, element: etree._Element, firmware: str | None, loader: etree._Element | None,
                         nvram: etree._Element | None, ctx: Context) -> Iterator[Problem]:
        for holder in (nvram, loader):  # (virDomainLoaderDefParseXMLNvram, then virDomainLoaderDefParseXMLLoader)
            fmt = holder.get("format") if holder is not None else None
            if fmt in UNSUPPORTED_FORMATS and holder is not None and refused_since(ctx, 9, 2):
                yield Problem(Anchor(holder, "format"), f"Unsupported {holder.tag} format '{fmt}'",
                              hint="firmware images and their NVRAM are raw or qcow2", replacements=("raw", "qcow2"))
                return
        if loader is not None and nvram is not None and loader.get("format") and nvram.get("format") \
                and loader.get("format") != nvram.get("format") and refused_since(ctx, 9, 2) \
                and "none" not in (loader.get("format"), nvram.get("format")):  # ('none' is no format: 0)
            yield Problem(Anchor(nvram, "format"),
                          f"Format mismatch: loader.format='{loader.get('format')}' nvram.format='{nvram.get('format')}'",
                          replacements=(loader.get("format"),))
            return
        if nvram is not None and nvram.get("type") is not None and qemu_driver(ctx):
            problem = _qemu_nvram(nvram, ctx)  # (the QEMU driver's validation runs before virDomainDefOSValidate)
            if problem is not None:
                yield problem
                return
        if firmware and firmware != "efi" and nvram is not None:
            yield Problem(Anchor(nvram), f"firmware type '{firmware}' does not support nvram", hint="remove <nvram>")
            return
        if loader is None:
            return
        stateless = loader.get("stateless")
        if stateless == "yes":
            if nvram is not None and nvram.get("template"):
                yield Problem(Anchor(nvram, "template"), "NVRAM template is not permitted when loader is stateless",
                              hint="remove <nvram>, or drop stateless='yes'")
            elif nvram is not None:
                yield Problem(Anchor(nvram), "NVRAM is not permitted when loader is stateless",
                              hint="remove <nvram>, or drop stateless='yes'")
        elif stateless == "no":
            if not firmware and loader.get("type") != "pflash":
                yield Problem(Anchor(loader, "stateless"), "Only pflash loader type permits NVRAM",
                              hint="use type='pflash', or drop stateless='no'")
            elif firmware and firmware != "efi":
                yield Problem(Anchor(loader, "stateless"), "Only EFI firmware permits NVRAM",
                              hint="use firmware='efi', or drop stateless='no'")
        elif nvram is not None and loader.get("type") == "rom":
            # virDomainDefOSValidate refuses it only with stateless='no': libvirt 9.0 defines it (oracle run)
            # and starts it when the NVRAM file exists, not using it for a ROM
            yield Problem(Anchor(nvram), "only a pflash loader keeps NVRAM, this loader is type='rom': libvirt "
                          "accepts the <nvram> but the firmware cannot keep variables in it",
                          hint="remove <nvram> or use type='pflash'", severity=Severity.WARNING)
