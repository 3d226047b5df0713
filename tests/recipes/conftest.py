import sys
from pathlib import Path

# The recipes' tests reuse TinyPy's hand-built checkpoints (tests/tinypy/test_evaluate.py).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tinypy"))
