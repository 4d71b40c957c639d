"""The nine exercises of the course: one source for their names, order and titles."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Exercise:
    name: str  # module name in exercises/ and solutions/, pytest marker, grades column
    title: str
    teaches: str


EXERCISES: tuple[Exercise, ...] = (
    Exercise(
        "numpy_backprop",
        "NumPy backprop",
        "logistic and softmax regression and a two-layer net, forward and backward by hand",
    ),
    Exercise(
        "softmax",
        "Softmax and cross-entropy",
        "numerically stable softmax, log-softmax and cross-entropy in NumPy and torch",
    ),
    Exercise(
        "autograd_basics",
        "Autograd",
        "gradients with autograd, gradient descent, linear regression with nn/optim",
    ),
    Exercise(
        "datasets",
        "Datasets and loaders",
        "a custom Dataset over the Ames housing table, seeded loaders, splits, normalisation",
    ),
    Exercise(
        "dnn",
        "Dense networks",
        "DenseReLU blocks, deep and shallow nets, parameter counts, penalties, init",
    ),
    Exercise("training", "Training loops", "train/evaluate/fit loops and a digit classifier"),
    Exercise(
        "cnn",
        "CNN shapes",
        "conv/pool output-size math, shape propagation, CifarNet, ResNet blocks",
    ),
    Exercise(
        "metrics",
        "Accuracy metrics",
        "binary/multiclass accuracy, confusion matrices, loader accuracy",
    ),
    Exercise(
        "timing",
        "CPU vs GPU timing",
        "timing matmuls correctly (synchronising CUDA), GFLOP/s, device comparison",
    ),
)

EXERCISE_NAMES: tuple[str, ...] = tuple(e.name for e in EXERCISES)


def get_exercise(name: str) -> Exercise:
    for exercise in EXERCISES:
        if exercise.name == name:
            return exercise
    raise ValueError(f"unknown exercise {name!r}; choose from: {', '.join(EXERCISE_NAMES)}")
