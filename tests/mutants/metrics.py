"""Mutant catalogue for exercise 8 (metrics): bugs applied to solutions/metrics.py."""

from autograder.authoring.mutation import Mutant

MUTANTS = [
    Mutant(
        "metrics_divide_by_batches_times_batch_size",
        "loader_accuracy divides by n_batches * batch_size instead of samples seen",
        {"                total += targets.shape[0]": "                total += loader.batch_size"},
    ),
    Mutant(
        "metrics_strict_threshold",
        "binary_accuracy predicts 1 only for q > threshold (the boundary should count as 1)",
        {"(p >= threshold)": "(p > threshold)"},
    ),
    Mutant(
        "metrics_confusion_transposed",
        "confusion_matrix puts predictions in rows and true classes in columns",
        {"np.add.at(cm, (t, p), 1)": "np.add.at(cm, (p, t), 1)"},
    ),
    Mutant(
        "metrics_no_eval_mode",
        "loader_accuracy forgets model.eval(), so dropout stays active",
        {"    model.eval()\n    correct": "    correct"},
    ),
    Mutant(
        "metrics_per_class_column_sums",
        "per_class_accuracy divides by column sums (precision) instead of row sums",
        {"totals = m.sum(axis=1)": "totals = m.sum(axis=0)"},
    ),
    Mutant(
        "metrics_one_hot_not_decoded",
        "multiclass_accuracy compares arg-max with one-hot rows without decoding them",
        {"    if y.ndim == 2:  # one-hot (K, C)\n        return y.argmax(axis=1)\n": ""},
    ),
    Mutant(
        "metrics_variant_torch_loop",
        "loader_accuracy written with a tensor accumulator and len(targets) (correct)",
        {
            "                correct += int((predictions == targets).sum())\n"
            "                total += targets.shape[0]": "                correct += (predictions == targets).sum().item()\n"
            "                total += len(targets)"
        },
        correct=True,
    ),
]
