import pytest

from agents.engine import registry


@pytest.fixture
def no_scheduling(monkeypatch):
    """The engine's registry as it is on a platform without the scheduling app's booking handlers."""
    monkeypatch.setattr(registry, "_specs", dict(registry._specs))
    for name in ("check_availability", "book_appointment"):
        registry.register(name, None, owner="scheduling")
