"""Business rules of the agents app, one module per subject; the demo seeders are used by `seed_demo`."""

from agents.services.demo import seed_demo_agent, seed_demo_knowledge

__all__ = ["seed_demo_agent", "seed_demo_knowledge"]
