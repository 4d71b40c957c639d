# hostile: appended to the reference solution
"""binary_accuracy writes a file far larger than allowed into its scratch folder."""


def binary_accuracy(y_true, q, threshold=0.5):
    chunk = b"\0" * (1 << 20)
    with open("huge.bin", "wb") as fh:
        for _ in range(4096):
            fh.write(chunk)
    return 0.5
