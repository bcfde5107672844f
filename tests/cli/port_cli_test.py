#!/usr/bin/python3
"""`downlevel shim` and `downlevel port`: a program calling every runtime
function is ported to a 64-bit target without the Vista APIs and runs under
Wine with the same results, through the shims' own implementations; i686
shims build and pass check against XP; what cannot be provided is reported.

Usage: port_cli_test.py DOWNLEVEL FIXTURE_DIR WINE_X64_DIR WINE_I386_DIR WINE64_LOADER
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from harness import Checks, digest, runner

import pefile

BINARY, FIXTURES, WINE64, WINE32, WINE_LOADER = sys.argv[1:6]
check = Checks()
run = runner(BINARY)


def tree_digest(folder):
    return {os.path.relpath(os.path.join(d, f), folder): digest(os.path.join(d, f))
            for d, _, files in os.walk(folder) for f in files}


def wine(program, prefix):
    env = dict(os.environ, WINEDEBUG="-all", WINEPREFIX=prefix)
    r = subprocess.run([WINE_LOADER, program], capture_output=True, text=True, env=env, timeout=300)
    return r.returncode, r.stdout.replace("\r\n", "\n")


def shim_lines(output):
    return dict(re.findall(r"^shim (\S+): (.*)$", output, re.M))


with tempfile.TemporaryDirectory() as tmp:
    # --- A 64-bit target without the Vista APIs: Wine as of Windows Server 2003.
    old = os.path.join(tmp, "old.snap")
    r = run("target", "snapshot", WINE64, "--as-of", "5.2", "-o", old)
    check("as-of snapshot", r.returncode == 0 and "exports dated after" in r.stdout, r.stdout + r.stderr)

    app = os.path.join(FIXTURES, "port", "app")
    before = tree_digest(app)
    ported = os.path.join(tmp, "ported")
    r = run("port", app, "--target", old, "-o", ported, "--json")
    check("port exit", r.returncode == 0, r.stdout[-3000:] + r.stderr)
    report = json.loads(r.stdout) if r.returncode in (0, 1) else {}
    shims = {s["original"]: s for s in report.get("shims", [])}
    check("kernel32 shim", shims.get("kernel32.dll", {}).get("shim") == "xernel32.dll", shims)
    check("ws2_32 shim", sorted(shims.get("ws2_32.dll", {}).get("implemented", [])) == ["inet_ntop", "inet_pton"], shims)
    check("all 19 kernel32 functions implemented", len(shims.get("kernel32.dll", {}).get("implemented", [])) == 19, shims)
    check("missing before", report.get("missing_before") == 21, report.get("missing_before"))
    check("nothing remains", report.get("remaining") == [] and report.get("missing_after") == 0, report.get("remaining"))
    check("app folder untouched", tree_digest(app) == before)

    # The ported copy imports the shims, which pefile reads as forwarders plus implementations.
    pe = pefile.PE(os.path.join(ported, "runtime_user.exe"))
    imported = sorted(d.dll.decode().lower() for d in pe.DIRECTORY_ENTRY_IMPORT)
    check("imports renamed", "xernel32.dll" in imported and "xs2_32.dll" in imported and "kernel32.dll" not in imported,
          imported)
    check("checksum", pe.OPTIONAL_HEADER.CheckSum == pe.generate_checksum())
    pe.close()
    shim = pefile.PE(os.path.join(ported, "xernel32.dll"))
    exports = {e.name.decode(): e for e in shim.DIRECTORY_ENTRY_EXPORT.symbols if e.name}
    check("forwarder kept", exports.get("GetTickCount") is not None and
          exports["GetTickCount"].forwarder == b"kernel32.GetTickCount", exports.get("GetTickCount"))
    check("implementation, not forwarder", exports.get("GetTickCount64") is not None and
          exports["GetTickCount64"].forwarder is None)
    check("call counter exported", "DownlevelShimCalls" in exports)
    shim.close()

    # Same results under Wine; the shims' own implementations ran.
    prefix = os.path.join(tmp, "prefix")
    code, original_out = wine(os.path.join(app, "runtime_user.exe"), prefix)
    check("original runs", code == 0 and "SRW lock: 4 threads x 20000 increments = 80000" in original_out, original_out)
    code, ported_out = wine(os.path.join(ported, "runtime_user.exe"), prefix)
    check("ported runs", code == 0, ported_out)
    strip = lambda text: [line for line in text.splitlines() if not line.startswith("shim ")]
    check("same results", strip(original_out) == strip(ported_out) and len(strip(original_out)) > 40,
          "\n".join(l for l in strip(ported_out) if l not in strip(original_out)))
    check("original uses no shim", shim_lines(original_out) == {"xernel32.dll": "none", "xs2_32.dll": "none"},
          shim_lines(original_out))
    counts = shim_lines(ported_out)
    check("shims counted their calls",
          all(re.fullmatch(r"[1-9]\d* calls", counts.get(s, "")) for s in ("xernel32.dll", "xs2_32.dll")), counts)

    r = run("port", app, "--target", old, "-o", ported)
    check("port refuses a non-empty output", r.returncode == 2 and "not an empty folder" in r.stderr, r.stderr)
    r = run("port", app, "--target", old, "-o", os.path.join(app, "inside"))
    check("port refuses an output inside the app", r.returncode == 2 and not os.path.exists(os.path.join(app, "inside")),
          r.stderr)

    # --- i686: Vista APIs against the built-in XP; the shims' own imports pass check.
    minver = os.path.join(FIXTURES, "minver")
    vista_app = os.path.join(tmp, "vista-app")
    os.makedirs(vista_app)
    with open(os.path.join(minver, "vista.exe"), "rb") as src, open(os.path.join(vista_app, "vista.exe"), "wb") as dst:
        dst.write(src.read())
    vista_ported = os.path.join(tmp, "vista-ported")
    r = run("port", vista_app, "--target", "xp", "-o", vista_ported)
    check("i686 port exit", r.returncode == 0 and "after: nothing missing" in r.stdout, r.stdout + r.stderr)
    for name in ("xernel32.dll", "xs2_32.dll"):
        path = os.path.join(vista_ported, name)
        r = run("check", path, "--target", "xp")
        check("i686 %s passes check against xp" % name, r.returncode == 0 and "nothing missing" in r.stdout, r.stdout)
        pe = pefile.PE(path, fast_load=True)
        oh = pe.OPTIONAL_HEADER
        check("i686 %s is PE32 marked for XP" % name, pe.FILE_HEADER.Machine == 0x14C and
              (oh.MajorSubsystemVersion, oh.MinorSubsystemVersion) == (5, 1), (oh.MajorSubsystemVersion, oh.MinorSubsystemVersion))
        pe.close()

    clash_app = os.path.join(tmp, "clash-app")
    os.makedirs(clash_app)
    with open(os.path.join(minver, "vista.exe"), "rb") as src, open(os.path.join(clash_app, "vista.exe"), "wb") as dst:
        dst.write(src.read())
    with open(os.path.join(clash_app, "xernel32.dll"), "w") as f:
        f.write("the application's own file\n")
    r = run("port", clash_app, "--target", "xp", "-o", os.path.join(tmp, "clash-ported"))
    check("port never replaces an application file with a shim",
          r.returncode == 2 and "already has a file named xernel32.dll" in r.stderr, r.stdout + r.stderr)

    # --- Something the runtime cannot provide: reported precisely, exit 1.
    win8_app = os.path.join(tmp, "win8-app")
    os.makedirs(win8_app)
    with open(os.path.join(minver, "win8.exe"), "rb") as src, open(os.path.join(win8_app, "win8.exe"), "wb") as dst:
        dst.write(src.read())
    r = run("port", win8_app, "--target", "xp", "-o", os.path.join(tmp, "win8-ported"), "--json")
    doc = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    remaining = [(p["host"].lower(), p["function"]) for p in doc.get("remaining", [])]
    check("unprovidable exit 1", r.returncode == 1, r.stdout + r.stderr)
    check("unprovidable named", ("kernel32.dll", "GetSystemTimePreciseAsFileTime") in remaining, remaining)

    # --- shim generate from a real DLL; hostile names never reach the files.
    out = os.path.join(tmp, "gen")
    r = run("shim", "generate", "--from", os.path.join(WINE32, "kernel32.dll"), "--target", "xp", "-o", out, "--json")
    plan = json.loads(r.stdout) if r.stdout.startswith("{") else {}
    check("generate exit 1 (unprovided exports)", r.returncode == 1 and plan.get("forwarded", 0) > 800, r.stderr)
    check("generate implements", "GetTickCount64" in plan.get("implemented", []), plan.get("implemented"))
    with open(os.path.join(out, "xernel32.def")) as f:
        definition = f.read()
    with open(os.path.join(out, "xernel32_exports.cpp")) as f:
        directives = f.read()
    check("def forwarder", '"GetTickCount" = "kernel32.GetTickCount"' in definition, definition[:500])
    check("def implementation", '"GetTickCount64" = "dl_GetTickCount64"' in definition)
    check("msvc in target", '"/export:GetTickCount=kernel32.GetTickCount' in directives and "// in target" in directives)
    check("msvc not in target", "// NOT in target" in directives and "// implemented: runtime/tick_count.c" in directives)
    r = run("shim", "build", out, "--arch", "x86")
    check("generated shim builds", r.returncode == 0 and os.path.exists(os.path.join(out, "xernel32.dll")), r.stderr)
    r = run("check", os.path.join(out, "xernel32.dll"), "--target", "xp")
    check("generated shim passes check", r.returncode == 0, r.stdout)

    r = run("shim", "build", out, "--arch", "x86", "--cc", "/nonexistent/i686-w64-mingw32-gcc")
    check("missing compiler", r.returncode == 2 and "gcc-mingw-w64-i686" in r.stderr and r.stderr.count("\n") == 1,
          r.stderr)
    r = run("shim", "build", os.path.join(tmp, "nowhere"), "--arch", "x64")
    check("no manifest", r.returncode == 2 and "shim.json" in r.stderr, r.stderr)
    r = run("shim", "build", out, "--arch", "arm")
    check("bad arch", r.returncode == 2 and "x86 or x64" in r.stderr, r.stderr)

check.finish()
