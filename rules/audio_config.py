"""VL799 audio-config: audio backend settings libvirt refuses, and sound devices naming an audio backend the
domain does not have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.linter.units import INT_MAX, c_int, c_unsigned, parse_uint
from virtlint.rules._devices import (LIBVIRT_START, QEMU_START, caps_qemu_release, implicit_audio,
                                     qemu_driver, qemu_release_label, signed_copy_message)
from virtlint.rules._libvirt_enums import INT_MESSAGE, UINT_MESSAGE
from virtlint.rules._support import NOTHING, children_by_tag, devices_of, first_child

#: backend type -> the numbers its <input>/<output> parser reads with virXMLPropUInt
BACKEND_NUMBERS = {"oss": ("bufferCount",), "coreaudio": ("bufferCount",), "sdl": ("bufferCount",),
                   "pulseaudio": ("latency",)}


#: libvirt's audio backends QEMU builds only on another host OS than Linux (its audio/meson.build): type -> that OS
OTHER_HOSTS_AUDIO = {"coreaudio": "macOS"}


def _backend(audio: etree._Element) -> Problem | None:
    """virDomainAudioDefParseXML and virDomainAudioCommonParse, for one <audio>."""
    kind = audio.get("type") or ""
    if kind == "oss":
        policy = audio.get("dspPolicy")
        value = c_int(policy) if policy is not None else None
        if policy is not None and value is None:  # (virXMLPropInt, base 10)
            return Problem(Anchor(audio, "dspPolicy"),
                           INT_MESSAGE.format(attribute="dspPolicy", element="audio", value=policy),
                           hint="a policy from 0 to 10")
        if policy is not None and value is not None and value < 0:
            return Problem(Anchor(audio, "dspPolicy"), f"cannot parse 'dspPolicy' value '{value}'",
                           hint="a policy from 0 to 10")
    for element in audio.getchildren():
        direction = element.tag
        if direction in ("input", "output"):
            if element.get("fixedSettings") == "yes" and element.get("mixingEngine") != "yes":
                return Problem(Anchor(element, "fixedSettings"), "fixed audio settings requires mixing engine",
                               hint="add mixingEngine='yes'")
            settings = first_child(element, "settings")
            if settings is not None and element.get("fixedSettings") != "yes":
                return Problem(Anchor(settings), "audio settings specified without fixed settings flag",
                               hint="add fixedSettings='yes' (and mixingEngine='yes')")
            for name in BACKEND_NUMBERS.get(kind, ()):
                text = element.get(name)
                if text is not None and c_unsigned(text, 2**32 - 1) is None:
                    return Problem(Anchor(element, name),
                                   UINT_MESSAGE.format(attribute=name, element=direction, value=text),
                                   hint="a non-negative decimal number")
    return None


def _reference(holder: etree._Element, ctx: Context) -> Problem | None:
    """virDomainEnsureAudioID: a sound device's (or a VNC display's) <audio id> names an <audio>."""
    audio = first_child(holder, "audio")
    number = parse_uint(audio.get("id")) if audio is not None else None
    if not number:
        return None  # (none, 0 or unreadable: the parser's)
    audios = devices_of(ctx, "audio")
    if any(parse_uint(device.get("id")) == number for device in audios):
        return None
    if not audios and number == 1 and qemu_driver(ctx) and implicit_audio(ctx) is not None:
        return None  # (the QEMU driver adds a default <audio id='1'> to a domain without one: checked on 9.0)
    return Problem(Anchor(audio, "id"), f"no audio device with ID {number}",
                   hint=f"add <audio id='{number}' type='...'/>, or point at an existing one")


def _backendless(sound: etree._Element, ctx: Context) -> Problem | None:
    """qemuGetAudioIDString, at start: a sound device needs an audio backend, and a domain without <audio> gets
    none from libvirt when its last VNC, SPICE or SDL display is SDL, or it has only RDP, D-Bus or egl-headless
    ones (reported at the first sound device)."""
    if not qemu_driver(ctx) or devices_of(ctx, "audio") or implicit_audio(ctx) is not None or \
            sound is not devices_of(ctx, "sound")[0]:
        return None
    return Problem(Anchor(sound), "unable to find audio backend for sound device" + LIBVIRT_START,
                   hint="libvirt adds no audio backend for these displays: add <audio id='1' type='none'/> (or "
                        "pulseaudio, pipewire, spice...)")


def _vnc_backendless(vnc: etree._Element, ctx: Context) -> Problem | None:
    """qemuBuildGraphicsVNCCommandLine, at start: a VNC display takes the audio backend its <audio id> names, else
    the first one, and a domain without <audio> whose last VNC, SPICE or SDL display is SDL gets none from libvirt
    (checked on 9.0). Reported at the first VNC display of a domain without sound devices (with one, at the first
    sound device: _backendless)."""
    devices = vnc.getparent()
    if devices is None or not qemu_driver(ctx):
        return None
    children = children_by_tag(ctx, devices)  # (the per-document index: most domains have a VNC display)
    if "audio" in children or "sound" in children:
        return None
    graphics = children["graphics"]
    if first_child(vnc, "audio") is not None or next(d for d in graphics if d.get("type") == "vnc") is not vnc:
        return None  # (the display names an audio, which _reference judges; or it is not the first VNC display)
    if all(display.get("type") != "sdl" for display in graphics) or implicit_audio(ctx) is not None:
        return None  # (libvirt adds an audio: implicit_audio; without an SDL display it always does)
    return Problem(Anchor(vnc), "unable to find audio backend for sound device" + LIBVIRT_START,
                   hint="a VNC display needs an audio backend, and libvirt adds none when an SDL display comes last: "
                        "add <audio id='1' type='none'/>")


def _pc_speaker(sound: etree._Element, ctx: Context) -> Problem | None:
    """At start: before libvirt 9.6 (its NEWS: "Adapt to new way of specifying PC speaker"), the PC speaker was
    QEMU's `-soundhw pcspk`, an option QEMU 7.1 removed (libvirt's issue 490); checked on 9.0 with QEMU 7.2. The
    capabilities' versioned machine, or the host document's newest, tells the QEMU (caps_qemu_release)."""
    if sound.get("model") != "pcspk" or ctx.libvirt_at_least(9, 6) or not qemu_driver(ctx):
        return None
    release = caps_qemu_release(ctx)
    if release is None or release[0] < (7, 1):
        return None
    return Problem(Anchor(sound, "model"), "-soundhw: invalid option (libvirt before 9.6 gives QEMU the PC speaker "
                   f"with -soundhw, which QEMU 7.1 removed; {qemu_release_label(release)})" + QEMU_START,
                   hint="remove the PC speaker, or run libvirt 9.6 or later, which gives it to QEMU 7.1 and later")


@register
class AudioConfig(Rule):
    """
    ## What it does
    Checks `<audio>` backends: `fixedSettings='yes'` needs
    `mixingEngine='yes'`, `<settings>` need `fixedSettings='yes'`, an OSS
    `dspPolicy` is a number and not negative, and the buffer counts and latencies the
    backend reads are numbers; and that a `<sound>` device's or a VNC
    display's `<audio id>` names an `<audio>` of the domain (for QEMU, a
    domain without any gets `<audio id='1'>` unless its last VNC, SPICE or
    SDL display is SDL, or it has only RDP, D-Bus or egl-headless displays).
    At start, a sound device, or else a VNC display, in a domain without
    `<audio>` that libvirt gives none (`unable to find audio backend for sound device`,
    qemuGetAudioIDString; checked on 9.0), and a KVM domain's `coreaudio` backend: KVM runs on Linux, where
    QEMU does not build macOS's audio: `audio: Unknown audio driver
    `coreaudio'` (QEMU; checked on 9.0); and, before libvirt 9.6, a PC
    speaker (`<sound model='pcspk'/>`) where the capabilities' machine (or
    the host document's newest) is QEMU 7.1's or later: libvirt wrote `-soundhw pcspk`, which QEMU 7.1 removed
    (`-soundhw: invalid option`; checked on 9.0 with QEMU 7.2); and an
    `<audio id>` above 2147483647, which libvirt's formatter writes as a
    negative number when it copies the domain to start it (`Invalid value
    for attribute 'id' in element 'audio': '-2147483648'`; checked on 9.0).

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `fixed audio settings
    requires mixing engine`, `audio settings specified without fixed settings
    flag`, `cannot parse 'dspPolicy' value '-1'` (virDomainAudioDefParseXML),
    `no audio device with ID 3` (virDomainSoundDefValidate,
    virDomainGraphicsDefValidate; every driver).
    Each was checked with the real libvirt 9.0, with its twin.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><sound model='ich9'><audio id='2'/></sound><audio id='1' type='none'/></devices></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <devices><sound model='ich9'><audio id='1'/></sound><audio id='1' type='none'/></devices></domain>
    ```
    """

    code = "VL799"
    name = "audio-config"
    severity = Severity.ERROR
    summary = "Audio backend settings libvirt refuses, or a sound device naming an audio backend that is absent."
    elements = ("devices/audio", "devices/sound", "devices/graphics")
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        if ctx.path == "devices/audio":
            problem = _backend(element)
            kind = element.get("type")
            if problem is None and kind in OTHER_HOSTS_AUDIO and ctx.domain_type == "kvm":
                # (KVM runs on Linux, where QEMU has neither backend: at start, checked on 9.0 for coreaudio)
                problem = Problem(Anchor(element, "type"), f"audio: Unknown audio driver `{kind}'" + QEMU_START,
                                  hint=f"{kind} is QEMU's audio on {OTHER_HOSTS_AUDIO[kind]}: on a KVM host use "
                                       "pulseaudio, pipewire, alsa, spice or none", replacements=("none",))
            number = parse_uint(element.get("id"))
            if problem is None and number is not None and number > INT_MAX:
                problem = Problem(Anchor(element, "id"), signed_copy_message("id", "audio", number),
                                  hint=f"number the audio backends from 1 (at most {INT_MAX})")
        elif ctx.path == "devices/sound":
            problem = _reference(element, ctx) or _backendless(element, ctx) or _pc_speaker(element, ctx)
        elif element.get("type") == "vnc":
            problem = _reference(element, ctx) or _vnc_backendless(element, ctx)
        else:
            return NOTHING
        return iter((problem,)) if problem is not None else NOTHING
