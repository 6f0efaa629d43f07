"""The names screens show (GET /labels) come from the workflows and match the spec."""

import jsonschema

from workflows import case as case_flow
from workflows import ticket as ticket_flow


def test_labels_are_the_workflows_names(client):
    """Does /labels name every case state, trigger and mode, and every ticket state, as the workflows do?"""
    answer = client.get("/api/v1/labels")
    assert answer.status_code == 200
    labels = answer.get_json()
    assert list(labels["case_states"]) == case_flow.STATES
    assert labels["case_states"]["in_approval"] == case_flow.STATE_NAMES["in_approval"]
    assert labels["case_triggers"] == case_flow.TRIGGER_NAMES
    assert labels["modes"] == case_flow.MODE_NAMES
    assert list(labels["ticket_states"]) == ticket_flow.STATES
    assert labels["ticket_triggers"] == ticket_flow.TRIGGER_NAMES
    assert labels["suspend_kinds"] == case_flow.SUSPEND_KINDS
    assert all(name for names in labels.values() for name in names.values())


def test_labels_match_the_spec(client):
    """Does the answer validate against the schema the served spec gives it?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    answer = spec["paths"]["/api/v1/labels"]["get"]["responses"]["200"]
    schema = answer["content"]["application/json"]["schema"]
    validator = jsonschema.Draft202012Validator({"components": spec["components"], **schema})
    validator.validate(client.get("/api/v1/labels").get_json())
