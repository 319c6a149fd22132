from django.core.paginator import Page, Paginator
from django.shortcuts import get_object_or_404

from guichet.portal.models import NewsItem

NEWS_PER_PAGE = 10


def latest_news(*, limit: int = 3) -> list[NewsItem]:
    return list(NewsItem.objects.published().defer("body")[:limit])


def news_page(*, page: str | int | None, topic: str = "") -> Page:
    items = NewsItem.objects.published().defer("body")
    if topic:
        items = items.filter(topic=topic)
    return Paginator(items, NEWS_PER_PAGE).get_page(page)


def news_item(*, slug: str) -> NewsItem:
    return get_object_or_404(NewsItem.objects.published(), slug=slug)
