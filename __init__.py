"""virtlint: lint libvirt domain XML against a host's domcapabilities, offline."""

__version__ = "0.1.0"
