from django.contrib import admin

from guichet.portal.models import NewsItem


@admin.register(NewsItem)
class NewsItemAdmin(admin.ModelAdmin):
    list_display = ["title", "topic", "is_published", "published_at"]
    list_filter = ["topic", "is_published"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}
    date_hierarchy = "published_at"
