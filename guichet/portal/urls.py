from django.urls import path

from guichet.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("mon-espace/", views.my_space, name="dashboard"),
    path("agent/", views.agent_home, name="agent_home"),
    path("aide/", views.help_page, name="help"),
    path("actualites/", views.news_list, name="news"),
    path("actualites/<slug:slug>/", views.news_detail, name="news_detail"),
    path("theme.css", views.theme_css, name="theme_css"),
    path("media/public/<path:path>", views.public_media, name="public_media"),
    path("mentions-legales/", views.legal_page, {"page": "legal"}, name="legal"),
    path("confidentialite/", views.privacy, name="privacy"),
    path("registre-des-traitements/", views.processing_register, name="processing_register"),
    path("durees-de-conservation/", views.retention_schedule, name="retention_schedule"),
    path("conditions-utilisation/", views.legal_page, {"page": "terms"}, name="terms"),
    path("accessibilite/", views.legal_page, {"page": "accessibility"}, name="accessibility"),
    path("contact/", views.legal_page, {"page": "contact"}, name="contact"),
]
