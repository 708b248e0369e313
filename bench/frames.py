#!/usr/bin/env python3
"""bench/frames.py OBJDUMP BINARY [N]

The largest stack frames of an unstripped static binary, from its
disassembly: one line per function, "bytes<TAB>probed<TAB>name", largest
first (at most N, default 12).  A frame is what the function reserves below
its saved registers: x86_64 `sub $X,%rsp` (plus the size of an inline
stack-probe loop, `sub $X,%r11`, which writes every 4 KiB page of the frame
on entry: probed = yes), arm `sub sp, sp, #X`, aarch64 `sub sp, sp, #X` and
`sub sp, sp, #X, lsl #12`, mips `addiu sp, sp, -X`.  Used by scripts/bench.sh
to show where a daemon's resident stack comes from.  Standard library only.
"""
import re
import subprocess
import sys

objdump, binary = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 12
text = subprocess.run([objdump, "-d", "--no-show-raw-insn", "-C", binary], capture_output=True, text=True,
                      check=True).stdout
frames, probed = {}, set()
fn = None
skip_page = False  # the `sub $0x1000,%rsp` inside a probe loop is counted by its `sub $X,%r11`
PAT = [
    (re.compile(r"\bsub\s+\$0x([0-9a-f]+),%rsp"), 16, False),
    (re.compile(r"\bsub\s+\$0x([0-9a-f]+),%r11"), 16, True),
    (re.compile(r"\bsubw?\s+sp,\s*sp,\s*#(\d+)(?:,\s*lsl #12)?"), 10, False),
    (re.compile(r"\baddiu\s+sp,\s*sp,\s*-(\d+)"), 10, False),
]
for line in text.splitlines():
    m = re.match(r"^[0-9a-f]+ <(.*)>:$", line)
    if m:
        fn = m.group(1)
        continue
    if fn is None:
        continue
    if re.search(r"\b(movq|orq)\s+\$0x0,\(%rsp\)", line):
        probed.add(fn)  # an unrolled probe: this page of the frame is written on entry
        continue
    if skip_page and re.search(r"\bsub\s+\$0x1000,%rsp", line):
        skip_page = False
        continue
    for rx, base, probe in PAT:
        m = rx.search(line)
        if not m:
            continue
        v = int(m.group(1), base)
        if "lsl #12" in line:
            v <<= 12
        if probe:
            probed.add(fn)
            skip_page = True
        frames[fn] = frames.get(fn, 0) + v
        break
for name, size in sorted(frames.items(), key=lambda x: -x[1])[:top]:
    print(f"{size}\t{'yes' if name in probed else 'no'}\t{name[:140]}")
