"""Mutant catalogue for exercise 6 (training): bugs applied to solutions/training.py."""

from autograder.authoring.mutation import Mutant

MUTANTS = [
    Mutant(
        "training_evaluate_no_eval_mode",
        "evaluate forgets model.eval(): Dropout stays on and BatchNorm updates its running "
        "statistics",
        {"    model.eval()\n    total_loss": "    total_loss"},
    ),
    Mutant(
        "training_evaluate_no_no_grad",
        "evaluate runs the forward passes without torch.no_grad()",
        {"        with torch.no_grad():\n": "        if True:\n"},
    ),
    Mutant(
        "training_evaluate_mode_not_restored",
        "evaluate calls model.eval() and leaves the model in eval mode",
        {"    finally:\n        model.train(was_training)\n": "    finally:\n        pass\n"},
    ),
    Mutant(
        "training_evaluate_restores_train_always",
        "evaluate ends with model.train(), switching a model that was in eval mode to train",
        {"        model.train(was_training)\n": "        model.train()\n"},
    ),
    Mutant(
        "training_evaluate_accuracy_percent",
        "evaluate returns the accuracy as a percentage",
        {
            "    return total_loss / seen, correct / seen": "    return total_loss / seen, "
            "100.0 * correct / seen"
        },
    ),
    Mutant(
        "training_evaluate_unweighted_loss",
        "evaluate returns the plain mean of the batch losses (sum of batch losses / len(loader))",
        {
            "                total_loss += loss_fn(outputs, targets).item() * batch\n": (
                "                total_loss += loss_fn(outputs, targets).item()\n"
            ),
            "    return total_loss / seen, correct / seen": (
                "    return total_loss / len(loader), correct / seen"
            ),
        },
    ),
    Mutant(
        "training_train_epoch_unweighted_mean",
        "train_epoch returns the plain mean of the batch losses, so a short last batch "
        "weighs as much as a full one",
        {
            "        total += loss.item() * targets.shape[0]\n": "        total += loss.item()\n",
            "        seen += targets.shape[0]\n": "        seen += 1\n",
        },
    ),
    Mutant(
        "training_train_epoch_no_zero_grad",
        "train_epoch forgets optimizer.zero_grad(), so gradients accumulate over batches",
        {"        optimizer.zero_grad()\n": ""},
    ),
    Mutant(
        "training_train_epoch_no_train_mode",
        "train_epoch never calls model.train(), so after an evaluate it trains in eval mode",
        {"    model.train()\n    total, seen": "    total, seen"},
    ),
    Mutant(
        "training_fit_train_loss_after_epoch",
        "fit records the loss of the training set evaluated after the epoch as train_loss",
        {
            '        history["train_loss"].append(train_epoch(model, train_loader, loss_fn, '
            "optimizer, device))": "        train_epoch(model, train_loader, loss_fn, optimizer, device)\n"
            '        history["train_loss"].append(evaluate(model, train_loader, loss_fn, '
            "device)[0])",
        },
    ),
    Mutant(
        "training_fit_validates_on_train",
        "fit evaluates on train_loader instead of val_loader",
        {
            "evaluate(model, val_loader, loss_fn, device)": "evaluate(model, train_loader, "
            "loss_fn, device)"
        },
    ),
    Mutant(
        "training_classifier_two_epochs",
        "train_classifier stops after two epochs of plain SGD",
        {
            "    for _ in range(25):\n": "    for _ in range(2):\n",
            "torch.optim.Adam(model.parameters(), lr=3e-3)": "torch.optim.SGD(model.parameters(), lr=1e-3)",
        },
    ),
    Mutant(
        "training_variant_tensor_sums",
        "train_epoch accumulates a tensor sum with len(targets); evaluate uses "
        "torch.inference_mode() and counts with .sum().item() (correct)",
        {
            "        total += loss.item() * targets.shape[0]\n": "        total = total + loss.detach() * len(targets)\n",
            "    return total / seen\n": "    return float(total / seen)\n",
            "        with torch.no_grad():\n": "        with torch.inference_mode():\n",
            "                correct += int((outputs.argmax(dim=1) == targets).sum())\n": "                correct += (outputs.argmax(dim=1) == targets).sum().item()\n",
        },
        correct=True,
    ),
    Mutant(
        "training_variant_if_else_restore",
        "evaluate restores the mode with an if/else instead of model.train(was_training); "
        "fit unpacks evaluate into a tuple first (correct)",
        {
            "        model.train(was_training)\n": "        if was_training:\n            model.train()\n        else:\n"
            "            model.eval()\n",
            "        val_loss, val_accuracy = evaluate(model, val_loader, loss_fn, device)\n": "        result = evaluate(model, val_loader, loss_fn, device)\n"
            "        val_loss, val_accuracy = result[0], result[1]\n",
        },
        correct=True,
    ),
]
