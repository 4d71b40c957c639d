"""Probes for the timing exercise: CUDA faked on a CPU machine, and a scripted clock.

`instrumented(ex, cuda=True)` makes torch believe a GPU exists while every tensor stays on
the CPU: `torch.cuda.is_available()` is True, "cuda" devices in tensor factories, `.to()`
and `.cuda()` map to the CPU (through a TorchFunctionMode, so every factory and method is
covered), `torch.cuda.synchronize`, streams and `torch.cuda.Event` are fakes that record
what happened. Every matrix product and every clock read is recorded too, in one ordered
log, so a test can see whether a synchronization came between a product and the clock
read that stops its timing. With `durations`, the clocks (time.perf_counter, time.time,
time.monotonic, their _ns forms, timeit.default_timer) become one virtual clock that only a
matrix product moves: product k takes `durations[k]` seconds, so the median of the timed
runs is known exactly. Everything patched is restored on the way out.

Each probe takes the exercise module first and returns plain data only.
"""

from __future__ import annotations

import time
import timeit
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

MATMUL_NAMES = {"matmul", "mm", "__matmul__", "__rmatmul__", "bmm", "addmm", "einsum"}
MAX_CLOCK_READS = 100_000  # a clock that never moves must not let a polling loop spin forever
_FAKE_MARK = "_torchgrade_fake_cuda"


def _is_cuda(device: Any) -> bool:
    if isinstance(device, torch.device):
        return device.type == "cuda"
    if isinstance(device, str):
        return device.split(":")[0].strip() == "cuda"
    return False


class Recorder:
    """The ordered log of one scenario and the virtual clock."""

    def __init__(self, durations: list[float] | None, cycle_from: int = 0) -> None:
        self.log: list[str] = []
        self.durations = list(durations) if durations is not None else None
        self.cycle_from = cycle_from
        self.virtual_now = 1000.0
        self.matmuls = 0
        self.cuda_matmuls = 0  # products whose operands were made "on CUDA"
        self.clock_reads = 0
        self.real_clock = time.perf_counter

    def now(self) -> float:
        return self.virtual_now if self.durations is not None else self.real_clock()

    def matmul(self, on_cuda: bool = False) -> None:
        self.log.append("matmul")
        self.cuda_matmuls += on_cuda
        if self.durations is not None:
            # Past the script, its tail from `cycle_from` repeats: any `len - cycle_from`
            # consecutive products there have the same median, however many ran before.
            k, start = self.matmuls, self.cycle_from
            if k >= len(self.durations):
                k = start + (k - start) % (len(self.durations) - start)
            self.virtual_now += self.durations[k]
        self.matmuls += 1

    def clock(self) -> float:
        self.clock_reads += 1
        if self.clock_reads > MAX_CLOCK_READS:
            raise RuntimeError("the clock was read more than 100000 times in one call")
        self.log.append("clock")
        return self.now()

    def sync(self) -> None:
        self.log.append("sync")


class FakeEvent:
    """Stands in for torch.cuda.Event: record() notes the (virtual) time, elapsed_time()
    returns milliseconds and notes whether the host waited for the end event first."""

    recorder: Recorder  # set on the subclass built per scenario

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.time: float | None = None
        self.position = -1
        self.waited_at = -1

    def record(self, stream: Any = None) -> None:
        self.time = self.recorder.now()
        self.recorder.log.append("record")
        self.position = len(self.recorder.log)

    def synchronize(self) -> None:
        self.recorder.log.append("event_sync")
        self.waited_at = len(self.recorder.log)

    def query(self) -> bool:
        self.synchronize()  # "done" on a fake GPU; the host has seen that
        return True

    def wait(self, stream: Any = None) -> None:
        pass  # a stream waiting on an event is not a host synchronization

    def _synced(self) -> bool:
        after = self.recorder.log[self.position :]
        return self.position >= 0 and ("sync" in after or self.waited_at >= self.position)

    def elapsed_time(self, end: FakeEvent) -> float:
        if self.time is None or end.time is None:
            raise RuntimeError("elapsed_time needs two recorded events")
        ok = end._synced()  # the start event precedes the end on the stream
        self.recorder.log.append("elapsed_ok" if ok else "elapsed_unsynced")
        return (end.time - self.time) * 1000.0


class FakeStream:
    def __init__(self, recorder: Recorder, event_class: type) -> None:
        self.recorder = recorder
        self.event_class = event_class

    def synchronize(self) -> None:
        self.recorder.sync()

    def record_event(self, event: Any = None) -> Any:
        event = event or self.event_class()
        event.record(self)
        return event

    def wait_event(self, event: Any) -> None:
        pass

    def wait_stream(self, stream: Any) -> None:
        pass

    def query(self) -> bool:
        self.recorder.sync()
        return True


class CudaOnCpu(TorchFunctionMode):
    """Counts matrix products (moving the virtual clock) and, with `fake_cuda`, maps every
    request for a CUDA tensor to the CPU while the tensors still say they live on CUDA."""

    def __init__(self, recorder: Recorder, fake_cuda: bool) -> None:
        super().__init__()
        self.recorder = recorder
        self.fake_cuda = fake_cuda

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        name = getattr(func, "__name__", "")
        if not self.fake_cuda:
            result = func(*args, **kwargs)
            if name in MATMUL_NAMES:
                self.recorder.matmul()
            return result
        # Property reads: tensors made "on CUDA" say so.
        if name == "__get__" and args and isinstance(args[0], torch.Tensor):
            prop = getattr(getattr(func, "__self__", None), "__name__", "")
            if getattr(args[0], _FAKE_MARK, False):
                if prop == "is_cuda":
                    return True
                if prop == "device":
                    return torch.device("cuda", 0)
            return func(*args, **kwargs)
        to_cuda = False
        if "device" in kwargs and _is_cuda(kwargs["device"]):
            kwargs["device"] = "cpu"
            to_cuda = True
        if name == "cuda" and args and isinstance(args[0], torch.Tensor):
            to_cuda = True
            result = args[0]
        else:
            if name == "to":
                new_args = []
                for a in args:
                    if _is_cuda(a):
                        to_cuda = True
                        a = "cpu"
                    new_args.append(a)
                args = tuple(new_args)
            result = func(*args, **kwargs)
        inherits = any(getattr(a, _FAKE_MARK, False) for a in args if isinstance(a, torch.Tensor))
        if name in MATMUL_NAMES:
            self.recorder.matmul(on_cuda=inherits)
        moved_off = name in ("cpu", "numpy") or (
            name == "to"
            and not to_cuda
            and any(isinstance(a, str | torch.device) for a in (*args[1:], kwargs.get("device")))
        )
        if (to_cuda or inherits) and not moved_off:
            for out in result if isinstance(result, tuple | list) else (result,):
                if isinstance(out, torch.Tensor):
                    try:
                        setattr(out, _FAKE_MARK, True)
                    except (AttributeError, RuntimeError):
                        pass
        return result


class _Patches:
    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any, bool]] = []

    def set(self, obj: Any, name: str, value: Any) -> None:
        had = hasattr(obj, name)
        self._saved.append((obj, name, getattr(obj, name, None), had))
        setattr(obj, name, value)

    def restore(self) -> None:
        for obj, name, old, had in reversed(self._saved):
            if had:
                setattr(obj, name, old)
            else:
                delattr(obj, name)
        self._saved.clear()


def _patch_availability(patches: _Patches, cuda: bool, mps: bool) -> None:
    patches.set(torch.cuda, "is_available", lambda: cuda)
    patches.set(torch.cuda, "device_count", lambda: int(cuda))
    patches.set(torch.backends.mps, "is_available", lambda: mps)
    patches.set(torch.backends.mps, "is_built", lambda: mps)
    if hasattr(torch, "mps") and hasattr(torch.mps, "is_available"):
        patches.set(torch.mps, "is_available", lambda: mps)
    accelerator = getattr(torch, "accelerator", None)
    if accelerator is not None:
        current = torch.device("cuda") if cuda else torch.device("mps") if mps else None
        patches.set(accelerator, "is_available", lambda: cuda or mps)
        patches.set(accelerator, "current_accelerator", lambda *a, **k: current)
        patches.set(accelerator, "device_count", lambda: int(cuda or mps))


@contextmanager
def instrumented(
    ex: Any, cuda: bool = True, durations: list[float] | None = None, cycle_from: int = 0
) -> Iterator[Recorder]:
    """Fake CUDA (when `cuda`) and a recorded, optionally scripted, clock; see the module
    docstring. Names the student module imported directly (`from time import
    perf_counter`, `from torch.cuda import synchronize`) are swapped for the fakes too."""
    recorder = Recorder(durations, cycle_from)
    patches = _Patches()
    originals: dict[int, Any] = {}

    def seconds() -> float:
        return recorder.clock()

    def nanoseconds() -> int:
        return int(round(recorder.clock() * 1e9))

    clocks = {
        (time, "perf_counter"): seconds,
        (time, "time"): seconds,
        (time, "monotonic"): seconds,
        (time, "perf_counter_ns"): nanoseconds,
        (time, "time_ns"): nanoseconds,
        (time, "monotonic_ns"): nanoseconds,
        (timeit, "default_timer"): seconds,
    }
    fakes: dict[tuple[Any, str], Any] = dict(clocks)
    mode = CudaOnCpu(recorder, cuda)
    try:
        if cuda:
            event_class = type("Event", (FakeEvent,), {"recorder": recorder})
            stream = FakeStream(recorder, event_class)

            def synchronize(device: Any = None) -> None:
                recorder.sync()

            fakes.update(
                {
                    (torch.cuda, "synchronize"): synchronize,
                    (torch.cuda, "Event"): event_class,
                    (torch.cuda, "current_stream"): lambda *a, **k: stream,
                    (torch.cuda, "default_stream"): lambda *a, **k: stream,
                    (torch.cuda, "get_device_name"): lambda *a, **k: "Fake CUDA device",
                    (torch.cuda, "current_device"): lambda: 0,
                    (torch.cuda, "is_initialized"): lambda: True,
                    (torch.cuda, "init"): lambda: None,
                    (torch.cuda, "set_device"): lambda *a, **k: None,
                    (torch.cuda, "empty_cache"): lambda: None,
                    (torch.cuda, "manual_seed"): lambda *a, **k: None,
                    (torch.cuda, "manual_seed_all"): lambda *a, **k: None,
                }
            )
            accelerator = getattr(torch, "accelerator", None)
            if accelerator is not None and hasattr(accelerator, "synchronize"):
                fakes[(accelerator, "synchronize")] = synchronize
            _patch_availability(patches, cuda=True, mps=False)
        for (obj, name), fake in fakes.items():
            if hasattr(obj, name):
                originals[id(getattr(obj, name))] = fake
            patches.set(obj, name, fake)
        # timeit binds its clock as a default argument: swap it there too.
        for function in (timeit.Timer.__init__, timeit.timeit, timeit.repeat):
            defaults = function.__defaults__ or ()
            if any(id(d) in originals for d in defaults):
                patches.set(
                    function, "__defaults__", tuple(originals.get(id(d), d) for d in defaults)
                )
        namespace = getattr(ex, "__dict__", {})
        for key, value in list(namespace.items()):
            if callable(value) and id(value) in originals:
                patches.set(ex, key, originals[id(value)])
        with mode:
            yield recorder
    finally:
        patches.restore()


def pick_device_scenario(ex: Any, cuda: bool, mps: bool) -> dict:
    """pick_device() with CUDA and MPS availability patched."""
    patches = _Patches()
    try:
        _patch_availability(patches, cuda=cuda, mps=mps)
        device = ex.pick_device()
    finally:
        patches.restore()
    return {
        "type": torch.device(device).type if isinstance(device, str | torch.device) else None,
        "returned": type(device).__name__,
    }


def timing_scenario(
    ex: Any,
    n: int,
    device: str,
    repeats: int,
    warmup: int,
    durations: list[float] | None = None,
    as_device: bool = False,
) -> dict:
    """time_matmul(n, device, repeats=, warmup=) under the instrumentation (fake CUDA when
    `device` is a CUDA device). Returns the result and the ordered log."""
    target = torch.device(device) if as_device else device
    with instrumented(ex, _is_cuda(device), durations, cycle_from=warmup) as recorder:
        result = ex.time_matmul(n, target, repeats=repeats, warmup=warmup)
    return {
        "result": float(result) if isinstance(result, int | float) else None,
        "returned": type(result).__name__,
        "log": list(recorder.log),
        "cuda_matmuls": recorder.cuda_matmuls,
    }


def _table(table: Any) -> dict:
    """A DataFrame as plain lists (string columns included), plus its type and columns."""
    out: dict[str, Any] = {"type": type(table).__name__, "columns": None}
    columns = getattr(table, "columns", None)
    if out["type"] != "DataFrame" or columns is None:
        return out
    out["columns"] = [str(c) for c in columns]
    for name in ("size", "backend", "seconds", "gflops"):
        if name in out["columns"]:
            values = list(table[name])
            out[name] = (
                [str(v) for v in values] if name == "backend" else [float(v) for v in values]
            )
    return out


def compare_devices_scenario(
    ex: Any, sizes: tuple[int, ...], repeats: int, fake_cuda: bool
) -> dict:
    """compare_devices(sizes, repeats), on a machine that claims a GPU when `fake_cuda`;
    returns the table as plain lists and whether CUDA was available to the code."""
    if fake_cuda:
        with instrumented(ex, cuda=True):
            table = ex.compare_devices(sizes=sizes, repeats=repeats)
        cuda = True
    else:
        table = ex.compare_devices(sizes=sizes, repeats=repeats)
        cuda = bool(torch.cuda.is_available())
    return {"table": _table(table), "cuda": cuda}


def real_sync_reference(ex: Any, n: int, repeats: int) -> float:
    """Median seconds of an explicitly synchronized (n, n) float32 product on the real GPU,
    measured next to the code under test (for the CUDA-only tests)."""
    a = torch.randn(n, n, device="cuda")
    b = torch.randn(n, n, device="cuda")
    for _ in range(3):
        a @ b
    times = []
    for _ in range(repeats):
        torch.cuda.synchronize()
        start = time.perf_counter()
        a @ b
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]
