"""Who a requester is to us: the customer tier, by address or by "@domain"."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Customer


def customer_tier(s: Session, email: str) -> str | None:
    """The tier of `email`: its own customer row wins over its domain's ("@domain"); None
    when neither is known."""
    email = email.lower()
    domain = "@" + email.rsplit("@", 1)[-1]
    rows = {c.email: c.tier for c in s.scalars(select(Customer).where(Customer.email.in_([email, domain])))}
    return rows.get(email) or rows.get(domain)
