"""Mutant catalogue for exercise 5 (dnn): bugs applied to solutions/dnn.py."""

from autograder.authoring.mutation import Mutant

DEEP_INIT = (
    "        self.layers = nn.Sequential(\n"
    '            nn.Flatten(), *blocks, DenseNoReLU(sizes[-1], _positive_int(n_y, "n_y"))\n'
    "        )\n"
    "\n"
    "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
    "        return self.layers(x)\n"
    "\n"
    "\n"
    "class ShallowNeuralNet"
)

MUTANTS = [
    Mutant(
        "dnn_l1_item_no_gradient",
        "l1_penalty adds up p.abs().sum().item() floats and wraps them in torch.tensor",
        {
            "    return torch.stack([p.abs().sum() for p in params]).sum()": (
                "    return torch.tensor(sum(p.abs().sum().item() for p in params))"
            )
        },
    ),
    Mutant(
        "dnn_hidden_layers_in_plain_list",
        "DeepNeuralNet keeps the DenseReLU blocks in a plain Python list (never registered)",
        {
            DEEP_INIT: (
                "        self.hidden = blocks\n"
                "        self.layers = nn.Sequential(nn.Flatten(), DenseNoReLU(sizes[-1], n_y))\n"
                "\n"
                "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
                "        x = x.flatten(1)\n"
                "        for layer in self.hidden:\n"
                "            x = layer(x)\n"
                "        return self.layers(x)\n"
                "\n"
                "\n"
                "class ShallowNeuralNet"
            )
        },
    ),
    Mutant(
        "dnn_relu_after_last_layer",
        "DeepNeuralNet ends with a DenseReLU, so the logits can never be negative",
        {"*blocks, DenseNoReLU(sizes[-1]": "*blocks, DenseReLU(sizes[-1]"},
    ),
    Mutant(
        "dnn_empty_hidden_list_breaks",
        "DeepNeuralNet sizes the output layer from n_h[-1], which fails for n_h=[]",
        {"DenseNoReLU(sizes[-1], _positive_int": "DenseNoReLU(n_h[-1], _positive_int"},
    ),
    Mutant(
        "dnn_layers_registered_twice",
        "DeepNeuralNet stores the blocks in an nn.ModuleList and again in self.layers",
        {
            "        self.layers = nn.Sequential(\n            nn.Flatten(), *blocks": (
                "        self.hidden = nn.ModuleList(blocks)\n"
                "        self.layers = nn.Sequential(\n            nn.Flatten(), *blocks"
            )
        },
    ),
    Mutant(
        "dnn_dense_relu_without_relu",
        "DenseReLU.forward returns fc(x) and forgets the ReLU",
        {"        return torch.relu(self.fc(x))": "        return self.fc(x)"},
    ),
    Mutant(
        "dnn_shallow_without_relu",
        "ShallowNeuralNet stacks Linear, Linear without the ReLU in between",
        {"            nn.ReLU(),\n            nn.Linear(n_h,": "            nn.Linear(n_h,"},
    ),
    Mutant(
        "dnn_count_ignores_trainable_only",
        "count_parameters counts frozen parameters even when trainable_only is True",
        {" if p.requires_grad or not trainable_only)": ")"},
    ),
    Mutant(
        "dnn_penalty_includes_frozen",
        "the penalties sum over every parameter, frozen ones included",
        {
            "    return [p for p in model.parameters() if p.requires_grad]": (
                "    return list(model.parameters())"
            )
        },
    ),
    Mutant(
        "dnn_l2_square_root",
        "l2_penalty returns the Euclidean norm (square root of the sum of squares)",
        {
            "    return torch.stack([p.pow(2).sum() for p in params]).sum()": (
                "    return torch.stack([p.pow(2).sum() for p in params]).sum().sqrt()"
            )
        },
    ),
    Mutant(
        "dnn_xavier_normal",
        "xavier_init_ uses nn.init.xavier_normal_ instead of the uniform version",
        {"nn.init.xavier_uniform_(module.weight)": "nn.init.xavier_normal_(module.weight)"},
    ),
    Mutant(
        "dnn_xavier_forgets_conv",
        "xavier_init_ initialises nn.Linear layers only",
        {"isinstance(module, nn.Linear | nn.Conv2d)": "isinstance(module, nn.Linear)"},
    ),
    Mutant(
        "dnn_xavier_keeps_bias",
        "xavier_init_ re-initialises the weights but leaves the biases as they were",
        {
            "            if module.bias is not None:\n                nn.init.zeros_(module.bias)\n": ""
        },
    ),
    Mutant(
        "dnn_variant_python_sum_penalty",
        "l1_penalty written with Python's sum over tensors (correct)",
        {
            "    return torch.stack([p.abs().sum() for p in params]).sum()": (
                "    return sum(p.abs().sum() for p in params)"
            )
        },
        correct=True,
    ),
    Mutant(
        "dnn_variant_flatten_in_forward",
        "DeepNeuralNet flattens in forward and keeps only the dense blocks in self.layers "
        "(correct)",
        {
            DEEP_INIT: (
                "        self.layers = nn.Sequential(*blocks, DenseNoReLU(sizes[-1], n_y))\n"
                "\n"
                "    def forward(self, x: torch.Tensor) -> torch.Tensor:\n"
                "        return self.layers(x.reshape(x.shape[0], -1))\n"
                "\n"
                "\n"
                "class ShallowNeuralNet"
            )
        },
        correct=True,
    ),
    Mutant(
        "dnn_variant_manual_xavier_and_named_count",
        "xavier_init_ draws U(-a, a) by hand; count_parameters loops over named_parameters "
        "(correct)",
        {
            "            nn.init.xavier_uniform_(module.weight)\n": (
                "            w = module.weight\n"
                "            a = (6 / (w[0].numel() + w.shape[0] * w[0, 0].numel())) ** 0.5\n"
                "            with torch.no_grad():\n"
                "                w.uniform_(-a, a)\n"
            ),
            "    return sum(p.numel() for p in model.parameters() if p.requires_grad or not "
            "trainable_only)": (
                "    total = 0\n"
                "    for _, p in model.named_parameters():\n"
                "        if p.requires_grad or not trainable_only:\n"
                "            total += p.numel()\n"
                "    return total"
            ),
        },
        correct=True,
    ),
]
