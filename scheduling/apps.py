from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "scheduling"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        """Installs the engine's booking actions, which stay unavailable without this app, and tells compliance
        what appointments hold about a person."""
        from agents.engine import registry
        from compliance import subject_data
        from scheduling.services import agent_actions, privacy

        # Besides the slots, the day as the agent says it and as a date (the next free day when the one asked for
        # is full), and the slots themselves for "the first one".
        registry.register(
            "check_availability",
            agent_actions.check_availability,
            owner="scheduling",
            provides=lambda params: ("available_slots", "available_day", "available_date", "offered_slots"),
        )
        registry.register("resolve_slot", agent_actions.resolve_slot, owner="scheduling")
        registry.register("book_appointment", agent_actions.book_appointment, owner="scheduling")
        subject_data.register(privacy.HOLDER)
