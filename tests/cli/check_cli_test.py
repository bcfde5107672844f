#!/usr/bin/python3
"""`downlevel check` and `downlevel target`: real data, snapshots, exit codes, bad input.

Usage: check_cli_test.py DOWNLEVEL FIXTURE_DIR WINE_X64_DIR WINE_I386_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

BINARY, FIXTURES, WINE64, WINE32 = sys.argv[1:5]
CHECK = os.path.join(FIXTURES, "check")
check = Checks()

run = runner(BINARY)



def without_target(report):
    report = dict(report)
    report.pop("target")
    return report


# Real findings when each Wine folder is checked against itself, with the reason.
# Anything else reported is a false alarm and fails the test.
KNOWN_FINDINGS = {
    WINE64: {},
    # Debian ships zlib1.dll in libz-mingw-w64 (arch: all) and Wine finds it
    # outside the i386-windows folder; libwine:i386 alone does not contain it.
    WINE32: {("missing DLL", "zlib1.dll"): "shipped by Debian's libz-mingw-w64, not by libwine:i386"},
}

with tempfile.TemporaryDirectory() as tmp:
    for folder, known in KNOWN_FINDINGS.items():
        r = run("check", folder, "--target", folder, "--json")
        report = json.loads(r.stdout)
        findings = {}
        for f in report["files"]:
            check("usable " + f["file"], "error" not in f, f.get("error"))
            for p in f.get("problems", []):
                findings.setdefault((p["kind"], p.get("host", p["dll"])), set()).add(p["importer"])
        unexpected = {k: v for k, v in findings.items() if k not in known}
        check("no false alarms in " + folder, not unexpected, unexpected)
        for key, reason in known.items():
            check("real finding %s in %s" % (key, folder), key in findings, findings.keys())
            print("real finding: %s %s (needed by %d modules): %s"
                  % (key[0], key[1], len(findings.get(key, ())), reason))
        check("exit code " + folder, r.returncode == (1 if known else 0), r.returncode)
        t = report["totals"]
        print("%s against itself: %d files, %d functions checked, %d missing DLLs, %d missing functions"
              % (folder, t["files"], t["functions_checked"], t["missing_dlls"],
                 t["missing_functions_static"] + t["missing_functions_delay"]))

        # A snapshot of the folder gives the very same report.
        snapshot = os.path.join(tmp, "snapshot.dlsnap")
        s = run("target", "snapshot", folder, "-o", snapshot)
        check("snapshot " + folder, s.returncode == 0, s.stderr)
        from_snapshot = json.loads(run("check", folder, "--target", snapshot, "--json").stdout)
        check("snapshot report equal " + folder, without_target(from_snapshot) == without_target(report))
        print("snapshot of %s: %d bytes (folder: %d bytes)"
              % (folder, os.path.getsize(snapshot),
                 sum(os.path.getsize(os.path.join(folder, n)) for n in os.listdir(folder))))

    # The synthetic system: exit 1 and the same JSON from its snapshot.
    app = os.path.join(CHECK, "app")
    for system in ("old-system", "modern-system", "exception-system"):
        target = os.path.join(CHECK, system)
        folder_report = run("check", app, "--target", target, "--json")
        check("exit 1 " + system, folder_report.returncode == 1, folder_report.returncode)
        snapshot = os.path.join(tmp, system + ".dlsnap")
        run("target", "snapshot", target, "-o", snapshot)
        snapshot_report = run("check", app, "--target", snapshot, "--json")
        check("snapshot equal " + system,
              without_target(json.loads(snapshot_report.stdout)) == without_target(json.loads(folder_report.stdout)))

    # Text report: errors, warnings, summary per DLL, closure; -o writes it.
    r = run("check", os.path.join(app, "app.exe"), "--target", os.path.join(CHECK, "old-system"))
    check("text error line", "  error   kernel32.dll!GetTickCount64: missing function: GetTickCount64 not exported by "
          "kernel32.dll\n" in r.stdout, r.stdout)
    check("text delay warning", "warning user32.dll!SetProcessDpiAwarenessContext [delay-load]" in r.stdout, r.stdout)
    check("text needed by", "[needed by helper.dll]" in r.stdout, r.stdout)
    check("text summary", "summary by DLL:" in r.stdout and "total: 1 files" in r.stdout, r.stdout)
    check("text closure", "  from application folder: api-ms-win-crt-runtime-l1-1-0.dll helper.dll ucrtbase.dll" in r.stdout,
          r.stdout)
    out = os.path.join(tmp, "report.txt")
    r2 = run("check", os.path.join(app, "app.exe"), "--target", os.path.join(CHECK, "old-system"), "-o", out)
    check("-o", r2.returncode == 1 and r2.stdout == "" and open(out).read() == r.stdout)
    r = run("check", os.path.join(app, "app.exe"), "--target", os.path.join(CHECK, "old-system"), "--json",
            "--only-missing")
    doc = json.loads(r.stdout)
    check("only-missing", all("closure" not in f for f in doc["files"]) and len(doc["files"]) == 1, doc)

    # Bad input: a target without DLLs, a corrupt snapshot, a non-PE among the programs.
    empty = os.path.join(tmp, "empty-target")
    os.mkdir(empty)
    r = run("check", os.path.join(app, "app.exe"), "--target", empty)
    check("empty target", r.returncode == 2 and "holds no readable DLL" in r.stderr, r.stderr)
    corrupt = os.path.join(tmp, "corrupt.dlsnap")
    with open(os.path.join(tmp, "snapshot.dlsnap"), "rb") as f:
        data = f.read()
    with open(corrupt, "wb") as f:
        f.write(data[: len(data) // 2])
    r = run("check", os.path.join(app, "app.exe"), "--target", corrupt)
    check("corrupt snapshot", r.returncode == 2 and len(r.stderr.splitlines()) == 1 and "target snapshot" in r.stderr,
          r.stderr)
    mixed = os.path.join(tmp, "mixed")
    shutil.copytree(app, mixed)
    with open(os.path.join(mixed, "broken.dll"), "wb") as f:
        f.write(b"not a program at all" * 10)
    with open(os.path.join(mixed, "readme.txt"), "w") as f:
        f.write("not a program, and not claiming to be one")
    r = run("check", mixed, "--target", os.path.join(CHECK, "old-system"), "--json")
    doc = json.loads(r.stdout)
    names = sorted(os.path.basename(f["file"]) for f in doc["files"])
    check("bad file does not stop the batch", r.returncode == 2 and names == [
        "api-ms-win-crt-runtime-l1-1-0.dll", "app.exe", "broken.dll", "helper.dll", "ucrtbase.dll"], names)
    check("bad file message", any("broken.dll" in line and "not a PE file" in line for line in r.stderr.splitlines()),
          r.stderr)
    r = run("check", os.path.join(tmp, "missing.exe"), "--target", "xp")
    check("missing app", r.returncode == 2 and "no such file or folder" in r.stderr, r.stderr)
    r = run("check", os.path.join(app, "app.exe"), "--target", os.path.join(tmp, "nothing-here"))
    check("missing target", r.returncode == 2 and "not a folder, a snapshot file or a built-in target" in r.stderr,
          r.stderr)

    # target list / show
    r = run("target", "list")
    check("target list", r.returncode == 0 and r.stdout.startswith("xp ") and "accuracy:" in r.stdout, r.stdout)
    r = run("target", "show", "xp", "ws2_32.dll")
    check("target show", r.returncode == 0 and "      23  socket\n" in r.stdout, r.stdout[:500])
    r = run("target", "show", "xp", "nosuch.dll")
    check("target show missing dll", r.returncode == 2, r.stderr)

    # minver: the step up with its functions, runtime lookups, bad input.
    minver = os.path.join(FIXTURES, "minver")
    r = run("minver", os.path.join(minver, "vista.exe"), os.path.join(minver, "runtime_lookup.exe"))
    check("minver vista", "vista.exe: Windows Vista (6.0)\n" in r.stdout and "  Windows Vista (6.0): "
          "kernel32!GetFinalPathNameByHandleW, kernel32!GetTickCount64, kernel32!InitializeSRWLock, ws2_32!inet_pton\n"
          in r.stdout, r.stdout)
    check("minver runtime lookup", "runtime_lookup.exe: Windows XP (5.1)\n" in r.stdout and "resolved at run time, "
          "verify the program falls back: GetTickCount64 (kernel32.dll, Windows Vista 6.0)" in r.stdout, r.stdout)
    doc = json.loads(run("minver", "--json", os.path.join(minver, "win8.exe")).stdout)
    check("minver json", doc[0]["minimum"]["version"] == "6.2" and doc[0]["steps"][-1]["functions"]
          == ["kernel32!GetSystemTimePreciseAsFileTime"], doc)
    r = run("minver", empty, os.path.join(minver, "xp.exe"))
    check("minver bad input", r.returncode == 2 and "xp.exe: Windows XP (5.1)" in r.stdout, r.stderr)

check.finish()
