"""Setting an article's review reminder: signal-with-start of its ArticleReview workflow
(`article-review-<id>`, workflows/article_review.py) with the date, so a running reminder moves
to it and an ended one (reminded already, or never set) starts again. None stops it."""

from __future__ import annotations

from datetime import datetime, timezone

from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError

from api.errors import ApiError
from workflows.activity_io import ArticleReviewInput
from workflows.article_review import MOVE_REVIEW_SIGNAL, ArticleReviewWorkflow, review_workflow_id


async def set_reminder(client: Client, task_queue: str, article_id: int, review_at: datetime | None) -> None:
    at = None if review_at is None else review_at.astimezone(timezone.utc).isoformat()
    inp = ArticleReviewInput(article_id=article_id, review_at=at)
    try:
        await client.start_workflow(ArticleReviewWorkflow.run, inp, id=review_workflow_id(article_id),
                                    task_queue=task_queue, start_signal=MOVE_REVIEW_SIGNAL, start_signal_args=[inp],
                                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
    except RPCError as err:
        raise ApiError("TemporalUnavailable", f"the review reminder could not be set: {err.message}") from None
