"""An article's review reminder (`remind_article_review`, run by the ArticleReview workflow when
the review date comes): one mail to the article's owner through the notification outbox,
delivered like every notification (docs/notifications.md, docs/knowledge-base.md).

Once per article and review date: the outbox row's key is both (number minus the article's id,
below every ticket number; seq the date's minute), so a retried activity or a run repeated for
that date records nothing more. Nothing is sent if the article is archived or its owner
deactivated. An article that does not have the date the workflow was given is not reminded of
either: the activity fails and is retried for about a minute, since the API signals the date from
inside the transaction that saves it (a reminder that cannot be set rolls the write back), so the
date may not be committed yet; if it never is (the date moved, the write rolled back), the
workflow gives up on it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.defn import sync_activity
from activities.notifications import NotificationActivities, Pending
from models import report_mail
from models.kb.tables import Article
from models.settings import Settings
from models.tables import Agent
from models.utc import as_utc
from workflows.activity_io import ARTICLE_REVIEW_ACTIVITY, ArticleReviewInput, ArticleReviewResult
from workflows.vocabulary import NotificationKind

KIND = NotificationKind.ARTICLE_REVIEW.value


def outbox_key(article_id: int, review_at: datetime) -> tuple[int, int]:
    return -article_id, int(review_at.timestamp() // 60)


class ArticleReviewActivities:
    def __init__(self, sessions: sessionmaker[Session], notifications: NotificationActivities,
                 settings: Settings | None = None) -> None:
        self._sessions = sessions
        self._notifications = notifications
        self._settings = settings or Settings()

    @sync_activity(ARTICLE_REVIEW_ACTIVITY)
    def remind_article_review(self, inp: ArticleReviewInput) -> ArticleReviewResult:
        assert inp.review_at is not None  # the workflow asks only for a date
        due = datetime.fromisoformat(inp.review_at)
        number, seq = outbox_key(inp.article_id, due)
        with self._sessions.begin() as s:
            found = report_mail.find(s, number, seq, KIND)
            if found is not None:
                result, status = ArticleReviewResult(notification_id=found[0], already=True), found[1]
            else:
                made = self._record(s, inp.article_id, due, number, seq)
                if isinstance(made, str):
                    activity.logger.info("review reminder of article %s: %s", inp.article_id, made)
                    return ArticleReviewResult(skipped=made)
                result, status = ArticleReviewResult(notification_id=made[0]), made[1]
        if status == "pending":
            assert result.notification_id is not None
            self._notifications.start_deliveries([Pending(result.notification_id, number, seq,
                                                          f"review reminder of article {inp.article_id}")])
        return result

    def _record(self, s: Session, article_id: int, due: datetime, number: int, seq: int) -> tuple[int, str] | str:
        article = s.get(Article, article_id)
        if article is None or article.review_at is None or outbox_key(article_id, as_utc(article.review_at))[1] != seq:
            raise ApplicationError(f"article {article_id} does not have the review date {due.isoformat()} (yet)")
        if article.status == "archived":
            return "the article is archived"
        owner = s.get(Agent, article.owner_id)
        if owner is None or not owner.active:
            return "the article's owner is gone or deactivated"
        base = self._settings.public_url.rstrip("/")
        data = {"article": {"id": article.id, "title": article.title, "slug": article.slug, "status": article.status,
                            "visibility": article.visibility, "review_at": due.strftime("%Y-%m-%d %H:%M UTC"),
                            "link": f"{base}/kb/articles/{article.id}", "stale": f"{base}/kb/stale"}}
        return report_mail.enqueue(s, number=number, seq=seq, recipient=owner.email, kind=KIND,
                                   subject=f"Review due: {article.title}", data=data)
