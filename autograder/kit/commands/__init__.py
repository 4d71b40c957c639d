"""The student commands: `torchgrade check`, `submit` and `notebooks`."""
