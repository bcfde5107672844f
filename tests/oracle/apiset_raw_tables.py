#!/usr/bin/python3
"""Check `downlevel apiset resolve` against an independent decoding of a v6 schema.

Usage: apiset_raw_tables.py DOWNLEVEL APISETSCHEMA.DLL

Reads the .apiset section with pefile, decodes the version-6 tables with
struct (not with downlevel's reader), and asks the CLI to resolve every set's
name, the same name with another last version number, and every exception
with its importer. Exits 1 on any difference.
"""
import json
import struct
import subprocess
import sys

import pefile

binary, path = sys.argv[1], sys.argv[2]
pe = pefile.PE(path, fast_load=True)
section = next(s for s in pe.sections if s.Name.rstrip(b"\0") == b".apiset")
data = section.get_data()
version, size, flags, count, entry_offset, hash_offset, factor = struct.unpack_from("<7I", data, 0)
assert version == 6, "this oracle decodes version 6 only"


def text(offset, length):
    return data[offset:offset + length].decode("utf-16-le")


expected = []  # (query, importer or None, expected host or None for "not hosted")
for i in range(count):
    _, name_off, name_len, hashed_len, value_off, value_count = struct.unpack_from("<6I", data, entry_offset + 0x18 * i)
    name = text(name_off, name_len)
    values = [struct.unpack_from("<5I", data, value_off + 0x14 * v) for v in range(value_count)]
    default = text(values[0][3], values[0][4]) if values and values[0][4] else None
    expected.append((name + ".dll", None, default))
    # The loader ignores the last version number.
    expected.append((name.rsplit("-", 1)[0] + "-99.dll", None, default))
    for v in values[1:]:
        host = text(v[3], v[4]) if v[4] else None
        expected.append((name + ".dll", text(v[1], v[2]), host))

differences = 0


def check(queries, importer):
    global differences
    args = [binary, "apiset", "resolve", "--json", "--schema", path]
    if importer:
        args += ["--importer", importer]
    out = subprocess.run(args + [q for q, _, _ in queries], capture_output=True, text=True, check=True)
    for (query, _, host), got in zip(queries, json.loads(out.stdout)["resolutions"]):
        ok = got.get("host") == host if host else got["outcome"] == "in schema, not hosted"
        if not ok:
            differences += 1
            print("DIFF %s (importer %s): expected %s, got %s" % (query, importer, host, got))


check([e for e in expected if e[1] is None], None)
exceptions = [e for e in expected if e[1] is not None]
for query in exceptions:
    check([query], query[1])
print("apiset raw tables: %s: %d sets, %d queries, %d exceptions, differences: %d"
      % (path, count, len(expected), len(exceptions), differences))
sys.exit(1 if differences or count == 0 else 0)
