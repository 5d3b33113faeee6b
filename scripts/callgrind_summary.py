#!/usr/bin/env python3
"""Where a callgrind dump's instructions go, per request: grouped by crate (or C library), then the
functions with the most instructions of their own.

    callgrind_summary.py DUMP REQUESTS
"""
import re
import subprocess
import sys

dump, requests = sys.argv[1], int(sys.argv[2])
out = subprocess.run(["callgrind_annotate", "--threshold=100", "--inclusive=no", "--auto=no", dump],
                     capture_output=True, text=True, check=True).stdout
# A dump taken mid-run charges the frames still on the stack (main, the runtime's block_on, thread
# starts) with everything below them: those are left out, so that the rest adds up to the total.
ROOTS = re.compile(r"\(below main\)|__libc_start_main|:main |:main$|lang_start|__rust_begin_short_backtrace|"
                   r"::main \[|block_on|enter_runtime|thread_start|call_once\{\{vtable\.shim\}\}|"
                   r":start_thread|:clone |\?\?\?:0x[0-9a-f]+ \[.*ld-linux")
total, rows = 0, []
for line in out.splitlines():
    m = re.match(r"\s*([\d,]+) \([\s\d.]+%\)\s+(.*)$", line)
    if not m:
        continue
    ir, what = int(m.group(1).replace(",", "")), m.group(2)
    if what == "PROGRAM TOTALS":
        total = ir
    elif not ROOTS.search(what):
        rows.append((ir, what))
# Frames a dump taken over HTTP finds on a runtime thread's stack (tokio's workers) are charged
# with nearly everything too; no function of its own runs half of a request's instructions.
rows = [(ir, what) for ir, what in rows if ir < total / 2]


def group(what):
    path, _, function = what.partition(":")
    # a Rust function is grouped by the crate its name starts with (`<sea_orm::...`, `orders::...`),
    # wherever the code was inlined from
    m = re.match(r"<*&?(?:mut )?(?:dyn )?([a-z_][a-z0-9_]*)::", function)
    if m and m.group(1) not in ("core", "alloc", "std"):
        return m.group(1)
    m = re.search(r"registry/src/[^/]+/([A-Za-z0-9_-]+?)-\d+\.\d+", path)
    if m:
        return m.group(1)
    m = re.search(r"/work/[^/]+/(?:crates/)?([a-z_]+)/", path)
    if m:
        return "scriptorium " + m.group(1)
    if "/rustc/" in path:
        return "Rust std/core/alloc"
    m = re.search(r"\[(/[^\]]+)\]$", what)
    return m.group(1).rsplit("/", 1)[-1] if m else path


groups = {}
for ir, what in rows:
    groups[group(what)] = groups.get(group(what), 0) + ir
counted = sum(ir for ir, _ in rows)
print(f"  {total // requests:>10,} instructions per request ({100 * counted / total:.1f}% attributed below)")
print("  by crate:")
for name, ir in sorted(groups.items(), key=lambda kv: -kv[1])[:14]:
    print(f"  {ir // requests:>10,}  {100 * ir / total:5.1f}%  {name}")
print("  functions with the most of their own:")
for ir, what in sorted(rows, reverse=True)[:15]:
    function = what.split(":", 1)[-1] if ":" in what else what
    print(f"  {ir // requests:>10,}  {100 * ir / total:5.1f}%  {function[:150]}")
