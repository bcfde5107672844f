#!/usr/bin/python3
"""`downlevel patch`: pefile reads the results back, Wine runs them, every Wine
PE survives a version patch with only the intended bytes changed, bad input
leaves the input byte-identical.

Usage: patch_cli_test.py DOWNLEVEL FIXTURE_DIR WINE_X64_DIR WINE64_LOADER
"""
import concurrent.futures
import hashlib
import os
import shutil
import stat
import struct
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

import pefile

BINARY, FIXTURES, WINE, WINE_LOADER = sys.argv[1:5]
check = Checks()

run = runner(BINARY)


def optional_header_offset(data):
    return struct.unpack_from("<I", data, 0x3C)[0] + 24


with tempfile.TemporaryDirectory() as tmp:
    x64 = os.path.join(FIXTURES, "x86_64")

    # --- Names and fields read back by pefile; its checksum equals ours.
    patched = os.path.join(tmp, "patched.exe")
    r = run("patch", os.path.join(x64, "importer.exe"), "-o", patched, "--os-version", "5.0",
            "--subsystem-version", "5.1", "--rename-import", "FIXTURE_EXPORTER.DLL=fixture_exportex.dll",
            "--rename-import", "fixture_delayed.dll=fixture_delayed_renamed_v2.dll")
    check("patch exit", r.returncode == 0, r.stderr)
    check("in place reported", "(in place): fixture_exporter.dll -> fixture_exportex.dll" in r.stdout, r.stdout)
    check("moved reported", "fixture_delayed.dll -> fixture_delayed_renamed_v2.dll" in r.stdout, r.stdout)
    pe = pefile.PE(patched)
    oh = pe.OPTIONAL_HEADER
    check("os version", (oh.MajorOperatingSystemVersion, oh.MinorOperatingSystemVersion) == (5, 0))
    check("subsystem version", (oh.MajorSubsystemVersion, oh.MinorSubsystemVersion) == (5, 1))
    # The linker decides descriptor order, so compare against the input's order.
    original = pefile.PE(os.path.join(x64, "importer.exe"))
    expected = [b"fixture_exportex.dll" if d.dll.lower() == b"fixture_exporter.dll" else d.dll
                for d in original.DIRECTORY_ENTRY_IMPORT]
    original.close()
    check("import names", [d.dll for d in pe.DIRECTORY_ENTRY_IMPORT] == expected,
          ([d.dll for d in pe.DIRECTORY_ENTRY_IMPORT], expected))
    delay_names = [d.dll.lower() for d in pe.DIRECTORY_ENTRY_DELAY_IMPORT]
    check("delay names", b"fixture_delayed_renamed_v2.dll" in delay_names and
          b"fixture_delayed.dll" not in delay_names, delay_names)
    check("checksum", oh.CheckSum == pe.generate_checksum(), (hex(oh.CheckSum), hex(pe.generate_checksum())))
    pe.close()

    # A GNU ld DLL has room for a section header: the new-section path.
    moved = os.path.join(tmp, "exporter-moved.dll")
    r = run("patch", os.path.join(x64, "fixture_exporter.dll"), "-o", moved,
            "--rename-import", "msvcrt.dll=msvcrt_with_a_longer_name.dll")
    check("new section path", r.returncode == 0 and "new section .dlname" in r.stdout, r.stdout + r.stderr)
    pe = pefile.PE(moved)
    check("new section", pe.sections[-1].Name.rstrip(b"\0") == b".dlname"
          and b"msvcrt_with_a_longer_name.dll" in [d.dll for d in pe.DIRECTORY_ENTRY_IMPORT])
    check("new section checksum", pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum())
    pe.close()

    # --- Under Wine: the patched program prints what the original printed.
    if os.path.exists(WINE_LOADER):
        env = dict(os.environ, WINEDEBUG="-all", WINEPREFIX=os.path.join(tmp, "wineprefix"))
        run_dir = os.path.join(tmp, "run")
        os.mkdir(run_dir)
        for name in ("importer.exe", "fixture_exporter.dll", "fixture_delayed.dll"):
            shutil.copy(os.path.join(x64, name), run_dir)

        def wine(program):
            return subprocess.run([WINE_LOADER, os.path.join(run_dir, program), "d"], capture_output=True, text=True,
                                  env=env, timeout=300).stdout

        original = wine("importer.exe")
        check("original runs", original.count("\n") == 2 and "42 1234" in original, original)
        for variant, renames in (("same-length.exe", ["fixture_exporter.dll=fixture_exportex.dll"]),
                                 ("longer.exe", ["fixture_exporter.dll=fixture_exporter_longer.dll"]),
                                 ("delay.exe", ["fixture_delayed.dll=fixture_delayed_renamed_v2.dll"])):
            args = ["patch", os.path.join(run_dir, "importer.exe"), "-o", os.path.join(run_dir, variant)]
            for rename in renames:
                args += ["--rename-import", rename]
                old, new = rename.split("=")
                shutil.copy(os.path.join(run_dir, old), os.path.join(run_dir, new))
            r = run(*args)
            check("patch " + variant, r.returncode == 0, r.stderr)
        # Without the old DLLs only the renamed imports can be satisfied.
        os.rename(os.path.join(run_dir, "fixture_exporter.dll"), os.path.join(run_dir, "gone1"))
        same = wine("same-length.exe")
        longer = wine("longer.exe")
        shutil.copy(os.path.join(run_dir, "gone1"), os.path.join(run_dir, "fixture_exporter.dll"))
        os.rename(os.path.join(run_dir, "fixture_delayed.dll"), os.path.join(run_dir, "gone2"))
        delay = wine("delay.exe")
        ticks = lambda text: [line.rsplit(" ", 1)[0] for line in text.splitlines()]  # the last number is a clock
        for name, out in (("same-length", same), ("longer", longer), ("delay", delay)):
            check("wine output " + name, ticks(out) == ticks(original), (out, original))
        print("wine: original and 3 patched programs printed %r" % ticks(original))
    else:
        check("wine present", False, WINE_LOADER)

    # --- Every PE in Wine's folder: version patch changes only its fields and the checksum.
    copies = os.path.join(tmp, "copies")
    os.mkdir(copies)
    names = sorted(n for n in os.listdir(WINE) if open(os.path.join(WINE, n), "rb").read(2) == b"MZ")

    def version_patch(index, name):
        """The checks on one file, as (label, condition, detail): run from worker threads, so the
        sanitizer build's two processes per file overlap instead of queueing on one core."""
        source = os.path.join(WINE, name)
        out = os.path.join(copies, name)
        r = run("patch", source, "-o", out, "--os-version", "5.0", "--subsystem-version", "5.0")
        if r.returncode != 0:
            return [("patch " + name, False, r.stderr)], False
        with open(source, "rb") as f:
            before = f.read()
        with open(out, "rb") as f:
            after = f.read()
        opt = optional_header_offset(before)
        allowed = [(opt + 40, opt + 44), (opt + 48, opt + 52), (opt + 64, opt + 68)]
        edges = [0] + [x for r_ in allowed for x in r_] + [len(before)]
        unchanged = len(before) == len(after) and all(before[edges[i]:edges[i + 1]] == after[edges[i]:edges[i + 1]]
                                                      for i in range(0, len(edges), 2))
        results = [("only intended bytes " + name, unchanged, "")]
        r = run("pe", "imports", out)
        results.append(("reparses " + name, r.returncode == 0, r.stderr))
        pe = pefile.PE(data=after, fast_load=True)
        ok = (pe.OPTIONAL_HEADER.MajorOperatingSystemVersion, pe.OPTIONAL_HEADER.MajorSubsystemVersion) == (5, 5)
        sampled = index % 10 == 0 and len(after) < 2 << 20  # pefile's checksum is pure Python: a sample
        if sampled:
            ok = ok and pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum()
        results.append(("pefile reads " + name, ok, ""))
        pe.close()
        os.remove(out)
        return results, sampled

    sampled = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for results, was_sampled in pool.map(version_patch, range(len(names)), names):
            for label, condition, detail in results:
                check(label, condition, detail)
            sampled += was_sampled
    print("wine version patch: %d files, pefile checksum compared on %d" % (len(names), sampled))

    # --- Bad input: clear error, exit 2, input byte-identical.
    work = os.path.join(tmp, "work")
    os.mkdir(work)
    exe = os.path.join(work, "importer.exe")
    shutil.copy(os.path.join(x64, "importer.exe"), exe)
    before = digest(exe)
    text = os.path.join(work, "notes.txt")
    with open(text, "w") as f:
        f.write("not a program\n" * 10)
    truncated = os.path.join(work, "truncated.exe")
    with open(exe, "rb") as f, open(truncated, "wb") as g:
        g.write(f.read()[:0x300])
    readonly = os.path.join(tmp, "readonly")
    os.mkdir(readonly)
    os.chmod(readonly, 0o555)
    cases = [
        ("not a PE", [text, "-o", os.path.join(work, "x"), "--os-version", "5.0"], "is not 'MZ'"),
        ("not imported", [exe, "-o", os.path.join(work, "x"), "--rename-import", "nosuch.dll=other.dll"],
         "nosuch.dll is not imported"),
        ("bad new name", [exe, "-o", os.path.join(work, "x"), "--rename-import", "msvcrt.dll=../evil\".dll"],
         "cannot carry"),
        ("read-only folder", [exe, "-o", os.path.join(readonly, "x.exe"), "--os-version", "5.0"], "cannot create"),
        ("truncated", [truncated, "-o", os.path.join(work, "x"), "--rename-import", "msvcrt.dll=m.dll"], "run past the end of the file"),
        ("overwrite input", [exe, "-o", exe, "--os-version", "5.0"], "use --in-place"),
        ("bad version", [exe, "-o", os.path.join(work, "x"), "--os-version", "five"], "must look like 5.0"),
    ]
    is_root = os.geteuid() == 0
    for name, args, expected in cases:
        if name == "read-only folder" and is_root:
            continue  # root writes anywhere; covered by the unit tests' error path instead
        r = run("patch", *args)
        check("bad input " + name, r.returncode == 2 and expected in r.stderr and len(r.stderr.splitlines()) == 1,
              r.stderr)
        check("input unchanged " + name, digest(exe) == before)
        check("no output " + name, not os.path.exists(os.path.join(work, "x")))

    # --in-place: atomic replacement, permissions kept.
    os.chmod(exe, 0o750)
    r = run("patch", exe, "--in-place", "--os-version", "5.0")
    check("in place", r.returncode == 0 and digest(exe) != before and stat.S_IMODE(os.stat(exe).st_mode) == 0o750,
          r.stderr)
    check("no temporary left", sorted(os.listdir(work)) == ["importer.exe", "notes.txt", "truncated.exe"],
          os.listdir(work))
    os.chmod(readonly, 0o755)

check.finish()
