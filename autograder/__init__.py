"""torchgrade: the grading engine, its hidden suites and the command line."""

__version__ = "0.1.0"
