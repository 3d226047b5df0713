"""Learning rate: linear warm-up, then cosine decay to min_lr, then flat."""

import math

from codeling.config import TrainConfig


def learning_rate(step: int, cfg: TrainConfig, time_spent: float = 0.0) -> float:
    """time_spent: the share of cfg.max_minutes used so far. With cfg.schedule == "time" the decay
    follows whichever of steps and time is further along, so a run stopped by its time budget has
    finished its schedule rather than being cut off at a high learning rate."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    decay_steps = cfg.decay_steps or cfg.max_steps
    if step >= decay_steps:
        return cfg.min_lr
    progress = (step - cfg.warmup_steps) / max(1, decay_steps - cfg.warmup_steps)
    if cfg.schedule == "time":
        progress = max(progress, time_spent)
    if progress >= 1:
        return cfg.min_lr
    return cfg.min_lr + 0.5 * (1.0 + math.cos(math.pi * progress)) * (cfg.lr - cfg.min_lr)
