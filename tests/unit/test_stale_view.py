"""The stale-view guard of the `act` update (workflows/stale_view.py), pure."""

from __future__ import annotations

import pytest

from tests.unit.test_lifecycle import fresh
from workflows import stale_view
from workflows.codec import ActionDecodeError
from workflows.validation import ActionRejected


def state(last_seq: int):
    s = fresh()
    s.last_seq = last_seq
    return s


def test_the_guard_is_taken_off_the_payload_and_checked():
    raw = {"kind": "reply", "body": "hi", stale_view.IF_LAST_SEQ: 5}
    rest, expected = stale_view.split(raw)
    assert rest == {"kind": "reply", "body": "hi"} and expected == 5 and stale_view.IF_LAST_SEQ in raw
    assert stale_view.split({"kind": "reply"}) == ({"kind": "reply"}, None)
    stale_view.check(state(5), 5)
    stale_view.check(state(9), None)
    with pytest.raises(ActionRejected) as refused:
        stale_view.check(state(7), 5)
    assert refused.value.type == "StaleView" and "you saw event 5, it is now at event 7" in refused.value.message
    assert "ticket 42" in refused.value.message


@pytest.mark.parametrize("bad", ["5", 0, -1, True, 2.5, [5]])
def test_a_guard_that_is_no_event_number_is_refused(bad):
    with pytest.raises(ActionDecodeError, match="if_last_seq: expected the number of an event"):
        stale_view.split({"kind": "reply", stale_view.IF_LAST_SEQ: bad})
