"""Business rules of the agents app, one module per subject; `seed_demo_agent` is used by `seed_demo`."""

from agents.services.demo import seed_demo_agent

__all__ = ["seed_demo_agent"]
