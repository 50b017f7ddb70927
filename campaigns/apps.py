from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from calls.signals import call_finished
        from campaigns.services import privacy
        from campaigns.services.dispatch import on_call_finished
        from compliance import subject_data

        call_finished.connect(on_call_finished, dispatch_uid="campaigns.on_call_finished")
        subject_data.register(privacy.HOLDER)
