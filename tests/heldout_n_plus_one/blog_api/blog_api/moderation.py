"""Moderation tools used by the admin endpoints and the CLI."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from .models import ApiToken, Comment, Like, Post, PostRevision, User

log = logging.getLogger(__name__)


def flag_spam(session: Session, banned_words: list[str]) -> int:
    flagged = 0
    for comment in session.scalars(select(Comment).where(Comment.is_flagged.is_(False))):
        text = comment.body.lower()
        if any(word in text for word in banned_words):
            comment.is_flagged = True
            flagged += 1
    session.commit()
    return flagged


def moderation_queue(session: Session) -> list[dict]:
    stmt = (
        select(Comment)
        .where(Comment.is_flagged.is_(True))
        .options(joinedload(Comment.post).joinedload(Post.author))
        .order_by(Comment.created_at)
    )
    queue = []
    for comment in session.scalars(stmt):
        queue.append(
            {
                "comment_id": comment.id,
                "post": comment.post.title,
                "post_owner": comment.post.author.email,
                "commenter": comment.author.username,  # expect: SQA401
                "commenter_id": comment.author_id,
            }
        )
    return queue


def reassign_posts(session: Session, from_user_id: int, to_user_id: int) -> int:
    target = session.get(User, to_user_id)
    if target is None:
        raise LookupError(to_user_id)
    posts = session.scalars(select(Post).where(Post.author_id == from_user_id)).all()
    for post in posts:
        post.revisions.append(PostRevision(body=post.body))
        post.author = target
    session.commit()
    log.info("moved %d posts to %s", len(posts), target.username)
    return len(posts)


def ban_user(session: Session, user_id: int) -> None:
    user = session.get(User, user_id)
    if user is None:
        return
    user.is_banned = True
    for comment in user.comments:
        comment.is_flagged = True
    session.commit()


def revoke_stale_tokens(session: Session) -> int:
    users = session.scalars(
        select(User).where(User.is_banned.is_(True)).options(selectinload(User.api_tokens))
    ).all()
    revoked = 0
    for user in users:
        for token in list(user.api_tokens):
            session.delete(token)
            revoked += 1
    session.commit()
    return revoked


def recent_likes(session: Session, limit: int = 100) -> list[str]:
    likes = session.scalars(select(Like).order_by(Like.id.desc()).limit(limit)).all()
    lines = []
    for like in likes:
        who = like.user.username
        what = like.post.title  # expect: SQA401
        lines.append(f"{who} liked {what!r} (post {like.post_id})")
    return lines


def flagged_with_authors(session: Session) -> list[tuple[str, str]]:
    stmt = (
        select(Comment, User)
        .join(User, Comment.author_id == User.id)
        .where(Comment.is_flagged.is_(True))
    )
    return [(c.body, u.username) for c, u in session.execute(stmt)]


def unused_tokens(session: Session) -> list[int]:
    return [t.user_id for t in session.scalars(select(ApiToken).where(ApiToken.last_used_at.is_(None)))]
