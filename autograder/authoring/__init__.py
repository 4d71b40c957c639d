"""Tools for writing the course: the contract, the mutant catalogue, the samples and the
catalogue check."""
