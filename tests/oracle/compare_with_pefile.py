#!/usr/bin/python3
"""Compare downlevel's imports and exports with pefile's on every PE file given.

Usage: compare_with_pefile.py DOWNLEVEL_BINARY PATH...   (PATH: files or folders)

Each file becomes a multiset of entries:
  import|<dll>|<normal|delay>|<name or #ordinal>
  export|<ordinal>|<name or ->|<forwarder or ->
from pefile (python3-pefile) and from `downlevel pe imports/exports --json`.
Prints the totals and every difference (first 50); exits 1 on any difference
or on a file either side could not read, 0 otherwise.
"""
import collections
import json
import os
import subprocess
import sys

import pefile


def pe_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for root, _, names in os.walk(path):
                for name in sorted(names):
                    full = os.path.join(root, name)
                    if is_pe(full):
                        yield full
        elif is_pe(path):
            yield path


def is_pe(path):
    try:
        with open(path, "rb") as f:
            head = f.read(64)
            if len(head) < 64 or head[:2] != b"MZ":
                return False
            f.seek(int.from_bytes(head[0x3C:0x40], "little"))
            return f.read(4) == b"PE\0\0"
    except OSError:
        return False


def text(value):
    return value.decode("latin-1") if isinstance(value, bytes) else value


def pefile_entries(path):
    pe = pefile.PE(path, fast_load=True)
    pe.parse_data_directories(
        directories=[
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_IMPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_EXPORT"],
            pefile.DIRECTORY_ENTRY["IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT"],
        ]
    )
    entries = collections.Counter()
    for attr, kind in (("DIRECTORY_ENTRY_IMPORT", "normal"), ("DIRECTORY_ENTRY_DELAY_IMPORT", "delay")):
        for module in getattr(pe, attr, []):
            for imp in module.imports:
                # pefile fills names of some ordinal imports from its own table;
                # the file itself imports them by ordinal.
                what = "#%d" % imp.ordinal if imp.import_by_ordinal else text(imp.name)
                entries["import|%s|%s|%s" % (text(module.dll), kind, what)] += 1
    export_dir = getattr(pe, "DIRECTORY_ENTRY_EXPORT", None)
    for sym in getattr(export_dir, "symbols", []) if export_dir else []:
        entries["export|%d|%s|%s" % (sym.ordinal, text(sym.name) if sym.name else "-",
                                     text(sym.forwarder) if sym.forwarder else "-")] += 1
    pe.close()
    return entries


def downlevel_entries(binary, files):
    """Runs the CLI once per view over all files; returns {file: Counter} and {file: error}."""
    entries = {f: collections.Counter() for f in files}
    errors = {}
    for view in ("imports", "exports"):
        run = subprocess.run([binary, "pe", view, "--json", *files], capture_output=True, text=True)
        for doc in json.loads(run.stdout):
            f = doc["file"]
            if "error" in doc:
                errors[f] = doc["error"]
                continue
            if view == "imports":
                for module in doc["imports"]:
                    kind = "delay" if module["delay"] else "normal"
                    for fn in module["functions"]:
                        what = "#%d" % fn["ordinal"] if "ordinal" in fn else fn["name"]
                        entries[f]["import|%s|%s|%s" % (module["dll"], kind, what)] += 1
            elif doc["exports"] is not None:
                for sym in doc["exports"]["symbols"]:
                    entries[f]["export|%d|%s|%s" % (sym["ordinal"], sym.get("name", "-"),
                                                   sym.get("forwarder", "-"))] += 1
    return entries, errors


def main():
    binary, paths = sys.argv[1], sys.argv[2:]
    files = list(pe_files(paths))
    ours, our_errors = {}, {}
    for start in range(0, len(files), 500):  # keep command lines short
        chunk_entries, chunk_errors = downlevel_entries(binary, files[start:start + 500])
        ours.update(chunk_entries)
        our_errors.update(chunk_errors)

    compared = differing_files = differences = 0
    report = []
    for f in files:
        try:
            theirs = pefile_entries(f)
        except pefile.PEFormatError as e:
            report.append("%s: pefile cannot read it: %s" % (f, e))
            differing_files += 1
            continue
        if f in our_errors:
            report.append("%s: downlevel cannot read it: %s" % (f, our_errors[f]))
            differing_files += 1
            continue
        mine = ours[f]
        compared += sum(theirs.values())
        only_theirs = theirs - mine
        only_mine = mine - theirs
        if only_theirs or only_mine:
            differing_files += 1
            differences += sum(only_theirs.values()) + sum(only_mine.values())
            for e in sorted(only_theirs):
                report.append("%s: only pefile: %s" % (f, e))
            for e in sorted(only_mine):
                report.append("%s: only downlevel: %s" % (f, e))
    for line in report[:50]:
        print(line)
    if len(report) > 50:
        print("... %d more" % (len(report) - 50))
    print("pefile oracle: files compared: %d, entries compared: %d, files differing: %d, differences: %d"
          % (len(files), compared, differing_files, differences))
    return 0 if files and differing_files == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
