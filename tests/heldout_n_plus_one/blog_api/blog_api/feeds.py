"""Async feed endpoints (served by the ASGI app)."""

from __future__ import annotations

import os

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from .models import Post

async_engine = create_async_engine(
    os.environ.get("BLOG_ASYNC_DATABASE_URL", "postgresql+asyncpg://blog:blog@localhost/blog")
)
AsyncSessionLocal = async_sessionmaker(async_engine, expire_on_commit=False)


async def latest_posts(session: AsyncSession, limit: int = 20) -> list[dict]:
    result = await session.scalars(
        select(Post).where(Post.published.is_(True)).order_by(Post.created_at.desc()).limit(limit)
    )
    return [{"title": p.title, "author": p.author.username} for p in result]


async def rss_items() -> list[dict]:
    async with AsyncSessionLocal() as session:
        result = await session.execute(select(Post).order_by(Post.created_at.desc()).limit(50))
        items = []
        for post in result.scalars():
            items.append(
                {
                    "title": post.title,
                    "link": f"/posts/{post.slug}",
                    "comments": len(post.comments),
                }
            )
        return items
