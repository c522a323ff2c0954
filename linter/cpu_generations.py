"""How new a named CPU model is, so lists can put the newest hardware first.

Capabilities documents list CPU models in no useful order (libvirt prints them
reverse-alphabetically). People choosing a model, or a baseline for a fleet,
want the newest generation the hosts can run. This table orders the models
QEMU and libvirt name by the year their hardware first shipped; suffixes (-v2, -IBRS, -noTSX, -Client,
-Server) keep the model's place within its generation.
"""

from __future__ import annotations

import re

from virtlint.linter.lazy_re import lazy_compile

#: Year the model's microarchitecture first shipped: one scale across vendors (approximate, but the
#: order within a vendor is exact, which is what matters for choosing among one host's models).
_YEARS: dict[str, int] = {
    # Intel x86
    "486": 1989, "pentium": 1993, "pentium2": 1997, "pentium3": 1999, "coreduo": 2006, "core2duo": 2006,
    "Conroe": 2006, "Penryn": 2007, "n270": 2008, "Nehalem": 2008, "Westmere": 2010, "SandyBridge": 2011,
    "IvyBridge": 2012, "Haswell": 2013, "Broadwell": 2014, "Skylake-Client": 2015, "Skylake-Server": 2017,
    "Denverton": 2017, "Cascadelake-Server": 2019, "Icelake-Client": 2019, "Cooperlake": 2020, "Snowridge": 2020,
    "Icelake-Server": 2021, "SapphireRapids": 2023, "GraniteRapids": 2024, "SierraForest": 2024,
    # AMD x86
    "athlon": 1999, "Opteron_G1": 2004, "Opteron_G2": 2006, "phenom": 2007, "Opteron_G3": 2007,
    "Opteron_G4": 2011, "Opteron_G5": 2012, "EPYC": 2017, "Dhyana": 2018, "EPYC-Rome": 2019, "EPYC-Milan": 2021,
    "EPYC-Genoa": 2022, "EPYC-Turin": 2024,
    # Arm
    "cortex-a8": 2005, "cortex-a9": 2007, "cortex-a15": 2010, "cortex-a7": 2011, "cortex-a53": 2012,
    "cortex-a57": 2012, "cortex-a35": 2015, "cortex-a72": 2015, "cortex-a55": 2017, "cortex-a76": 2018,
    "neoverse-n1": 2019, "neoverse-v1": 2020, "cortex-a710": 2021, "neoverse-n2": 2021,
    # IBM POWER and Z
    "POWER7": 2010, "POWER8": 2014, "POWER9": 2017, "POWER10": 2021,
    "z900": 2000, "z990": 2003, "z9EC": 2005, "z10EC": 2008, "z196": 2010, "zEC12": 2012, "z13": 2015,
    "z14": 2017, "z15": 2019, "gen15a": 2019, "z16": 2022, "gen16a": 2022,
}

_SUFFIX = lazy_compile(r"(-v\d+|-IBRS|-IBPB|-noTSX|-noTSX-IBRS|-base|-cpu)+$", re.IGNORECASE)
_VERSION = lazy_compile(r"-v(\d+)$")

_PLACE: dict[str, int] = {name.lower(): year for name, year in _YEARS.items()}


def generation(name: str) -> tuple[int, int, int]:
    """A key that sorts newer models after older ones: (known, year, version).

    Models absent from the table (generic ones such as qemu64, or new names) sort before every known one.
    """
    base = name
    version = 0
    match = _VERSION.search(name)
    if match:
        version = int(match.group(1))
    while True:
        place = _PLACE.get(base.lower())
        if place is not None:
            return (1, place, version)
        stripped = _SUFFIX.sub("", base)
        if stripped == base:
            # "Skylake-Server-noTSX" -> "Skylake-Server"; "EPYC-Milan-v2" -> "EPYC-Milan"
            parts = base.rsplit("-", 1)
            if len(parts) == 1:
                return (0, 0, version)
            stripped = parts[0]
        base = stripped


def newest_first(names: list[str]) -> list[str]:
    """Model names, newest generation first; models of one generation keep their plain name first."""
    return sorted(names, key=lambda n: (tuple(-part for part in generation(n)), len(n), n))
