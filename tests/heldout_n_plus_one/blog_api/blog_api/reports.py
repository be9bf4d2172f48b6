"""Scheduled reports and maintenance jobs (run from cron via ``python -m``)."""

from __future__ import annotations

import csv
import logging
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload, subqueryload

from .db import SessionLocal, engine
from .models import Category, Comment, Post, Tag, User

log = logging.getLogger(__name__)


def monthly_author_report(year: int, month: int) -> list[dict]:
    with SessionLocal() as session:
        users = session.scalars(
            select(User).where(User.is_banned.is_(False)).order_by(User.username)
        ).all()
        rows = []
        for user in users:
            in_month = [p for p in user.posts if (p.created_at.year, p.created_at.month) == (year, month)]  # expect: SQA401
            rows.append(
                {
                    "username": user.username,
                    "bio": user.profile.bio if user.profile else "",
                    "posts_this_month": len(in_month),
                    "posts_total": len(user.posts),
                    "comments_total": len(user.comments),  # expect: SQA401
                }
            )
        return rows


def author_activity() -> dict[str, int]:
    with SessionLocal() as session:
        users = session.scalars(
            select(User).options(selectinload(User.posts).selectinload(Post.comments))
        ).all()
        activity = {}
        for user in users:
            activity[user.username] = sum(len(post.comments) for post in user.posts)
        return activity


def category_sizes() -> dict[str, int]:
    with SessionLocal() as session:
        return {cat.name: len(cat.posts) for cat in session.query(Category).order_by(Category.name)}  # expect: SQA401


def category_sizes_sql() -> dict[str, int]:
    with SessionLocal() as session:
        stmt = (
            select(Category.name, func.count(Post.id))
            .join(Category.posts, isouter=True)
            .group_by(Category.name)
        )
        return {name: count for name, count in session.execute(stmt)}


def tag_cloud(min_posts: int = 1) -> list[tuple[str, int]]:
    with SessionLocal() as session:
        tags = session.query(Tag).options(subqueryload(Tag.posts)).all()
        sized = [(t.name, len(t.posts)) for t in tags]
        return sorted((row for row in sized if row[1] >= min_posts), key=lambda r: -r[1])


def leaderboard(top: int = 10) -> str:
    with SessionLocal() as session:
        stmt = select(User).where(User.is_banned.is_(False)).order_by(User.created_at).limit(top)
        lines = []
        for rank, user in enumerate(session.scalars(stmt), start=1):
            lines.append(f"{rank:>2}. {user.username} ({len(user.posts)} posts)")  # bonus: SQA401
        return "\n".join(lines)


def nightly_digest(db_engine: Engine = engine, hours: int = 24) -> list[str]:
    since = datetime.now(timezone.utc) - timedelta(hours=hours)
    with Session(db_engine) as session:
        result = (
            session.execute(
                select(Post).where(Post.published.is_(True), Post.created_at >= since)
            )
            .scalars()
            .all()
        )
        lines = []
        for post in result:
            like_count = len(post.likes)  # expect: SQA401
            likers = sorted({like.user.username for like in post.likes})
            tags = ", ".join(t.name for t in post.tags)
            lines.append(f"{post.title} [{tags}]: {like_count} likes from {', '.join(likers[:5])}")
        return lines


def export_archive(path: Path) -> int:
    with SessionLocal() as session:
        posts = session.scalars(select(Post).options(selectinload("*")).order_by(Post.id)).all()
        with path.open("w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id", "title", "author", "comments", "likes"])
            for post in posts:
                writer.writerow(
                    [post.id, post.title, post.author.username, len(post.comments), len(post.likes)]
                )
        return len(posts)


def rebuild_search_index(push) -> int:
    session = SessionLocal()
    indexed = 0
    try:
        for post in session.query(Post).filter(Post.published.is_(True)).order_by(Post.id):
            doc = {
                "id": post.id,
                "title": post.title,
                "body": post.body,
                "tags": [t.name for t in post.tags],
                "category": post.category.slug if post.category else None,
            }
            doc["author"] = post.author.username  # expect: SQA401
            push(doc)
            indexed += 1
    finally:
        session.close()
    log.info("indexed %d posts", indexed)
    return indexed


def busiest_threads(limit: int = 20) -> list[tuple[str, int]]:
    with SessionLocal() as session:
        counts = Counter(session.scalars(select(Comment.post_id)))
        top_ids = [post_id for post_id, _ in counts.most_common(limit)]
        posts = session.scalars(select(Post).where(Post.id.in_(top_ids))).all()
        return [(p.title, counts[p.id]) for p in posts]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    for line in nightly_digest():
        print(line)
