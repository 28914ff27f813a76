"""GET /health: is the database reachable, is Temporal answering."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool
from temporalio.api.workflowservice.v1 import GetSystemInfoRequest

from api.admin.schemas import Health

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Health, responses={503: {"model": Health, "description": "A dependency is down"}})
async def health(request: Request) -> JSONResponse:
    """No token needed: for load balancers and compose healthchecks."""
    database = await run_in_threadpool(_check_db, request.app.state.sessions)
    temporal = await _check_temporal(request)
    ok = database == "ok" and temporal == "ok"
    body = Health(status="ok" if ok else "degraded", database=database, temporal=temporal)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


def _check_db(sessions) -> str:
    try:
        with sessions() as s:
            s.execute(text("SELECT 1"))
        return "ok"
    except Exception as err:  # any failure means "not ok"; say which
        return f"error: {type(err).__name__}"


async def _check_temporal(request: Request) -> str:
    try:
        await asyncio.wait_for(
            request.app.state.temporal.workflow_service.get_system_info(GetSystemInfoRequest()), timeout=3)
        return "ok"
    except Exception as err:
        return f"error: {type(err).__name__}"
