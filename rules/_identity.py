"""What the identity rules (VL101-VL104, VL201) share: the domain's identity and the host's view of it."""

from __future__ import annotations

from virtlint.linter.identity import HostView, Identity, resolve
from virtlint.linter.model import Context


def wanted(ctx: Context) -> Identity:
    return ctx.once("identity", lambda: Identity.of(ctx.root))


def host_view(ctx: Context) -> HostView | None:
    """How libvirt resolves the domain's binary, virt type and machine on the host; None without a host document."""
    host = ctx.host
    if host is None:
        return None
    return ctx.once("host-view", lambda: resolve(host, wanted(ctx)))

