"""Experiments above the simulator and the models: the closed loop, which plays a model's
campaign back into simulated worlds against other policies."""
