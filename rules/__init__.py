"""Every virtlint rule, one module each; importing this package registers them all.

Modules whose names start with an underscore are helpers shared by rules.
"""

import importlib
import os

# a directory listing, not pkgutil (whose import and walk cost a few ms at every start)
for _file in sorted(os.listdir(__path__[0])):
    if _file.endswith(".py") and not _file.startswith("_"):
        importlib.import_module(f"{__name__}.{_file[:-3]}")
