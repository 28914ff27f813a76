"""Triage rules: what a rule may say (checks the admin API calls), how rules are stored, and
`evaluate`, the one engine that applies them. The engine lives here, beside the rules, so
that the triage activity (activities/triage.py) and the admin API's preview run the very
same code: the API may not import activities.

Regular expressions are guarded against catastrophic backtracking: a pattern is at most
MAX_PATTERN_CHARS long and may not nest unbounded repeats (`(a+)+`), and only the first
MAX_SUBJECT_SCAN / MAX_DESCRIPTION_SCAN characters of the subject / description are scanned.
A rule whose regex fails at run time anyway is skipped with a reason; triage goes on."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.sla_admin import ConfigError
from models.tables import TriageRule
from workflows.vocabulary import PRIORITIES

PRIORITY_ORDER = PRIORITIES  # lowest first
MATCH_FIELDS = ("subject", "description")
MAX_PATTERN_CHARS = 200
MAX_SUBJECT_SCAN = 1_000
MAX_DESCRIPTION_SCAN = 5_000
PROMETHEUS_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
ACTION_FIELDS = ("set_category", "set_priority", "raise_priority", "add_tags", "auto_resolve")
FIELDS = ("name", "description", "position", "enabled", "keywords", "pattern", "match_fields", "channels",
          "requester_domain", "requester_tier", "alert_labels", "set_category", "set_priority", "raise_priority",
          "add_tags", "auto_resolve", "stop")


# --- checks ------------------------------------------------------------------------------


def _nested_repeat(pattern: str) -> bool:
    """Whether a repeat (max above 1) sits inside another: the shape of (a+)+ and (\\w+\\s?)*,
    which backtrack exponentially on a near miss. Conservative: (\\d+\\.)+ is refused too."""
    try:
        from re import _parser  # type: ignore[attr-defined]  # CPython's own regex parser
    except ImportError:  # pragma: no cover - another Python: the length limits still hold
        return False
    repeats = {_parser.MAX_REPEAT, _parser.MIN_REPEAT, getattr(_parser, "POSSESSIVE_REPEAT", _parser.MAX_REPEAT)}

    def walk(items: Any, inside: bool) -> bool:
        for op, arg in items:
            if op in repeats and arg[1] > 1:
                if inside or walk(arg[2], True):
                    return True
            elif op in repeats:
                if walk(arg[2], inside):
                    return True
            elif op is _parser.SUBPATTERN and walk(arg[3], inside):
                return True
            elif op is _parser.BRANCH and any(walk(b, inside) for b in arg[1]):
                return True
            elif op in (_parser.ASSERT, _parser.ASSERT_NOT) and walk(arg[1], inside):
                return True
        return False

    return walk(_parser.parse(pattern), False)


def check_pattern(pattern: str, flags: int = re.IGNORECASE) -> str:
    """A regex a rule may hold: bounded in length, compiles, no repeat inside a repeat.
    Raises ValueError saying what is wrong."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise ValueError(f"at most {MAX_PATTERN_CHARS} characters")
    try:
        re.compile(pattern, flags)
    except re.error as err:
        raise ValueError(f"not a valid regular expression: {err}") from None
    if _nested_repeat(pattern):
        raise ValueError("a repeat inside a repeat, such as (a+)+, can take exponential time; rewrite it")
    return pattern


def check_label_name(name: str) -> str:
    if not PROMETHEUS_LABEL.fullmatch(name):
        raise ValueError(f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
    return name


# --- the engine --------------------------------------------------------------------------


class Ticket(Protocol):
    """What triage looks at (workflows.activity_io.TriageInput, or a preview sample)."""

    subject: str
    description: str
    requester_email: str
    channel: str
    priority: str | None
    category: str | None
    tags: list[str]
    labels: dict[str, str]


@dataclass
class Verdict:
    """The fields of workflows.activity_io.TriageResult."""

    category: str | None
    priority: str
    tags: list[str]
    rules: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    auto_resolve: bool | None = None


class _Skip(Exception):
    """A rule that cannot be evaluated (a regex that fails at run time)."""


@functools.lru_cache(maxsize=4096)
def _keyword_regex(keyword: str) -> re.Pattern[str]:
    # A whole word or phrase: no word character just before or after; any run of blanks
    # between the words of a phrase.
    words = [re.escape(w) for w in keyword.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


@functools.lru_cache(maxsize=1024)
def _checked(pattern: str, flags: int) -> re.Pattern[str]:
    check_pattern(pattern, flags)
    return re.compile(pattern, flags)


def _compile(rule: TriageRule, pattern: str, flags: int, what: str) -> re.Pattern[str]:
    # Rules written to the database by other means than the API are checked here too: a
    # pattern that would not pass the API is skipped, never run.
    try:
        return _checked(pattern, flags)
    except (ValueError, TypeError, RecursionError) as err:
        raise _Skip(f"rule {rule.name!r} skipped: its {what} {pattern!r} cannot run: {err}") from None


def _domain_of(email: str) -> str:
    return email.rsplit("@", 1)[-1].strip().lower()


def _why(rule: TriageRule, t: Ticket, tier: str | None) -> list[str] | None:
    """Why the rule matches (one phrase per condition), or None when a condition fails."""
    why: list[str] = []
    if rule.channels:
        if t.channel not in rule.channels:
            return None
        why.append(f"channel {t.channel}")
    if rule.requester_domain:
        want, have = rule.requester_domain.lower().lstrip("@"), _domain_of(t.requester_email)
        if have != want and not have.endswith("." + want):
            return None
        why.append(f"requester domain {want}")
    if rule.requester_tier:
        if tier is None or tier.lower() != rule.requester_tier.lower():
            return None
        why.append(f"requester tier {tier}")
    fields = [f for f in (rule.match_fields or MATCH_FIELDS) if f in MATCH_FIELDS] or list(MATCH_FIELDS)
    texts = [t.subject[:MAX_SUBJECT_SCAN] if f == "subject" else t.description[:MAX_DESCRIPTION_SCAN] for f in fields]
    if rule.keywords:
        hit = next((k for k in rule.keywords if any(_keyword_regex(k).search(x) for x in texts)), None)
        if hit is None:
            return None
        why.append(f"keyword {hit!r}")
    if rule.pattern:
        regex = _compile(rule, rule.pattern, re.IGNORECASE, "pattern")
        try:
            found = next((m for m in (regex.search(x) for x in texts) if m), None)
        except RecursionError as err:  # pragma: no cover - the checks make this unlikely
            raise _Skip(f"rule {rule.name!r} skipped: its pattern failed ({err})") from None
        if found is None:
            return None
        why.append(f"pattern matched {found.group(0)[:40]!r}")
    if rule.alert_labels:
        for name, pattern in rule.alert_labels.items():
            value = (t.labels or {}).get(name)
            if value is None or not _compile(rule, pattern, 0, f"label {name} regex").fullmatch(value):
                return None
        why.append("labels " + ", ".join(f"{n}={t.labels[n]}" for n in rule.alert_labels))
    return why


def _rank(priority: str) -> int:
    return PRIORITY_ORDER.index(priority)


def evaluate(rules: list[TriageRule], t: Ticket, tier: str | None = None) -> Verdict:
    """Apply the enabled rules in the order given (callers sort by position). All of a rule's
    conditions must hold; a rule without conditions matches every ticket. The requester's own
    category wins over every rule's, otherwise the first rule that sets one; the priority only
    rises; tags add up; the first rule that has a say on auto_resolve decides it. A rule with
    `stop` ends the evaluation after itself."""
    v = Verdict(category=t.category, priority=t.priority if t.priority in PRIORITY_ORDER else "normal", tags=list(t.tags))
    for rule in rules:
        if rule.enabled is False:
            continue
        try:
            why = _why(rule, t, tier)
        except _Skip as skip:
            v.reasons.append(str(skip))
            continue
        if why is None:
            continue
        v.rules.append(rule.name)
        changes = _apply(rule, v)
        if rule.stop:
            changes.append("stop: no later rule applies")
        v.reasons.append(f"rule {rule.name!r} ({', '.join(why) or 'no conditions: every ticket'}): "
                         + ("; ".join(changes) or "no change"))
        if rule.stop:
            break
    return v


def _apply(rule: TriageRule, v: Verdict) -> list[str]:
    changes: list[str] = []
    target = _rank(v.priority)
    if rule.set_priority:
        if rule.set_priority in PRIORITY_ORDER:
            target = max(target, _rank(rule.set_priority))
        else:
            changes.append(f"unknown priority {rule.set_priority!r} ignored")
    if rule.raise_priority:
        target = max(target, min(_rank(v.priority) + 1, len(PRIORITY_ORDER) - 1))
    if target > _rank(v.priority):
        changes.append(f"priority {v.priority} -> {PRIORITY_ORDER[target]}")
        v.priority = PRIORITY_ORDER[target]
    elif rule.set_priority or rule.raise_priority:
        changes.append(f"priority stays {v.priority}")
    if rule.set_category:
        if v.category is None:
            v.category = rule.set_category
            changes.append(f"category {v.category}")
        elif v.category != rule.set_category:
            changes.append(f"category stays {v.category} (not {rule.set_category})")
    added = [tag for tag in dict.fromkeys(rule.add_tags or []) if tag not in v.tags]
    if added:
        v.tags += added
        changes.append("tags " + " ".join(f"+{tag}" for tag in added))
    if rule.auto_resolve is not None:
        if v.auto_resolve is None:
            v.auto_resolve = rule.auto_resolve
            changes.append(f"auto-resolve {'on' if rule.auto_resolve else 'off'}")
        elif v.auto_resolve != rule.auto_resolve:
            changes.append(f"auto-resolve stays {'on' if v.auto_resolve else 'off'}")
    return changes


# --- storage -----------------------------------------------------------------------------


def enabled_rules(s: Session) -> list[TriageRule]:
    return list(s.scalars(select(TriageRule).where(TriageRule.enabled).order_by(TriageRule.position, TriageRule.id)))


def rule_dict(r: TriageRule) -> dict:
    d = {"id": r.id} | {key: getattr(r, key) for key in FIELDS}
    empty = {"keywords": [], "match_fields": list(MATCH_FIELDS), "channels": [], "add_tags": [], "alert_labels": {},
             "description": "", "raise_priority": False, "stop": False}
    return d | {key: value for key, value in empty.items() if d[key] is None}


def list_rules(s: Session) -> list[dict]:
    return [rule_dict(r) for r in s.scalars(select(TriageRule).order_by(TriageRule.position, TriageRule.id))]


def get_rule(s: Session, rule_id: int) -> dict | None:
    row = s.get(TriageRule, rule_id)
    return rule_dict(row) if row is not None else None


def save_rule(s: Session, data: dict, *, rule_id: int | None = None) -> dict:
    """Create (rule_id None) or fully replace the rule `rule_id`; `data` has every field."""
    if rule_id is None:
        row = TriageRule()
    else:
        row = s.get(TriageRule, rule_id)
        if row is None:
            raise ConfigError("TriageRuleNotFound", "id", f"no triage rule {rule_id}")
    clash = s.scalar(select(TriageRule.id).where(TriageRule.name == data["name"]))
    if clash is not None and clash != rule_id:
        raise ConfigError("TriageRuleExists", "name", f"a triage rule named {data['name']!r} exists (id {clash})")
    s.add(row)
    for key in FIELDS:
        setattr(row, key, data[key])
    try:
        s.flush()
    except IntegrityError:  # the same name, saved at the same moment by someone else
        raise ConfigError("TriageRuleExists", "name", f"a triage rule named {data['name']!r} exists") from None
    return rule_dict(row)


def delete_rule(s: Session, rule_id: int) -> bool:
    row = s.get(TriageRule, rule_id)
    if row is None:
        return False
    s.delete(row)
    return True
