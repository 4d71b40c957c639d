"""Mutant catalogue for exercise 4 (datasets): bugs applied to solutions/datasets.py."""

from autograder.authoring.mutation import Mutant

_CHANNEL_LOOP = """    count = 0
    mean = m2 = None
    for images, *_ in loader:
        x = torch.as_tensor(images).to(torch.float64)
        x = x.transpose(0, 1).reshape(x.shape[1], -1)  # (C, pixels of this batch)
        n_b = x.shape[1]
        mean_b = x.mean(dim=1)
        m2_b = ((x - mean_b[:, None]) ** 2).sum(dim=1)
        if mean is None:
            mean, m2, count = mean_b, m2_b, n_b
            continue
        delta = mean_b - mean
        total = count + n_b
        mean = mean + delta * (n_b / total)
        m2 = m2 + m2_b + delta**2 * (count * n_b / total)
        count = total
    if mean is None:
        raise ValueError("dataset is empty")
    std = torch.sqrt(m2 / (count - 1)) if count > 1 else torch.full_like(mean, float("nan"))
    return mean, std"""

_MEAN_OF_BATCH_STDS = """    means, stds, sizes = [], [], []
    for images, *_ in loader:
        x = torch.as_tensor(images).to(torch.float64)
        x = x.transpose(0, 1).reshape(x.shape[1], -1)
        means.append(x.mean(dim=1))
        stds.append(x.std(dim=1) if x.shape[1] > 1 else torch.zeros(x.shape[0]))
        sizes.append(x.shape[1])
    weights = torch.tensor(sizes, dtype=torch.float64)[:, None] / sum(sizes)
    mean = (torch.stack(means) * weights).sum(0)
    std = (torch.stack(stds) * weights).sum(0)
    return mean, std"""

_SUM_OF_SQUARES = """    count = 0
    total = total_sq = None
    for images, *_ in loader:
        x = torch.as_tensor(images).double()
        dims = [0] + list(range(2, x.dim()))
        if total is None:
            total = torch.zeros(x.shape[1], dtype=torch.float64)
            total_sq = torch.zeros(x.shape[1], dtype=torch.float64)
        total += x.sum(dim=dims)
        total_sq += (x * x).sum(dim=dims)
        count += x.numel() // x.shape[1]
    mean = total / count
    std = ((total_sq - count * mean**2) / (count - 1)).sqrt()
    return mean, std"""

_LECTURE_DATASET = """        self.feature_names = [str(c) for c in table.columns[:-1]]
        # Converted once: iloc per item is slow, and a DataLoader asks for every row.
        self._x = table.iloc[:, :-1].to_numpy(dtype=np.float32)
        self._y = table.iloc[:, -1].to_numpy(dtype=np.float32)
        self.input_features_number = self._x.shape[1]

    def __len__(self) -> int:
        return len(self._y)

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.floating]:
        index = operator.index(index)
        n = len(self)
        if index < -n or index >= n:
            raise IndexError(f"index {index} is out of range for a dataset of {n} rows")
        if index < 0:
            index += n
        return self._x[index], self._y[index]"""

_LECTURE_DATASET_ILOC = """        self.data = table
        self.feature_names = list(table.columns[:-1])
        self.input_features_number = self.data.shape[1] - 1

    def __len__(self) -> int:
        return self.data.shape[0]

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.floating]:
        x = self.data.iloc[index, :-1].values
        y = self.data.iloc[index, -1]
        return x, y"""

MUTANTS = [
    Mutant(
        "datasets_hardcoded_feature_count",
        "AmesHousingDataset sets input_features_number = 16 (the lecture's table) instead of "
        "counting the columns",
        {"self.input_features_number = self._x.shape[1]": "self.input_features_number = 16"},
    ),
    Mutant(
        "datasets_hardcoded_length",
        "AmesHousingDataset.__len__ returns 2928 (the lecture's row count)",
        {"        return len(self._y)": "        return 2928"},
    ),
    Mutant(
        "datasets_negative_index_rejected",
        "AmesHousingDataset.__getitem__ raises IndexError for every negative index",
        {"if index < -n or index >= n:": "if index < 0 or index >= n:"},
    ),
    Mutant(
        "datasets_simplify_drops_any_missing",
        "simplify_ames calls dropna() on the whole table before selecting the columns, so "
        "rows missing Alley or Pool QC are dropped too",
        {"kept = table[AMES_COLUMNS].dropna()": "kept = table.dropna()[AMES_COLUMNS]"},
    ),
    Mutant(
        "datasets_simplify_writes_index",
        "simplify_ames writes the csv with the DataFrame index as an extra first column",
        {"kept.to_csv(out, index=False)": "kept.to_csv(out)"},
    ),
    Mutant(
        "datasets_loader_ignores_seed",
        "make_dataloader never passes the seeded generator to the DataLoader",
        {"shuffle=shuffle, generator=generator)": "shuffle=shuffle)"},
    ),
    Mutant(
        "datasets_loader_global_seed",
        "make_dataloader calls torch.manual_seed(seed) instead of giving the loader its own "
        "generator, so two loaders iterated in step interfere",
        {
            "        generator = torch.Generator()\n        generator.manual_seed(int(seed))\n"
            "    return DataLoader": "        torch.manual_seed(int(seed))\n    return DataLoader"
        },
    ),
    Mutant(
        "datasets_split_int_truncation",
        "split_dataset computes sizes with int(f * n), so 0.29 * 100 gives 28",
        {
            "sizes = [math.floor(round(f * n, 6)) for f in fractions[:-1]]": "sizes = [int(f * n) for f in fractions[:-1]]"
        },
    ),
    Mutant(
        "datasets_split_round_not_floor",
        "split_dataset rounds f * n to the nearest integer instead of flooring it",
        {
            "sizes = [math.floor(round(f * n, 6)) for f in fractions[:-1]]": "sizes = [round(f * n) for f in fractions[:-1]]"
        },
    ),
    Mutant(
        "datasets_split_not_shuffled",
        "split_dataset cuts the dataset into consecutive blocks, ignoring the seed",
        {
            "    return tuple(random_split(dataset, sizes, generator=generator))": "    starts = np.cumsum([0] + sizes)\n"
            "    return tuple(Subset(dataset, range(int(a), int(b)))\n"
            "                 for a, b in zip(starts[:-1], starts[1:]))"
        },
    ),
    Mutant(
        "datasets_split_no_validation",
        "split_dataset does not check that the fractions sum to 1",
        {
            "    if abs(sum(fractions) - 1) > 1e-6:\n"
            '        raise ValueError(f"fractions must sum to 1, got {sum(fractions)}")\n': ""
        },
    ),
    Mutant(
        "datasets_std_without_bessel",
        "channel_mean_std divides the sum of squared deviations by P instead of P - 1",
        {"torch.sqrt(m2 / (count - 1))": "torch.sqrt(m2 / count)"},
    ),
    Mutant(
        "datasets_std_mean_of_batch_stds",
        "channel_mean_std averages the per-batch stds instead of combining the batches",
        {_CHANNEL_LOOP: _MEAN_OF_BATCH_STDS},
    ),
    Mutant(
        "datasets_transform_swaps_mean_std",
        "mnist_transform passes std as Normalize's mean and mean as its std",
        {"transforms.Normalize((mean,), (std,))": "transforms.Normalize((std,), (mean,))"},
    ),
    Mutant(
        "datasets_variant_sum_of_squares",
        "channel_mean_std with float64 running sums of x and x² (correct)",
        {_CHANNEL_LOOP: _SUM_OF_SQUARES},
        correct=True,
    ),
    Mutant(
        "datasets_variant_lecture_iloc",
        "AmesHousingDataset keeping the DataFrame and reading rows with iloc, as in the "
        "lecture (correct)",
        {_LECTURE_DATASET: _LECTURE_DATASET_ILOC},
        correct=True,
    ),
]
