"""VL808 lifecycle-actions: on_poweroff, on_reboot and on_crash actions the QEMU driver cannot carry out."""

from __future__ import annotations

from typing import Iterator

from lxml import etree

from virtlint.linter.engine import register
from virtlint.linter.model import Anchor, Context, Problem, Rule, Severity
from virtlint.rules._support import NOTHING, domain_children, string_value

#: The lifecycle elements and the action each takes when absent (virDomainDefParseXML's defaults)
DEFAULTS = {"on_poweroff": "destroy", "on_reboot": "restart", "on_crash": "destroy"}
RENAME_MESSAGE = "qemu driver doesn't support the 'rename-restart' action for 'on_reboot'/'on_poweroff'/'on_crash'"
PRESERVE_MESSAGE = "qemu driver doesn't support the 'preserve' action for 'on_reboot'/'on_poweroff'"
# (libvirt's message, with its unbalanced quote)
RESTART_DESTROY_MESSAGE = "qemu driver doesn't support 'onReboot' set to 'destroy and 'onPoweroff' set to 'reboot'"


def _problems(written: dict[str, etree._Element], actions: dict[str, str]) -> Iterator[Problem]:
    """virDomainDefLifecycleActionValidate (every driver), then qemuValidateLifecycleAction, in their order; they
    stop at the first."""
    for name in ("on_poweroff", "on_reboot"):
        if actions[name] in ("coredump-destroy", "coredump-restart"):
            event = name.removeprefix("on_")
            yield Problem(Anchor(written[name], text=True),
                          f"Lifecycle event '{event}' doesn't support '{actions[name]}' action",
                          hint="a core dump is taken on a crash: use destroy or restart here, coredump-* on <on_crash>",
                          replacements=("destroy", "restart"))
            return
    for name in DEFAULTS:
        if actions[name] == "rename-restart":
            yield Problem(Anchor(written[name], text=True), RENAME_MESSAGE, hint="use restart",
                          replacements=("restart",))
            return
    for name in ("on_poweroff", "on_reboot"):
        if actions[name] == "preserve":
            yield Problem(Anchor(written[name], text=True), PRESERVE_MESSAGE, hint="use destroy (or restart)",
                          replacements=("destroy", "restart"))
            return
    if actions["on_poweroff"] == "restart" and actions["on_reboot"] == "destroy":
        yield Problem(Anchor(written["on_reboot"], text=True), RESTART_DESTROY_MESSAGE,
                      hint="a guest that reboots when powered off cannot be destroyed when it reboots: use restart",
                      replacements=("restart",))


@register
class LifecycleActions(Rule):
    """
    ## What it does
    Reports lifecycle actions the QEMU driver refuses: `rename-restart` for
    any of `<on_poweroff>`, `<on_reboot>` and `<on_crash>`; `preserve` for
    `<on_poweroff>` or `<on_reboot>` (`<on_crash>` may preserve); and
    `<on_poweroff>restart</on_poweroff>` with `<on_reboot>destroy</on_reboot>`.

    ## Why is this bad?
    libvirt refuses the domain when it is defined: `qemu driver doesn't
    support the 'preserve' action for 'on_reboot'/'on_poweroff'`, and the two
    others (qemuValidateLifecycleAction; QEMU driver). Each was checked with
    the real libvirt 9.0 (`virsh define`), with its twin (`preserve` on
    crash, `restart` or `destroy` alone). Values libvirt does not know at all
    are VL850's.

    ## Capabilities
    ```xml
    <domainCapabilities><domain>kvm</domain><machine>pc-q35-7.2</machine><arch>x86_64</arch></domainCapabilities>
    ```

    ## Example
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <on_poweroff>preserve</on_poweroff></domain>
    ```

    ## Use instead
    ```xml
    <domain type='kvm'><os><type arch='x86_64' machine='q35'>hvm</type></os>
      <on_poweroff>destroy</on_poweroff></domain>
    ```
    """

    code = "VL808"
    name = "lifecycle-actions"
    severity = Severity.ERROR
    summary = "A lifecycle action (rename-restart, preserve on poweroff or reboot) the QEMU driver cannot carry out."
    elements = ("",)
    uses_caps = False

    def check(self, element: etree._Element, ctx: Context) -> Iterator[Problem]:
        children = domain_children(ctx)
        written = {name: children[name][0] for name in DEFAULTS if name in children}
        if not written:
            return NOTHING
        actions = {**DEFAULTS, **{name: string_value(element) for name, element in written.items()}}
        if "rename-restart" in actions.values() or "preserve" in actions.values() or \
                actions["on_poweroff"] == "restart" or actions["on_poweroff"].startswith("coredump") or \
                actions["on_reboot"].startswith("coredump"):
            return _problems(written, actions)
        return NOTHING
