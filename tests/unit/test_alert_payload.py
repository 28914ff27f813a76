"""The Alertmanager webhook payload schema and what a payload means as a ticket: pure, no
server. The fixtures are the bytes Alertmanager sends (tests/api/alertmanager/)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.inbound.alerts import alertmanager as am
from api.errors import ApiError
from api.tickets.schemas import TicketCreate
from models.settings import DEFAULT_ALERT_SEVERITY_MAP, Settings

FIXTURES = Path(__file__).resolve().parents[1] / "api" / "alertmanager"
ALERTMANAGER_FIXTURES = ["firing.json", "refiring.json", "resolved.json", "grouped.json", "truncated.json"]


def raw(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def doc(name: str = "firing.json") -> dict:
    return json.loads(raw(name))


def refused(body: dict | bytes) -> list[dict[str, str]]:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    with pytest.raises(ApiError) as err:
        am.parse_payload(content)
    assert err.value.type == "ValidationError" and err.value.status == 422
    return err.value.fields


def fields(body: dict | bytes) -> set[str]:
    return {f["field"] for f in refused(body)}


@pytest.mark.parametrize("name", ALERTMANAGER_FIXTURES)
def test_every_alertmanager_fixture_parses_into_a_valid_ticket(name):
    payload = am.parse_payload(raw(name))
    assert payload.version == "4" and payload.groupKey and payload.alerts
    ticket = am.ticket(payload, requester_email="alerts@monitoring.localhost", severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    assert TicketCreate.model_validate(ticket).channel == "monitoring"


def test_the_payload_keeps_what_alertmanager_sent():
    p = am.parse_payload(raw("firing.json"))
    assert p.groupKey == '{}/{severity="critical"}:{alertname="HighLatency"}'
    assert (p.receiver, p.status, p.truncatedAlerts, p.externalURL) == (
        "servicedesk", "firing", 0, "http://alertmanager.example.org:9093")
    (alert,) = p.instances()
    assert alert.fingerprint == "4b3f1c9a2d6e8f01" and alert.status == "firing"
    assert alert.starts_at == "2026-11-23T09:12:31.417Z"  # as written: the workflow compares it
    assert alert.ends_at is None  # Go's zero time while firing
    assert alert.generator_url.endswith("%3E+2&g0.tab=1")  # \u0026 decoded
    resolved = am.parse_payload(raw("resolved.json")).instances()
    assert [(a.status, a.ends_at) for a in resolved] == [("resolved", "2026-11-23T09:47:16.417Z")] * 2


def test_fields_a_later_alertmanager_adds_are_ignored():
    body = doc()
    body["somethingNew"] = {"x": 1}
    body["alerts"][0]["silenceURL"] = "http://alertmanager.example.org:9093/#/silences/new"
    assert am.parse_payload(json.dumps(body).encode()).alerts[0].fingerprint == "4b3f1c9a2d6e8f01"


def without(body: dict, *path: str | int) -> dict:
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return out


def replaced(body: dict, value, *path: str | int) -> dict:
    out = copy.deepcopy(body)
    node = out
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return out


@pytest.mark.parametrize(("body", "field"), [
    (replaced(doc(), "3", "version"), "version"),
    (replaced(doc(), 4, "version"), "version"),
    (without(doc(), "version"), "version"),
    (without(doc(), "groupKey"), "groupKey"),
    (replaced(doc(), "", "groupKey"), "groupKey"),
    (replaced(doc(), "pending", "status"), "status"),
    (replaced(doc(), {"status": "firing"}, "alerts"), "alerts"),
    (replaced(doc(), [], "alerts"), "alerts"),
    (without(doc(), "alerts", 0, "fingerprint"), "alerts.0.fingerprint"),
    (without(doc(), "alerts", 0, "status"), "alerts.0.status"),
    (without(doc(), "alerts", 0, "startsAt"), "alerts.0.startsAt"),
    (without(doc(), "alerts", 0, "labels"), "alerts.0.labels"),
    (replaced(doc(), {}, "alerts", 0, "labels"), "alerts.0.labels"),
    (replaced(doc(), 5, "alerts", 0, "labels", "severity"), "alerts.0.labels.severity"),
    (replaced(doc(), "2026-11-23 09:12", "alerts", 0, "startsAt"), "alerts.0.startsAt"),
    (replaced(doc(), "2026-11-23T09:12:31", "alerts", 0, "startsAt"), "alerts.0.startsAt"),  # no offset
    (replaced(doc(), -1, "truncatedAlerts"), "truncatedAlerts"),
    (replaced(doc(), "0", "truncatedAlerts"), "truncatedAlerts"),
])
def test_what_is_not_a_version_4_payload_is_refused_naming_the_field(body, field):
    assert field in fields(body)


def test_other_webhooks_and_non_json_are_refused():
    assert fields(raw("grafana.json")) == {"version"}  # Grafana's webhook says version "1"
    assert fields(b"not json at all") == {"body"}
    assert fields(b"") == {"body"}
    assert fields(b'["firing"]') == {"body"}
    assert fields(b'{"title": "[Alerting] CPU", "ruleId": 1, "state": "alerting", "evalMatches": []}') == {
        "version", "groupKey", "status", "receiver", "alerts"}
    message = refused(replaced(doc(), "3", "version"))[0]["message"]
    assert '"4"' in message


@pytest.mark.parametrize(("severity", "priority"), sorted(DEFAULT_ALERT_SEVERITY_MAP.items()))
def test_default_severity_map(severity, priority):
    assert am.severity_priority(severity, DEFAULT_ALERT_SEVERITY_MAP) == (priority, True)
    assert am.severity_priority(f" {severity.upper()} ", DEFAULT_ALERT_SEVERITY_MAP) == (priority, True)


@pytest.mark.parametrize("severity", ["sev2", "", None, "crit"])
def test_unknown_or_missing_severity_is_normal(severity):
    assert am.severity_priority(severity, DEFAULT_ALERT_SEVERITY_MAP) == ("normal", False)


def test_the_highest_firing_severity_wins_and_unknown_ones_are_noted():
    grouped = am.parse_payload(raw("grouped.json"))  # firing: warning, critical; resolved: warning
    assert am.group_priority(grouped.firing, DEFAULT_ALERT_SEVERITY_MAP) == ("critical", [])
    t = am.ticket(grouped, requester_email="a@b.example", severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    assert t["priority"] == "critical"
    assert am.group_priority(grouped.firing, {"warning": "low"}) == ("normal", ['severity "critical" is not in the severity map'])
    truncated = am.parse_payload(raw("truncated.json"))
    t = am.ticket(truncated, requester_email="a@b.example", severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    assert t["priority"] == "normal" and 'severity "sev2" is not in the severity map' in t["description"]
    assert "left out 3 more alert(s)" in t["description"]
    no_severity = replaced(doc(), {"alertname": "X"}, "alerts", 0, "labels")
    p = am.parse_payload(json.dumps(no_severity).encode())
    assert am.group_priority(p.alerts, DEFAULT_ALERT_SEVERITY_MAP) == ("normal", ["an alert has no severity label"])


def test_subject_tags_and_requester():
    p = am.parse_payload(raw("firing.json"))
    t = am.ticket(p, requester_email="alerts@monitoring.localhost", severity_map=DEFAULT_ALERT_SEVERITY_MAP,
                  previous=41)
    assert t["subject"] == "Checkout p99 latency above 2s"  # commonAnnotations.summary
    assert t["tags"] == ["alert", "highlatency"]
    assert t["requester"] == {"email": "alerts@monitoring.localhost", "name": "servicedesk"}
    assert "The group fired again after #41 was closed." in t["description"]
    grouped = am.parse_payload(raw("grouped.json"))  # no common summary: alertname and group labels
    assert am.subject(grouped) == "DiskSpaceLow: cluster=eu-west-1"
    long_name = replaced(doc(), {"alertname": "Very Long  Alert Name " * 4}, "groupLabels")
    tags = am.tags(am.parse_payload(json.dumps(long_name).encode()))
    assert tags[1].startswith("very-long-alert-name-very") and len(tags[1]) == 40 and " " not in tags[1]


def test_the_ticket_is_the_same_for_the_same_payload_and_fits_the_limits():
    p = am.parse_payload(raw("refiring.json"))
    one = am.ticket(p, requester_email="a@b.example", severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    assert one == am.ticket(am.parse_payload(raw("refiring.json")), requester_email="a@b.example",
                            severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    huge = doc()
    huge["commonAnnotations"]["summary"] = "x" * 1_000
    huge["alerts"] = [replaced(huge["alerts"][0], "y" * 15_000, "annotations", "description")] * 3
    t = am.ticket(am.parse_payload(json.dumps(huge).encode()), requester_email="a@b.example",
                  severity_map=DEFAULT_ALERT_SEVERITY_MAP)
    TicketCreate.model_validate(t)  # subject and description clipped to the limits


def test_alert_settings(monkeypatch):
    s = Settings()
    assert (s.alert_requester_email, s.alert_auto_resolve) == ("alerts@monitoring.localhost", True)
    assert s.alert_severity_map == DEFAULT_ALERT_SEVERITY_MAP
    monkeypatch.setenv("SERVICEDESK_ALERT_SEVERITY_MAP", '{"p1": "critical", "p2": "high"}')
    monkeypatch.setenv("SERVICEDESK_ALERT_AUTO_RESOLVE", "false")
    s = Settings()
    assert s.alert_severity_map == {"p1": "critical", "p2": "high"} and s.alert_auto_resolve is False
    monkeypatch.setenv("SERVICEDESK_ALERT_SEVERITY_MAP", '{"p1": "urgent"}')
    with pytest.raises(ValidationError):
        Settings()
