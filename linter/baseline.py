"""A fleet baseline: the domcapabilities every given host has, as one domcapabilities document.

Pure: DomainCaps documents in, an XML document plus notes out (the CLI writes them).

How each element kind is combined (``docs`` of the unit table in tests/test_baseline.py):

* ``supported`` is tri-state, ``no`` < unknown < ``yes``; the baseline takes the weakest. A block one host
  omits is unknown there, so the baseline omits it too unless another host says ``no``.
* ``<enum>`` values are intersected; an enum one host omits is unknown (omitted).
* ``<value>`` lists that are paths (loader images) are intersected; when hosts list paths but share none the
  baseline lists a placeholder that matches no real file, so a domain naming any path is reported (a conflict).
* ``vcpu max``, host-model ``maxphysaddr limit``, SEV ``maxGuests``/``maxESGuests`` and SGX ``section_size``
  take the minimum; SGX ``flc``/``sgx1``/``sgx2`` are yes only where yes on all.
* a custom CPU model is listed only when every host lists it; ``usable`` is the weakest, ``deprecated`` the
  strongest; its ``<blockers>`` are the union, printed only when every host that cannot use the model names them.
* the emulator path and SEV ``cbitpos``/``reducedPhysBits`` must be equal; otherwise they are conflicts.
* attributes and elements only some hosts' libvirt prints (``canonical``, ``<blockers>``, ``maxphysaddr``) are
  kept only when every host prints them, so the baseline stays within the oldest host's format (and schema).

Unknown is never rendered as yes. Whatever the document cannot say (a block listed by one host and not
reported by another; per-host facts such as SEV ``cpu0Id`` or SGX EPC sections) becomes a note, printed by the
CLI and written into the document as a comment.
"""

from __future__ import annotations

from typing import Sequence

from lxml import etree

from virtlint.linter._record import FrozenRecord, Record
from virtlint.linter.caps import DomainCaps, int_or_none
from virtlint.linter.cpu_generations import newest_first
from virtlint.linter.machines import parse_machine

#: how a frozen record's __init__ sets its fields
_set = object.__setattr__

#: What a baseline lists where hosts name different files and share none: no domain can name it.
CONFLICT_PATH = "/nonexistent/virtlint-baseline/conflict"

_TRI = {"no": 0, None: 1, "yes": 2}
_TRI_NAME = {0: "no", 1: None, 2: "yes"}


#: The processing instruction that marks a document as a fleet baseline: <?virtlint-baseline hosts="3"?>
MARKER = "virtlint-baseline"


def fleet_size(caps: DomainCaps) -> int | None:
    """How many hosts a baseline document stands for; None for one host's own caps."""
    root = caps.document.root
    if root is None:
        return None
    for instruction in root.iterchildren(etree.ProcessingInstruction):
        if instruction.target == MARKER:
            value = instruction.get("hosts")
            return int(value) if value and value.isdigit() else None
    return None


def fleet_newest_machine(caps: DomainCaps) -> str | None:
    """The newest versioned machine among a baseline's hosts (it tells the newest QEMU of the fleet, for what a
    later QEMU removed); None for one host's own caps, or when the hosts' machines carry no version."""
    root = caps.document.root
    for instruction in root.iterchildren(etree.ProcessingInstruction) if root is not None else ():
        if instruction.target == MARKER:
            return instruction.get("newest_machine")
    return None


class BaselineError(Exception):
    """The hosts cannot share one baseline (another arch, virt type or machine family)."""


class Note(FrozenRecord):
    kind: str  # 'conflict' | 'unknown' | 'per-host' | 'unrepresentable'
    path: str  # e.g. 'devices/console'
    message: str

    __slots__ = ("kind", "path", "message")
    _fields = __slots__

    def __init__(self, kind: str, path: str, message: str) -> None:
        _set(self, "kind", kind)
        _set(self, "path", path)
        _set(self, "message", message)

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}: {self.message}"


class CpuAdvice(Record):
    """Custom CPU models for a fleet, newest generation first."""

    #: usable='yes' on every host
    usable: list[str]
    #: newer than usable[0]: usable everywhere once these features are disabled (model, features)
    with_disabled: list[tuple[str, tuple[str, ...]]]
    #: usable everywhere, but without long mode: never advised for an x86_64 guest
    thirty_two_bit: list[str]

    __slots__ = ("usable", "with_disabled", "thirty_two_bit")
    _fields = __slots__

    def __init__(
        self,
        usable: list[str] | None = None,
        with_disabled: list[tuple[str, tuple[str, ...]]] | None = None,
        thirty_two_bit: list[str] | None = None,
    ) -> None:
        self.usable = [] if usable is None else usable
        self.with_disabled = [] if with_disabled is None else with_disabled
        self.thirty_two_bit = [] if thirty_two_bit is None else thirty_two_bit

    def describe(self) -> str:
        """'EPYC, Opteron_G3, ...' or why there is none."""
        if self.usable:
            return ", ".join(self.usable[:8]) + (" ..." if len(self.usable) > 8 else "")
        if self.thirty_two_bit:
            return f"none of 64 bits (only {', '.join(self.thirty_two_bit)}, which lack long mode)"
        return "none"

    @property
    def best(self) -> str | None:
        return self.usable[0] if self.usable else None


class Baseline(Record):
    root: etree._Element
    hosts: list[str]
    notes: list[Note]
    cpu: CpuAdvice

    __slots__ = ("root", "hosts", "notes", "cpu")
    _fields = __slots__

    def __init__(self, root: etree._Element, hosts: list[str], notes: list[Note], cpu: CpuAdvice) -> None:
        self.root = root
        self.hosts = hosts
        self.notes = notes
        self.cpu = cpu

    @property
    def conflicts(self) -> list[Note]:
        return [note for note in self.notes if note.kind == "conflict"]

    def xml(self) -> str:
        return etree.tostring(self.root, encoding="unicode", pretty_print=True)


def build(hosts: Sequence[DomainCaps], names: Sequence[str] | None = None) -> Baseline:
    """The baseline of ``hosts`` (named by ``names``, default their paths)."""
    if not hosts:
        raise BaselineError("a baseline needs at least one host")
    labels = list(names) if names is not None else [caps.path for caps in hosts]
    _same_family(hosts, labels)
    merger = _Merger([caps.document.root for caps in hosts], labels)
    root = merger.document()
    advice = cpu_advice(hosts)
    header = [f"virtlint baseline of {len(hosts)} host(s): {', '.join(labels)}"]
    header += [str(note) for note in merger.notes]
    for text in reversed(header):
        root.insert(0, _comment(text))
    # how rules know the caps are a fleet's (RelaxNG ignores processing instructions)
    vendors = {_host_vendor(caps) for caps in hosts}
    vendor = f' vendor="{vendors.pop()}"' if len(vendors) == 1 and None not in vendors else ""
    # (the baseline's <machine> is the oldest, which runs everywhere; what a later QEMU removed needs the newest)
    machines = [parse_machine(caps.machine) for caps in hosts if caps.machine]
    versioned = [m for m in machines if m.version is not None]
    newest = (f' newest_machine="{max(versioned, key=lambda m: m.version or ()).name}"'
              if versioned and len(versioned) == len(hosts) else "")
    root.insert(0, etree.ProcessingInstruction(MARKER, f'hosts="{len(hosts)}"{vendor}{newest}'))
    return Baseline(root, labels, merger.notes, advice)


#: x86 models without long mode: never advice for an x86_64 guest (QEMU's definitions lack 'lm').
THIRTY_TWO_BIT = frozenset({"486", "pentium", "pentium2", "pentium3", "coreduo", "n270", "qemu32", "kvm32", "athlon"})


def cpu_advice(hosts: Sequence[DomainCaps]) -> CpuAdvice:
    """The custom models every host can run, newest first; newer ones usable once features are disabled."""
    common = set.intersection(*(set(caps.cpu_models) for caps in hosts)) if hosts else set()
    narrow: set[str] = set()
    if hosts and hosts[0].arch == "x86_64":
        narrow = {name for name in common if name.split("-v")[0] in THIRTY_TWO_BIT}
        common -= narrow
    vendors = {_host_vendor(caps) for caps in hosts}
    vendor = vendors.pop() if len(vendors) == 1 else None

    def ranked(names: list[str]) -> list[str]:
        # the hosts' own vendor first (a Hygon Dhyana runs on AMD hosts, but is not what they are)
        order = newest_first(names)
        if vendor is None:
            return order
        return sorted(order, key=lambda n: {vendor: 0, "unknown": 1, None: 1}.get(hosts[0].cpu_models[n].vendor, 2))

    usable = ranked([name for name in common if all(caps.cpu_models[name].usable == "yes" for caps in hosts)])
    advice = CpuAdvice(usable=usable, thirty_two_bit=newest_first(
        [name for name in narrow if all(caps.cpu_models[name].usable == "yes" for caps in hosts)]))
    for name in ranked(list(common)):
        if usable and name == usable[0]:
            break
        if name in usable:
            continue
        models = [caps.cpu_models[name] for caps in hosts]
        if any(m.usable not in ("yes", "no") for m in models):
            continue
        if any(m.usable == "no" and not m.blockers for m in models):
            continue  # a host cannot say what blocks it
        disabled = sorted({b for m in models if m.usable == "no" for b in m.blockers})
        advice.with_disabled.append((name, tuple(disabled)))
    return advice


def _host_vendor(caps: DomainCaps) -> str | None:
    """The CPU vendor of the host (of every host, for a baseline)."""
    root = caps.document.root
    for instruction in root.iterchildren(etree.ProcessingInstruction) if root is not None else ():
        if instruction.target == MARKER and instruction.get("vendor"):
            return instruction.get("vendor")
    vendor = root.findtext("cpu/mode[@name='host-model']/vendor") if root is not None else None
    return vendor.strip() if vendor else None


def _same_family(hosts: Sequence[DomainCaps], labels: Sequence[str]) -> None:
    for attribute, what in (("arch", "arch"), ("domain_type", "virt type")):
        values = {getattr(caps, attribute) for caps in hosts}
        if len(values) > 1:
            shown = ", ".join(f"{label}: {getattr(caps, attribute)}" for caps, label in zip(hosts, labels))
            raise BaselineError(f"the hosts differ in {what} ({shown}); a baseline is for one {what}")
    machines = [parse_machine(caps.machine) for caps in hosts if caps.machine]
    families = {(m.family, m.flavor) for m in machines}
    if len(families) > 1:
        shown = ", ".join(f"{label}: {caps.machine}" for caps, label in zip(hosts, labels))
        raise BaselineError(f"the hosts differ in machine family ({shown}); a baseline is for one family")


def _comment(text: str) -> etree._Element:
    """An XML comment of any text (comments may not contain '--')."""
    while "--" in text:
        text = text.replace("--", "- -")
    return etree.Comment(f" {text} ")


def _key(element: etree._Element) -> tuple[str, str | None]:
    tag = element.tag
    if tag in ("mode", "enum"):
        return (tag, element.get("name"))
    if tag == "blockers":
        return (tag, element.get("model"))
    if tag == "model" and element.getparent() is not None and element.getparent().get("name") == "custom":
        return (tag, (element.text or "").strip())
    if tag == "feature":
        return (tag, element.get("name"))
    return (tag, None)


def _children(element: etree._Element | None) -> dict[tuple[str, str | None], etree._Element]:
    if element is None:
        return {}
    return {_key(child): child for child in element.iterchildren(etree.Element)}


def _ordered_keys(parents: Sequence[etree._Element | None]) -> list[tuple[str, str | None]]:
    """Every child key of any parent, in document order (later hosts' new keys after their predecessor)."""
    keys: list[tuple[str, str | None]] = []
    for parent in parents:
        previous = None
        for key in _children(parent):
            if key not in keys:
                keys.insert(keys.index(previous) + 1 if previous is not None else len(keys), key)
            previous = key
    return keys


def _text(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip()


def _int(element: etree._Element | None, attribute: str | None = None) -> int | None:
    return int_or_none(element.get(attribute) if element is not None and attribute else _text(element))


class _Merger:
    def __init__(self, roots: Sequence[etree._Element], labels: Sequence[str]) -> None:
        self.roots = list(roots)
        self.labels = list(labels)
        self.notes: list[Note] = []

    def note(self, kind: str, path: str, message: str) -> None:
        self.notes.append(Note(kind, path, message))

    def _who(self, elements: Sequence[etree._Element | None], present: bool = False) -> str:
        return ", ".join(label for label, e in zip(self.labels, elements) if (e is not None) == present)

    # -- the document ---------------------------------------------------

    def document(self) -> etree._Element:
        out = etree.Element("domainCapabilities")
        for key in _ordered_keys(self.roots):
            elements = [_children(root).get(key) for root in self.roots]
            tag = key[0]
            if tag == "path":
                self._equal_text(out, elements, "path", conflict_value=CONFLICT_PATH)
            elif tag in ("domain", "arch"):
                self._equal_text(out, elements, tag, conflict_value=None)
            elif tag == "machine":
                self._machine(out, elements)
            elif tag == "vcpu":
                self._minimum_attribute(out, elements, "vcpu", "max")
            elif tag == "cpu":
                self._cpu(out, elements)
            elif tag in ("devices", "features"):
                self._container(out, elements, tag)
            else:
                self._block(out, elements, tag)
        return out

    def _equal_text(self, out, elements, path: str, conflict_value: str | None) -> None:
        reported = [_text(e) for e in elements]
        values = [v for v in reported if v is not None]
        if len(values) < len(reported):
            self.note("unknown", path, f"not reported by {self._who(elements)}")
            if path != "path" or not values:
                return
        if len(set(values)) == 1:
            etree.SubElement(out, path).text = values[0]
            return
        shown = "; ".join(f"{label}: {value}" for label, value in zip(self.labels, values))
        self.note("conflict", path, f"hosts differ ({shown})")
        if conflict_value is not None:
            out.append(_comment(f"conflict: {shown}"))
            etree.SubElement(out, path).text = conflict_value

    def _machine(self, out, elements) -> None:
        reported = [_text(e) for e in elements]
        names = [name for name in reported if name is not None]
        if len(names) < len(reported):
            self.note("unknown", "machine", f"not reported by {self._who(elements)}")
            return
        machines = [parse_machine(name) for name in names]
        if all(m.version is not None for m in machines):
            oldest = min(machines, key=lambda m: m.version or ())
            if len(set(names)) > 1:
                self.note("per-host", "machine", f"the oldest machine version, {oldest.name}, runs everywhere "
                          f"(hosts: {', '.join(names)})")
            etree.SubElement(out, "machine").text = oldest.name
        elif len(set(names)) == 1:
            etree.SubElement(out, "machine").text = names[0]
        else:
            self.note("conflict", "machine", f"hosts differ ({', '.join(names)})")

    def _minimum_attribute(self, out, elements, path: str, attribute: str) -> None:
        reported = [_int(e, attribute) for e in elements]
        values = [v for v in reported if v is not None]
        if len(values) < len(reported):
            self.note("unknown", path, f"not reported by {self._who(elements)}")
            return
        etree.SubElement(out, path.rsplit("/", 1)[-1], {attribute: str(min(values))})

    # -- generic blocks -------------------------------------------------

    def _container(self, out, elements, path: str) -> None:
        """<devices>, <features>: no state of their own, a block per child."""
        if any(e is None for e in elements):
            missing = self._who(elements)
            self.note("unknown", path, f"not reported by {missing}")
        holder = etree.SubElement(out, path.rsplit("/", 1)[-1])
        for key in _ordered_keys(elements):
            children = [_children(e).get(key) if e is not None else None for e in elements]
            self._block(holder, children, f"{path}/{key[0]}")

    def _tri(self, elements) -> int:
        return min(_TRI.get(e.get("supported"), 1) if e is not None else 1 for e in elements)

    def _block(self, out, elements, path: str) -> None:
        """A block with ``supported`` and/or enums (disk, os, loader, gic, sev, ...)."""
        tag = path.rsplit("/", 1)[-1].split("[")[0]
        named = next((e.get("name") for e in elements if e is not None and e.get("name")), None)
        has_supported = any(e is not None and e.get("supported") is not None for e in elements)
        missing = [e is None or (has_supported and e.get("supported") is None) for e in elements]
        state = self._tri(elements) if has_supported else (1 if any(missing) else 2)
        if state == 0 and any(e is None for e in elements):
            # libvirt prints every block it knows (supported='no' when it cannot); a block a host omits is one
            # its libvirt does not know, and saying 'no' would leave that libvirt's format (and schema)
            self.note("unrepresentable", path, f"supported='no' on {self._who(elements, present=True)}, not known "
                      f"to the libvirt of {self._who(elements)}; left out, so the baseline does not check it")
            return
        if state == 0:
            attributes = {"name": named} if tag == "mode" else {}
            etree.SubElement(out, tag, {**{k: v for k, v in attributes.items() if v}, "supported": "no"})
            return
        if state == 1:
            if any(e is not None for e in elements):
                self.note("unknown", path, f"not reported by {self._who(elements)}; reported by "
                          f"{self._who(elements, present=True)}: the baseline leaves it unknown (not checked; "
                          "check the template per host with --fleet)")
            return
        attributes = {"name": named} if tag == "mode" else {}
        block = etree.SubElement(out, tag, {k: v for k, v in attributes.items() if v})
        if has_supported:
            block.set("supported", "yes")
        self._block_children(block, elements, path)

    def _block_children(self, block, elements, path: str) -> None:
        tag = path.rsplit("/", 1)[-1].split("[")[0]
        special = {"sev": self._sev, "sgx": self._sgx}
        if tag in special:
            special[tag](block, elements, path)
            return
        values = [[_text(v) for v in e.iterchildren("value")] for e in elements]
        if any(values):
            self._paths(block, elements, values, path)
        for key in _ordered_keys(elements):
            children = [_children(e).get(key) for e in elements]
            child_tag, name = key
            if child_tag == "value":
                continue
            if child_tag == "enum":
                self._enum(block, children, f"{path}/enum[{name}]")
            elif any(c is not None and (c.get("supported") is not None or c.find("enum") is not None)
                     for c in children):
                self._block(block, children, f"{path}/{child_tag}")
            else:
                self._identical(block, children, f"{path}/{child_tag}")

    def _enum(self, block, children, path: str) -> None:
        if any(c is None for c in children):
            if any(c is not None for c in children):
                self.note("unknown", path, f"not reported by {self._who(children)}; the baseline leaves it "
                          "unknown (not checked)")
            return
        lists = [[_text(v) for v in c.iterchildren("value")] for c in children]
        common = set.intersection(*(set(values) for values in lists))
        enum = etree.SubElement(block, "enum", name=children[0].get("name", ""))
        for value in lists[0]:
            if value in common:
                etree.SubElement(enum, "value").text = value

    def _paths(self, block, elements, values, path: str) -> None:
        listing = [v for v in values if v]
        common = set.intersection(*(set(v) for v in listing))
        kept = [v for v in listing[0] if v in common]
        for value in kept:
            etree.SubElement(block, "value").text = value
        if len(common) < max(len(set(v)) for v in listing):
            shown = "; ".join(f"{label}: {', '.join(v) or '(none)'}" for label, v in zip(self.labels, values))
            self.note("conflict", f"{path}/value", f"hosts list different files ({shown}); kept those on every "
                      f"host: {', '.join(kept) or '(none)'}")
        if not kept:
            block.append(_comment("conflict: no file is on every host"))
            etree.SubElement(block, "value").text = CONFLICT_PATH

    def _identical(self, block, children, path: str) -> None:
        """Elements with no state of their own (hyperv <defaults>): kept when the same on every host."""
        if any(c is None for c in children):
            if any(c is not None for c in children):
                self.note("unknown", path, f"not reported by {self._who(children)}")
            return
        texts = {etree.tostring(c, method="c14n") for c in children}
        if len(texts) == 1:
            clone = etree.fromstring(etree.tostring(children[0]))
            clone.tail = None
            block.append(clone)
        else:
            self.note("per-host", path, "differs between hosts; left out")

    # -- cpu -------------------------------------------------------------

    def _cpu(self, out, elements) -> None:
        if any(e is None for e in elements):
            self.note("unknown", "cpu", f"not reported by {self._who(elements)}")
            return
        cpu = etree.SubElement(out, "cpu")
        for key in _ordered_keys(elements):
            modes = [_children(e).get(key) for e in elements]
            mode_name = key[1]
            path = f"cpu/mode[{mode_name}]"
            state = self._tri(modes)
            if state != 2:
                self._block(cpu, modes, path)
                continue
            mode = etree.SubElement(cpu, "mode", name=mode_name or "", supported="yes")
            if mode_name == "host-model":
                self._host_model(mode, modes)
            elif mode_name == "custom":
                self._custom(mode, modes)
            else:
                self._block_children(mode, modes, path)

    def _host_model(self, mode, modes) -> None:
        path = "cpu/mode[host-model]"
        described = [(_text(m.find("model")), _text(m.find("vendor"))) for m in modes]
        if len(set(described)) == 1 and described[0][0]:
            features = [sorted((f.get("policy"), f.get("name")) for f in m.iterchildren("feature")) for m in modes]
            if all(f == features[0] for f in features):
                for child in modes[0].iterchildren("model", "vendor", "feature"):
                    clone = etree.fromstring(etree.tostring(child))
                    clone.tail = None
                    mode.append(clone)
            else:
                self.note("per-host", path, "host-model has different features on each host: a host-model guest "
                          "started on one cannot be assumed to migrate to another")
        else:
            shown = "; ".join(f"{label}: {model or '?'}" for label, (model, _) in zip(self.labels, described))
            self.note("per-host", path, f"host-model differs between hosts ({shown}): a host-model guest cannot "
                      "be assumed to migrate between them; use a common custom model")
        limits = [m.find("maxphysaddr") for m in modes]
        if all(limit is not None for limit in limits):
            reported = [_int(limit, "limit") for limit in limits]
            bits = [b for b in reported if b is not None]
            if len(bits) == len(reported) and len({limit.get("mode") for limit in limits}) == 1:
                # schema order: model, vendor, maxphysaddr, features; and no maxphysaddr without a model
                element = etree.Element("maxphysaddr", mode=limits[0].get("mode"), limit=str(min(bits)))
                anchor = mode.find("vendor") if mode.find("vendor") is not None else mode.find("model")
                if anchor is not None:
                    anchor.addnext(element)
                else:
                    self.note("unrepresentable", f"{path}/maxphysaddr", f"the smallest limit is {min(bits)} bits, "
                              "but libvirt's format has no maxphysaddr without a common host-model")
        elif any(limit is not None for limit in limits):
            self.note("unknown", f"{path}/maxphysaddr", f"not reported by {self._who(limits)}")

    def _custom(self, mode, modes) -> None:
        path = "cpu/mode[custom]"
        lists = [{_key(m)[1]: m for m in x.iterchildren("model")} for x in modes]
        blockers = [{b.get("model"): sorted(f.get("name") for f in b.iterchildren("feature"))
                     for b in x.iterchildren("blockers")} for x in modes]
        prints_blockers = [bool(b) or all(m.get("usable") != "no" for m in models.values())
                           for b, models in zip(blockers, lists)]
        prints_canonical = all(any(m.get("canonical") for m in models.values()) for models in lists)
        common = [name for name in lists[0] if all(name in models for models in lists)]
        dropped = sorted(str(name) for name in set().union(*(set(models) for models in lists)) - set(common))
        if dropped:
            self.note("per-host", f"{path}/model", f"{len(dropped)} model(s) not known on every host are left out: "
                      f"{', '.join(dropped[:12])}{' ...' if len(dropped) > 12 else ''}")
        unprinted: list[str] = []
        pending_blockers: list[etree._Element] = []
        for name in common:
            models = [models[name] for models in lists]
            usable = _TRI_NAME[min(_TRI.get(m.get("usable"), 1) for m in models)] or "unknown"
            attributes = {"usable": usable}
            if any(m.get("deprecated") == "yes" for m in models):
                attributes["deprecated"] = "yes"
            elif all(m.get("deprecated") is not None for m in models):
                attributes["deprecated"] = "no"
            if prints_canonical:
                canonical = {m.get("canonical") for m in models}
                if len(canonical) == 1 and None not in canonical:
                    attributes["canonical"] = canonical.pop()
            vendors = [m.get("vendor") for m in models if m.get("vendor")]
            if vendors:
                attributes["vendor"] = vendors[0]
            etree.SubElement(mode, "model", attributes).text = name
            if usable != "no":
                continue
            union = sorted({f for host, b in enumerate(blockers) if models[host].get("usable") == "no"
                            for f in b.get(name, [])})
            complete = all(name in b for host, b in enumerate(blockers) if models[host].get("usable") == "no")
            if not union:
                continue
            if complete and all(prints_blockers):
                element = etree.Element("blockers", model=name)
                for feature in union:
                    etree.SubElement(element, "feature", name=feature)
                pending_blockers.append(element)
            else:
                unprinted.append(f"{name}: {' '.join(union)}")
        for element in pending_blockers:  # libvirt prints every <blockers> after the models
            mode.append(element)
        if unprinted:
            self.note("unrepresentable", f"{path}/blockers", "a host's libvirt does not print <blockers> (or names "
                      "none for a model it cannot use), so the union is only a comment: " + "; ".join(unprinted))

    # -- launch security -------------------------------------------------

    def _sev(self, block, elements, path: str) -> None:
        equal = {}
        for tag in ("cbitpos", "reducedPhysBits"):
            values = [_int(e.find(tag)) for e in elements]
            if None in values:
                self.note("unknown", f"{path}/{tag}", f"not reported by some hosts")
                return
            if len(set(values)) > 1:
                shown = "; ".join(f"{label}: {v}" for label, v in zip(self.labels, values))
                self.note("conflict", f"{path}/{tag}", f"hosts differ ({shown}); a domain that sets {tag} runs "
                          "only where it matches")
                return
            equal[tag] = values[0]
        minimum = {}
        for tag in ("maxGuests", "maxESGuests"):
            reported = [_int(e.find(tag)) for e in elements]
            counts = [v for v in reported if v is not None]
            if len(counts) < len(reported):
                return
            minimum[tag] = min(counts)
        for tag, value in {**equal, **minimum}.items():
            etree.SubElement(block, tag).text = str(value)
        if any(e.find("cpu0Id") is not None for e in elements):
            self.note("per-host", f"{path}/cpu0Id", "identifies one host's CPU; left out")

    def _sgx(self, block, elements, path: str) -> None:
        flags = {}
        for tag in ("flc", "sgx1", "sgx2"):
            values = [_text(e.find(tag)) for e in elements]
            if None in values:
                return
            flags[tag] = "yes" if all(v == "yes" for v in values) else "no"
        reported = [_int(e.find("section_size")) for e in elements]
        sizes = [size for size in reported if size is not None]
        if len(sizes) < len(reported):
            return
        for tag, value in flags.items():
            etree.SubElement(block, tag).text = value
        etree.SubElement(block, "section_size", unit="KiB").text = str(min(sizes))
        if any(e.find("sections") is not None for e in elements):
            self.note("per-host", f"{path}/sections", "EPC sections belong to each host's NUMA nodes; left out")
