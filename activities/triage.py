"""Triage at intake: rules from SQL set the category, raise the priority and add tags."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from models.tables import TriageRule
from workflows.activity_io import TriageInput, TriageResult
from workflows.messages import PRIORITIES, TRIAGE_ACTIVITY


def rank(priority: str) -> int:
    return PRIORITIES.index(priority)


def rule_matches(rule: TriageRule, inp: TriageInput) -> bool:
    if rule.channel and rule.channel != inp.channel:
        return False
    if rule.requester_domain:
        domain = inp.requester_email.rsplit("@", 1)[-1].lower()
        if domain != rule.requester_domain.lower() and not domain.endswith("." + rule.requester_domain.lower()):
            return False
    if rule.pattern:
        try:
            regex = re.compile(rule.pattern, re.IGNORECASE)
        except re.error:
            activity.logger.warning("triage rule %r has an invalid pattern; skipped", rule.name)
            return False
        if not (regex.search(inp.subject) or regex.search(inp.description)):
            return False
    return True


def triage(rules: list[TriageRule], inp: TriageInput) -> TriageResult:
    category = inp.category
    priority = inp.priority or "normal"
    tags = list(inp.tags)
    matched: list[str] = []
    for rule in rules:
        if not rule_matches(rule, inp):
            continue
        matched.append(rule.name)
        # The requester's own category wins; otherwise the first rule that sets one.
        if category is None and rule.set_category:
            category = rule.set_category
        # Rules only ever raise the priority: a requester's "high" is never lowered.
        if rule.set_priority and rank(rule.set_priority) > rank(priority):
            priority = rule.set_priority
        tags += [t for t in rule.add_tags or [] if t not in tags]
    return TriageResult(category=category, priority=priority, tags=tags, rules=matched)


class TriageActivities:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    @activity.defn(name=TRIAGE_ACTIVITY)
    def triage_ticket(self, inp: TriageInput) -> TriageResult:
        with self._sessions() as s:
            rules = list(s.scalars(select(TriageRule).where(TriageRule.enabled).order_by(TriageRule.position, TriageRule.id)))
        return triage(rules, inp)
