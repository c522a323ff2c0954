"""VL250 host-numa-node: memory bound to host NUMA nodes the host does not have."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.host import HostCaps
from virtlint.linter.model import Anchor, Context, Problem, Severity
from virtlint.linter.units import format_bitmap, parse_bitmap
from virtlint.rules._host import HostRule, describe_nodes, host_evidence
from virtlint.rules._libvirt_enums import NODEMASK_MODELS


@register
class HostNumaNode(HostRule):
    """
    ## What it does
    Compares the host NUMA nodes a domain binds memory to with the nodes of
    the host's `virsh capabilities` (`host/topology/cells/cell/@id`, which
    may be sparse, e.g. 0 and 8): `numatune/memory/@nodeset`,
    `numatune/memnode/@nodeset` and the `<source><nodemask>` of `dimm`,
    `virtio-mem` and `sgx-epc` memory devices. Every node named must exist.
    With `placement='auto'` numad chooses the nodes and nothing is checked.

    ## Why is this bad?
    The domain is defined but does not start: `unsupported configuration:
    NUMA node N is unavailable` (src/util/virnuma.c
    `virNumaNodesetIsAvailable`, called at start from
    `virDomainNumatuneNodesetIsAvailable` in qemu_command.c
    `qemuBuildNumaCommandLine`, from `qemuBuildMemoryBackendProps` and from
    `virNumaSetupMemoryPolicy` in qemu_process.c `qemuProcessHook`).
    Stage: start. Driver: QEMU. libvirt before 9.4 could instead fail on the
    cgroup write (`Invalid value '1' for 'cpuset.mems': Invalid argument`);
    the real libvirt 9.0 here reports `NUMA node 1 is unavailable` for every
    mode.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```
    ```xml
    <capabilities><host><cpu><arch>x86_64</arch></cpu><topology><cells num='2'>
      <cell id='0'><memory unit='KiB'>8388608</memory><cpus num='2'><cpu id='0'/><cpu id='1'/></cpus></cell>
      <cell id='1'><memory unit='KiB'>8388608</memory><cpus num='2'><cpu id='2'/><cpu id='3'/></cpus></cell>
    </cells></topology></host></capabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><memory unit='GiB'>2</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <numatune><memory mode='strict' nodeset='1-2'/></numatune></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><memory unit='GiB'>2</memory><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <numatune><memory mode='strict' nodeset='1'/></numatune></domain>
    ```
    """

    code = "VL250"
    name = "host-numa-node"
    severity = Severity.ERROR
    summary = "Memory is bound to a host NUMA node the host does not have."
    elements = ("numatune/memory", "numatune/memnode", "devices/memory/source/nodemask")

    def check_host(self, element: etree._Element, ctx: Context, host: HostCaps) -> Iterator[Problem]:
        if not host.cells:
            return
        if element.tag == "nodemask":
            device = element.getparent().getparent()
            if device.get("model") not in NODEMASK_MODELS:
                return
            nodes, anchor = parse_bitmap((element.text or "").strip()), Anchor(element, text=True)
        else:
            memory = ctx.root.find("numatune/memory")
            if memory is not None and memory.get("placement") == "auto":
                return  # every nodeset is replaced by numad's advice (virDomainNumatuneGetNodeset)
            nodes, anchor = parse_bitmap(element.get("nodeset")), Anchor(element, "nodeset")
        if nodes is None:
            return
        missing = sorted(nodes.difference(host.cells))
        if not missing:
            return
        existing = nodes.intersection(host.cells)
        yield Problem(
            anchor,
            f"NUMA node {missing[0]} is unavailable: the host has NUMA node{'s' if len(host.cells) > 1 else ''} "
            f"{describe_nodes(host)}, so libvirt refuses to start the domain",
            hint=f"bind to host nodes that exist ({describe_nodes(host)})",
            evidence=host_evidence(host, host.topology_element),
            replacements=(format_bitmap(existing),) if existing and anchor.attribute else (),
        )
