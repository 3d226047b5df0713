import torch

# Two cores, shared with the test runner: one intra-op thread keeps runs repeatable and fast.
torch.set_num_threads(1)
