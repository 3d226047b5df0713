"""codeling: train small GPT-style code models from scratch."""

from codeling.errors import CodelingError

__version__ = "0.1.0"
__all__ = ["CodelingError", "__version__"]
