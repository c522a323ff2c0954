"""VL780 shmem-config: a shared memory device with a bad size, msi without a server, or a non-PCI address."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import scaled_bytes
from virtlint.rules._devices import QEMU_START, is_power_of_two, qemu_driver

MIB = 1024 * 1024
#: The longest file name Linux file systems take (NAME_MAX), tmpfs's /dev/shm among them
NAME_MAX = 255


@register
class ShmemConfig(Rule):
    """
    ## What it does
    Reports a `<shmem>` whose `<size>` is not a power of two of at least
    1 MiB, an `<msi>` without a `<server>`, an `ivshmem-doorbell` without a
    `<server>` or with a `<size>`, an `ivshmem-plain` with a `<server>`, the
    long-gone `ivshmem` model (also what a `<shmem>` without a model is), a
    missing name or one with a `/` (or `.`, `..`), and an `<address>` of a type
    other than PCI.

    ## Why is this bad?
    libvirt refuses it. Messages modelled: `msi option is only supported with a
    server` (virDomainShmemDefParseXML; define), `shmem size must be a power of
    2 and at least 1 MiB (1024 KiB)`, `ivshmem device is no longer supported`
    (qemuValidateDomainDeviceDefShmem; define), `shmem model
    'ivshmem-doorbell' is supported only with server option enabled`, `shmem
    model 'ivshmem-plain' is supported only with server option disabled`,
    `shmem model 'ivshmem-doorbell' does not support size setting`
    (qemuDomainShmemDefPostParse; define), `shmem element must contain 'name'
    attribute` (virDomainShmemDefParseXML), `shmem name cannot include '/'
    character`, `shmem name cannot be equal to '..'` (virDomainShmemDefValidate;
    define; a `<shmem>` without a `<model>` is the legacy ivshmem: 9.0 says
    `ivshmem device is not supported with this QEMU binary`, checked), `only 'pci' addresses are
    supported for the shared memory device` (qemuBuildShmemCommandLine; start).
    Driver: QEMU. At start, an `ivshmem-plain` name of more than 255
    bytes, which QEMU opens as the file /dev/shm/NAME (`can't open backing
    store /dev/shm/... for guest RAM: File name too long`; checked on 9.0,
    255 bytes start). libvirt 9.0 checks the size only at start (`shmem size must
    be a power of two`, qemuBuildShmemCommandLine; checked on the daemon):
    still an error, at a later stage.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><shmem name='shmem0'><model type='ivshmem-plain'/><size unit='K'>3072</size></shmem>
      </devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><shmem name='shmem0'><model type='ivshmem-plain'/><size unit='M'>4</size></shmem>
      </devices></domain>
    ```
    """

    code = "VL780"
    name = "shmem-config"
    severity = Severity.ERROR
    summary = "A shared memory device with a bad size, msi without a server, or a non-PCI address."
    elements = ("devices/shmem",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        name = element.get("name")
        if name is None:
            yield Problem(Anchor(element), "shmem element must contain 'name' attribute", hint="add name='...'")
            return
        if "/" in name or name in (".", ".."):
            yield Problem(Anchor(element, "name"), "shmem name cannot include '/' character" if "/" in name else
                          f"shmem name cannot be equal to '{name}'", hint="name it with a plain file name")
            return
        msi = element.find("msi")
        if msi is not None and element.find("server") is None:
            yield Problem(Anchor(msi), "msi option is only supported with a server",
                          hint="remove <msi>, or add a <server> (ivshmem-doorbell)")
            return
        if not qemu_driver(ctx):
            return
        size = element.find("size")
        model = element.find("model")
        kind = model.get("type") if model is not None else None
        server = element.find("server")
        if kind == "ivshmem-doorbell" and server is None:
            yield Problem(Anchor(model, "type"),
                          "shmem model 'ivshmem-doorbell' is supported only with server option enabled",
                          hint="add <server path='...'/>, or use ivshmem-plain", replacements=("ivshmem-plain",))
            return
        if kind == "ivshmem-plain" and server is not None:
            yield Problem(Anchor(server), "shmem model 'ivshmem-plain' is supported only with server option disabled",
                          hint="remove <server>, or use ivshmem-doorbell")
            return
        if kind == "ivshmem-doorbell" and size is not None and scaled_bytes(size.text, size.get("unit"), default=1):
            yield Problem(Anchor(size), "shmem model 'ivshmem-doorbell' does not support size setting",
                          hint="remove <size>: the server sets it")
            return
        if size is not None:
            value = scaled_bytes(size.text, size.get("unit"), default=1)
            if value is not None and value > 0 and (value < MIB or not is_power_of_two(value)):
                yield Problem(Anchor(size, text=True),
                              "shmem size must be a power of 2 and at least 1 MiB (1024 KiB)",
                              hint="use a power of two such as <size unit='M'>4</size>")
                return
        role = element.get("role")
        if role is not None and kind not in ("ivshmem", None) and role not in ("master", "peer"):
            # (virDomainShmemDefParseXML reads the role of the models after the legacy one only)
            yield Problem(Anchor(element, "role"), f"Invalid value for attribute 'role' in element 'shmem': '{role}'.",
                          replacements=("master", "peer"))
            return
        if kind in ("ivshmem", None):  # (no <model>, or one without a type, is the legacy ivshmem)
            yield Problem(Anchor(model, "type") if kind is not None else Anchor(model if model is not None else
                                                                               element),
                          "ivshmem device is no longer supported" + ("" if kind else " (a <shmem> without a model "
                                                                     "type is the legacy ivshmem)"),
                          hint="add <model type='ivshmem-plain'/> (or ivshmem-doorbell with a <server>)",
                          replacements=("ivshmem-plain", "ivshmem-doorbell") if kind else ())
            return
        address = element.find("address")
        if address is not None and address.get("type") not in (None, "pci"):
            yield Problem(Anchor(address, "type"), "only 'pci' addresses are supported for the shared memory device",
                          replacements=("pci",))
            return
        if kind == "ivshmem-plain" and len(name.encode()) > NAME_MAX:
            # (qemuBuildShmemBackendMemProps: the backend's mem-path is /dev/shm/NAME, one file name)
            yield Problem(Anchor(element, "name"), f"can't open backing store /dev/shm/{name[:16]}... for guest RAM: "
                          "File name too long" + QEMU_START,
                          hint=f"a name of at most {NAME_MAX} bytes (it is {len(name.encode())})")
