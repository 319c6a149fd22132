from django.urls import path

from guichet.notify import views

app_name = "notify"

urlpatterns = [
    path("mon-espace/notifications/", views.notification_list, name="list"),
    path("mon-espace/notifications/<int:pk>/lue/", views.mark_read, name="mark_read"),
    path("mon-espace/notifications/tout-lire/", views.mark_all_read, name="mark_all_read"),
    path("mon-espace/notifications/preferences/", views.preferences, name="preferences"),
]
