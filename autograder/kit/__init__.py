"""The student kit: what the student release ships, copied whole.

The exercise registry, the data generator and the `check` / `submit` / `notebooks`
commands. It never imports the grader (`tests/engine/test_layout.py` enforces it).
"""
