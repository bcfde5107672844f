#!/usr/bin/python3
"""The pefile peer: the same 'FILE<TAB>kind dll!function' lines as `downlevel scan`
for imports, delay imports and exports of every file in LISTFILE."""
import os
import sys

import pefile

DIRS = [pefile.DIRECTORY_ENTRY[n] for n in ("IMAGE_DIRECTORY_ENTRY_IMPORT", "IMAGE_DIRECTORY_ENTRY_EXPORT",
                                              "IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT")]


def text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


out = sys.stdout
for path in open(sys.argv[1]).read().splitlines():
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(directories=DIRS)
    for attr, kind in (("DIRECTORY_ENTRY_IMPORT", "import"), ("DIRECTORY_ENTRY_DELAY_IMPORT", "delay")):
        for module in getattr(pe, attr, []):
            for imp in module.imports:
                what = "#%d" % imp.ordinal if imp.import_by_ordinal else text(imp.name)
                out.write("%s\t%s %s!%s\n" % (path, kind, text(module.dll), what))
    exports = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    base = os.path.basename(path)
    for sym in getattr(exports, "symbols", []) if exports else []:
        name = text(sym.name) if sym.name else "#%d" % sym.ordinal
        fwd = " -> " + text(sym.forwarder) if sym.forwarder else ""
        out.write("%s\texport %s!%s%s\n" % (path, base, name, fwd))
    pe.close()
