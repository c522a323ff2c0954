"""Every virtlint rule, one module each; importing this package registers them all.

Modules whose names start with an underscore are helpers shared by rules.

The rule modules' compiled code is kept in one file beside their bytecode (``__pycache__/rules.<tag>.bundle``),
so a start reads one file instead of importing ~100 modules one by one (each import looks the module up through
every finder, stats its source and opens its bytecode: together ~15 ms of every `virtlint check`). The bundle is
bytecode like any other: written where and when Python writes bytecode, checked against its folder, each
source's name, size and modification time and the interpreter's bytecode version, and rebuilt (by ordinary
imports) when anything differs or it cannot be read. Each module is still an ordinary module (in sys.modules,
with its __file__, __spec__ and loader), so tracebacks, inspect and importing one by name behave as before.
"""

import os
import sys
from types import CodeType

_FORMAT = 1


def _register_all() -> None:
    folder = __path__[0]
    names = sorted(entry[:-3] for entry in os.listdir(folder) if entry.endswith(".py") and not entry.startswith("_"))
    stamp = []
    for name in names:
        info = os.stat(os.path.join(folder, name + ".py"))
        stamp.append((name, info.st_size, info.st_mtime_ns))
    from importlib.util import MAGIC_NUMBER

    # (the folder too: the code objects name their files, which a copied folder's bundle would misname)
    header = (_FORMAT, MAGIC_NUMBER, sys.flags.optimize, folder, stamp)
    bundle = _bundle_path(folder)
    codes = _read_bundle(bundle, header) if bundle is not None else None
    if codes is not None:
        for name in names:
            _execute(folder, name, codes[name])
        return
    built = {name: _execute(folder, name, None) for name in names}
    if bundle is not None:
        _write_bundle(bundle, header, built)


def _bundle_path(folder: str) -> str | None:
    """Where the bundle lives (None when bytecode is not cached, or not beside the sources)."""
    tag = sys.implementation.cache_tag
    if tag is None or sys.pycache_prefix is not None:
        return None
    return os.path.join(folder, "__pycache__", f"rules.{tag}.bundle")


def _read_bundle(path: str, header: tuple) -> dict[str, CodeType] | None:
    import marshal

    try:
        with open(path, "rb") as handle:
            data = handle.read()
        size = int.from_bytes(data[:4], "little")
        if marshal.loads(data[4:4 + size]) != header:
            return None
        codes = marshal.loads(memoryview(data)[4 + size:])  # (marshal.load on the file reads piecemeal: slower)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    return codes if isinstance(codes, dict) and all(name in codes for name, _, _ in header[-1]) else None


def _write_bundle(path: str, header: tuple, codes: dict[str, CodeType]) -> None:
    if sys.dont_write_bytecode:
        return
    import marshal

    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        encoded = marshal.dumps(header)
        with open(temporary, "wb") as out:
            out.write(len(encoded).to_bytes(4, "little") + encoded + marshal.dumps(codes))
        os.replace(temporary, path)
    except (OSError, ValueError):
        try:
            os.unlink(temporary)
        except OSError:
            pass


def _execute(folder: str, name: str, code: CodeType | None) -> CodeType:
    """Run one rule module as an import would (its code from the bundle, or from its loader when ``code`` is
    None); returns the code it ran."""
    from importlib.machinery import ModuleSpec, SourceFileLoader
    from importlib.util import module_from_spec, spec_from_file_location

    full = f"{__name__}.{name}"
    spec = None
    if code is None:
        spec = spec_from_file_location(full, os.path.join(folder, name + ".py"))
        assert spec is not None and isinstance(spec.loader, SourceFileLoader)
        code = spec.loader.get_code(full)  # from the bytecode, or compiled from the source, as an import does
        assert code is not None
    if full in sys.modules:
        return code  # (imported already, by a rule module importing it: its code still goes in the bundle)
    if spec is None:
        # (the spec spec_from_file_location makes, its bytecode path given: computing it costs ~2 ms a start)
        path = os.path.join(folder, name + ".py")
        spec = ModuleSpec(full, SourceFileLoader(full, path), origin=path)
        spec.has_location = True
        spec.cached = os.path.join(folder, "__pycache__", f"{name}.{sys.implementation.cache_tag}.pyc")
    module = module_from_spec(spec)
    sys.modules[full] = module
    try:
        exec(code, module.__dict__)  # noqa: S102  (the module's own compiled code, as the import system runs it)
    except BaseException:
        sys.modules.pop(full, None)
        raise
    setattr(sys.modules[__name__], name, sys.modules[full])
    return code


_register_all()
