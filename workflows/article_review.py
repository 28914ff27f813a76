"""ArticleReview: an article's review reminder, `article-review-<id>`, a durable timer until its
review date (docs/knowledge-base.md). The API signals a new date (or none) with signal-with-start
whenever it sets one, so the run waits for the latest; when the date comes the activity mails
the owner (activities/kb_review.py), once per article and date (the outbox row's key), and only
if the article still has that date and is not archived. Then the run ends; a later date starts
another."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from workflows.activity_io import (ARTICLE_REVIEW_ACTIVITY, HEARTBEAT_TIMEOUT, ArticleReviewInput,
                                       ArticleReviewResult)

ARTICLE_REVIEW_WORKFLOW = "ArticleReview"
MOVE_REVIEW_SIGNAL = "move_review"  # its argument: an ArticleReviewInput with the new date (or None)
# About a minute of attempts: enough for the API's write of the date to commit (activities/kb_review.py).
REMIND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                           maximum_interval=timedelta(seconds=15), maximum_attempts=8)


def review_workflow_id(article_id: int) -> str:
    return f"article-review-{article_id}"


@workflow.defn(name=ARTICLE_REVIEW_WORKFLOW)
class ArticleReviewWorkflow:
    def __init__(self) -> None:
        self._review_at: str | None = None
        self._moves = 0  # signals taken: a change of date re-plans the wait

    @workflow.signal(name=MOVE_REVIEW_SIGNAL)
    def move(self, inp: ArticleReviewInput) -> None:
        self._review_at = inp.review_at
        self._moves += 1

    @workflow.run
    async def run(self, inp: ArticleReviewInput) -> ArticleReviewResult:
        if self._moves == 0:  # started without a signal (signal-with-start delivers its signal first)
            self._review_at = inp.review_at
        while self._review_at is not None:
            moves, due = self._moves, datetime.fromisoformat(self._review_at)
            delay = (due - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(lambda: self._moves != moves, timeout=delay,
                                                  timeout_summary=f"review of article {inp.article_id} due")
                except TimeoutError:
                    pass
            if self._moves != moves:  # a new date came first: wait for it (or stop)
                if workflow.info().is_continue_as_new_suggested():
                    workflow.continue_as_new(ArticleReviewInput(inp.article_id, self._review_at))
                continue
            try:
                result: ArticleReviewResult = await workflow.execute_activity(
                    ARTICLE_REVIEW_ACTIVITY, ArticleReviewInput(inp.article_id, self._review_at),
                    result_type=ArticleReviewResult, start_to_close_timeout=timedelta(minutes=1),
                    heartbeat_timeout=HEARTBEAT_TIMEOUT, retry_policy=REMIND_RETRY,
                    summary=f"remind the owner of article {inp.article_id}")
            except ActivityError:  # the article never had that date (moved, or its write rolled back)
                result = ArticleReviewResult(skipped="the article does not have this review date")
            if self._moves == moves:
                return result
        return ArticleReviewResult(skipped="no review date")
