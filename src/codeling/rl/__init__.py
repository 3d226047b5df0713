"""Reinforcement learning: Gymnasium environments and the agents that learn them."""
