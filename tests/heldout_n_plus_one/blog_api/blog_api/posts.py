"""Read-side services behind the /posts endpoints."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from .models import Comment, Post, Tag, User

POST_CARD_LOADERS = (joinedload(Post.author), selectinload(Post.comments))


@dataclass
class PostCard:
    id: int
    title: str
    author: str
    category: str | None
    tags: list[str] = field(default_factory=list)
    comment_count: int = 0


def list_published(session: Session, limit: int = 20) -> list[PostCard]:
    stmt = (
        select(Post)
        .where(Post.published.is_(True))
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    cards = []
    for post in session.scalars(stmt):
        cards.append(
            PostCard(
                id=post.id,
                title=post.title,
                author=post.author.username,  # expect: SQA401
                category=post.category.name if post.category else None,
                tags=[t.name for t in post.tags],
                comment_count=len(post.comments),  # expect: SQA401
            )
        )
    return cards


def list_front_page(session: Session, limit: int = 10) -> list[PostCard]:
    stmt = (
        select(Post)
        .options(*POST_CARD_LOADERS)
        .where(Post.published.is_(True))
        .order_by(Post.created_at.desc())
        .limit(limit)
    )
    return [
        PostCard(
            id=post.id,
            title=post.title,
            author=post.author.username,
            category=post.category.name if post.category else None,
            tags=[t.name for t in post.tags],
            comment_count=len(post.comments),
        )
        for post in session.scalars(stmt)
    ]


def posts_by_tag(session: Session, tag_name: str) -> list[dict]:
    stmt = (
        select(Post)
        .join(Post.tags)
        .where(Tag.name == tag_name, Post.published.is_(True))
        .options(selectinload(Post.tags))
        .order_by(Post.created_at.desc())
    )
    posts = session.scalars(stmt).all()
    out = []
    for post in posts:
        out.append(
            {
                "title": post.title,
                "author_id": post.author_id,
                "author": post.author.username,  # expect: SQA401
                "tags": sorted(t.name for t in post.tags),
            }
        )
    return out


def search_posts(
    session: Session,
    q: str | None = None,
    category_id: int | None = None,
) -> list[tuple[str, str, int]]:
    stmt = select(Post).where(Post.published.is_(True))
    if q:
        stmt = stmt.where(Post.title.ilike(f"%{q}%"))
    if category_id is not None:
        stmt = stmt.where(Post.category_id == category_id)
    stmt = stmt.options(selectinload(Post.comments), joinedload(Post.author))
    results = []
    for post in session.scalars(stmt):
        results.append((post.title, post.author.username, len(post.comments)))
    return results


def author_page(session: Session, username: str) -> dict:
    author = session.scalars(select(User).where(User.username == username)).one()
    posts = session.scalars(
        select(Post)
        .where(Post.author_id == author.id)
        .order_by(Post.created_at.desc())
    ).all()
    rows = []
    for p in posts:
        rows.append(
            {
                "title": p.title,
                "slug": p.slug,
                "of_total": len(author.posts),
                "comments": len(p.comments),  # expect: SQA401
            }
        )
    return {
        "username": author.username,
        "bio": author.profile.bio if author.profile else "",
        "post_count": len(author.posts),
        "posts": rows,
    }


def get_post_detail(session: Session, post_id: int) -> dict:
    post = session.get(Post, post_id)
    if post is None:
        raise LookupError(post_id)
    return {
        "id": post.id,
        "title": post.title,
        "body": post.body,
        "author": post.author.username,
        "tags": [t.name for t in post.tags],
        "comments": [
            {"id": c.id, "body": c.body, "author": c.author.username}  # bonus: SQA401
            for c in post.comments
        ],
    }


def latest_post(session: Session) -> dict | None:
    post = session.scalars(
        select(Post).where(Post.published.is_(True)).order_by(Post.created_at.desc())
    ).first()
    if post is None:
        return None
    return {"title": post.title, "author": post.author.username, "likes": len(post.likes)}


def recent_comments(session: Session, limit: int = 50) -> list[dict]:
    stmt = (
        select(Comment)
        .join(Comment.author)
        .where(User.is_banned.is_(False), Comment.is_flagged.is_(False))
        .order_by(Comment.created_at.desc())
        .limit(limit)
    )
    feed = []
    for c in session.scalars(stmt):
        author = c.author.username  # expect: SQA401
        title = c.post.title  # expect: SQA401
        feed.append({"author": author, "post": title, "excerpt": c.body[:120]})
    return feed


def comments_for_post(session: Session, post_id: int) -> list[dict]:
    stmt = (
        select(Comment)
        .join(Comment.author)
        .options(contains_eager(Comment.author))
        .where(Comment.post_id == post_id)
        .order_by(Comment.created_at)
    )
    return [
        {
            "id": c.id,
            "body": c.body,
            "author": c.author.username,  # bonus: SQA401
            "reactions": [r.kind for r in c.reactions],
        }
        for c in session.scalars(stmt)
    ]
