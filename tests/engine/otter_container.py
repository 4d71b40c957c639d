"""Replays Gradescope's container for many uploads in one process, without otter's kernel.

    python otter_container.py AUTOGRADER_ZIP WORK [--no-namespaces] NAME=UPLOAD[@TIMEOUT] ...

The zip is unpacked once into `WORK/autograder/source` (the image); for each upload the
`submission/` and `results/` folders start empty, as in a fresh container. Then the steps
`run_otter.py` takes around otter: the upload leaves otter's sight, the engine's secrets are
locked, the zip's own engine (imported from `source/files/torchgrade`, not this checkout)
grades the upload in the isolated backend, and `results/results.json` is written; it is
copied to `WORK/NAME.json` (with `leftovers`: processes of its sandbox still alive after
it). `@TIMEOUT` sets that upload's per-call time limit. One zygote serves
every upload, so each costs a second or two instead of a full otter run. `--no-namespaces`:
as in a Docker container that forbids them, only the separate user, the file permissions
and the rlimits protect.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
import zipfile
from pathlib import Path


def main(argv: list[str]) -> int:
    autograder_zip, work = Path(argv[0]), Path(argv[1])
    namespaces = "--no-namespaces" not in argv
    uploads = [a.split("=", 1) for a in argv[2:] if not a.startswith("--")]
    root = work / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(autograder_zip) as archive:
        archive.extractall(root / "source")
    sys.path.insert(0, str(root / "source" / "files" / "torchgrade"))
    from autograder.otter import runtime
    from autograder.otter.container import (
        lock_engine,
        quarantine_upload,
        write_gradescope_results,
    )
    from autograder.otter.settings import SETTINGS_FILE
    from autograder.sandbox import default_zygote
    from autograder.sandbox.child import UID_BASE

    assert Path(runtime.__file__).is_relative_to(root), "not the zip's own engine"
    settings_file = root / "source" / "files" / "torchgrade" / SETTINGS_FILE
    default_settings = settings_file.read_text(encoding="utf-8")
    for name, spec in uploads:
        upload, _, timeout = spec.partition("@")
        settings = json.loads(default_settings)
        if timeout:
            settings["limits"]["timeout"] = float(timeout)
        settings_file.write_text(json.dumps(settings), encoding="utf-8")
        for folder in ("submission", "results", runtime.UPLOAD_DIR):
            shutil.rmtree(root / folder, ignore_errors=True)
        (root / runtime.RESULT_FILE).unlink(missing_ok=True)
        (root / "results").mkdir()
        source = Path(upload)
        if source.is_dir():
            shutil.copytree(source, root / "submission", symlinks=True)
        else:
            (root / "submission").mkdir()
            shutil.copy2(source, root / "submission" / source.name)
        quarantine_upload(root, otter_prepared=False)
        lock_engine(root, container=False)
        runtime.grade_folder(root / "submission", namespaces=namespaces)
        results = write_gradescope_results(root)
        results["leftovers"] = leftovers(default_zygote(), UID_BASE)
        (work / f"{name}.json").write_text(json.dumps(results), encoding="utf-8")
    return 0


def processes() -> dict[int, tuple[int, int]]:
    """pid -> (parent pid, real uid) of every live (not zombie) process."""
    found = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        uid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Uid:"))
        if entry.name.isdigit() and fields[0] != "Z":
            found[int(entry.name)] = (int(fields[1]), uid)
    return found


def leftovers(zygote, uid_base: int, wait: float = 5.0) -> list[int]:
    """Processes of this run's sandboxes still alive after up to `wait` seconds: below the
    zygote, or running as one of its sandbox users."""
    users = {uid_base + pid for pid in zygote.supervisors}
    deadline = time.monotonic() + wait
    while True:
        table = processes()
        ours, todo = set(), [zygote._proc.pid]
        while todo:
            parent = todo.pop()
            children = [pid for pid, (ppid, _) in table.items() if ppid == parent]
            ours.update(children)
            todo += children
        alive = sorted(ours | {pid for pid, (_, uid) in table.items() if uid in users})
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
