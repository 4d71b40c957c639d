"""The distribution behind "no flaky point": grading times per configuration (1/2 threads,
idle/loaded) and the reference classifier's training time against its limits, from the
flake audit (which also requires identical verdicts everywhere).

    python benchmarks/flake_audit.py                       # all exercises, 5 rounds
    python benchmarks/flake_audit.py --repeats 1 --exercises training softmax

Same options as `python -m autograder.authoring.flake_audit`.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.authoring.flake_audit import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
