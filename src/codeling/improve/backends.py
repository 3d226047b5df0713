"""Where a round's sampling and checking run: in this process, or fanned out over a Ray cluster.

Either way the work is cut into chunks whose results do not depend on where they run (a chunk's
sampling seed is fixed by the round and the chunk), results come back as each chunk finishes, and
this process alone writes them to the store: the store stays single-writer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from codeling.errors import CodelingError

_LOADED: dict = {}  # checkpoint path -> Loaded, so a worker loads each model once


def sample_chunk(checkpoint: str, problems, n: int, sampling, batch_rows: int) -> list[list[str]]:
    """n completions for each problem, from the model at `checkpoint`."""
    from codeling.evals.run import sample_completions
    from codeling.generate import one_thread_if_small
    from codeling.train.checkpoint import load_checkpoint
    from codeling.train.distributed import World, pick_device

    if checkpoint not in _LOADED:
        _LOADED.clear()
        _LOADED[checkpoint] = load_checkpoint(checkpoint, device=pick_device("auto", World()))
        _LOADED[checkpoint].model.eval()
    loaded = _LOADED[checkpoint]
    with one_thread_if_small(loaded.model):
        return sample_completions(loaded.model, loaded.tokenizer, problems, n, sampling, batch_rows=batch_rows)


def check_chunk(problems, completions, timeout_s: float, mode: str):
    """Run each completion with its problem's tests in the sandbox (SampleResults, in input order)."""
    from codeling.evals.run import execute
    from codeling.sandbox import Limits, SandboxConfig

    return execute(problems, completions, Limits(timeout_s=timeout_s), SandboxConfig(mode=mode))


class Local:
    """Chunks one after another in this process."""

    def map(self, fn: Callable, jobs: list[tuple]) -> Iterator[tuple[int, object]]:
        for i, job in enumerate(jobs):
            yield i, fn(*job)


class Ray:
    """Chunks as Ray tasks on the cluster at `address` (or a local one started here); results are
    yielded as tasks finish, so the driver stores each chunk while the others still run."""

    def __init__(self, address: str | None = None):
        try:
            import ray
        except ImportError:
            raise CodelingError(
                "--backend ray needs Ray; pip install 'codeling[ray]', or use --backend local."
            ) from None
        if not ray.is_initialized():
            ray.init(address=address, include_dashboard=False, log_to_driver=False)
        self.ray = ray

    def map(self, fn: Callable, jobs: list[tuple]) -> Iterator[tuple[int, object]]:
        remote = self.ray.remote(num_cpus=1)(fn)
        pending = {remote.remote(*job): i for i, job in enumerate(jobs)}
        while pending:
            done, _ = self.ray.wait(list(pending), num_returns=1)
            for ref in done:
                yield pending.pop(ref), self.ray.get(ref)


def make_backend(name: str, address: str | None = None):
    if name == "local":
        return Local()
    if name == "ray":
        return Ray(address)
    raise CodelingError(f"Unknown backend {name!r}; choose local or ray.")
