"""Start-up: the command line imports heavy libraries only where a command needs them.

Timings are measured by benchmarks/startup.py; these tests check the cause (what is imported),
which does not depend on the machine's load."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

HEAVY = ("torch", "numpy", "pandas", "pytest", "matplotlib", "openpyxl", "tqdm", "nbformat")

PROBE = """
import json, sys
from autograder.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


def imported_by(args: list[str], cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_help_imports_no_heavy_library(tmp_path):
    for args in (["--help"], ["grade", "--help"], ["check", "--help"], ["build", "--help"]):
        assert imported_by(args, tmp_path) == [], args


def test_submit_imports_no_heavy_library(tmp_path):
    (tmp_path / "exercises").mkdir()
    (tmp_path / "exercises" / "softmax.py").write_text("def softmax(x):\n    return x\n")
    assert imported_by(["submit"], tmp_path) == []
    assert (tmp_path / "submission.zip").is_file()


GRADE_PROBE = """
import json, sys
from autograder import workers

def start(self, count):  # what the grader has imported when its workers are started
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
    raise SystemExit(0)

workers.WorkerPool.start = start
from autograder.cli import main
main(sys.argv[1:])
"""


def test_grade_starts_its_workers_before_importing_heavy_libraries(tmp_path):
    """The workers (torch, the sandbox's zygote, the suites: seconds) start first; the parent
    imports the rest while they start, and never imports torch or pytest itself."""
    (tmp_path / "subs" / "alice" / "exercises").mkdir(parents=True)
    (tmp_path / "subs" / "alice" / "exercises" / "metrics.py").write_text("x = 1\n")
    env = {**os.environ, "TORCHGRADE_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", GRADE_PROBE.format(heavy=HEAVY), "grade", "subs", "--out", "out"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_report_package_defers_plotting_and_spreadsheet_libraries(tmp_path):
    code = (
        "import sys; import autograder.report; "
        "print(any(m.split('.')[0] in ('matplotlib', 'openpyxl') for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
