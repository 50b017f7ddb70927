"""The OpenAPI schema documents the errors every operation can answer with, in the one error format."""

import pytest

pytestmark = pytest.mark.django_db
ERROR = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method.upper(), operation


def test_every_api_operation_documents_its_client_errors_with_the_error_body(schema):
    for label, method, operation in operations(schema):
        if label.startswith("GET /health"):
            continue
        expected = {"400", "401", "403", "404", "429"}
        if method in ("POST", "PUT", "PATCH"):
            expected |= {"409", "413", "415"}
        if method == "DELETE":
            expected |= {"409"}
        responses = operation["responses"]
        assert expected <= set(responses), (label, sorted(expected - set(responses)))
        for code in expected:
            assert responses[code]["content"]["application/json"]["schema"] == ERROR, (label, code)


def test_the_error_component_is_the_body_the_api_sends(schema, api):
    component = schema["components"]["schemas"]["Error"]
    body = api().get("/api/does-not-exist").json()
    assert set(component["required"]) == set(body) == {"detail", "error_code", "errors", "request_id"}


def test_ids_in_paths_are_whole_numbers_a_bigint_holds(schema):
    parameter = schema["paths"]["/api/agents/{agent_id}"]["get"]["parameters"][0]
    assert parameter["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**63 - 1}


def test_a_delete_documents_no_body_on_success(schema):
    assert schema["paths"]["/api/agents/{agent_id}"]["delete"]["responses"]["204"] == {
        "description": "No response body"
    }
