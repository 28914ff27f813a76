"""The customer's answer to "is it solved?": confirm (the ticket closes) or reject with a
comment (it reopens, the comment is their message). Taken only from an unused confirm link
of this ticket while the ticket is resolved; the link is spent in the same step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.errors import ApiError
from api.portal.pages import refusal, render
from api.portal.service import Portal, get_portal
from api.portal.ticket_page import page, require_state
from workflows.messages import MAX_BODY_CHARS, CustomerConfirmation

router = APIRouter(prefix="/portal/t/{token}", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]


@router.post("/confirmation", response_class=HTMLResponse)
async def confirmation(token: str, request: Request, portal: PortalDep) -> HTMLResponse:
    form = await request.form()
    decision = str(form.get("decision") or "")
    comment = str(form.get("comment") or "").strip()
    try:
        claims = portal.check(token, purpose="confirm")
        await portal.refuse_if_used(claims)
        view = await portal.view(claims.number)
        require_state(claims, view)
        errors = {}
        if decision not in ("confirm", "reject"):
            errors["decision"] = "Choose whether the problem is solved."
        elif decision == "reject" and not comment:
            errors["comment"] = "Tell us what is still wrong, so the agent can carry on."
        if len(comment) > MAX_BODY_CHARS:
            errors["comment"] = f"The comment can be at most {MAX_BODY_CHARS} characters long."
        if errors:
            return page(token, claims, view, status=422, errors=errors, values={"decision": decision, "comment": comment})
        answer = CustomerConfirmation(actor=portal.requester(view), decision=decision,  # type: ignore[arg-type]  # decision was checked to be confirm or reject above
                                      comment=comment if decision == "reject" else "", link_id=claims.link_id)
        await portal.spend_and(claims, lambda: portal.gateway.confirmation(claims.number, answer))
    except ApiError as err:
        return refusal(err)
    # The ticket applies the signal in a moment: show the outcome once it has (or say it is on its way).
    done = await portal.wait_for(claims.number, lambda v: v.ticket.status != "resolved")
    return render("outcome.html", number=claims.number, decision=decision, applied=done is not None,
                  subject=view.ticket.subject)
