"""Root conftest: makes the repository importable when pytest runs from a checkout."""
