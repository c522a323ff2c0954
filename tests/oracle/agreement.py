"""Run every generated case through a real libvirt and through virtlint; tabulate both verdicts.

    python tests/oracle/agreement.py [--output docs/libvirt-agreement.md]

The test in test_agreement.py runs the same and fails on disagreements.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import libvirt_oracle  # noqa: E402
from cases import IMAGE, Case, all_cases  # noqa: E402

from virtlint.linter.caps import DomainCaps  # noqa: E402
from virtlint.linter.document import Document  # noqa: E402
from virtlint.linter.engine import Linter  # noqa: E402
from virtlint.linter.host import HostCaps  # noqa: E402
from virtlint.linter.model import Finding, Severity  # noqa: E402

#: Libvirt accepted a case virtlint reports as an error, because of host state
#: the capabilities do not show. Allowed (not required) to disagree.
ALLOWED_FALSE_ERRORS: dict[str, str] = {}

_CPU_MAP = ("GraniteRapids is in libvirt 10.7's CPU map (a 10.7 host translates it to a model QEMU 7.2 has) but "
            "not in 9.0's; the capabilities do not say which libvirt reads them: VL603 warns")
#: Libvirt rejected a case the capabilities cannot prove wrong: the rule warns (a warning of the case's rule is
#: required) instead of calling it an error.
ALLOWED_MISSES = {
    **{f"{tag}-cpu-unknown-model": _CPU_MAP for tag in ("qemu-q35", "qemu-pc", "kvm-q35")},
    **{f"{tag}-emulator-missing": "a binary the host does not list may exist on another host (Fedora's "
                                  "/usr/bin/qemu-kvm beside qemu-system-x86_64): VL104 warns"
       for tag in ("qemu-q35", "qemu-pc", "kvm-q35")},
}

#: What libvirt says when the host cannot create a tap device at all (no /dev/net/tun in a container, no right to)
TAP_UNAVAILABLE = re.compile(r"/dev/net/tun|Unable to create tap device \S+: (?!Invalid argument)", re.IGNORECASE)

_MSR = ("nested virtualisation: KVM here cannot set MSR 0x10a (IA32_ARCH_CAPABILITIES), which QEMU writes for "
        "CPU models derived from the host")

#: Libvirt rejected a valid case for a reason the capabilities do not show.
HOST_STATE = {
    "kvm-q35-cpu-maximum": _MSR,
    "kvm-q35-cpu-host-model": _MSR,
    "kvm-q35-cpu-host-passthrough": _MSR,
    "kvm-q35-cpu-passthrough-migratable": _MSR,
    "kvm-q35-efi-acpi": "nested virtualisation: KVM here has no System Management Mode, which OVMF needs",
    "kvm-q35-secure-boot-smm": "nested virtualisation: KVM here has no System Management Mode",
    "kvm-q35-secure-boot-feature": "nested virtualisation: KVM here has no System Management Mode",
    "kvm-q35-loader-listed": "nested virtualisation: KVM here has no System Management Mode, which OVMF needs",
    "kvm-q35-loader-unlisted": "nested virtualisation: KVM here has no System Management Mode, which OVMF needs",
}


@dataclass(slots=True)
class Row:
    case: Case
    verdict: libvirt_oracle.Verdict
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def host_state(self) -> str | None:
        """Why libvirt's rejection is the host's state rather than a verdict on the domain, if it is."""
        verdict = self.verdict
        if verdict.accepted:
            return None
        if libvirt_oracle.host_cpu_abort(verdict):
            return "nested KVM here makes QEMU abort at start for this CPU (probed once per run)"
        if verdict.message == libvirt_oracle.START_HUNG:
            return "the start hung: QEMU waited on something this host does not serve"
        if verdict.phase == "start" and libvirt_oracle.guest_start_failure() is not None:
            return f"no guest starts on this machine ({libvirt_oracle.guest_start_failure()}; probed once per run)"
        if self.case.id in HOST_STATE:
            return HOST_STATE[self.case.id]
        if verdict.phase == "start" and "type='ethernet'" in self.case.devices and \
                TAP_UNAVAILABLE.search(verdict.message):
            # (a container without /dev/net/tun, or without the right to create network devices, makes no tap
            # device for any interface: the host's state, not a verdict on the name or MTU the case is about)
            return "this machine creates no tap device"
        if (self.case.virttype == "kvm" and self.case.rule is None and verdict.phase == "start"
                and libvirt_oracle.QEMU_EXITED.search(verdict.message)):
            # KVM differs from machine to machine (nested KVM, missing CPU features): QEMU exiting under it
            # after libvirt accepted a valid domain is the host's state, not a verdict on the domain
            return "QEMU itself exited at start under this machine's KVM"
        return None

    @property
    def problem(self) -> str | None:
        """Why this row is a disagreement, or None."""
        if not self.verdict.accepted and libvirt_oracle.host_cpu_abort(self.verdict):
            return None  # host state: QEMU aborted before libvirt could say anything about the domain
        if self.verdict.accepted and self.errors and self.case.id not in ALLOWED_FALSE_ERRORS:
            return "false error: libvirt accepts it"
        if not self.verdict.accepted and not self.case.rule and not self.errors and self.host_state is None:
            return "a valid case was rejected for a reason that is not host state"
        if not self.verdict.accepted and self.case.rule and not self.errors:
            if self.case.id in ALLOWED_MISSES and any(f.code == self.case.rule for f in self.findings):
                return None
            return f"missed: libvirt rejects it and {self.case.rule} did not report an error"
        if self.case.rule and self.errors and self.case.rule not in {f.code for f in self.errors}:
            return f"caught by {', '.join(sorted({f.code for f in self.errors}))}, not by {self.case.rule}"
        return None


def run_case(case: Case, linters: dict[tuple[str, str, str], Linter]) -> Row:
    key = (case.virttype, case.arch, case.machine)
    if key not in linters:
        text = libvirt_oracle.domcapabilities(*key)
        host = HostCaps(Document(libvirt_oracle.capabilities(), "virsh capabilities"))
        # virtlint models the libvirt release it is compared with
        linters[key] = Linter([DomainCaps(Document(text, f"virsh domcapabilities {' '.join(key)}"))], hosts=[host],
                              libvirt_version=libvirt_oracle.library_version())
    findings = linters[key].lint_document(Document(case.xml(), f"{case.id}.xml")).findings
    return Row(case, libvirt_oracle.verdict(case.xml()), findings)


def run_all() -> list[Row]:
    linters: dict[tuple[str, str, str], Linter] = {}
    libvirt_oracle.ensure_image(IMAGE)
    return [run_case(case, linters) for case in all_cases(libvirt_oracle.kvm_usable())]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table(rows: list[Row]) -> str:
    accepted = sum(r.verdict.accepted for r in rows)
    lines = [
        "# virtlint and a real libvirt: agreement table",
        "",
        f"Generated by `python tests/oracle/agreement.py --output docs/libvirt-agreement.md` against "
        f"{libvirt_oracle.versions()} (Debian 12), `virsh define` then `virsh start --paused` and `destroy`. "
        f"virtlint checked each case against that libvirt's own `virsh domcapabilities` for the case's "
        f"virt type, arch and machine, and its `virsh capabilities`.",
        "",
        f"{len(rows)} cases: libvirt accepted {accepted} and rejected {len(rows) - accepted}; "
        f"{sum(1 for r in rows if r.problem)} disagreements.",
        "",
        "| case | meant for | libvirt | virtlint errors | virtlint warnings |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        errors = "; ".join(f"{f.code} {f.message}" for f in row.errors) or "-"
        warnings = "; ".join(f"{f.code} {f.message}" for f in row.findings if f.severity is Severity.WARNING) or "-"
        note = (ALLOWED_FALSE_ERRORS.get(row.case.id) if row.verdict.accepted
                else row.host_state or ALLOWED_MISSES.get(row.case.id))
        verdict = str(row.verdict) + (f" (known: {note})" if note else "")
        lines.append(f"| {row.case.id} | {row.case.rule or 'valid'} | {_cell(verdict)} | {_cell(errors)} | "
                     f"{_cell(warnings)} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--output", type=Path, help="write the table here (default: stdout)")
    args = parser.parse_args()
    if not libvirt_oracle.available():
        print("no libvirt daemon reachable at qemu:///system", file=sys.stderr)
        return 2
    rows = run_all()
    text = table(rows)
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    for row in rows:
        if row.problem:
            print(f"{row.case.id}: {row.problem}", file=sys.stderr)
    return 1 if any(r.problem for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
