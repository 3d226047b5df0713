"""Self-improvement on TinyPy without labels: see loop.py."""
