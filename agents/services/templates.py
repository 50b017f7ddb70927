"""Call templates and their immutable flow versions; installing templates from the library."""

from django.db import connection, transaction

from agents import flows
from agents.models import CallTemplate, FlowVersion
from billing import quotas
from config.errors import Conflict, DomainError, NotFound

TEMPLATE_FIELDS = ("name", "description", "industry", "initial_message")


def _require_valid_flow(flow) -> None:
    errors = flows.validate(flow)
    if errors:
        messages = [f"node '{e.node_id}': {e.message}" if e.node_id else e.message for e in errors]
        raise DomainError(f"The flow is invalid: {messages[0]}", error_code="invalid_flow", errors={"flow": messages})


def _add_version(template, flow, user) -> FlowVersion:
    """Every new version of a flow is made here, so here the plan's template features are checked."""
    if flows.is_branching(flow):
        quotas.check_feature(connection.tenant, "branching_templates")
    last = template.versions.order_by("-number").values_list("number", flat=True).first() or 0
    return FlowVersion.objects.create(
        template=template,
        number=last + 1,
        flow=flow,
        schema_version=flow["schema_version"],
        created_by_id=getattr(user, "pk", None),
    )


@transaction.atomic
def create_template(*, flow, user=None, library_key="", **fields) -> CallTemplate:
    _require_valid_flow(flow)
    flow, layout = flows.split_layout(flow)
    template = CallTemplate.objects.create(library_key=library_key, layout=layout, **fields)
    _add_version(template, flow, user)
    return template


@transaction.atomic
def update_template(template: CallTemplate, *, flow=None, user=None, **fields) -> CallTemplate:
    """A changed flow becomes a new version; calls already made keep the version they used. Where its nodes sit on
    the canvas is not a change of the flow: the template's layout keeps it (a version's own positions, from before,
    do not count either)."""
    template = CallTemplate.objects.select_for_update().get(pk=template.pk)
    for name, value in fields.items():
        setattr(template, name, value)
    if flow is not None:
        _require_valid_flow(flow)
        flow, positions = flows.split_layout(flow)
        node_ids = {node["id"] for node in flow["nodes"]}
        template.layout = {
            **{node_id: at for node_id, at in template.layout.items() if node_id in node_ids},
            **positions,
        }
        latest = template.latest_version
        if latest is None or flows.split_layout(latest.flow)[0] != flow:
            _add_version(template, flow, user)
    template.save()
    return template


@transaction.atomic
def duplicate_template(template: CallTemplate, *, user=None) -> CallTemplate:
    copy = CallTemplate.objects.create(
        name=f"{template.name} (copy)"[:200],
        layout=template.layout,
        **{name: getattr(template, name) for name in TEMPLATE_FIELDS[1:]},
    )
    _add_version(copy, template.latest_version.flow, user)
    return copy


def delete_template(template: CallTemplate) -> None:
    if template.agents.exists():
        raise Conflict("Agents use this template; move them to another template first.", error_code="template_in_use")
    if template.versions.filter(calls__isnull=False).exists():
        raise Conflict(
            "Calls were made with this template; its versions are kept for their history.",
            error_code="template_has_calls",
        )
    template.delete()


def validate_template(template: CallTemplate, flow=None) -> list[dict]:
    """Problems of the template's current flow (or of a draft), each naming its node; empty when valid."""
    return [error.as_dict() for error in flows.validate(template.latest_version.flow if flow is None else flow)]


def library_entries() -> list[dict]:
    from agents.library import templates as library_templates

    return library_templates()


def _library_entry(key):
    entry = next((item for item in library_entries() if item["key"] == key), None)
    if entry is None:
        raise NotFound(f"No library template '{key}'.")
    return entry


@transaction.atomic
def install_library_template(key: str, *, user=None) -> tuple[CallTemplate, bool]:
    """The tenant's copy of a library template, made on first install; (template, created)."""
    existing = CallTemplate.objects.filter(library_key=key).order_by("id").first()
    if existing is not None:
        return existing, False
    entry = _library_entry(key)
    template = create_template(
        flow=entry["flow"], user=user, library_key=key, **{name: entry.get(name, "") for name in TEMPLATE_FIELDS}
    )
    return template, True
