"""The satisfaction survey of a closed ticket: CSAT 1-5, an optional NPS 0-10 and a comment.
Taken only from an unused survey link while the survey is open; one answer per ticket."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from api.errors import ApiError
from api.portal.pages import refusal, render
from api.portal.service import Portal, get_portal
from api.portal.ticket_page import page, require_state
from workflows.messages import SurveyAnswer

router = APIRouter(prefix="/portal/t/{token}", include_in_schema=False)
PortalDep = Annotated[Portal, Depends(get_portal)]
MAX_COMMENT = 2_000  # as the ticket takes it (workflows/closing.py)


def _score(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


@router.post("/survey", response_class=HTMLResponse)
async def survey(token: str, request: Request, portal: PortalDep) -> HTMLResponse:
    form = await request.form()
    values = {"csat": str(form.get("csat") or ""), "nps": str(form.get("nps") or ""),
              "survey_comment": str(form.get("comment") or "").strip()}
    try:
        claims = portal.check(token, purpose="survey")
        await portal.refuse_if_used(claims)
        view = await portal.view(claims.number)
        require_state(claims, view)
        errors = {}
        csat = _score(values["csat"], 1, 5)
        nps = _score(values["nps"], 0, 10)
        if csat is None:
            errors["csat"] = "Choose how satisfied you are, from 1 to 5."
        if values["nps"] and nps is None:
            errors["nps"] = "Choose a number from 0 to 10, or leave this question out."
        if len(values["survey_comment"]) > MAX_COMMENT:
            errors["survey_comment"] = f"The comment can be at most {MAX_COMMENT} characters long."
        if errors or csat is None:
            return page(token, claims, view, status=422, errors=errors, values=values)
        answer = SurveyAnswer(actor=portal.requester(view), csat=csat, nps=nps, comment=values["survey_comment"],
                              link_id=claims.link_id)
        await portal.spend_and(claims, lambda: portal.gateway.survey(claims.number, answer))
    except ApiError as err:
        return refusal(err)
    return render("thanks.html", number=claims.number, subject=view.ticket.subject)
