"""Reinforcement learning, headless: the course's city car (car.py: the CityCar Gymnasium env and
N cars as arrays; maps.py: map images and the drawn maps), its DQN (dqn.py), training with
checkpoints and resume (train.py), greedy rollouts and their figures (rollout.py), pictures
(draw.py), sweeps (sweep.py), shortest road routes (route.py); and the gridworld with the
Q-learning agent (gridworld.py, qlearning.py). Import from the modules; nothing is re-exported
here, so `import codeling.rl.gridworld` stays free of torch.
"""
