# hostile: appended to the reference solution
"""At import: forks three processes that each fill 512 MiB, under the per-process memory
limit (1 GiB in the tests) but over what the submission may use in all (its cgroup's
memory.max), and reports how many of them the kernel had to kill. The functions are
correct."""

import os
import signal
import time

children = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        try:
            block = b"x" * (512 << 20)  # written, so every page is really used
            time.sleep(3)
        finally:
            os._exit(0)
    children.append(pid)
killed = 0
for pid in children:
    _, status = os.waitpid(pid, 0)
    killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
print("CHILDREN KILLED", killed)
