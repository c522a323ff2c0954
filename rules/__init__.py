"""Every virtlint rule, one module each; importing this package registers them all.

Modules whose names start with an underscore are helpers shared by rules.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
