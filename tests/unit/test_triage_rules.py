"""The pure triage function: each condition, each action, their combination, the reasons it
gives, the regex guards, and properties (hypothesis) that hold for any rules and ticket."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from activities.triage import triage
from models.tables import TriageRule
from models.triage_admin import MAX_PATTERN_CHARS, PRIORITY_ORDER, check_label_name, check_pattern
from workflows.activity_io import TriageInput
from workflows.messages import CHANNELS, PRIORITIES


def rule(name: str = "r", **kw) -> TriageRule:
    return TriageRule(name=name, **kw)


def ticket(**kw) -> TriageInput:
    base = dict(number=1, subject="Hello", description="", requester_email="dana@customer.example", channel="web",
                priority=None, category=None, tags=[], labels={})
    return TriageInput(**(base | kw))


def names(rules: list[TriageRule], inp: TriageInput, tier: str | None = None) -> list[str]:
    return triage(rules, inp, tier).rules


def test_the_engine_knows_the_ticket_priorities():
    assert PRIORITY_ORDER == PRIORITIES


# --- conditions ----------------------------------------------------------------------------


def test_keywords_match_whole_words_and_phrases_in_any_case():
    r = [rule("k", keywords=["outage", "is down"], add_tags=["t"])]
    assert names(r, ticket(subject="Big OUTAGE in Lyon")) == ["k"]
    assert names(r, ticket(subject="The VPN is\n  down")) == ["k"]  # any blanks inside a phrase
    assert names(r, ticket(description="outage since 9am")) == ["k"]  # the description too
    assert names(r, ticket(subject="outages.example.com")) == []  # not part of a word
    assert names(r, ticket(subject="It is downloading")) == []
    assert names(r, ticket(subject="Routine check")) == []
    symbols = [rule("c", keywords=["c++"], add_tags=["t"])]
    assert names(symbols, ticket(subject="Our C++ build fails")) == ["c"]
    assert names(symbols, ticket(subject="Our c+++ build")) == ["c"]  # "c++" then a non-word character


def test_match_fields_limit_where_keywords_and_pattern_look():
    subject_only = [rule("s", keywords=["invoice"], match_fields=["subject"], add_tags=["t"])]
    assert names(subject_only, ticket(subject="Invoice 42")) == ["s"]
    assert names(subject_only, ticket(subject="Hello", description="about my invoice")) == []
    body_only = [rule("b", pattern=r"\berror \d{3}\b", match_fields=["description"], add_tags=["t"])]
    assert names(body_only, ticket(description="I get ERROR 503 on login")) == ["b"]
    assert names(body_only, ticket(subject="error 503")) == []


def test_pattern_is_a_case_insensitive_search():
    r = [rule("p", pattern=r"\b(vpn|wi-?fi)\b", add_tags=["t"])]
    assert names(r, ticket(subject="WiFi drops")) == ["p"]
    assert names(r, ticket(subject="wi-fi drops")) == ["p"]
    assert names(r, ticket(subject="wifis")) == []
    result = triage(r, ticket(subject="My VPN"))
    assert result.reasons == ["rule 'p' (pattern matched 'VPN'): tags +t"]


def test_channels():
    r = [rule("c", channels=["phone", "chat"], add_tags=["t"])]
    assert names(r, ticket(channel="phone")) == ["c"]
    assert names(r, ticket(channel="chat")) == ["c"]
    assert names(r, ticket(channel="email")) == []


def test_requester_domain_and_its_subdomains():
    r = [rule("d", requester_domain="bigcorp.example", add_tags=["t"])]
    assert names(r, ticket(requester_email="ceo@bigcorp.example")) == ["d"]
    assert names(r, ticket(requester_email="ops@eu.BigCorp.example")) == ["d"]
    assert names(r, ticket(requester_email="x@notbigcorp.example")) == []
    assert names(r, ticket(requester_email="x@bigcorp.example.org")) == []


def test_requester_tier():
    r = [rule("vip", requester_tier="vip", raise_priority=True)]
    assert names(r, ticket(), tier="vip") == ["vip"]
    assert names(r, ticket(), tier="VIP") == ["vip"]
    assert names(r, ticket(), tier="standard") == []
    assert names(r, ticket(), tier=None) == []
    result = triage(r, ticket(), "vip")
    assert result.priority == "high"
    assert result.reasons == ["rule 'vip' (requester tier vip): priority normal -> high"]


def test_alert_labels_must_all_exist_and_fully_match():
    r = [rule("a", alert_labels={"severity": "critical|page", "team": "net.*"}, set_priority="critical")]
    fire = {"alertname": "LinkDown", "severity": "critical", "team": "network"}
    assert names(r, ticket(channel="monitoring", labels=fire)) == ["a"]
    assert names(r, ticket(channel="monitoring", labels=fire | {"severity": "page"})) == ["a"]
    assert names(r, ticket(channel="monitoring", labels=fire | {"severity": "critical-ish"})) == []  # full match only
    assert names(r, ticket(channel="monitoring", labels=fire | {"severity": "Critical"})) == []  # case-sensitive
    assert names(r, ticket(channel="monitoring", labels={"severity": "critical"})) == []  # team is missing
    assert names(r, ticket(channel="monitoring")) == []
    result = triage(r, ticket(channel="monitoring", labels=fire))
    assert result.reasons == ["rule 'a' (labels severity=critical, team=network): priority normal -> critical"]


def test_all_conditions_of_a_rule_must_hold():
    r = [rule("all", keywords=["outage"], channels=["email"], requester_domain="bigcorp.example", requester_tier="vip",
              set_priority="critical")]
    good = dict(subject="Outage", channel="email", requester_email="it@bigcorp.example")
    assert names(r, ticket(**good), "vip") == ["all"]
    assert names(r, ticket(**good | {"subject": "Question"}), "vip") == []
    assert names(r, ticket(**good | {"channel": "web"}), "vip") == []
    assert names(r, ticket(**good | {"requester_email": "it@other.example"}), "vip") == []
    assert names(r, ticket(**good), "standard") == []
    assert triage(r, ticket(**good), "vip").reasons == [
        "rule 'all' (channel email, requester domain bigcorp.example, requester tier vip, keyword 'outage'): "
        "priority normal -> critical"]


def test_a_rule_without_conditions_matches_every_ticket():
    r = [rule("everything", add_tags=["seen"])]
    assert names(r, ticket()) == ["everything"]
    assert names(r, ticket(channel="monitoring", subject="", labels={"x": "y"})) == ["everything"]
    assert triage(r, ticket()).reasons == ["rule 'everything' (no conditions: every ticket): tags +seen"]


def test_disabled_rules_do_nothing():
    assert names([rule("off", enabled=False, add_tags=["t"])], ticket()) == []


# --- actions -------------------------------------------------------------------------------


def test_the_example_reason_line():
    r = [rule("Outage words", keywords=["outage"], set_priority="high", set_category="network", add_tags=["outage"])]
    result = triage(r, ticket(subject="Outage in Lyon"))
    assert (result.category, result.priority, result.tags) == ("network", "high", ["outage"])
    assert result.reasons == ["rule 'Outage words' (keyword 'outage'): priority normal -> high; category network; tags +outage"]


def test_the_first_rule_setting_a_category_wins_and_the_requester_wins_over_all():
    r = [rule("first", set_category="network"), rule("second", set_category="billing", add_tags=["b"])]
    result = triage(r, ticket())
    assert result.category == "network" and result.rules == ["first", "second"]
    assert result.reasons[1] == "rule 'second' (no conditions: every ticket): category stays network (not billing); tags +b"
    mine = triage(r, ticket(category="facilities"))
    assert mine.category == "facilities"
    assert mine.reasons[0] == "rule 'first' (no conditions: every ticket): category stays facilities (not network)"


def test_priority_only_rises():
    assert triage([rule("s", set_priority="high")], ticket(priority="low")).priority == "high"
    kept = triage([rule("s", set_priority="low")], ticket(priority="high"))
    assert kept.priority == "high" and kept.reasons == ["rule 's' (no conditions: every ticket): priority stays high"]
    assert triage([rule("s", set_priority="normal")], ticket(priority=None)).priority == "normal"


def test_raise_priority_is_one_step_and_stops_at_critical():
    up = [rule("up", raise_priority=True)]
    assert [triage(up, ticket(priority=p)).priority for p in PRIORITIES] == ["normal", "high", "critical", "critical"]
    assert triage(up, ticket(priority=None)).priority == "high"  # no priority asked: normal, then one up
    twice = [rule("a", raise_priority=True), rule("b", raise_priority=True)]
    assert triage(twice, ticket(priority="low")).priority == "high"
    both = [rule("both", set_priority="high", raise_priority=True)]
    assert triage(both, ticket(priority="low")).priority == "high"  # the higher of the two
    assert triage(both, ticket(priority="high")).priority == "critical"


def test_tags_add_up_without_duplicates():
    r = [rule("a", add_tags=["net", "lyon"]), rule("b", add_tags=["lyon", "urgent", "urgent"])]
    result = triage(r, ticket(tags=["mine", "net"]))
    assert result.tags == ["mine", "net", "lyon", "urgent"]
    assert result.reasons == ["rule 'a' (no conditions: every ticket): tags +lyon",
                              "rule 'b' (no conditions: every ticket): tags +urgent"]


def test_auto_resolve_first_say_wins():
    assert triage([rule("x", add_tags=["t"])], ticket()).auto_resolve is None
    r = [rule("keep", alert_labels={"severity": "critical"}, auto_resolve=False),
         rule("auto", channels=["monitoring"], auto_resolve=True)]
    assert triage(r, ticket(channel="monitoring", labels={"severity": "critical"})).auto_resolve is False
    auto = triage(r, ticket(channel="monitoring", labels={"severity": "warning"}))
    assert auto.auto_resolve is True and auto.reasons == ["rule 'auto' (channel monitoring): auto-resolve on"]


def test_stop_ends_evaluation_after_the_rule():
    r = [rule("a", add_tags=["a"]), rule("halt", keywords=["spam"], add_tags=["spam"], stop=True),
         rule("c", set_priority="critical")]
    stopped = triage(r, ticket(subject="spam offer"))
    assert stopped.rules == ["a", "halt"] and stopped.priority == "normal" and stopped.tags == ["a", "spam"]
    assert stopped.reasons[-1] == "rule 'halt' (keyword 'spam'): tags +spam; stop: no later rule applies"
    assert triage(r, ticket(subject="hello")).rules == ["a", "c"]  # a stop rule that does not match stops nothing


def test_a_rule_that_matches_but_changes_nothing_says_so():
    result = triage([rule("same", add_tags=["x"])], ticket(tags=["x"]))
    assert result.rules == ["same"] and result.reasons == ["rule 'same' (no conditions: every ticket): no change"]


# --- the regex guards ----------------------------------------------------------------------


def test_check_pattern_refuses_what_cannot_or_should_not_run():
    assert check_pattern(r"\b(outage|down)\b") == r"\b(outage|down)\b"
    for bad, says in [("(", "not a valid regular expression"), ("a" * (MAX_PATTERN_CHARS + 1), "at most"),
                      ("(a+)+$", "repeat inside a repeat"), (r"(\w+\s?)*$", "repeat inside a repeat"),
                      ("(?:x|(y*))+", "repeat inside a repeat")]:
        with pytest.raises(ValueError, match=says.replace("(", r"\(")):
            check_pattern(bad)
    for fine in ["(foo|bar)+", "a{2,5}", "colou?r", r"\d+-\d+"]:
        check_pattern(fine)


def test_check_label_name():
    assert check_label_name("severity") == "severity"
    assert check_label_name("_team2") == "_team2"
    for bad in ["2fast", "sev-erity", "", "a b"]:
        with pytest.raises(ValueError, match="Prometheus label name"):
            check_label_name(bad)


def test_a_stored_rule_that_cannot_run_is_skipped_with_a_reason():
    r = [rule("broken", pattern="([", add_tags=["never"]),
         rule("evil", pattern="(a+)+$", add_tags=["never"]),
         rule("bad label", alert_labels={"severity": "(x"}, add_tags=["never"]),
         rule("fine", keywords=["a"], add_tags=["ok"])]
    started = time.monotonic()
    result = triage(r, ticket(subject="a", description="a" * 5_000 + "!", labels={"severity": "x"}))
    assert time.monotonic() - started < 1.0  # the exponential pattern was never run
    assert result.rules == ["fine"] and result.tags == ["ok"]
    assert [line.split(":")[0] for line in result.reasons[:3]] == [
        "rule 'broken' skipped", "rule 'evil' skipped", "rule 'bad label' skipped"]
    assert "repeat inside a repeat" in result.reasons[1]


def test_only_the_start_of_a_long_description_is_scanned():
    r = [rule("late", keywords=["needle"], add_tags=["found"])]
    assert names(r, ticket(description="x " * 1_000 + "needle")) == ["late"]
    assert names(r, ticket(description="x " * 10_000 + "needle")) == []


# --- properties ----------------------------------------------------------------------------

WORDS = ["outage", "vpn", "invoice", "printer", "down", "hello"]
rules_strategy = st.lists(
    st.builds(
        lambda i, kw, ch, tier, cat, prio, up, tags, stop, pos: rule(
            f"rule{i}", keywords=kw, channels=ch, requester_tier=tier, set_category=cat, set_priority=prio,
            raise_priority=up, add_tags=tags, stop=stop, position=pos),
        st.integers(0, 10**6),
        st.lists(st.sampled_from(WORDS), max_size=2),
        st.lists(st.sampled_from(CHANNELS), max_size=2),
        st.none() | st.sampled_from(["vip", "standard"]),
        st.none() | st.sampled_from(["network", "billing", "hardware"]),
        st.none() | st.sampled_from(PRIORITIES),
        st.booleans(),
        st.lists(st.sampled_from(["a", "b", "c"]), max_size=2),
        st.booleans(),
        st.integers(0, 100),
    ),
    max_size=6,
    unique_by=lambda r: r.name,
)
tickets_strategy = st.builds(
    lambda subject, channel, prio, cat, tags: ticket(subject=" ".join(subject), channel=channel, priority=prio,
                                                     category=cat, tags=tags),
    st.lists(st.sampled_from(WORDS), max_size=4),
    st.sampled_from(CHANNELS),
    st.none() | st.sampled_from(PRIORITIES),
    st.none() | st.sampled_from(["facilities", "network"]),
    st.lists(st.sampled_from(["a", "mine"]), max_size=2, unique=True),
)
tiers = st.none() | st.sampled_from(["vip", "standard"])


@settings(max_examples=300, deadline=None)
@given(rules_strategy, tickets_strategy, tiers)
def test_priority_never_drops(rules, inp, tier):
    result = triage(rules, inp, tier)
    assert PRIORITIES.index(result.priority) >= PRIORITIES.index(inp.priority or "normal")


@settings(max_examples=300, deadline=None)
@given(rules_strategy, tickets_strategy, tiers)
def test_the_requester_category_is_kept(rules, inp, tier):
    result = triage(rules, inp, tier)
    if inp.category is not None:
        assert result.category == inp.category
    assert result.tags[: len(inp.tags)] == inp.tags and len(set(result.tags)) == len(result.tags)


@settings(max_examples=300, deadline=None)
@given(rules_strategy, tickets_strategy, tiers)
def test_rules_apply_in_position_order(rules, inp, tier):
    ordered = sorted(rules, key=lambda r: (r.position, r.name))  # as the activity loads them
    result = triage(ordered, inp, tier)
    positions = {r.name: r.position for r in rules}
    assert [positions[n] for n in result.rules] == sorted(positions[n] for n in result.rules)
    # Each matched rule decides in turn: the first one setting a category has it, unless the requester did.
    by_name = {r.name: r for r in rules}
    setters = [n for n in result.rules if by_name[n].set_category]
    if inp.category is None and setters:
        assert result.category == by_name[setters[0]].set_category
    # Nothing after a matching stop rule.
    stops = [i for i, n in enumerate(result.rules) if by_name[n].stop]
    assert not stops or stops[0] == len(result.rules) - 1
    assert len(result.reasons) == len(result.rules)  # one line per matched rule (none here is skipped)
