"""Where the capabilities come from: files and directories holding both kinds of documents.

``--caps`` (and ``caps`` in the configuration) names files or directories. A
file is a ``virsh domcapabilities`` document (root ``<domainCapabilities>``)
or a ``virsh capabilities`` document of the host (root ``<capabilities>``);
the root element tells them apart. A directory contributes every XML file of
either kind below it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from lxml import etree

from virtlint.linter._record import Record
from virtlint.linter.caps import CapsError, DomainCaps
from virtlint.linter.document import Document

if TYPE_CHECKING:
    from virtlint.linter.host import HostCaps

DOMCAPS_ROOT = "domainCapabilities"
HOST_ROOT = "capabilities"
ROOTS = (DOMCAPS_ROOT, HOST_ROOT)


def root_name(path: str) -> str | None:
    """The local name of a file's root element, read without parsing the whole file."""
    try:
        for _, element in etree.iterparse(path, events=("start",), resolve_entities=False, no_network=True,
                                          load_dtd=False, huge_tree=False):
            return etree.QName(element).localname
    except (etree.XMLSyntaxError, OSError, ValueError):
        return None
    return None


def caps_files(sources: Sequence[str]) -> Iterator[str]:
    """Files named directly, and every domcapabilities or host capabilities XML inside named directories."""
    for source in sources:
        if os.path.isdir(source):
            found = [str(p) for p in sorted(Path(source).rglob("*.xml")) if root_name(str(p)) in ROOTS]
            if not found:
                raise CapsError(f"{source}: no domcapabilities or host capabilities documents in this directory")
            yield from found
        elif os.path.exists(source):
            yield source
        else:
            raise CapsError(f"{source}: no such file or directory")


def read(path: str) -> DomainCaps | HostCaps:
    """One capabilities file of either kind; CapsError for anything else."""
    from virtlint.linter.host import HostCaps

    if root_name(path) == HOST_ROOT:
        return HostCaps.from_file(path)
    try:
        return DomainCaps.from_file(path)
    except CapsError as err:
        if "not a domcapabilities document" in str(err):
            raise CapsError(str(err).replace("not a domcapabilities document",
                                             "neither a domcapabilities nor a host capabilities document")) from None
        raise


class Capabilities(Record):
    """What --caps gave: domcapabilities documents and host documents."""

    domcaps: list[DomainCaps]
    hosts: list[HostCaps]

    __slots__ = ("domcaps", "hosts")
    _fields = __slots__

    def __init__(self, domcaps: list[DomainCaps] | None = None, hosts: list[HostCaps] | None = None) -> None:
        self.domcaps = [] if domcaps is None else domcaps
        self.hosts = [] if hosts is None else hosts


def split(documents: Sequence[DomainCaps | HostCaps]) -> Capabilities:
    loaded = Capabilities()
    for document in documents:
        if isinstance(document, DomainCaps):
            loaded.domcaps.append(document)
        else:
            loaded.hosts.append(document)
    return loaded


def load(sources: Sequence[str]) -> Capabilities:
    """Every capabilities document of the sources; CapsError for the first that is neither kind."""
    return split([read(path) for path in caps_files(sources)])


#: Stands for the domcapabilities when only a host document is given: it describes every
#: domain and answers nothing, so only the identity, host and caps-independent checks speak.
NO_DOMCAPS_TEXT = "<domainCapabilities/>"


def placeholder_domcaps() -> DomainCaps:
    return DomainCaps(Document(NO_DOMCAPS_TEXT, "(no domcapabilities)"))
