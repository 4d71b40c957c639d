# hostile: appended to the reference solution
"""Reaches for the grader's session: its terminals (/dev/pts, /dev/tty: a keystroke pushed
there runs as the instructor), the per-user runtime folders (/run/user/<uid>: session bus,
ssh and gpg agents), and writes a file into every folder its user owns. The functions are
correct."""

import os


def listing(path):
    try:
        return sorted(os.listdir(path))
    except OSError:
        return None


print("PTS", [n for n in listing("/dev/pts") or [] if n != "ptmx"])
print("RUNUSER", {u: listing(f"/run/user/{u}") for u in listing("/run/user") or []})
terminals = []
for name in ["/dev/tty", *(f"/dev/pts/{n}" for n in listing("/dev/pts") or [])]:
    try:
        os.close(os.open(name, os.O_RDWR | os.O_NOCTTY))
        terminals.append(name)
    except OSError:
        pass
print("TERMINALS", terminals)
wrote = []
scratch = os.getcwd()
private = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", "/var/lock", "/dev/mqueue", scratch)
for folder, dirs, _ in os.walk("/"):
    if folder.startswith(("/proc", "/sys")) or folder.count("/") > 5:
        dirs[:] = []
        continue
    if folder.startswith(private) or os.stat(folder).st_uid != os.getuid():
        continue
    try:
        with open(os.path.join(folder, ".torchgrade-was-here"), "w"):
            pass
        wrote.append(folder)
    except OSError:
        pass
print("WROTE", wrote)
