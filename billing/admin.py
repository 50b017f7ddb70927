from django.contrib import admin, messages

from billing import services
from billing.models import Plan, StripeEvent, Subscription, UsageRecord
from config.admin import PublicSchemaAdmin, ReadOnlyAdminMixin


@admin.register(Plan)
class PlanAdmin(PublicSchemaAdmin):
    """Plans are made and edited here; the default flag moves only with the action, so exactly one plan has it."""

    list_display = [
        "name",
        "slug",
        "is_listed",
        "monthly_price",
        "max_concurrent_calls",
        "monthly_minutes",
        "max_agents",
        "api_requests_per_minute",
        "api_requests_per_hour",
        "is_default",
        "updated_at",
    ]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = [
        "is_default",
        "stripe_product_id",
        "stripe_price_id",
        "stripe_minutes_price_id",
        "created_at",
        "updated_at",
    ]
    actions = ["make_default"]

    def get_actions(self, request):
        # Bulk delete would take the default plan too; plans are deleted one by one (tenants' plans are protected).
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.is_default)

    @admin.action(description="Make the selected plan the default")
    def make_default(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one plan.", messages.ERROR)
            return
        plan = services.make_default_plan(queryset.get())
        self.message_user(request, f"{plan} is now the plan of every tenant without a subscription.")


@admin.register(Subscription)
class SubscriptionAdmin(PublicSchemaAdmin):
    """Which plan a tenant is on; a tenant not listed is on the default plan. Saved through the service, which
    records the change in the tenant's audit log."""

    list_display = ["tenant", "plan", "status", "trial_ends_at", "payment_failed_at", "updated_at"]
    list_filter = ["plan", "status"]
    search_fields = ["tenant__name", "tenant__slug", "stripe_customer_id", "stripe_subscription_id"]
    fields = [
        "tenant",
        "plan",
        "status",
        "trial_ends_at",
        "current_period_end",
        "payment_failed_at",
        "stripe_customer_id",
        "stripe_subscription_id",
        "created_at",
        "updated_at",
    ]
    autocomplete_fields = ["tenant"]
    # Stripe's webhooks keep the standing; an operator changes the plan only.
    readonly_fields = [
        "status",
        "trial_ends_at",
        "current_period_end",
        "payment_failed_at",
        "stripe_customer_id",
        "stripe_subscription_id",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "tenant"] if obj is not None else self.readonly_fields

    def has_delete_permission(self, request, obj=None):
        return False  # change the plan instead; nothing would audit a deletion

    def save_model(self, request, obj, form, change):
        obj.pk = services.assign_plan(obj.tenant, obj.plan, actor=request.user).pk


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdminMixin, PublicSchemaAdmin):
    """Read-only: usage is written by the metering service, never by hand."""

    list_display = ["occurred_at", "tenant", "kind", "quantity", "call_id", "updated_at"]
    list_filter = ["kind", "tenant"]
    search_fields = ["idempotency_key", "tenant__slug"]
    date_hierarchy = "occurred_at"


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdminMixin, PublicSchemaAdmin):
    """Read-only: the Stripe events applied, each once."""

    list_display = ["created", "type", "id", "received_at"]
    list_filter = ["type"]
    search_fields = ["id"]
