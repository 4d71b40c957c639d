# hostile: appended to the reference solution
"""At import: starts daemons that leave its process group and session (double fork +
setsid, and `sleep` in a new session) so that they outlive the grading. The functions are
correct."""

import os
import subprocess
import time

for _ in range(3):
    if os.fork() == 0:
        try:
            os.setsid()
            if os.fork() == 0:
                time.sleep(10_000)
        finally:
            os._exit(0)
subprocess.Popen(["sleep", "10000"], start_new_session=True)
