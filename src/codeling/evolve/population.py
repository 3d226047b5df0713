"""P models of one architecture trained as one batched computation.

Every parameter is stored once for the whole population with a leading member dimension, under
GPT's own names; evolve/stacked_gpt.py runs the forward pass for all members with batched ops. So a
step of P members is one forward and one backward over stacked tensors, not P of them.

Per member: initial weights (its own seed), data batches, dropout masks, learning rate (and so its
schedule), weight decay, warm-up and gradient-norm clipping, all as tensors of shape (P,) that
broadcast over the member dimension. Shared: the architecture, the dropout rate, Adam's betas and
epsilon, the batch size.

The optimizer is torch's fused AdamW kernel run on each member's slices of the stacked tensors, with
that member's learning rate and weight decay, and Adam moments stored stacked like the weights; it
decays the same tensors as `make_optimizer` (matrices yes, biases and norm gains no), so a member
trained here follows the run `codeling train` would make with its seed and hyperparameters;
tests/evolve checks that.
"""

from __future__ import annotations

import copy
import ctypes
import sys

import torch

from codeling.config import ModelConfig, TrainConfig
from codeling.evolve.stacked_gpt import member_losses, stack
from codeling.model import GPT
from codeling.train.optim import make_optimizer

EPS = 1e-8  # torch.optim.AdamW's default


def _per_member(values: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """(P,) values shaped to broadcast against a stacked tensor (P, ...)."""
    return values.view(-1, *([1] * (like.dim() - 1)))


def keep_freed_memory() -> None:
    """Make glibc's malloc keep freed memory in the process instead of giving it back to the kernel.

    A population's activations are tensors of hundreds of MB. glibc serves every block over 32 MB with
    a fresh mmap and unmaps it on free, so each step faulted all of them back in, page by page: 8 tiny
    members at 32 x 256 tokens took 1.5 million page faults and 4 s of kernel time a step, as long as
    the matmuls. Served from the heap and never trimmed, the blocks are reused from step to step, as
    CUDA's caching allocator reuses GPU memory; the process keeps its peak memory until it exits.
    """
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt") and hasattr(libc, "gnu_get_libc_version"):  # glibc, not musl
        m_trim_threshold, m_mmap_max = -1, -4
        libc.mallopt(m_mmap_max, 0)  # no mmap: big blocks come from the heap too
        libc.mallopt(m_trim_threshold, -1)  # -1: never trim the heap (man mallopt)


class Population:
    def __init__(self, config: ModelConfig, seeds: list[int], device: torch.device | str = "cpu"):
        self.config = config
        self.seeds = list(seeds)
        self.device = torch.device(device)
        if self.device.type == "cpu":
            keep_freed_memory()
        members = []
        for seed in seeds:
            # The same seeding as the single-model trainer, so member i starts where `codeling train`
            # with train.seed=seeds[i] starts.
            torch.manual_seed(seed)
            members.append(GPT(config))
        self.template = members[0]  # the architecture, on the CPU; member_model fills in a member's weights
        self.params = {k: v.to(self.device).requires_grad_(True) for k, v in stack(members).items()}
        self.exp_avg = {k: torch.zeros_like(v) for k, v in self.params.items()}
        self.exp_avg_sq = {k: torch.zeros_like(v) for k, v in self.params.items()}
        self.adam_step = 0

    @property
    def size(self) -> int:
        return len(self.seeds)

    def forward_backward(self, x: torch.Tensor, y: torch.Tensor, scale: float, autocast) -> torch.Tensor:
        """Accumulate gradients of scale * loss for batches x, y of shape (P, B, T); the (P,) losses."""
        with autocast:
            losses = member_losses(self.params, self.config, x.to(self.device), y.to(self.device), training=True)
        # Members share no tensors, so the gradient of the sum with respect to member i's slice is the
        # gradient of member i's own loss.
        (losses.sum() * scale).backward()
        return losses.detach()

    @torch.no_grad()
    def val_losses(self, batches: list[tuple[torch.Tensor, torch.Tensor]], autocast) -> torch.Tensor:
        """Mean loss (P,) of every member over the same batches (B, T)."""
        total = torch.zeros(self.size, device=self.device)
        with autocast:
            for x, y in batches:
                every = (t.to(self.device).expand(self.size, *t.shape) for t in (x, y))
                total += member_losses(self.params, self.config, *every, training=False).float()
        return (total / len(batches)).cpu()

    @torch.no_grad()
    def clip_grads(self, max_norm: torch.Tensor) -> torch.Tensor:
        """Per-member clip_grad_norm_ (the same norm of norms): each member's gradient scaled to at
        most its own max_norm (inf = no clipping); returns the (P,) norms before clipping."""
        per_tensor = [
            torch.linalg.vector_norm(p.grad, dim=tuple(range(1, p.dim())), dtype=torch.float32)
            for p in self.params.values()
        ]
        norms = torch.linalg.vector_norm(torch.stack(per_tensor), dim=0)
        coef = torch.clamp(max_norm.to(norms) / (norms + 1e-6), max=1.0)
        for p in self.params.values():
            p.grad.mul_(_per_member(coef, p).to(p.grad.dtype))
        return norms.cpu()

    @torch.no_grad()
    def adamw_step(self, lr: torch.Tensor, weight_decay: torch.Tensor, beta1: float, beta2: float) -> None:
        """torch.optim.AdamW's update with a learning rate and weight decay per member.

        torch's fused AdamW kernel (the one `AdamW(fused=True)` runs) does it in one pass over each
        tensor, but takes one learning rate per call: so it is called per member, on that member's
        slices, once for the decayed matrices and once for the rest, as make_optimizer groups them.
        """
        self.adam_step += 1
        step = torch.tensor(float(self.adam_step), device=self.device)  # the kernel reads it, does not count it
        matrices = [name for name, p in self.params.items() if p.dim() >= 3]
        others = [name for name, p in self.params.items() if p.dim() < 3]
        for i in range(self.size):
            for names, decay in ((matrices, float(weight_decay[i])), (others, 0.0)):
                torch._fused_adamw_(
                    [self.params[n][i] for n in names],
                    [self.params[n].grad[i] for n in names],
                    [self.exp_avg[n][i] for n in names],
                    [self.exp_avg_sq[n][i] for n in names],
                    [],
                    [step] * len(names),
                    lr=float(lr[i]),
                    beta1=beta1,
                    beta2=beta2,
                    weight_decay=decay,
                    eps=EPS,
                    amsgrad=False,
                    maximize=False,
                )
        for p in self.params.values():
            p.grad = None

    @torch.no_grad()
    def take(self, parents: list[int]) -> None:
        """Member i becomes a copy of member parents[i]: weights and optimizer state, all at once."""
        index = torch.tensor(parents, device=self.device)
        for states in (self.params, self.exp_avg, self.exp_avg_sq):
            for tensor in states.values():
                tensor.copy_(tensor[index])

    @torch.no_grad()
    def add_noise(self, members: list[int], std: float, generator: torch.Generator) -> None:
        """Gaussian noise of standard deviation std on every weight of the given members."""
        for tensor in self.params.values():
            for i in members:
                noise = torch.randn(tensor.shape[1:], generator=generator, dtype=tensor.dtype)
                tensor[i].add_(noise.to(self.device) * std)

    def member_model(self, i: int) -> GPT:
        """Member i as an ordinary GPT (on the CPU)."""
        model = copy.deepcopy(self.template)
        with torch.no_grad():
            for name, p in model.named_parameters():
                p.copy_(self.params[name][i].detach().cpu())
        return model

    def member_optimizer_state(self, i: int, model: GPT, tcfg: TrainConfig) -> dict:
        """Member i's Adam moments as the state_dict of the optimizer `codeling train` builds for `model`."""
        optimizer = make_optimizer(model, tcfg, torch.device("cpu"))
        for name, p in model.named_parameters():
            optimizer.state[p] = {
                "step": torch.tensor(float(self.adam_step)),
                "exp_avg": self.exp_avg[name][i].detach().cpu().clone(),
                "exp_avg_sq": self.exp_avg_sq[name][i].detach().cpu().clone(),
            }
        return optimizer.state_dict()

    def state_dict(self) -> dict:
        def cpu(states):
            return {k: v.detach().cpu() for k, v in states.items()}

        return {
            "params": cpu(self.params),
            "exp_avg": cpu(self.exp_avg),
            "exp_avg_sq": cpu(self.exp_avg_sq),
            "adam_step": self.adam_step,
            "seeds": self.seeds,
        }

    @torch.no_grad()
    def load_state_dict(self, state: dict) -> None:
        if list(state["seeds"]) != self.seeds:
            raise ValueError("the saved population was made with other member seeds")
        for key in ("params", "exp_avg", "exp_avg_sq"):
            mine = getattr(self, key)
            for name, tensor in state[key].items():
                mine[name].copy_(tensor)
        self.adam_step = int(state["adam_step"])
