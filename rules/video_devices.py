"""VL765 video-devices: two primary video devices, 'none' beside others, a ramfb with an address, qxl-only sizes."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import parse_uint, prop_uint
from virtlint.rules._devices import (QEMU_START, caps_qemu_release, effective_arch, is_arm_virt, is_loongarch_virt,
                                     is_riscv_virt, qemu_driver, qemu_release_label, refused_since)
from virtlint.rules._support import NOTHING, children_by_tag, devices_of, first_child

#: <model> attributes only qxl takes (virDomainVideoDefValidate).
QXL_ONLY = ("ram", "vram64", "vgamem")


#: The most displays a qxl or virtio video device drives (VIRTIO_GPU_MAX_SCANOUTS; the SPICE server's limit of
#: display IDs, which qxl's max_outputs sets), and the heads values certainly within it
MAX_HEADS = 16
USUAL_HEADS = frozenset(str(n) for n in range(MAX_HEADS + 1))
#: The first QEMU whose 3D virtio GPU (virtio-gpu-gl, which libvirt uses for accel3d='yes') refuses to start without
#: an OpenGL display; before it, virtio-gpu's virgl=on fell back to 2D without one
GL_DEVICE_RELEASE = (6, 1)
#: graphics types that give QEMU OpenGL with <gl enable='yes'/> (SPICE, SDL, D-Bus); egl-headless always does
GL_CAPABLE = ("spice", "sdl", "dbus")


def _lone_plain_video(videos: list[etree._Element]) -> bool:
    """A single video device whose model (none, qxl, or virtio without qxl's sizes) nothing here refuses."""
    if len(videos) != 1:
        return False
    model = first_child(videos[0], "model")
    kind = model.get("type") if model is not None else None
    if model is None or kind in (None, "none"):
        return True
    if len(model) or len(videos[0]) > 1:
        return False  # acceleration, resolution or a driver to read
    if kind == "qxl":
        names = model.keys()
        # the sizes QEMU's validation reads, and the heads QEMU's device bounds
        return not any(name in names for name in ("vgamem", "ram", "vram")) and \
            ("heads" not in names or model.get("heads") in USUAL_HEADS)
    if kind != "virtio":
        return False
    names = model.keys()  # one call for all its attribute names: usually none of qxl's
    for attribute in QXL_ONLY:
        if attribute in names and model.get(attribute) != "0":
            return False
    return "blob" not in names and ("heads" not in names or model.get("heads") in USUAL_HEADS)


def _qxl_vgamem(model: etree._Element) -> Problem | None:
    """qemuValidateDomainDeviceDefVideo: a qxl vgamem (KiB) of at least 1 MiB and a power of two (0: unset)."""
    vgamem = parse_uint(model.get("vgamem"))
    if not vgamem:
        return None  # absent, 0, or unreadable (VL851's)
    if vgamem < 1024:
        return Problem(Anchor(model, "vgamem"), "value for 'vgamem' must be at least 1 MiB (1024 KiB)",
                       replacements=("16384",))
    if vgamem & (vgamem - 1):
        larger = 1 << vgamem.bit_length()
        return Problem(Anchor(model, "vgamem"), "value for 'vgamem' must be power of two",
                       hint=f"use {larger >> 1} or {larger} (KiB)", replacements=(str(larger >> 1), str(larger)))
    return None


#: QEMU's limit of a qxl ram or vram size in KiB (UINT_MAX / 1024)
QXL_SIZE_MAX = 0xFFFFFFFF // 1024


def rounded_size(text: str | None) -> int | None:
    """A <model> ram or vram (KiB) as validation sees it: read by virXMLPropUInt, then rounded up to a power of two
    by virDomainVideoDefPostParse (VIR_ROUND_UP_POWER_OF_TWO: above 2^31 it becomes 0); None when absent or
    unreadable (0 stays 0: the post-parse first gives it the model's default, which no check here refuses)."""
    size = prop_uint(text, 10)
    if not size:
        return size
    return 1 << (size - 1).bit_length() if size <= 1 << 31 else 0
VIRTIO_OPTIONS = ("iommu", "ats", "packed", "page_per_vq")


def _video_options(video: etree._Element, model: etree._Element | None, ctx: Context) -> Problem | None:
    """virDomainVideoAccelDefParseXML, virDomainVideoDefValidate (every driver), then the parts of
    qemuValidateDomainDeviceDefVideo about sizes, resolutions and acceleration."""
    if model is None:
        return None
    kind = model.get("type")
    acceleration = first_child(model, "acceleration")
    if acceleration is not None and not any(acceleration.get(name) is not None
                                            for name in ("accel3d", "accel2d", "rendernode")):
        return Problem(Anchor(acceleration), "missing values for acceleration",
                       hint="set accel3d='yes' (or remove <acceleration>)")
    driver = first_child(video, "driver")
    vhostuser = driver is not None and driver.get("name") == "vhostuser"
    if vhostuser and kind != "virtio":
        return Problem(Anchor(driver, "name"), "'vhostuser' driver is only supported with 'virtio' device")
    if not vhostuser and acceleration is not None and acceleration.get("rendernode") is not None:
        return Problem(Anchor(acceleration, "rendernode"), "unsupported rendernode accel attribute without 'vhostuser'",
                       hint="remove rendernode=, or use <driver name='vhostuser'/>")
    resolution = first_child(model, "resolution")
    if resolution is not None and (resolution.get("x") == "0" or resolution.get("y") == "0"):
        return Problem(Anchor(resolution), "video resolution values must be greater than 0")
    if driver is not None and kind not in (None, "virtio"):
        for option in VIRTIO_OPTIONS:
            if driver.get(option) in ("on", "off"):
                return Problem(Anchor(driver, option), f"{option} driver option is only supported for virtio devices",
                               hint=f"remove {option}=")
    if not qemu_driver(ctx) or kind in (None, "none"):
        return None
    if acceleration is not None and acceleration.get("accel2d") == "yes":
        return Problem(Anchor(acceleration, "accel2d"), "qemu does not support the accel2d setting",
                       replacements=("no",))
    if kind == "qxl":
        for name in ("vram", "ram"):
            size = rounded_size(model.get(name))
            if size is not None and size > QXL_SIZE_MAX:
                return Problem(Anchor(model, name), f"value for '{name}' must be less than '{QXL_SIZE_MAX}'",
                               hint=f"libvirt rounds {name} up to a power of two: use {QXL_SIZE_MAX + 1 >> 1} (KiB) "
                                    "or less", replacements=(str(QXL_SIZE_MAX + 1 >> 1),))
    if resolution is not None and kind not in ("vga", "qxl", "virtio", "bochs"):
        return Problem(Anchor(resolution), "model resolution is not supported",
                       hint="resolution applies to vga, qxl, virtio and bochs")
    vram = rounded_size(model.get("vram"))
    if vram and vram < 1024 and (kind == "vga" or (kind == "vmvga" and refused_since(ctx, 10, 7))):
        # (9.0 checks vga only; 10.7 vmvga too: the releases between are unchecked)
        return Problem(Anchor(model, "vram"), "value for 'vram' must be at least 1 MiB (1024 KiB)",
                       replacements=("16384",))
    if kind == "qxl" and not vhostuser and acceleration is not None and acceleration.get("accel3d") == "yes":
        return Problem(Anchor(acceleration, "accel3d"), "3d acceleration is supported only with 'virtio' video device",
                       replacements=("no",))
    if kind == "virtio" and model.get("blob") == "on" and refused_since(ctx, 9, 2) and not _memfd_backed(ctx.root):
        # (the blob attribute is 9.2's: 9.0 ignores it)
        return Problem(Anchor(model, "blob"), "'blob' support for virtio-gpu devices requires a memfd memory backend",
                       hint="back the guest memory with memfd: <memoryBacking><source type='memfd'/></memoryBacking>",
                       replacements=("off",))
    return None


def _memfd_backed(root: etree._Element) -> bool:
    """Whether <memoryBacking><source type='memfd'/> backs the guest memory (def->mem.source)."""
    source = root.find("memoryBacking/source")
    return source is not None and source.get("type") == "memfd"


def _default_type(ctx: Context) -> str | None:
    """The type the QEMU driver gives a video without one (qemuDomainDefaultVideoDevice), None when unknown: VGA on
    ppc64, virtio on the virt boards of ARM, LoongArch and RISC-V and on s390, else cirrus where QEMU has it, else
    VGA (the caps' video models tell; silent caps: cirrus, which upstream QEMU builds have)."""
    arch = effective_arch(ctx)
    if arch is None:
        return None
    if arch in ("ppc64", "ppc64le"):
        return "vga"
    virt = (is_arm_virt(ctx), is_loongarch_virt(ctx), is_riscv_virt(ctx))
    if True in virt or arch.startswith("s390"):
        return "virtio"
    if None in virt:
        return None
    models = ctx.caps.enum("devices/video", "modelType")
    if models.allows("cirrus") is False:
        return "vga" if models.allows("vga") else None
    return "cirrus"




def _heads_limit(model: etree._Element, kind: str) -> Problem | None:
    """At start: libvirt gives QEMU a qxl or virtio video's heads as max_outputs, and QEMU's virtio-gpu, or the
    SPICE server behind qxl (with VNC graphics too), refuses more than 16 (checked on 9.0 with QEMU 7.2 and
    spice-server 0.15)."""
    heads = prop_uint(model.get("heads"), 10)
    if heads is None or heads <= MAX_HEADS:
        return None
    message = ("invalid max_outputs > 16" if kind == "virtio" else
               f"Spice: spice_qxl_set_device_info: Device display ID count ({heads}) is greater than limit 16")
    return Problem(Anchor(model, "heads"), message + QEMU_START, hint="at most 16 heads",
                   replacements=(str(MAX_HEADS),))


def _accel3d_without_opengl(video: etree._Element, model: etree._Element, ctx: Context) -> Problem | None:
    """At start: a virtio video with accel3d='yes' (not vhost-user) is QEMU's virtio-gpu-gl, whose realize refuses
    to run without a display that gives QEMU OpenGL (virtio_gpu_gl_device_realize: `opengl is not available`; a
    host without QEMU's virtio-gpu-gl module refuses it sooner). Judged where the host's QEMU is known to be 6.1 or
    later: QEMU 7.2 refused it on the lab (its module missing: the refusal is QEMU's either way)."""
    acceleration = first_child(model, "acceleration")
    if acceleration is None or acceleration.get("accel3d") != "yes":
        return None
    driver = first_child(video, "driver")
    if driver is not None and driver.get("name") == "vhostuser":
        return None  # (a vhost-user GPU renders in its own process)
    for graphics in devices_of(ctx, "graphics"):
        kind = graphics.get("type")
        if kind == "egl-headless":
            return None
        gl = first_child(graphics, "gl") if kind in GL_CAPABLE else None
        if gl is not None and gl.get("enable") == "yes":
            return None
    release = caps_qemu_release(ctx)
    if release is None or release[0] < GL_DEVICE_RELEASE:
        return None
    return Problem(Anchor(acceleration, "accel3d"), "virtio-gpu-gl: opengl is not available: 3D acceleration needs a "
                   f"display that gives QEMU OpenGL ({qemu_release_label(release)})" + QEMU_START,
                   hint="add <graphics type='egl-headless'/> (or SPICE, SDL or D-Bus graphics with <gl "
                        "enable='yes'/>), or set accel3d='no'", replacements=("no",))


def _qemu_video(models: list[tuple[etree._Element, etree._Element | None]], ctx: Context) -> Iterator[Problem]:
    """qemuValidateDomainDeviceDefVideo: only qxl and virtio can be secondary, have heads or 3D; qxl's vgamem."""
    # the parser puts the first primary='yes' device first; the first device is the primary one
    ordered = sorted(models, key=lambda pair: not (pair[1] is not None and pair[1].get("primary") == "yes"))
    for index, (video, model) in enumerate(ordered):
        kind = model.get("type") if model is not None else None
        if kind is None:
            if index == 0:
                continue  # (the primary: any default type may be it)
            kind = _default_type(ctx)  # (qemuDomainDeviceVideoDefPostParse, before the validation)
            if kind is None or kind == "virtio":
                continue
            yield Problem(Anchor(video if model is None else model),
                          f"video type '{kind}' is only valid as primary video device (a video without a model "
                          f"type is {kind} here)",
                          hint="give the secondary video <model type='virtio'/> (or qxl)")
            continue
        assert model is not None
        if kind == "qxl":
            problem = _qxl_vgamem(model) or _heads_limit(model, kind)
            if problem is not None:
                yield problem
            continue
        if kind == "virtio":
            problem = _heads_limit(model, kind) or _accel3d_without_opengl(video, model, ctx)
            if problem is not None:
                yield problem
            continue
        if kind in (None, "none"):
            continue
        if index > 0:
            yield Problem(Anchor(model, "type"), f"video type '{kind}' is only valid as primary video device",
                          hint="make it the first (primary) video device, or use qxl or virtio as a secondary one")
            continue
        heads = model.get("heads")
        if heads is not None and heads.strip() not in ("1", ""):
            yield Problem(Anchor(model, "heads"), f"video type '{kind}' doesn't support multiple 'heads'",
                          replacements=("1",))
            continue
        acceleration = model.find("acceleration")
        if acceleration is not None and acceleration.get("accel3d") == "yes":
            yield Problem(Anchor(acceleration, "accel3d"),
                          "3d acceleration is supported only with 'virtio' video device", replacements=("no",))


@register
class VideoDevices(Rule):
    """
    ## What it does
    Reports a second `<video>` marked `primary='yes'`, a `<video>` of type
    `none` beside other video devices, a `ramfb` video with an `<address>`,
    `ram`, `vram64` or `vgamem` on a model other than qxl, and a video device
    other than qxl or virtio that is not the primary (first) one (a video
    without a model type is the QEMU driver's default: cirrus where QEMU has
    it, else VGA; VGA on ppc64, virtio on the virt boards and s390), has several
    heads or asks for 3D acceleration, and a qxl `vgamem` below 1 MiB or not
    a power of two (KiB), and a virtio video with `blob='on'` on memory not
    backed by memfd (libvirt 9.2 on); at start, a qxl or virtio video with
    more than 16 `heads`.

    ## Why is this bad?
    A lone `none` video keeps no attributes: libvirt's post-parse clears it
    (virDomainDefPostParseVideo; 9.0 defines `<model type='none' ram='65536'/>`).
    libvirt refuses the domain when it is defined. Messages modelled: `Only
    one primary video device is supported` (virDomainDefVideoValidate), `a
    'none' video type must be the only video device defined for the domain`,
    `address not supported for video type ramfb`, `ram attribute only
    supported for video type qxl` (virDomainVideoDefValidate; all drivers),
    `video type 'vga' is only valid as primary video device`, `video type
    'vga' doesn't support multiple 'heads'`, `3d acceleration is supported
    only with 'virtio' video device`, `value for 'vgamem' must be at least 1
    MiB (1024 KiB)`, `value for 'vgamem' must be power of two`, `'blob'
    support for virtio-gpu devices requires a memfd memory backend`
    (qemuValidateDomainDeviceDefVideo; QEMU; 9.0 does not read `blob`, so
    this one is from 10.7's source). A qxl `ram` or `vram` and a
    vga `vram` are judged as validation sees them: virDomainVideoDefPostParse
    first rounds them up to a power of two, so `vram='2097153'` is 4194304
    KiB (`value for 'vram' must be less than '4194303'`, checked on 9.0) and
    a vga `vram='1000'` is 1 MiB; above 2^31 KiB the rounding gives 0,
    which validation passes.
    Stage: define. Same in libvirt 9.0 and 10.7 but for `blob`. At start,
    libvirt gives QEMU the heads as `max_outputs`: `invalid max_outputs > 16`
    (QEMU's virtio-gpu), `Device display ID count (17) is greater than limit
    16` (the SPICE server behind qxl, VNC graphics or not; checked on 9.0
    with QEMU 7.2 and spice-server 0.15). A virtio video with `accel3d='yes'`
    is QEMU's virtio-gpu-gl, which refuses to start without a display that
    gives QEMU OpenGL (egl-headless, or SPICE, SDL or D-Bus graphics with
    `<gl enable='yes'/>`): `opengl is not available`
    (virtio_gpu_gl_device_realize; judged where the host's QEMU is known to
    be 6.1 or later, before which QEMU fell back to 2D; refused on 9.0 with
    QEMU 7.2).

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><video><model type='virtio' primary='yes'/></video>
        <video><model type='qxl' primary='yes'/></video></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><video><model type='virtio' primary='yes'/></video>
        <video><model type='qxl'/></video></devices></domain>
    ```
    """

    code = "VL765"
    name = "video-devices"
    severity = Severity.ERROR
    summary = "Two primary videos, 'none' beside others, ramfb with an address, or qxl-only sizes elsewhere."
    elements = ("devices",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        videos = children_by_tag(ctx, element).get("video")
        if videos is None or _lone_plain_video(videos):
            return NOTHING
        return self._problems(videos, ctx)

    def _problems(self, videos: list[etree._Element], ctx: Context) -> Iterator[Problem]:
        """The videos' problems (there are several, or one with a model something here may refuse)."""
        models = [(video, video.find("model")) for video in videos]
        primaries = [m for _, m in models if m is not None and m.get("primary") == "yes"]
        for extra in primaries[1:]:
            yield Problem(Anchor(extra, "primary"), "Only one primary video device is supported",
                          hint="keep primary='yes' on one video device only")
        for video, model in models:
            kind = model.get("type") if model is not None else None
            if kind == "none" and len(videos) > 1:
                yield Problem(Anchor(model, "type"),
                              "a 'none' video type must be the only video device defined for the domain",
                              hint="remove the other video devices, or this one")
            elif kind == "ramfb" and video.find("address") is not None:
                yield Problem(Anchor(video.find("address")), "address not supported for video type ramfb",
                              hint="remove the <address>")
            elif kind and kind not in ("qxl", "none"):  # a lone 'none' video is cleared by post-parse
                for attribute in QXL_ONLY:
                    if model.get(attribute) not in (None, "0"):
                        yield Problem(Anchor(model, attribute),
                                      f"{attribute} attribute only supported for video type qxl",
                                      hint=f"remove {attribute}=")
                        break
        for video, model in models:
            problem = _video_options(video, model, ctx)
            if problem is not None:
                yield problem
        if qemu_driver(ctx):
            yield from _qemu_video(models, ctx)
