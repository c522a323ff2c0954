"""Oracle cases, one module per family of libvirt checks; each module defines ``cases(kvm) -> list[Case]``."""
