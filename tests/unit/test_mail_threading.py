"""The parts of threading that need no database: which Message-IDs a mail answers, the ticket
number in a subject, and Message-ID normalisation and generation."""

from __future__ import annotations

import re
import pytest

from api.inbound.mail.parse import parse_mail
from api.inbound.mail.threading import referenced_ids, subject_number
from models.mail import new_message_id, normalise_message_id


def test_in_reply_to_first_then_references_newest_first():
    raw = (b"From: a@b.example\r\nIn-Reply-To: <c@x.example>\r\n"
           b"References: <a@x.example>\r\n <b@x.example> <c@x.example>\r\n\r\nx\r\n")
    assert referenced_ids(parse_mail(raw)) == ["<c@x.example>", "<b@x.example>", "<a@x.example>"]


@pytest.mark.parametrize("subject, number", [
    ("[#123] Printer jams", 123),
    ("Re: [#123] Printer jams", 123),
    ("AW: RE: Printer [#77]", 77),
    ("Re: #123 Printer", 123),
    ("Fwd: #9", 9),
    ("RE[2]: #45 still broken", 45),
    ("Printer #123 jams", None),  # a bare number mid-subject is not a reference
    ("Order #123", None),
    ("[#0] nothing", None),
    ("Re: printer", None),
])
def test_subject_number(subject, number):
    assert subject_number(subject) == number


@pytest.mark.parametrize("raw, key", [
    ("<Abc.1@Customer.EXAMPLE>", "<Abc.1@customer.example>"),
    ("  <abc@x.example>  ", "<abc@x.example>"),
    ("abc@x.example", "<abc@x.example>"),
    ("<abc@x.\r\n example>", "<abc@x.example>"),
    ("", None),
    ("<>", None),
    (None, None),
])
def test_normalise_message_id(raw, key):
    assert normalise_message_id(raw) == key


def test_new_message_ids_are_unique_and_name_the_ticket():
    ids = {new_message_id(42, 3, "ServiceDesk.localhost") for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"<ticket-42\.3\.[0-9a-f]{16}@servicedesk\.localhost>", i) for i in ids)
