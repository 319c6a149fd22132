from datetime import timedelta

import factory
from django.utils import timezone

from guichet.portal.models import NewsItem, NewsTopic


class NewsItemFactory(factory.django.DjangoModelFactory):
    """A news item published yesterday; `days_ago` moves it, negative means in the future."""

    class Meta:
        model = NewsItem

    class Params:
        days_ago = 1
        unpublished = factory.Trait(is_published=False)
        future = factory.Trait(days_ago=-1)

    title = factory.Sequence(lambda n: f"Actualité n° {n}")
    slug = factory.Sequence(lambda n: f"actualite-{n}")
    topic = NewsTopic.TOWN
    summary = factory.LazyAttribute(lambda item: f"Résumé de « {item.title} ».")
    body = "Premier paragraphe.\n\nSecond paragraphe."
    is_published = True
    published_at = factory.LazyAttribute(lambda item: timezone.now() - timedelta(days=item.days_ago))
