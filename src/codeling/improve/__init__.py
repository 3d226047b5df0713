"""Self-improvement: a code model writes solutions, the sandbox checks them, what passes is kept in a
versioned dataset (SQLite), and the model is fine-tuned on it through the training skeleton, round
after round. See docs/IMPROVE.md.

    from codeling.improve import improve, load
    result = improve(load("smoke"), "runs/improve-smoke")
"""

from codeling.improve.loop import ImproveResult, improve
from codeling.improve.settings import PRESETS, ImproveSettings, load

__all__ = ["PRESETS", "ImproveResult", "ImproveSettings", "improve", "load"]
