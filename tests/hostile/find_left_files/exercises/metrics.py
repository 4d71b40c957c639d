# hostile: appended to the reference solution
"""At import: looks for what an earlier submission left (leave_files) in every folder it can
see, and prints it. The functions are correct."""

import os

MARK = "torchgrade-left-behind"
for folder, dirs, files in os.walk("/"):
    if folder.startswith(("/proc", "/sys")) or folder.count("/") > 4:
        dirs[:] = []
        continue
    if MARK in files:
        print("FOUND", os.path.join(folder, MARK))
print("SEARCH DONE")
