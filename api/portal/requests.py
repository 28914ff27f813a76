"""The request form: anyone may ask for help; the link to follow the request goes to the
e-mail address given, so the page itself never shows the request's conversation."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.errors import ApiError
from api.portal import uploads
from api.portal.pages import refusal, render
from api.portal.service import Portal, get_portal
from api.throttle import client_address, in_words, throttle_of
from models.links import check_form_key, sign_form_key
from workflows.messages import MAX_BODY_CHARS, MAX_SUBJECT_CHARS, Actor

router = APIRouter(prefix="/portal", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("name", "email", "subject", "description")


def _form(values: dict[str, str], errors: dict[str, str], key: str, status: int = 200,
          headers: dict[str, str] | None = None) -> HTMLResponse:
    response = render("request_form.html", status=status, values=values, errors=errors, form_key=key)
    response.headers.update(headers or {})
    return response


@router.get("", response_class=HTMLResponse)
async def request_form(portal: PortalDep) -> HTMLResponse:
    return _form({f: "" for f in FIELDS}, {}, sign_form_key(portal.settings.link_secret))


def validate(values: dict[str, str]) -> dict[str, str]:
    """A message per field that is not right, in the words shown next to it."""
    errors: dict[str, str] = {}
    if len(values["name"]) > 200:
        errors["name"] = "Your name can be at most 200 characters long."
    if not values["email"]:
        errors["email"] = "Enter your e-mail address: the link to follow your request is sent there."
    elif len(values["email"]) > 320 or not EMAIL.match(values["email"]):
        errors["email"] = "Enter an e-mail address like name@example.com."
    if not values["subject"]:
        errors["subject"] = "Enter a subject: a few words that sum up what you need."
    elif len(values["subject"]) > MAX_SUBJECT_CHARS:
        errors["subject"] = f"The subject can be at most {MAX_SUBJECT_CHARS} characters long."
    if not values["description"]:
        errors["description"] = "Describe what you need help with."
    elif len(values["description"]) > MAX_BODY_CHARS:
        errors["description"] = f"The description can be at most {MAX_BODY_CHARS} characters long."
    return errors


@router.post("/requests", response_class=HTMLResponse)
async def submit(request: Request, portal: PortalDep) -> HTMLResponse:
    form = await request.form()
    values = {f: str(form.get(f) or "").strip() for f in FIELDS}
    key = str(form.get("form_key") or "")
    secret = portal.settings.link_secret
    errors = validate(values)
    files = await uploads.read(form, portal.settings.max_attachment_bytes)
    if files.refused:
        errors["files"] = files.refused
    if check_form_key(secret, key) != "ok":
        # Not a form this page made, or one older than a day: ask to send it again.
        errors["form"] = "This form had expired. Please check your answers and send it again."
        key = sign_form_key(secret)
    if errors:
        return _form(values, errors, key, status=422)
    email = values["email"].lower()
    # Each request mails its acknowledgement to the address typed in: limited per address (so no
    # one's mailbox can be flooded) and per client (so no one can flood many), before anything is opened.
    throttle = throttle_of(request)
    wait = throttle.admit((throttle.portal_client, client_address(request)), (throttle.portal_address, email))
    if wait is not None:
        errors["form"] = (f"Too many requests were sent from here or for this e-mail address. Your answers are "
                          f"kept below: please send them again in {in_words(wait)}.")
        return _form(values, errors, key, status=429, headers={"Retry-After": str(wait)})
    ticket = {"subject": values["subject"], "description": values["description"], "channel": "web",
              "requester": {"email": email, "name": values["name"]}}
    try:
        res = await portal.intake.open(source="web", key=key, ticket=ticket,
                                       created_by=Actor(kind="customer", id=email, name=values["name"]),
                                       within=uploads.within(files, f"<portal-{key}@{portal.settings.mail_domain}>"))
    except ApiError as err:
        if err.type == "IdempotencyKeyReused":  # the same form sent again with other words
            errors["form"] = ("This form was already sent as another request. Your answers are kept below: "
                              "send them again to open a new request.")
            return _form(values, errors, sign_form_key(secret), status=409)
        return refusal(err)
    return render("request_received.html", number=res.number, email=email)
