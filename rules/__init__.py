"""Every virtlint rule, one module each; importing this package registers them."""

from virtlint.rules import (  # noqa: F401
    arch,
    device_support,
    device_values,
    document,
    domain_type,
    emulator,
    features,
    iothreads,
    machine,
    memory_backing,
    vcpu_max,
)
