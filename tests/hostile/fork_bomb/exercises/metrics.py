# hostile: appended to the reference solution
"""At import: forks until the process limit stops it, and starts daemons that leave the
process group (setsid, double fork) to outlive the grading. The functions are correct."""

import os
import subprocess
import time


def _spawn():
    for _ in range(500):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            try:
                os.setsid()
                if os.fork() == 0:
                    time.sleep(10_000)
            finally:
                os._exit(0)
    for _ in range(5):
        try:
            subprocess.Popen(["sleep", "10000"], start_new_session=True)
        except OSError:
            break


_spawn()
