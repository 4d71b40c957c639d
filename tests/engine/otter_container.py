"""Replays Gradescope's container for many uploads in one process, without otter's kernel.

    python otter_container.py AUTOGRADER_ZIP WORK [--no-namespaces] NAME=UPLOAD ...

The zip is unpacked once into `WORK/autograder/source` (the image); for each upload the
`submission/` and `results/` folders start empty, as in a fresh container. Then the steps
`run_otter.py` takes around otter: the upload leaves otter's sight, the engine's secrets are
locked, the zip's own engine (imported from `source/files/torchgrade`, not this checkout)
grades the upload in the isolated backend, and `results/results.json` is written; it is
copied to `WORK/NAME.json`. One zygote serves every upload, so each costs a second or two
instead of a full otter run. `--no-namespaces`: as in a Docker container that forbids them,
only the separate user, the file permissions and the rlimits protect.
"""

from __future__ import annotations

import shutil
import sys
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

    assert Path(runtime.__file__).is_relative_to(root), "not the zip's own engine"
    for name, upload in uploads:
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
        write_gradescope_results(root)
        shutil.copy2(root / "results" / "results.json", work / f"{name}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
