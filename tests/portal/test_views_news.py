import pytest
from django.urls import reverse
from django.utils.html import escape
from pytest_django.asserts import assertContains, assertNotContains

from guichet.portal.models import NewsTopic
from guichet.portal.selectors import NEWS_PER_PAGE
from tests.factories import make_town
from tests.portal.factories import NewsItemFactory

pytestmark = pytest.mark.django_db


def news_title(item) -> str:
    return f'<h2 class="news-item__title"><a href="{item.get_absolute_url()}">{item.title}</a></h2>'


@pytest.fixture(autouse=True)
def town():
    return make_town(name="Saint-Exemple")


def test_news_list_shows_published_news_newest_first(client):
    older = NewsItemFactory(title="Brocante", days_ago=5)
    newer = NewsItemFactory(title="Conseil municipal", days_ago=1)
    NewsItemFactory(title="Brouillon", unpublished=True)
    NewsItemFactory(title="Annonce de demain", future=True)

    response = client.get(reverse("portal:news"))

    assert response.status_code == 200
    assertContains(response, news_title(newer), html=True)
    assertContains(response, news_title(older), html=True)
    assert response.text.index("Conseil municipal") < response.text.index("Brocante")
    assertNotContains(response, "Brouillon")
    assertNotContains(response, "Annonce de demain")


def test_news_list_filters_by_topic(client):
    school = NewsItemFactory(title="Rentrée scolaire", topic=NewsTopic.SCHOOL)
    town_item = NewsItemFactory(title="Conseil municipal", topic=NewsTopic.TOWN)

    response = client.get(reverse("portal:news"), {"rubrique": NewsTopic.SCHOOL})

    assertContains(response, news_title(school), html=True)
    assertNotContains(response, town_item.title)
    assertContains(response, '<option value="school" selected>Vie scolaire</option>', html=True)


def test_news_list_ignores_an_unknown_topic(client):
    item = NewsItemFactory(title="Conseil municipal")

    response = client.get(reverse("portal:news"), {"rubrique": "n-importe-quoi"})

    assertContains(response, news_title(item), html=True)
    assertContains(response, '<option value="" selected>Toutes les rubriques</option>', html=True)


def test_news_list_is_paginated(client):
    items = [NewsItemFactory(days_ago=day) for day in range(1, 26)]

    first = client.get(reverse("portal:news"))
    last = client.get(reverse("portal:news"), {"page": 3})

    assertContains(first, '<h2 class="news-item__title">', count=NEWS_PER_PAGE)
    assertContains(first, '<span aria-current="page">Page 1 sur 3</span>', html=True)
    assertContains(first, '<a href="?page=2" rel="next">Page suivante</a>', html=True)
    assertContains(last, '<h2 class="news-item__title">', count=5)
    assertContains(last, news_title(items[-1]), html=True)
    assertContains(last, '<a href="?page=2" rel="prev">Page précédente</a>', html=True)
    assertNotContains(last, "Page suivante")


def test_news_list_page_links_keep_the_topic(client):
    for day in range(1, 13):
        NewsItemFactory(topic=NewsTopic.SCHOOL, days_ago=day)
    NewsItemFactory(title="Conseil municipal", topic=NewsTopic.TOWN)

    response = client.get(reverse("portal:news"), {"rubrique": NewsTopic.SCHOOL})
    second = client.get(reverse("portal:news"), {"rubrique": NewsTopic.SCHOOL, "page": 2})

    assertContains(
        response, f'<a href="{escape("?rubrique=school&page=2")}" rel="next">Page suivante</a>', html=True
    )
    assertContains(second, '<h2 class="news-item__title">', count=2)
    assertNotContains(second, "Conseil municipal")


def test_news_list_with_a_page_out_of_range_shows_the_last_page(client):
    item = NewsItemFactory(title="Seule actualité")

    response = client.get(reverse("portal:news"), {"page": 99})

    assertContains(response, news_title(item), html=True)


def test_news_list_without_news_says_so(client):
    response = client.get(reverse("portal:news"))

    assertContains(response, '<p class="empty-state__title">Aucune actualité pour le moment</p>', html=True)


def test_news_list_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for day in range(1, 26):
        NewsItemFactory(days_ago=day, topic=NewsTopic.SCHOOL if day % 2 else NewsTopic.TOWN)
    client.get(reverse("portal:home"))  # the town is cached, as it is on a running site

    # The page's count and its items, whatever the number of news.
    with django_assert_max_num_queries(2):
        response = client.get(reverse("portal:news"), {"page": 2})
    assertContains(response, '<h2 class="news-item__title">', count=NEWS_PER_PAGE)


def test_news_detail_shows_the_whole_text(client):
    item = NewsItemFactory(
        title="Travaux rue des Écoles",
        summary="La rue sera fermée une semaine.",
        body="Les travaux commencent lundi.\n\nUne déviation est prévue.",
        topic=NewsTopic.TOWN,
    )

    response = client.get(item.get_absolute_url())

    assert response.status_code == 200
    assertContains(response, "<h1>Travaux rue des Écoles</h1>", html=True)
    assertContains(response, '<p class="lead">La rue sera fermée une semaine.</p>', html=True)
    assertContains(response, "<p>Les travaux commencent lundi.</p>", html=True)
    assertContains(response, "<p>Une déviation est prévue.</p>", html=True)
    assertContains(response, "Vie municipale")
    assertContains(response, '<span aria-current="page">Travaux rue des Écoles</span>', html=True)


@pytest.mark.parametrize("trait", ["unpublished", "future"])
def test_news_detail_of_a_news_not_yet_published_is_not_found(client, trait):
    item = NewsItemFactory(title="Pas encore publiée", **{trait: True})

    response = client.get(item.get_absolute_url())

    assert response.status_code == 404
    assertNotContains(response, "Pas encore publiée", status_code=404)


def test_news_detail_of_an_unknown_address_is_not_found(client):
    response = client.get(reverse("portal:news_detail", args=["n-existe-pas"]))
    assert response.status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_news_pages_refuse_writes(client, method):
    item = NewsItemFactory()
    for url in (reverse("portal:news"), item.get_absolute_url()):
        assert getattr(client, method)(url).status_code == 405
