"""The one hash virtlint keys its caches with (the result cache, the structure table's disk cache)."""

try:  # hashlib's blake2b is this one; importing it directly skips hashlib's loading of OpenSSL (~4 ms a start)
    from _blake2 import blake2b
except ImportError:  # an interpreter built without it
    from hashlib import blake2b

__all__ = ["blake2b"]
