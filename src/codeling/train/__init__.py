"""Training: the trainer loop, checkpoints, metrics and the learning-rate schedule."""
