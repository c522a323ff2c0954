"""What the identity rules (VL101-VL104, VL201) share: the domain's identity and the host's view of it."""

from __future__ import annotations

from virtlint.linter.identity import HostView, Identity, resolve
from virtlint.linter.model import Context
from virtlint.rules._support import children_by_tag, domain_children


def wanted(ctx: Context) -> Identity:
    """The domain's identity: the engine's, read once to choose the caps."""
    if ctx.identity is not None:
        return ctx.identity
    return ctx.once("identity", lambda: Identity.of(ctx.root))


def emulator_of(ctx: Context) -> str | None:
    """``wanted(ctx).emulator`` (the stripped <devices><emulator> text, None when empty or absent), without
    reading the rest of the identity."""
    identity = ctx.identity or ctx.memo.get("identity")
    if identity is not None:
        return identity.emulator  # type: ignore[attr-defined,no-any-return]
    for devices in domain_children(ctx).get("devices", ()):
        # <devices>' children by tag: shared with the device rules, so usually built already
        emulators = children_by_tag(ctx, devices).get("emulator")
        if emulators is not None:
            return (emulators[0].text or "").strip() or None
    return None


def host_view(ctx: Context) -> HostView | None:
    """How libvirt resolves the domain's binary, virt type and machine on the host; None without a host document."""
    host = ctx.host
    if host is None:
        return None
    return ctx.once("host-view", lambda: resolve(host, wanted(ctx)))

