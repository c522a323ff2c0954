"""What the identity rules (VL101-VL104, VL201) share: the domain's identity and the host's view of it."""

from __future__ import annotations

from virtlint.linter.identity import HostView, Identity, resolve
from virtlint.linter.model import Context
from virtlint.rules._support import domain_find


def wanted(ctx: Context) -> Identity:
    return ctx.once("identity", lambda: Identity.of(ctx.root))


def emulator_of(ctx: Context) -> str | None:
    """``wanted(ctx).emulator`` (the stripped <devices><emulator> text, None when empty or absent), without
    reading the rest of the identity."""
    identity = ctx.memo.get("identity")
    if isinstance(identity, Identity):
        return identity.emulator
    element = domain_find(ctx, "devices/emulator")
    return ((element.text or "") if element is not None else "").strip() or None


def host_view(ctx: Context) -> HostView | None:
    """How libvirt resolves the domain's binary, virt type and machine on the host; None without a host document."""
    host = ctx.host
    if host is None:
        return None
    return ctx.once("host-view", lambda: resolve(host, wanted(ctx)))

