from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo tenant (`manage.py seed_demo`): it puts every app to work, so it sits above them all."""

    name = "demo"
