"""The attributes libvirt's parser reads with a strict enum, and the values each accepts (libvirt 10.7).

Each row names the element path below <domain>, the attribute (None: the element's text), the values
libvirt's parser accepts there (from the VIR_ENUM_IMPL lists of src/conf/domain_conf.c, cpu_conf.c,
numa_conf.c, device_conf.c, storage_source_conf.c and src/util/virenum.c, minus the zero value where the
parser refuses it: VIR_XML_PROP_NONZERO or a `<= 0` test), and the message libvirt reports. Only
attributes libvirt really refuses are listed: many others are parsed leniently, ignored, or checked
later against the QEMU binary (VL302 judges the valid values a host lacks).
"""

from __future__ import annotations

from virtlint.linter._record import FrozenRecord

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__


#: virXMLPropEnum, virXMLPropTristateSwitch, virXMLPropTristateBool
PROP = "Invalid value for attribute '{attribute}' in element '{element}': '{value}'."
#: VIR_XML_PROP_REQUIRED without the attribute
MISSING = "Missing required attribute '{attribute}' in element '{element}'"
#: virXMLPropUInt, virXMLPropULongLong: not a non-negative number
UINT_MESSAGE = "Invalid value for attribute '{attribute}' in element '{element}': '{value}'. " \
               "Expected non-negative integer value"
#: virXMLPropInt, virXMLPropLongLong: not a number
INT_MESSAGE = "Invalid value for attribute '{attribute}' in element '{element}': '{value}'. Expected integer value"
#: virXMLPropLongLong: not a number
LLONG_MESSAGE = "Invalid value for attribute '{attribute}' in element '{element}': '{value}'. " \
                "Expected long long integer value"
#: VIR_XML_PROP_NONNEGATIVE: a negative number
NEGATIVE_MESSAGE = "Invalid value for attribute '{attribute}' in element '{element}': '{value}'. " \
                   "Expected non-negative value"
#: VIR_XML_PROP_NONZERO: 0
ZERO_MESSAGE = "Invalid value for attribute '{attribute}' in element '{element}': Zero is not permitted"

#: the virtio device models (a disk's, an interface's, an input's, an RNG's, a balloon's...: each device's model enum
#: has these three virtio ones)
VIRTIO_MODELS = ("virtio", "virtio-transitional", "virtio-non-transitional")
ON_OFF = ("on", "off")
#: the memory device models whose <source><nodemask> libvirt reads (virDomainMemorySourceDefParseXML) and binds to
#: host nodes (qemuBuildMemoryBackendProps)
NODEMASK_MODELS = ("dimm", "virtio-mem", "sgx-epc")
YES_NO = ("yes", "no")
#: StrictEnum.reads: the first element of the path (virXPathNode, XPath [1]); the first four <os><boot>
#: (virDomainDefParseBootXML reads VIR_DOMAIN_BOOT_LAST); the first element that has the attribute
FIRST = ("document", 1)
FIRST_BOOTS = ("document", 4)
FIRST_WITH_ATTRIBUTE = ("attribute", 1)
#: what virXMLPropTristateSwitch takes: on, off or nothing ('absent', the enum's zero, is refused)
SWITCH_OR_ABSENT = (None, *ON_OFF)


class StrictEnum(FrozenRecord):
    path: str  # element path below <domain>
    attribute: str | None  # None: the element's text
    values: tuple[str, ...]
    parser: str  # libvirt's function that refuses the value
    message: str
    #: Which elements of the path the parser reads, None: each. ("document", N): the first N in document order
    #: (an XPath [1] or virXPathNode, or a bounded loop: the boot devices); ("attribute", 1): the first element
    #: that has the attribute (string(./clock/@offset) skips a <clock> without one). The others are never read.
    reads: tuple[str, int] | None
    #: Values releases after 10.7 added that virtlint knows of: never reported, since the host's libvirt
    #: may be newer than the one modelled.
    later: tuple[str, ...]
    #: The parser requires the attribute (VIR_XML_PROP_REQUIRED): absent is refused with ``missing``.
    required: bool
    missing: str
    #: The parser reads the attribute only in some cases: (how many levels up the element to look, an attribute
    #: there, the values it has then; None among them: the attribute absent), e.g. (1, "type", ("spice",)) for a
    #: SPICE-only setting of a child of <graphics>.
    when: tuple[int, str, tuple[str | None, ...]] | None
    #: Values a release after 8.1 added: value -> the first release whose parser takes it (older ones refuse it).
    since: dict[str, tuple[int, int]]
    #: Values releases before one refused them took: value -> that release (they are not reported before it).
    retired: dict[str, tuple[int, int]]
    #: The first release whose parser reads the attribute at all (older ones ignore it), None: every one modelled.
    parsed_since: tuple[int, int] | None

    __slots__ = ("path", "attribute", "values", "parser", "message", "reads", "later", "required", "missing", "when",
                 "since", "retired", "parsed_since")
    _fields = __slots__

    def __init__(
        self,
        path: str,
        attribute: str | None,
        values: tuple[str, ...],
        parser: str,
        message: str = PROP,
        reads: tuple[str, int] | None = None,
        later: tuple[str, ...] = (),
        required: bool = False,
        missing: str = MISSING,
        when: tuple[int, str, tuple[str | None, ...]] | None = None,
        since: dict[str, tuple[int, int]] | None = None,
        retired: dict[str, tuple[int, int]] | None = None,
        parsed_since: tuple[int, int] | None = None,
    ) -> None:
        _set(self, "path", path)
        _set(self, "attribute", attribute)
        _set(self, "values", values)
        _set(self, "parser", parser)
        _set(self, "message", message)
        _set(self, "reads", reads)
        _set(self, "later", later)
        _set(self, "required", required)
        _set(self, "missing", missing)
        _set(self, "when", when)
        _set(self, "since", since or {})
        _set(self, "retired", retired or {})
        _set(self, "parsed_since", parsed_since)


#: Controller type -> its model enum, in libvirt's order (virDomainControllerModelTypeFromString reads the one of
#: the controller's type; a type without one refuses every model). The order matters: libvirt compares a model's
#: index with the SCSI enum's virtio indices in places (virDomainControllerDefPostParse).
CONTROLLER_MODELS: dict[str, tuple[str, ...]] = {
    "scsi": ("auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi", "lsisas1078",
             "virtio-transitional", "virtio-non-transitional", "ncr53c90", "dc390", "am53c974"),
    "usb": ("piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3",
            "vt82c686b-uhci", "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci", "none"),
    "pci": ("pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge", "pcie-root-port",
            "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus", "pcie-expander-bus"),
    "ide": ("piix3", "piix4", "ich6"),
    "virtio-serial": ("virtio", "virtio-transitional", "virtio-non-transitional"),
    "isa": (),
    "fdc": (), "sata": (), "ccid": (), "xenbus": (),
}
#: The models of the devices whose <address>, <alias> and <acpi> libvirt reads: a memballoon's and a
#: controller's but model='none' (virDomainMemballoonDefParseXML and virDomainControllerDefParseXML skip their
#: device info: "Ignoring device address for none model"); '~' is a model-less controller
INFO_READ_MODELS = {
    "memballoon": "virtio xen virtio-transitional virtio-non-transitional",
    "controller": " ".join(("~", *sorted({model for models in CONTROLLER_MODELS.values() for model in models
                                          if model != "none"}))),
}


def _rows() -> tuple[StrictEnum, ...]:
    rows: list[StrictEnum] = []

    def add(path: str, attribute: str | None, values: tuple[str, ...] | str, parser: str = "virXMLPropEnum",
            message: str = PROP, reads: tuple[str, int] | None = None, later: str = "", required: bool = False,
            missing: str = MISSING, when: tuple[str, str] | None = None, on_self: bool = False,
            up: int | None = None) -> None:
        """``when``: (attribute, values) of the device (the <devices> child) or the <domain> child holding the
        element, or with ``on_self`` of the element itself, or of its ancestor ``up`` levels up; 'child/@name': the
        attribute of that one's first such child; '~' among the values: the attribute absent."""
        condition = None
        if when:
            levels = up if up is not None else 0 if on_self else \
                path.count("/") - (1 if path.startswith("devices/") else 0)
            condition = (levels, when[0], tuple(None if v == "~" else v for v in when[1].split()))
        rows.append(StrictEnum(path, attribute, tuple(values.split()) if isinstance(values, str) else values,
                               parser, message, reads, tuple(later.split()), required, missing, condition))

    # -- the domain ------------------------------------------------------------
    add("", "type", "none qemu kqemu kvm xen lxc uml openvz test vmware hyperv vbox phyp parallels bhyve vz hvf",
        "virDomainDefParseCaps", "invalid domain type {value}", required=True, missing="missing domain type attribute")
    # -- disks --------------------------------------------------------------
    add("devices/disk", "type", "file block dir network volume nvme vhostuser vhostvdpa")  # (NONZERO: not 'none')
    add("devices/disk", "device", "disk cdrom floppy lun")
    add("devices/disk", "model", "default virtio virtio-transitional virtio-non-transitional")
    add("devices/disk", "snapshot", "no internal external manual")
    add("devices/disk/target", "bus", "ide fdc scsi virtio xen usb uml sata sd", later="nvme")
    add("devices/disk/target", "tray", "closed open")
    add("devices/disk/driver", "cache", "default none writethrough writeback directsync unsafe")
    add("devices/disk/driver", "io", "native threads io_uring")
    add("devices/disk/driver", "discard", "unmap ignore")
    add("devices/disk/driver", "error_policy", "stop report ignore enospace")
    add("devices/disk/driver", "rerror_policy", "stop report ignore enospace")
    add("devices/disk/driver", "detect_zeroes", "off on unmap")
    # 'aio' is a Xen back-compat spelling of raw
    add("devices/disk/driver", "type", "raw dir bochs cloop dmg iso vpc vdi fat vhd ploop cow qcow qcow2 qed vmdk aio",
        "virDomainDiskDefDriverSourceParseXML", "unknown driver format value '{value}'")
    add("devices/disk/source", "startupPolicy", "mandatory requisite optional")
    add("devices/disk/target", "removable", ON_OFF, "virXMLPropTristateSwitch")
    add("devices/disk/geometry", "trans", "none auto lba")
    add("devices/disk/source", "tls", YES_NO, "virXMLPropTristateBool")
    # (virDomainDiskSourceNetworkParse reads <ssl> for https and ftps only: 9.0 ignores it elsewhere, checked)
    add("devices/disk/source/ssl", "verify", YES_NO, "virXMLPropTristateBool", when=("protocol", "https ftps"), up=1)
    add("devices/disk/transient", "shareBacking", YES_NO, "virXMLPropTristateBool")
    add("devices/disk/source", "managed", YES_NO, "virXMLPropTristateBool", when=("type", "nvme"))
    add("devices/disk/source/reservations", "managed", YES_NO, "virXMLPropTristateBool", required=True)
    for switch in ("event_idx", "copy_on_read", "discard_no_unref", "ioeventfd"):  # (virDomainDiskDefDriverParseXML)
        add("devices/disk/driver", switch, ON_OFF, "virXMLPropTristateSwitch")
    # (virDomainDiskSourceNetworkParse: REQUIRED but not NONZERO, so 'none' parses. Not required here: a screen
    # cannot see the disk's type, so every disk's source would take the full check; VL751 reports a network disk
    # without a protocol, as missing source information)
    protocols = "none nbd rbd sheepdog gluster iscsi http https ftp ftps tftp ssh vxhs nfs"
    add("devices/disk/source", "protocol", protocols, when=("type", "network"))
    add("devices/disk/backingStore/source", "protocol", protocols, when=("type", "network"), up=1)
    # (virDomainDefParseBootLoaderOptions reads ./os/loader[1], ./os/nvram[1] and ./os/nvram/source[1])
    add("os/nvram", "type", "none file block dir network volume nvme vhostuser vhostvdpa", reads=FIRST)
    add("os/nvram/source", "protocol", protocols, when=("type", "network"), up=1, reads=FIRST)
    for holder in ("disk", "interface"):  # (a vhost-user source's reconnect: virDomainChrSourceReconnectDefParseXML)
        add(f"devices/{holder}/source/reconnect", "enabled", YES_NO, "virXMLPropTristateBool",
            when=("type", "vhostuser"))
    # -- other devices -------------------------------------------------------
    add("devices/controller", "type", "ide fdc scsi sata virtio-serial ccid usb pci xenbus isa", later="nvme")
    add("devices/graphics", "type", "sdl vnc rdp desktop spice egl-headless dbus", required=True)
    add("devices/video/model", "type", "default vga cirrus vmvga xen vbox qxl parallels virtio gop none bochs ramfb")
    add("devices/sound", "model", "sb16 es1370 pcspk ac97 ich6 ich9 usb ich7 virtio", required=True)
    add("devices/sound/codec", "type", "duplex micro output", "virDomainSoundCodecDefParseXML",
        "unknown codec type '{value}'", required=True, missing="unknown codec type '(null)'")  # (C's "%s" of NULL)
    add("devices/watchdog", "model", "i6300esb ib700 diag288 itco", required=True)
    add("devices/watchdog", "action", "reset shutdown poweroff pause dump none inject-nmi")
    add("devices/memballoon", "model", "virtio xen none virtio-transitional virtio-non-transitional", required=True)
    add("devices/rng", "model", "virtio virtio-transitional virtio-non-transitional", required=True)
    add("devices/rng/backend", "model", "random egd builtin", required=True)
    add("devices/tpm", "model", "tpm-tis tpm-crb tpm-spapr spapr-tpm-proxy")
    add("devices/tpm/backend", "type", "passthrough emulator external", required=True)
    # (the emulator's own: virDomainTPMDefParseXML reads them for type='emulator' only)
    add("devices/tpm/backend", "version", "1.2 2.0", when=("type", "emulator"), on_self=True)
    add("devices/memory", "model", "dimm nvdimm virtio-pmem virtio-mem sgx-epc", required=True)
    add("devices/hostdev", "mode", "subsystem capabilities")
    add("devices/interface", "type",
        "user ethernet vhostuser server client mcast network bridge internal direct hostdev udp vdpa null vds")
    add("perf/event", "name", "cmt mbmt mbml cpu_cycles instructions cache_references cache_misses "
        "branch_instructions branch_misses bus_cycles stalled_cycles_frontend stalled_cycles_backend ref_cpu_cycles "
        "cpu_clock task_clock page_faults context_switches cpu_migrations page_faults_min page_faults_maj "
        "alignment_faults emulation_faults", required=True)
    add("devices/redirdev", "bus", "usb", "virDomainRedirdevDefParseXML", "unknown redirdev bus '{value}'")
    add("devices/redirdev", "type", "null vc pty dev file pipe stdio udp tcp unix spicevmc spiceport nmdm "
        "qemu-vdagent dbus", "virDomainRedirdevDefParseXML", "unknown redirdev character device type '{value}'",
        required=True, missing="missing type in redirdev")
    add("devices/redirfilter/usbdev", "allow", YES_NO, "virXMLPropTristateBool", required=True)
    # -- graphics (virDomainGraphicsDefParseXML*: each type reads its own settings) ------------------------------
    spice, vnc = ("type", "spice"), ("type", "vnc")
    add("devices/graphics", "sharePolicy", "default allow-exclusive force-shared ignore", when=vnc)
    add("devices/graphics", "powerControl", YES_NO, "virXMLPropTristateBool", when=vnc)
    add("devices/graphics", "autoport", YES_NO, "virXMLPropTristateBool", when=spice)  # (VNC reads it leniently)
    add("devices/graphics", "defaultMode", "any secure insecure", when=spice)
    add("devices/graphics", "fullscreen", YES_NO, "virXMLPropTristateBool", when=("type", "sdl desktop"))
    add("devices/graphics", "p2p", YES_NO, "virXMLPropTristateBool", when=("type", "dbus"))
    add("devices/graphics/listen", "type", "none address network socket", required=True, when=("type", "vnc spice rdp"))
    add("devices/graphics/channel", "name", "main display inputs cursor playback record smartcard usbredir",
        required=True, when=spice)
    add("devices/graphics/channel", "mode", "any secure insecure", required=True, when=spice)
    add("devices/graphics/image", "compression", "auto_glz auto_lz quic glz lz off", required=True, when=spice)
    for element in ("jpeg", "zlib"):
        add(f"devices/graphics/{element}", "compression", "auto never always", required=True, when=spice)
    add("devices/graphics/playback", "compression", ON_OFF, "virXMLPropTristateSwitch", required=True, when=spice)
    add("devices/graphics/streaming", "mode", "filter all off", required=True, when=spice)
    add("devices/graphics/clipboard", "copypaste", YES_NO, "virXMLPropTristateBool", required=True, when=spice)
    add("devices/graphics/filetransfer", "enable", YES_NO, "virXMLPropTristateBool", required=True, when=spice)
    add("devices/graphics/mouse", "mode", "server client", required=True, when=spice)
    add("devices/graphics/gl", "enable", YES_NO, "virXMLPropTristateBool", required=True,
        when=("type", "spice sdl dbus"))
    # -- audio (virDomainAudioDefParseXML and each backend's parser) -------------------------------------------
    add("devices/audio", "type", "none alsa coreaudio jack oss pulseaudio sdl spice file dbus pipewire",
        required=True)
    add("devices/audio", "driver", "esd alsa arts pulseaudio", when=("type", "sdl"))
    for direction in ("input", "output"):
        add(f"devices/audio/{direction}", "mixingEngine", YES_NO, "virXMLPropTristateBool")
        add(f"devices/audio/{direction}", "fixedSettings", YES_NO, "virXMLPropTristateBool")
        add(f"devices/audio/{direction}/settings", "format", "u8 s8 u16 s16 u32 s32 f32")
        add(f"devices/audio/{direction}", "tryPoll", YES_NO, "virXMLPropTristateBool", when=("type", "oss"))
        add(f"devices/audio/{direction}", "exactName", YES_NO, "virXMLPropTristateBool", when=("type", "jack"))
    for switch in ("tryMMap", "exclusive"):
        add("devices/audio", switch, YES_NO, "virXMLPropTristateBool", when=("type", "oss"), on_self=True)
    # -- interfaces, memory devices, vsock -----------------------------------------------------------------
    add("devices/interface/mac", "type", "generated static")
    add("devices/interface/mac", "check", YES_NO, "virXMLPropTristateBool")
    add("devices/interface", "trustGuestRxFilters", YES_NO, "virXMLPropTristateBool")
    add("devices/interface/target", "managed", YES_NO, "virXMLPropTristateBool")
    add("devices/interface/port", "isolated", YES_NO, "virXMLPropTristateBool")
    add("devices/interface/backend", "type", "default passt")
    add("devices/interface/vlan/tag", "nativeMode", "tagged untagged")
    for device in ("interface", "hostdev"):
        add(f"devices/{device}/rom", "bar", ON_OFF, "virXMLPropTristateSwitch")
        add(f"devices/{device}/rom", "enabled", YES_NO, "virXMLPropTristateBool")
    add("devices/interface/source", "mode", "vepa private bridge passthrough", when=("type", "direct"))
    # (required: VL770 says so, with the vhost-user source; a screen cannot see the interface's type)
    add("devices/interface/source", "mode", "client server", when=("type", "vhostuser"))
    add("devices/interface/portForward", "proto", "tcp udp", required=True)
    add("devices/video/model/acceleration", "accel3d", YES_NO, "virXMLPropTristateBool")
    add("devices/video/model/acceleration", "accel2d", YES_NO, "virXMLPropTristateBool")
    add("devices/video/model", "blob", ON_OFF, "virXMLPropTristateSwitch")
    add("devices/sound", "multichannel", YES_NO, "virXMLPropTristateBool", when=("model", "usb"), on_self=True)
    add("devices/tpm/backend", "persistent_state", YES_NO, "virDomainTPMDefParseXML",
        "Invalid persistent_state value, either 'yes' or 'no'", when=("type", "emulator"), on_self=True)
    add("devices/memory", "access", "shared private")
    add("devices/memory", "discard", YES_NO, "virXMLPropTristateBool")
    add("devices/vsock/cid", "auto", YES_NO, "virXMLPropTristateBool")
    add("devices/hub", "type", "usb", "virDomainHubDefParseXML", "unknown hub device type '{value}'", required=True,
        missing="missing hub device type")
    # -- character devices (virDomainChrDefParseXML and the source parsers it calls by type) ------------------
    chardev_types = "null vc pty dev file pipe stdio udp tcp unix spicevmc spiceport nmdm qemu-vdagent dbus"
    for chardev in ("serial", "parallel", "console", "channel"):
        path = f"devices/{chardev}"
        add(path, "type", chardev_types, "virDomainChrDefParseXML",
            "unknown type presented to host for character device: {value}")
        add(f"{path}/source", "mode", "connect bind", "virXMLPropEnumDefault", when=("type", "tcp unix udp"))
        add(f"{path}/source", "append", ON_OFF, "virXMLPropTristateSwitch", when=("type", "file"))
        add(f"{path}/source", "tls", YES_NO, "virXMLPropTristateBool", when=("type", "tcp"))
        add(f"{path}/source/reconnect", "enabled", YES_NO, "virXMLPropTristateBool", when=("type", "tcp unix"))
        add(f"{path}/source/clipboard", "copypaste", YES_NO, "virXMLPropTristateBool", required=True,
            when=("type", "qemu-vdagent"))
        add(f"{path}/source/mouse", "mode", "server client", required=True, when=("type", "qemu-vdagent"))
        add(f"{path}/log", "append", ON_OFF, "virXMLPropTristateSwitch")
        add(f"{path}/protocol", "type", "raw telnet telnets tls", "virDomainChrSourceDefParseProtocol",
            "Unknown protocol '{value}'", when=("type", "tcp"))
    # the other holders of a character device source (virDomainChrSourceDefParseXML by the holder's type): USB
    # redirection, passthrough smartcards, EGD RNG backends; and a passthrough smartcard's type
    for holder, up in (("devices/redirdev", 1), ("devices/smartcard", 1), ("devices/rng/backend", 1)):
        add(f"{holder}/source", "mode", "connect bind", "virXMLPropEnumDefault", when=("type", "tcp unix udp"),
            up=up)
        add(f"{holder}/source/reconnect", "enabled", YES_NO, "virXMLPropTristateBool", when=("type", "tcp unix"),
            up=up + 1)
        add(f"{holder}/protocol", "type", "raw telnet telnets tls", "virDomainChrSourceDefParseProtocol",
            "Unknown protocol '{value}'", when=("type", "tcp"), up=up)
    add("devices/smartcard", "type", chardev_types, "virDomainSmartcardDefParseXML",
        "unknown type presented to host for character device: {value}", when=("mode", "passthrough"), on_self=True)
    add("devices/tpm/backend/source", "mode", "connect bind", "virXMLPropEnumDefault", when=("type", "external"), up=1)
    target_types = {"serial": "none isa-serial usb-serial pci-serial spapr-vio-serial system-serial sclp-serial "
                              "isa-debug",
                    "console": "none serial xen uml virtio lxc openvz sclp sclplm",
                    "channel": "none guestfwd virtio xen"}
    for chardev, values in target_types.items():
        add(f"devices/{chardev}/target", "type", values, "virDomainChrDefParseTargetXML",
            "unknown target type '{value}' specified for character device")
    add("devices/serial/target/model", "name", "none isa-serial usb-serial pci-serial spapr-vty pl011 sclpconsole "
        "sclplmconsole 16550a isa-debugcon", "virDomainChrDefParseTargetXML",
        "unknown target model '{value}' specified for character device")
    # -- host devices (virDomainHostdevDefParseXMLSubsys and the source parsers by type) -------------------------
    add("devices/hostdev", "type", "usb pci scsi scsi_host mdev", required=True, when=("mode", "subsystem ~"),
        on_self=True)
    add("devices/hostdev", "type", "storage misc net", required=True, when=("mode", "capabilities"), on_self=True)
    add("devices/hostdev", "sgio", "filtered unfiltered", when=("mode", "subsystem ~"), on_self=True)
    add("devices/hostdev", "rawio", YES_NO, "virXMLPropTristateBool", when=("mode", "subsystem ~"), on_self=True)
    add("devices/hostdev", "model", "default virtio virtio-transitional virtio-non-transitional",
        when=("type", "scsi_host"), on_self=True)
    add("devices/hostdev", "model", "vfio-pci vfio-ccw vfio-ap", required=True, when=("type", "mdev"), on_self=True)
    for switch in ("display", "ramfb"):
        add("devices/hostdev", switch, ON_OFF, "virXMLPropTristateSwitch", when=("type", "mdev"), on_self=True)
    add("devices/hostdev/source", "protocol", "adapter iscsi", when=("type", "scsi"))
    # (virDomainHostdevSubsysUSBDefParseXML: virXMLPropEnum with NONZERO, so 'default' is refused; checked on 9.0)
    add("devices/hostdev/source", "startupPolicy", "mandatory requisite optional", when=("type", "usb"))
    add("devices/hostdev/source", "protocol", "vhost", required=True, when=("type", "scsi_host"))
    add("devices/hostdev/source", "guestReset", "off uncleared on", when=("type", "usb"))
    add("devices/hostdev/source", "autoAddress", YES_NO, "virXMLPropTristateBool", when=("type", "usb"))
    add("devices/hostdev/source", "writeFiltering", YES_NO, "virXMLPropTristateBool", when=("type", "pci"))
    # -- memory balloon, shared memory ------------------------------------------------------------------------
    for switch in ("autodeflate", "freePageReporting"):
        add("devices/memballoon", switch, ON_OFF, "virXMLPropTristateSwitch")
    add("devices/shmem/msi", "ioeventfd", ON_OFF, "virXMLPropTristateSwitch")
    # -- crypto (9.1 and later parse it), pstore (10.6 and later) ----------------------------------------------
    add("devices/crypto", "model", "virtio", required=True)
    add("devices/crypto", "type", "qemu", required=True)
    add("devices/crypto/backend", "model", "builtin lkcf", required=True)
    add("devices/pstore", "backend", "acpi-erst", required=True)
    add("devices/input", "model", "virtio virtio-transitional virtio-non-transitional", "virDomainInputDefParseXML",
        "unknown input model '{value}'")
    add("devices/interface/link", "state", "up down", "virDomainNetDefParseXML", "unknown interface link state '{value}'")
    add("devices/filesystem", "type", "mount block file template ram bind volume")
    add("devices/filesystem", "accessmode", "passthrough mapped squash")
    add("devices/filesystem/driver", "type", "default path handle loop nbd ploop virtiofs mtp")
    add("devices/filesystem", "model", "virtio virtio-transitional virtio-non-transitional")
    add("devices/filesystem", "multidevs", "default remap forbid warn")
    add("devices/filesystem/driver", "wrpolicy", "default immediate")
    # (virDomainFSDefParseXML reads <binary> only for a virtiofs driver: checked on 9.0, a 9p share's are ignored)
    virtiofs = ("driver/@type", "virtiofs")
    add("devices/filesystem/binary", "xattr", ON_OFF, "virXMLPropTristateSwitch", when=virtiofs)
    add("devices/filesystem/binary/lock", "posix", ON_OFF, "virXMLPropTristateSwitch", when=virtiofs)
    add("devices/filesystem/binary/lock", "flock", ON_OFF, "virXMLPropTristateSwitch", when=virtiofs)
    add("devices/filesystem/binary/cache", "mode", "none always", when=virtiofs)
    add("devices/filesystem/binary/sandbox", "mode", "namespace chroot", when=virtiofs)  # (VIR_XML_PROP_NONZERO)
    for device in ("disk", "interface", "filesystem", "controller", "rng", "memballoon", "video", "vsock", "input"):
        for option in ("iommu", "ats", "packed", "page_per_vq"):
            add(f"devices/{device}/driver", option, ON_OFF, "virXMLPropTristateSwitch")
    add("devices/shmem/model", "type", "ivshmem ivshmem-plain ivshmem-doorbell")
    add("devices/iommu", "model", "intel smmuv3 virtio", required=True)
    for switch in ("intremap", "caching_mode", "iotlb", "eim", "dma_translation"):  # (virDomainIOMMUDefParseXML)
        add("devices/iommu/driver", switch, ON_OFF, "virXMLPropTristateSwitch")
    # (virDomainInputDefParseXML, an evdev input's source: VIR_XML_PROP_NONZERO, so not 'default')
    add("devices/input/source", "grab", "all", when=("type", "evdev"))
    add("devices/input/source", "grabToggle", "ctrl-ctrl alt-alt shift-shift meta-meta scrolllock ctrl-scrolllock",
        when=("type", "evdev"))
    add("devices/input/source", "repeat", ON_OFF, "virXMLPropTristateSwitch", when=("type", "evdev"))
    add("devices/interface/portForward/range", "exclude", YES_NO, "virXMLPropTristateBool")
    add("devices/controller/driver", "ioeventfd", ON_OFF, "virXMLPropTristateSwitch")
    add("devices/controller/target", "hotplug", ON_OFF, "virXMLPropTristateSwitch", when=("type", "pci"))
    add("devices/controller/model", "name", "none pci-bridge i82801b11-bridge ioh3420 x3130-upstream "
        "xio3130-downstream pxb pxb-pcie pcie-root-port spapr-pci-host-bridge pcie-pci-bridge", when=("type", "pci"))
    add("features/hyperv/stimer/direct", "state", ON_OFF, "virXMLPropTristateSwitch")
    add("devices/video/driver", "name", "qemu vhostuser")  # (VIR_XML_PROP_NONZERO: not 'default')
    # (libvirt 9.0 words these two "Invalid cache associativity 'x'", "Invalid cache policy 'x'")
    add("cpu/numa/cell/cache", "associativity", "none direct full", required=True)
    add("cpu/numa/cell/cache", "policy", "none writeback writethrough", required=True)
    for kind in ("latency", "bandwidth"):
        add(f"cpu/numa/interconnects/{kind}", "type", "access read write", required=True)
    add("memory", "dumpCore", ON_OFF, "virXMLPropTristateSwitch")
    add("devices/vsock", "model", "default virtio virtio-transitional virtio-non-transitional")
    add("devices/smartcard", "mode", "host host-certificates passthrough", required=True)
    add("devices/panic", "model", "default isa pseries hyperv s390 pvpanic", "virDomainPanicDefParseXML",
        "unknown panic model '{value}'")
    add("devices/input", "type", "mouse tablet keyboard passthrough evdev", "virDomainInputDefParseXML",
        "unknown input device type '{value}'", required=True, missing="missing input device type")
    add("devices/input", "bus", "ps2 usb xen parallels virtio none", "virDomainInputDefParseXML",
        "unknown input bus type '{value}'")
    for device in ("disk", "controller", "interface", "hostdev", "video", "sound", "watchdog", "memballoon", "rng",
                   "input", "filesystem", "shmem", "vsock", "redirdev", "smartcard", "serial", "console",
                   "channel", "tpm", "panic", "memory", "iommu", "crypto", "hub", "parallel"):
        add(f"devices/{device}/address", "type",
            "pci drive virtio-serial ccid usb spapr-vio virtio-s390 ccw virtio-mmio isa dimm unassigned", required=True,
            when=("model", INFO_READ_MODELS[device]) if device in INFO_READ_MODELS else None)
    # -- CPU, vCPUs, NUMA, memory --------------------------------------------
    add("vcpu", "placement", "static auto")
    add("cpu", "mode", "custom host-model host-passthrough maximum", "virCPUDefParseXML",
        "Invalid mode attribute '{value}'")
    add("cpu", "match", "exact minimum strict")
    add("cpu", "check", "default none partial full")
    add("cpu", "migratable", ON_OFF, "virXMLPropTristateSwitch")
    add("cpu/feature", "policy", "force require optional disable forbid", "virCPUDefParseXML",
        "Invalid CPU feature policy '{value}'")
    add("cpu/cache", "mode", "emulate passthrough disable", required=True)
    add("cpu/maxphysaddr", "mode", "emulate passthrough", required=True)
    add("cpu/numa/cell", "memAccess", "shared private")
    add("cpu/numa/cell", "discard", YES_NO, "virXMLPropTristateBool")
    add("numatune/memory", "mode", "strict preferred interleave restrictive", "virDomainNumatuneParseXML",
        "Unsupported NUMA memory tuning mode '{value}'")
    add("numatune/memory", "placement", "default static auto", "virDomainNumatuneParseXML",
        "Unsupported NUMA memory placement mode '{value}'")
    add("numatune/memnode", "mode", "strict preferred interleave restrictive")
    add("memoryBacking/source", "type", "file anonymous memfd", "virDomainDefParseXML",
        "unknown memoryBacking/source/type '{value}'")
    add("memoryBacking/access", "mode", "shared private", "virDomainDefParseXML",
        "unknown memoryBacking/access/mode '{value}'")
    add("memoryBacking/allocation", "mode", "immediate ondemand", "virDomainDefParseXML",
        "unknown memoryBacking/allocation/mode '{value}'")
    # -- OS, features, clock, lifecycle --------------------------------------
    add("os/boot", "dev", "fd cdrom hd network", required=True, reads=FIRST_BOOTS)
    add("os/loader", "type", "rom pflash", reads=FIRST)
    add("os/loader", "readonly", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    add("os/loader", "secure", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    add("os/loader", "stateless", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    for element in ("loader", "nvram"):  # (virXMLPropEnumDefault of virStorageFileFormat: 'none' is no format)
        add(f"os/{element}", "format", "none raw dir bochs cloop dmg iso vpc vdi fat vhd ploop cow qcow qcow2 qed vmdk")
    add("os/bootmenu", "enable", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    add("features/ioapic", "driver", "qemu kvm")
    add("features/hyperv", "mode", "custom passthrough")
    add("features/gic", "version", "host 2 3")
    add("features/hpt", "resizing", "enabled disabled required")
    add("features/apic", "eoi", ON_OFF, "virXMLPropTristateSwitch")
    for feature in ("vmcoreinfo", "hap", "pmu", "pvspinlock", "vmport", "smm", "htm", "nested-hv", "ccf-assist",
                    "ras", "ps2"):
        add(f"features/{feature}", "state", ON_OFF, "virXMLPropTristateSwitch")
    for enlightenment in ("relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset",
                          "vendor_id", "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic",
                          "emsr_bitmap", "xmm_input"):
        add(f"features/hyperv/{enlightenment}", "state", ON_OFF, "virXMLPropTristateSwitch")
    for feature in ("hidden", "hint-dedicated", "poll-control", "pv-ipi", "dirty-ring"):
        add(f"features/kvm/{feature}", "state", ON_OFF, "virXMLPropTristateSwitch")
    add("clock", "offset", "utc localtime variable timezone absolute", "virDomainDefClockParse",
        "unknown clock offset '{value}'", reads=FIRST_WITH_ATTRIBUTE)
    add("clock/timer", "name", "platform pit rtc hpet tsc kvmclock hypervclock armvtimer", required=True)
    add("clock/timer", "track", "boot guest wall realtime")
    add("clock/timer", "tickpolicy", "delay catchup merge discard")
    add("clock/timer", "mode", "auto native emulate paravirt smpsafe")
    add("clock/timer", "present", YES_NO, "virXMLPropTristateBool")
    for event in ("on_poweroff", "on_reboot", "on_crash"):
        add(event, None, "destroy restart rename-restart preserve coredump-destroy coredump-restart",
            "virDomainEventActionParseXML", f"unknown {event} action: {{value}}", reads=FIRST)
    add("pm/suspend-to-mem", "enabled", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    add("pm/suspend-to-disk", "enabled", YES_NO, "virXMLPropTristateBool", reads=FIRST)
    add("on_lockfailure", None, "default poweroff restart pause ignore", "virDomainEventActionParseXML",
        "unknown on_lockfailure action: {value}", reads=FIRST)
    add("os/smbios", "mode", "none emulate host sysinfo", "virDomainDefParseXML", "unknown smbios mode '{value}'")
    add("os/firmware/feature", "name", "enrolled-keys secure-boot", required=True)
    add("os/firmware/feature", "enabled", YES_NO, "virXMLPropTristateBool", required=True)
    add("cpu/model", "fallback", "allow forbid", "virCPUDefParseXML", "Invalid fallback attribute",
        when=("mode", "custom host-model ~"))
    add("vcpus/vcpu", "enabled", YES_NO, "virXMLPropTristateBool", required=True)
    add("vcpus/vcpu", "hotpluggable", YES_NO, "virXMLPropTristateBool")
    for sched in ("vcpusched", "iothreadsched", "emulatorsched"):
        add(f"cputune/{sched}", "scheduler", "batch idle fifo rr", required=True)
    add("cputune/cachetune/cache", "type", "both code data", required=True)
    add("perf/event", "enabled", YES_NO, "virXMLPropTristateBool", required=True)
    add("launchSecurity", "type", "sev sev-snp s390-pv", required=True, later="tdx")
    add("launchSecurity", "kernelHashes", YES_NO, "virXMLPropTristateBool", when=("type", "sev sev-snp"), on_self=True)
    for name in ("authorKey", "vcek"):
        add("launchSecurity", name, YES_NO, "virXMLPropTristateBool", when=("type", "sev-snp"), on_self=True)
    add("sysinfo", "type", "smbios fwcfg", required=True)
    add("seclabel", "type", "none dynamic static")
    add("keywrap/cipher", "name", "aes dea", required=True)
    add("keywrap/cipher", "state", ON_OFF, "virXMLPropTristateSwitch", required=True)
    return tuple(_with_history(row) for row in rows)


#: Values added after libvirt 8.1, by the first release whose parser takes them: the VIR_ENUM_IMPL lists of the
#: 8.1, 9.8, 10.4 and 10.7 trees compared, each addition dated by libvirt's NEWS.rst or the "Since" notes of
#: formatdomain.rst. Each one added after 9.0 is refused by the real libvirt 9.0 (checked), each one added
#: before is taken. Where a release is inferred, the earliest one possible is given, so that a release that may
#: know the value is never told it does not: redirdev 'dbus' (after 8.1, by 9.0), backend 'default' (after 10.4,
#: by 10.7). passt is upstream's 9.0: Debian 12's 9.0 package is built without it and refuses it.
ADDED: dict[tuple[str, str | None], dict[str, tuple[int, int]]] = {
    ("devices/disk", "snapshot"): {"manual": (8, 2)},
    ("devices/iommu", "model"): {"virtio": (8, 3)},
    ("devices/graphics", "type"): {"dbus": (8, 4)},
    ("devices/audio", "type"): {"dbus": (8, 4), "pipewire": (9, 10)},
    ("clock", "offset"): {"absolute": (8, 4)},
    ("devices/redirdev", "type"): {"qemu-vdagent": (8, 4), "dbus": (8, 2)},
    **{(f"devices/{chardev}", "type"): {"qemu-vdagent": (8, 4), "dbus": (8, 2)}
       for chardev in ("serial", "parallel", "console", "channel")},
    ("devices/interface", "type"): {"null": (8, 7), "vds": (8, 7)},
    ("devices/memory", "model"): {"sgx-epc": (8, 10)},
    ("devices/tpm/backend", "type"): {"external": (9, 0)},
    ("devices/interface/backend", "type"): {"passt": (9, 0), "default": (10, 5)},
    ("devices/panic", "model"): {"pvpanic": (9, 1)},
    ("devices/watchdog", "model"): {"itco": (9, 1)},
    ("devices/disk", "type"): {"vhostvdpa": (9, 8)},
    ("os/nvram", "type"): {"vhostvdpa": (9, 8)},
    ("devices/filesystem/driver", "type"): {"mtp": (10, 2)},
    ("devices/sound", "model"): {"virtio": (10, 4)},
    ("launchSecurity", "type"): {"sev-snp": (10, 5)},
}
#: Values 8.1 took that 9.0 refuses (the release between that dropped them is unknown: before 9.0 they are not
#: reported)
RETIRED: dict[tuple[str, str | None], dict[str, tuple[int, int]]] = {
    ("devices/tpm", "model"): {"default": (9, 0)},
    ("devices/tpm/backend", "version"): {"default": (9, 0)},
}
#: Attributes older releases do not read at all (they ignore any value): the release that first reads them
PARSED_SINCE: dict[tuple[str, str | None], tuple[int, int]] = {
    ("cpu/maxphysaddr", "mode"): (8, 7),
    ("devices/interface/backend", "type"): (9, 0),
    ("devices/interface/portForward", "proto"): (9, 0),
    ("devices/interface/portForward/range", "exclude"): (9, 0),
    ("devices/disk/driver", "discard_no_unref"): (9, 5),  # (formatdomain: "Since 9.5.0")
    ("devices/iommu/driver", "dma_translation"): (10, 7),  # (formatdomain: "Since 10.7.0")
    ("devices/video/model", "blob"): (9, 2),  # (formatdomain: "Since 9.2.0")
    ("devices/sound", "multichannel"): (9, 4),  # (formatdomain: "Since 9.4.0")
    ("os/loader", "format"): (9, 2),  # (NEWS 9.2: QCOW2 firmware, <loader format='qcow2'/>; 9.0 ignores it, checked)
    ("os/nvram", "format"): (9, 2),
}


def _with_history(row: StrictEnum) -> StrictEnum:
    key = (row.path, row.attribute)
    if key not in ADDED and key not in RETIRED and key not in PARSED_SINCE:
        return row
    return StrictEnum(row.path, row.attribute, row.values, row.parser, row.message, row.reads, row.later,
                      row.required, row.missing, row.when, since=ADDED.get(key), retired=RETIRED.get(key),
                      parsed_since=PARSED_SINCE.get(key))


STRICT_ENUMS: tuple[StrictEnum, ...] = _rows()
#: Settings an empty value leaves unset, as if absent: libvirt reads them with virXPathString, which gives no
#: string for an empty one, or (libvirt 9.0) compares the value only when it is not empty. Found by the mutation
#: audit (tests/oracle/mutations.py): libvirt 9.0 defines each one empty. (10.7 reads some of these with
#: virXMLProp* and refuses them empty; the release between is unknown, so none is reported.)
EMPTY_AS_ABSENT: frozenset[tuple[str, str | None]] = frozenset({
    ("clock", "offset"), ("on_poweroff", None), ("on_reboot", None), ("on_crash", None),
    ("devices/video/model", "type"), ("cpu/model", "fallback"), ("memoryBacking/source", "type"),
    ("memoryBacking/allocation", "mode"), ("devices/filesystem", "accessmode"), ("devices/serial/target/model", "name"),
    ("devices/interface/link", "state"), ("os/smbios", "mode"),
    ("", "type"),  # (required: an empty one is "missing domain type attribute", virDomainDefParseCaps)
})



def _accepted_by_key() -> dict[tuple[str, str | None], frozenset[str]]:
    """(path, attribute) -> every value some row of it takes (rows read under different conditions, such as a
    host device's type by its mode, add up)."""
    accepted: dict[tuple[str, str | None], frozenset[str]] = {}
    for row in STRICT_ENUMS:
        key = (row.path, row.attribute)
        accepted[key] = accepted.get(key, frozenset()) | frozenset(row.values) | frozenset(row.later)
    return accepted


ACCEPTED: dict[tuple[str, str | None], frozenset[str]] = _accepted_by_key()


def refused_by_parser(path: str, attribute: str | None, value: str) -> bool:
    """Whether libvirt's parser itself refuses this value here (VL850's verdict, not a caps question)."""
    values = ACCEPTED.get((path, attribute))
    return values is not None and value not in values


#: The SCSI enum's virtio models: their indices are what virDomainControllerDefPostParse compares any model with.
VIRTIO_SCSI_MODELS = ("virtio-scsi", "virtio-transitional", "virtio-non-transitional")
VIRTIO_SCSI_INDICES = frozenset(CONTROLLER_MODELS["scsi"].index(model) for model in VIRTIO_SCSI_MODELS)
