"""models.utc.as_utc: how every timestamp read back from the read model gets its zone."""

from datetime import datetime, timedelta, timezone

from models.utc import as_utc


def test_a_naive_value_from_sqlite_is_utc():
    assert as_utc(datetime(2026, 3, 29, 1, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=timezone.utc)


def test_an_aware_value_is_converted_to_utc():
    paris = timezone(timedelta(hours=2))
    got = as_utc(datetime(2026, 6, 1, 9, 0, tzinfo=paris))
    assert got.utcoffset() == timedelta(0) and got == datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc)


def test_none_stays_none():
    assert as_utc(None) is None
