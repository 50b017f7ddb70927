from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "calls"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from agents.engine import registry
        from agents.services import conversation_store
        from billing import metering
        from calls import selectors
        from calls.media.speech import prepare_speech
        from calls.services import conversations, review
        from calls.services import privacy as call_privacy
        from calls.services.texting import send_sms
        from compliance import subject_data
        from config import media_server
        from scheduling.services import sms

        metering.register_counters(
            lines_in_use=selectors.live_call_count, minutes_used_this_month=selectors.minutes_used_this_month
        )
        sms.register_sender(send_sms)
        conversation_store.register(conversations)
        media_server.prepare(prepare_speech)
        subject_data.register(call_privacy.HOLDER)
        registry.register("take_message", review.take_message, owner="calls")
