"""Optimizers: AdamW, or Muon for the hidden matrices with AdamW for everything else.

Muon (Jordan et al. 2024; torch.optim.Muon) orthogonalises each weight matrix's momentum before the
step, so every direction of the matrix moves at the same rate. It only suits the 2-D matrices inside
the blocks: embeddings (tied to the output head), memory slots, biases and norm gains stay on AdamW,
as in the speedrun recipes. With Moonshot's learning-rate adjustment ("match_rms_adamw") both halves
take the same `train.lr`, so one schedule drives them.

On TinyPy's variable look-up, Muon learned in 300 steps what AdamW had not (docs/RESULTS.md).
"""

from __future__ import annotations

import torch

from codeling.errors import CodelingError


class Chained:
    """Several torch optimizers stepped as one. `param_groups` lists every group (the same dicts),
    so the trainer's per-step learning rate reaches all of them; the state dict holds each in turn."""

    def __init__(self, optimizers: list[torch.optim.Optimizer]):
        self.optimizers = optimizers

    @property
    def param_groups(self) -> list[dict]:
        # Looked up each time: load_state_dict replaces an optimizer's group dicts, and a list kept
        # from before a resume would take the learning rate into dicts no optimizer reads any more.
        return [group for opt in self.optimizers for group in opt.param_groups]

    def step(self) -> None:
        for opt in self.optimizers:
            opt.step()

    def zero_grad(self, set_to_none: bool = True) -> None:
        for opt in self.optimizers:
            opt.zero_grad(set_to_none=set_to_none)

    def state_dict(self) -> dict:
        return {"chained": [opt.state_dict() for opt in self.optimizers]}

    def load_state_dict(self, state: dict) -> None:
        if "chained" not in state or len(state["chained"]) != len(self.optimizers):
            raise CodelingError(
                "The checkpoint's optimizer state was saved with another train.optimizer; "
                "resume with the one it was trained with."
            )
        for opt, opt_state in zip(self.optimizers, state["chained"]):
            opt.load_state_dict(opt_state)


def adamw(params: list[torch.nn.Parameter], cfg, device: torch.device) -> torch.optim.AdamW:
    # Matrices (embeddings, linear weights, memory slots) decay; biases and norm gains do not:
    # shrinking a LayerNorm gain or a bias toward zero only hurts.
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), fused=device.type == "cuda")


def make_optimizer(model: torch.nn.Module, cfg, device: torch.device):
    """The optimizer `cfg.optimizer` names, over the model's trainable parameters."""
    named = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    if cfg.optimizer == "adamw":
        return adamw([p for _, p in named], cfg, device)
    hidden = [p for name, p in named if p.dim() == 2 and ".blocks." in f".{name}"]
    chosen = {id(p) for p in hidden}
    rest = [p for _, p in named if id(p) not in chosen]
    muon = torch.optim.Muon(hidden, lr=cfg.lr, weight_decay=cfg.weight_decay, adjust_lr_fn="match_rms_adamw")
    return Chained([muon, adamw(rest, cfg, device)])
