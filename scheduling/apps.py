from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Installs the engine's booking actions, which stay unavailable without this app."""
        from agents.engine import registry
        from scheduling.services import agent_actions

        # Besides the slots, the day as the agent says it, and the slots themselves for "the first one".
        registry.register(
            "check_availability",
            agent_actions.check_availability,
            owner="scheduling",
            provides=lambda params: ("available_slots", "available_day", "offered_slots"),
        )
        registry.register("book_appointment", agent_actions.book_appointment, owner="scheduling")
