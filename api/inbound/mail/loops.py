"""Mail that no person wrote: auto-replies, bounces, bulk mail and the desk's own mail.
Such a mail opens no ticket and is never answered or bounced, which is how mail loops
between two robots are avoided (RFC 3834)."""

from __future__ import annotations

from api.inbound.mail.parse import ParsedMail

_BULK_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_ROBOT_LOCALPARTS = {"mailer-daemon", "postmaster"}


def robot_reason(mail: ParsedMail, *, own_domain: str, envelope_from: str | None = None) -> str | None:
    """Why this mail is from a robot (and must be ignored), or None for a person's mail.
    `envelope_from` is the SMTP MAIL FROM ("" for the null sender <> of a bounce)."""
    h = mail.headers
    auto = h.get("auto-submitted", "").strip()
    if auto and auto.split(";")[0].strip().lower() != "no":
        return f"auto-reply: Auto-Submitted: {auto}"
    precedence = h.get("precedence", "").strip()
    if precedence.lower() in _BULK_PRECEDENCE:
        return f"auto-reply: Precedence: {precedence}"
    for name, title in (("x-autoreply", "X-Autoreply"), ("x-autorespond", "X-Autorespond")):
        if name in h:
            return f"auto-reply: {title}: {h[name]}".rstrip(": ")
    if mail.content_type == "multipart/report" and (mail.report_type or "").lower() in (
            "delivery-status", "disposition-notification"):
        return f"bounce: multipart/report; report-type={mail.report_type}"
    local, _, domain = mail.from_address.rpartition("@")
    if local.lower() in _ROBOT_LOCALPARTS:
        return f"bounce: from {mail.from_address}"
    if envelope_from is not None and envelope_from.strip("<> ") == "":
        return "bounce: null envelope sender (MAIL FROM:<>)"
    if "return-path" in h and h["return-path"].strip().replace(" ", "") == "<>":
        return "bounce: Return-Path: <>"
    own = own_domain.lower().strip()
    if own and (domain == own or domain.endswith("." + own)):
        return f"loop: sent from the desk's own domain ({mail.from_address})"
    return None

