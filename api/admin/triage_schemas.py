"""Bodies for triage-rule administration and the rule preview. Requests are strict and
checked in full here, so a rule that cannot run is a 422 naming the field, never a ticket
that meets it."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from api.schemas import Category, Email, Strict, Tag
from models.triage_admin import ACTION_FIELDS, check_label_name, check_pattern
from workflows import messages as m

Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Domain = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=255)]
Tier = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=20)]
DOMAIN = re.compile(r"@?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")
LabelValue = Annotated[str, StringConstraints(max_length=1_000)]


class TriageRuleIn(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "name": "Outage words", "description": "Anything down is urgent and goes to network operations",
        "position": 10, "keywords": ["outage", "is down", "unreachable"], "channels": ["email", "web"],
        "set_category": "network", "set_priority": "high", "add_tags": ["outage"],
    }, {
        "name": "Critical alerts", "position": 5, "channels": ["monitoring"],
        "alert_labels": {"severity": "critical|page"}, "set_priority": "critical", "auto_resolve": True,
    }]})
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2_000)] = ""
    position: Annotated[int, Field(ge=0, le=100_000, description="Rules apply in position order")] = 100
    enabled: bool = True
    # conditions: every one that is set must hold; none set matches every ticket
    keywords: Annotated[list[Keyword], Field(max_length=50, description=(
        "Any one matches: a whole word or phrase, case-insensitive, in match_fields"))] = []
    pattern: str | None = Field(default=None, description="A case-insensitive regex searched in match_fields")
    match_fields: Annotated[list[Literal["subject", "description"]], Field(min_length=1)] = ["subject", "description"]
    channels: list[m.Channel] = Field(default=[], description="The ticket's channel is one of these; empty: any")
    requester_domain: Domain | None = Field(default=None, description="This domain or any subdomain of it")
    requester_tier: Tier | None = Field(default=None, description="The requester's customer tier (by address or @domain)")
    alert_labels: Annotated[dict[str, LabelValue], Field(max_length=20, description=(
        "Alert tickets: every label is present and its value fully matches the regex (case-sensitive)"))] = {}
    # actions: at least one
    set_category: Category | None = Field(default=None, description="Unless the requester or an earlier rule chose one")
    set_priority: m.Priority | None = Field(default=None, description="Raises to this priority; never lowers")
    raise_priority: bool = Field(default=False, description="One step up (low -> normal -> high -> critical)")
    add_tags: Annotated[list[Tag], Field(max_length=m.MAX_TAGS)] = []
    auto_resolve: bool | None = Field(default=None, description="Alert tickets: resolve when the alert group resolves")
    stop: bool = Field(default=False, description="No later rule applies to a ticket this rule matched")

    @field_validator("pattern")
    @classmethod
    def _pattern(cls, v: str | None) -> str | None:
        return None if v is None or v == "" else check_pattern(v)

    @field_validator("requester_domain")
    @classmethod
    def _domain(cls, v: str | None) -> str | None:
        if v is None:
            return v
        if not DOMAIN.fullmatch(v):
            raise ValueError("a domain such as example.com (its subdomains match too)")
        return v.lstrip("@")

    @field_validator("requester_tier")
    @classmethod
    def _tier(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"\w+", v):
            raise ValueError("one word, such as vip")
        return v

    @field_validator("keywords", "add_tags", "channels", "match_fields")
    @classmethod
    def _unique(cls, v: list) -> list:
        return list(dict.fromkeys(v))

    @field_validator("alert_labels")
    @classmethod
    def _labels(cls, v: dict[str, str]) -> dict[str, str]:
        for name, regex in v.items():
            check_label_name(name)
            try:
                check_pattern(regex, flags=0)
            except ValueError as err:
                raise ValueError(f"{name}: {err}") from None
        return v

    @model_validator(mode="after")
    def _acts(self) -> TriageRuleIn:
        if not (self.set_category or self.set_priority or self.raise_priority or self.add_tags
                or self.auto_resolve is not None):
            raise ValueError(f"a rule needs at least one action: {', '.join(ACTION_FIELDS)}")
        return self


class TriageRuleOut(BaseModel):
    """A stored rule, as it is: not checked again, so a rule written to the database by other
    means (and perhaps broken) can still be seen and fixed."""

    id: int
    name: str
    description: str
    position: int
    enabled: bool
    keywords: list[str]
    pattern: str | None
    match_fields: list[str]
    channels: list[str]
    requester_domain: str | None
    requester_tier: str | None
    alert_labels: dict[str, str]
    set_category: str | None
    set_priority: str | None
    raise_priority: bool
    add_tags: list[str]
    auto_resolve: bool | None
    stop: bool


class TriagePreviewIn(Strict):
    """A sample ticket, to see what the enabled rules would do to it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "subject": "VPN is down in Lyon", "description": "Nobody can connect since 9am",
        "requester_email": "ceo@bigcorp.example", "channel": "email",
    }, {
        "subject": "[FIRING:1] HighLatency", "requester_email": "alertmanager@monitoring.example",
        "channel": "monitoring", "labels": {"alertname": "HighLatency", "severity": "critical"},
    }]})
    subject: Annotated[str, StringConstraints(max_length=m.MAX_SUBJECT_CHARS)] = ""
    description: Annotated[str, StringConstraints(max_length=m.MAX_BODY_CHARS)] = ""
    requester_email: Email
    channel: m.Channel = "api"
    labels: Annotated[dict[str, LabelValue], Field(max_length=100)] = {}
    priority: m.Priority | None = None
    category: Category | None = None
    tags: Annotated[list[Tag], Field(max_length=m.MAX_TAGS)] = []


class TriagePreviewOut(BaseModel):
    """What triage would decide (the fields of the triage activity's result)."""

    category: str | None
    priority: str
    tags: list[str]
    rules: list[str] = Field(description="The rules that matched, in order")
    reasons: list[str] = Field(description="One line per matched (or skipped) rule: why, and what it changed")
    auto_resolve: bool | None
    requester_tier: str | None = Field(description="The customer tier the requester-tier conditions saw")
