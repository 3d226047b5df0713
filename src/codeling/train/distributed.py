"""Several processes training as one, with PyTorch's own engine (torchrun + DDP or FSDP2).

A plain `python` run is rank 0 of a world of 1 and none of this does anything. Under torchrun each
process reads its rank from the environment, joins the process group (NCCL on CUDA, gloo on CPU),
and wraps the model:
  - ddp:  every process holds the whole model; gradients are averaged across processes after the
          last micro-step of each optimizer step (`no_sync` on the others saves the traffic);
  - fsdp: parameters, gradients and optimizer state are sharded across processes (FSDP2's
          `fully_shard`, one unit per transformer block plus the root), gathered a block at a time
          for compute, in bf16 when training in bf16.

Checkpoints stay single files whatever the wrapping: the full weights and optimizer state are
gathered to rank 0, which writes them in the plain format every other verb reads.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn

from codeling.errors import CodelingError
from codeling.model import GPT


@dataclass(frozen=True)
class World:
    rank: int = 0
    local_rank: int = 0
    size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def from_env() -> World:
    """Read torchrun's RANK / LOCAL_RANK / WORLD_SIZE (absent: a single process)."""
    return World(
        rank=int(os.environ.get("RANK", 0)),
        local_rank=int(os.environ.get("LOCAL_RANK", 0)),
        size=int(os.environ.get("WORLD_SIZE", 1)),
    )


def pick_device(name: str, world: World = World()) -> torch.device:
    """The device `name` means here (train.device, or a verb's --device): `auto` is this process's
    GPU where there is one, else the CPU."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda", world.local_rank)
        return torch.device("cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise CodelingError(f"Unknown device {name!r}; use auto, cpu, cuda or cuda:N.") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise CodelingError(f"Device {name!r} is CUDA but no CUDA device is available here; use auto or cpu.")
    if device.type == "cuda" and world.size > 1:
        device = torch.device("cuda", world.local_rank)  # one GPU per process, whatever index was named
    return device


@contextlib.contextmanager
def process_group(world: World, device: torch.device):
    """Join torchrun's process group for the length of a run; a world of 1 needs none."""
    if world.size == 1 or dist.is_initialized():
        yield
        return
    if device.type == "cuda":
        torch.cuda.set_device(device)
    # MASTER_ADDR/PORT (or the rendezvous endpoint) come from torchrun through the environment.
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    try:
        yield
    finally:
        dist.destroy_process_group()


def batch_rows(world: World, micro: int, local_accum: int, micro_batch: int) -> slice:
    """The rows of a step's global batch that this rank trains on at micro-step `micro`.

    Ranks take consecutive blocks of rows, so together they cover the global batch exactly once,
    in the order one process would have used, and no two ranks train on the same row.
    """
    start = (world.rank * local_accum + micro) * micro_batch
    return slice(start, start + micro_batch)


# --- collectives the training loop needs; each is a no-op for a world of 1 -----------------------


def agree(world: World, averages: Sequence[float], flags: Sequence[bool]) -> tuple[list[float], list[bool]]:
    """Each value averaged over ranks, and each flag true if it is true on any rank, in one all-reduce.

    Flags such as "a signal arrived" or "a save is overdue by the clock" can differ between ranks;
    every rank must take the same branch, or the ones that save would wait forever for the others.
    Values such as the time spent feed the learning rate, which must be the same on every rank.
    """
    if world.size == 1:
        return list(averages), list(flags)
    values = torch.tensor([*averages, *(float(f) for f in flags)], dtype=torch.float64, device=_comm_device())
    dist.all_reduce(values)
    totals = values.tolist()
    return [t / world.size for t in totals[: len(averages)]], [c > 0 for c in totals[len(averages) :]]


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()


def broadcast(world: World, obj):
    """Rank 0's value of a small picklable object, on every rank."""
    if world.size == 1:
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def gather(world: World, obj) -> list | None:
    """Every rank's value of a small picklable object, on rank 0 (None elsewhere)."""
    if world.size == 1:
        return [obj]
    out = [None] * world.size if world.is_main else None
    dist.gather_object(obj, out, dst=0)
    return out


def _comm_device() -> torch.device:
    # NCCL only moves CUDA tensors; gloo moves CPU ones.
    return torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")


# --- the wrapped model ---------------------------------------------------------------------------


def _fsdp_api():
    try:  # torch >= 2.6
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
    except ImportError:  # torch 2.4 and 2.5
        from torch.distributed._composable.fsdp import MixedPrecisionPolicy, fully_shard
    return fully_shard, MixedPrecisionPolicy


@dataclass
class Parallel:
    """The model as training sees it: plain, DDP-wrapped or FSDP-sharded.

    `module` is what the loop calls forward and backward on; `model` is the GPT underneath (for
    FSDP the same object, sharded in place). The methods are the few operations whose meaning
    changes with the wrapping.
    """

    kind: str  # "single", "ddp" or "fsdp"
    module: nn.Module
    model: nn.Module

    def sync_gradients(self, sync: bool):
        """Context for one micro-step: gradients cross processes only when `sync` (the last one)."""
        if sync or self.kind == "single":
            return contextlib.nullcontext()
        if self.kind == "ddp":
            return self.module.no_sync()
        return _fsdp_no_sync(self.module)

    def clip_gradients(self, max_norm: float) -> float:
        norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm if max_norm > 0 else float("inf"))
        if hasattr(norm, "full_tensor"):  # FSDP: a DTensor holding the global norm
            norm = norm.full_tensor()
        return float(norm)

    def full_state(self, optimizer: torch.optim.Optimizer, world: World) -> tuple[nn.Module | None, dict | None]:
        """The whole model and optimizer state, in the single-process format, on rank 0 (None elsewhere).

        Under FSDP this is a collective: every rank must call it.
        """
        if self.kind != "fsdp":
            return (self.model, optimizer.state_dict()) if world.is_main else (None, None)
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            get_model_state_dict,
            get_optimizer_state_dict,
        )

        options = StateDictOptions(full_state_dict=True, cpu_offload=True)  # rank 0 gets it all, in CPU memory
        weights = get_model_state_dict(self.model, options=options)
        optim = get_optimizer_state_dict(self.model, optimizer, options=options)
        if not world.is_main:
            return None, None
        plain = GPT(self.model.config)  # an unsharded twin on the CPU that save_checkpoint can write
        plain.load_state_dict(weights)
        return plain, _names_to_ids(optim)

    def load_optimizer_state(self, optimizer: torch.optim.Optimizer, state: dict) -> None:
        if self.kind != "fsdp":
            optimizer.load_state_dict(state)
            return
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

        name_of = {p: n for n, p in self.model.named_parameters()}
        names = [name_of[p] for group in optimizer.param_groups for p in group["params"]]
        set_optimizer_state_dict(
            self.model, optimizer, _ids_to_names(state, names), options=StateDictOptions(full_state_dict=True)
        )


def parallelize(model: nn.Module, kind: str, world: World, device: torch.device, precision: str) -> Parallel:
    """Wrap `model` (already on `device`, holding the same weights on every rank) for `kind`."""
    if world.size == 1:
        return Parallel("single", model, model)
    if kind == "ddp":
        from torch.nn.parallel import DistributedDataParallel as DDP

        # gradient_as_bucket_view: gradients live inside DDP's communication buckets instead of
        # beside them, which saves a whole copy of the gradients.
        ids = [device.index] if device.type == "cuda" else None
        return Parallel("ddp", DDP(model, device_ids=ids, gradient_as_bucket_view=True), model)
    fully_shard, MixedPrecisionPolicy = _fsdp_api()
    if precision == "fp16":
        raise CodelingError(
            "train.parallel=fsdp trains in bf16 or fp32, not fp16; "
            "set train.precision=bf16 (or fp32), or use train.parallel=ddp."
        )
    # bf16: blocks are gathered and run in bf16, gradients reduced in fp32, the sharded master
    # weights and optimizer state stay fp32.
    policy = (
        MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
        if precision == "bf16"
        else MixedPrecisionPolicy()
    )
    for block in model.blocks:
        fully_shard(block, mp_policy=policy)
    fully_shard(model, mp_policy=policy)  # the root: embeddings (tied with the output head) and the final norm
    return Parallel("fsdp", model, model)


@contextlib.contextmanager
def _fsdp_no_sync(module: nn.Module):
    # FSDP2 accumulates unsharded gradients locally instead of reduce-scattering each micro-step.
    module.set_requires_gradient_sync(False)
    try:
        yield
    finally:
        module.set_requires_gradient_sync(True)


# torch.optim keys its state by parameter index (in param-group order); torch.distributed.checkpoint
# keys it by parameter name. Checkpoints hold the former, so every reader can load them.


def _names_to_ids(state: dict) -> dict:
    names = [name for group in state["param_groups"] for name in group["params"]]
    index = {name: i for i, name in enumerate(names)}
    groups, start = [], 0
    for group in state["param_groups"]:
        groups.append({**group, "params": list(range(start, start + len(group["params"])))})
        start += len(group["params"])
    return {"state": {index[n]: s for n, s in state["state"].items()}, "param_groups": groups}


def _ids_to_names(state: dict, names: list[str]) -> dict:
    groups = [{**group, "params": [names[i] for i in group["params"]]} for group in state["param_groups"]]
    return {"state": {names[i]: s for i, s in state["state"].items()}, "param_groups": groups}
