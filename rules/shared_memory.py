"""VL204 shared-memory: virtiofs and vhost-user devices need shared guest memory."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.fixes import SAFE, AppendChild, Change, Fix, SetAttribute
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._devices import refused_since
from virtlint.rules._support import NOTHING, children_by_tag

MEMFD_BACKING = "<memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>"
FILE_BACKING = "<memoryBacking><source type='file'/><access mode='shared'/></memoryBacking>"


def memory_is_shared(root: etree._Element) -> bool:
    """Shared globally (no NUMA cells), or every NUMA cell shared, a cell inheriting the global mode."""
    access = root.find("memoryBacking/access")
    global_mode = access.get("mode") if access is not None else None
    cells = root.findall("cpu/numa/cell")
    if not cells:
        return global_mode == "shared"
    return all(cell.get("memAccess", global_mode) == "shared" for cell in cells)


#: the disk types whose backend process maps the guest memory (vhostvdpa: libvirt 9.8 on, which first reads it)
SHARING_DISKS = ("vhostuser", "vhostvdpa")


def vhost_user_anchor(device: etree._Element, ctx: Context) -> tuple[Anchor, str] | None:
    """The attribute that makes a device vhost-user (or vDPA), and how libvirt names it."""
    if device.tag == "filesystem":
        driver = device.find("driver")
        if driver is not None and driver.get("type") == "virtiofs":
            return Anchor(driver, "type"), "virtiofs"
    elif device.tag == "disk":
        kind = device.get("type")
        if kind == "vhostuser" or kind == "vhostvdpa" and refused_since(ctx, 9, 8):
            return Anchor(device, "type"), kind
    return None


def shared_backing(ctx: Context) -> str:
    """The memory backing to propose: memfd where the caps list it, else a shared file."""
    return MEMFD_BACKING if ctx.caps.enum("memoryBacking", "sourceType").allows("memfd") else FILE_BACKING


def share_memory(root: etree._Element, backing: str) -> Fix | None:
    """Make the guest memory shared, touching the existing <memoryBacking> as little as possible."""
    changes: list[Change] = []
    cells = root.findall("cpu/numa/cell")
    if cells:
        changes = [SetAttribute(cell, "memAccess", "shared") for cell in cells if cell.get("memAccess") != "shared"]
        return Fix("Share the memory of every NUMA cell", tuple(changes), SAFE)
    existing = root.find("memoryBacking")
    if existing is None:
        after = root.find("currentMemory")
        after = after if after is not None else root.find("memory")
        return Fix(f"Add {backing}", (AppendChild(root, (backing,), after=after),), SAFE)
    access = existing.find("access")
    if access is not None:
        return Fix("Set access mode='shared'", (SetAttribute(access, "mode", "shared"),), SAFE)
    children: tuple[str, ...] = ("<access mode='shared'/>",)
    if existing.find("source") is None and "memfd" in backing:
        children = ("<source type='memfd'/>", *children)
    return Fix("Add shared memory access to <memoryBacking>", (AppendChild(existing, children),), SAFE)


@register
class SharedMemory(Rule):
    """
    ## What it does
    A `virtiofs` filesystem, a vhost-user disk and (libvirt 9.8 on) a
    vhost-vDPA disk need the
    guest memory shared with the host process: `<memoryBacking><access
    mode='shared'/>`, or every NUMA cell with `memAccess='shared'` (a cell
    without `memAccess` inherits the global mode). The hint proposes memfd
    backing (`<source type='memfd'/><access mode='shared'/>`) when the
    capabilities list `memfd` in `sourceType`, and a shared file otherwise.
    (libvirt accepts vhost-user network interfaces without shared memory.)

    ## Why is this bad?
    libvirt refuses the domain: `'virtiofs' requires shared memory`
    (qemuValidateDomainDefVhostUserRequireSharedMemory; `'vhostvdpa'
    requires shared memory` from 10.7's source, as 9.0 has no such disk).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch>
      <memoryBacking supported='yes'><enum name='sourceType'><value>file</value><value>anonymous</value>
        <value>memfd</value></enum></memoryBacking></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/><target dir='srv'/></filesystem>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memoryBacking><source type='memfd'/><access mode='shared'/></memoryBacking>
      <os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><filesystem type='mount'><driver type='virtiofs'/><source dir='/srv'/><target dir='srv'/></filesystem>
      </devices></domain>
    ```
    """

    code = "VL204"
    name = "shared-memory"
    severity = Severity.ERROR
    summary = "A virtiofs filesystem or vhost-user disk without shared guest memory."
    #: the filesystems and disks below (one visit for all of them)
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = children_by_tag(ctx, element)
        if "filesystem" not in children:
            for disk in children.get("disk", ()):
                if disk.get("type") in SHARING_DISKS:
                    break
            else:
                return NOTHING  # the common case: no filesystem, no vhost-user disk
        return self._problems(element, ctx)

    def _problems(self, devices: etree._Element, ctx: Context) -> Iterator[Problem]:
        for element in devices:
            if element.tag not in ("filesystem", "disk"):
                continue
            found = vhost_user_anchor(element, ctx)
            if found is None or memory_is_shared(ctx.root):
                continue
            anchor, what = found
            backing = shared_backing(ctx)
            fix = share_memory(ctx.root, backing)
            yield Problem(anchor, f"'{what}' requires shared memory: the guest memory is not shared",
                          hint=f"add {backing}", fixes=(fix,) if fix else ())
