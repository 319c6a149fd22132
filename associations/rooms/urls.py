"""The rooms pages (citizens, associations and agents), in the "associations" URL namespace."""

from django.urls import path

from associations.rooms.views import agent, citizen, public

urlpatterns: list = [
    # Public: the rooms, their calendars, the feeds (secret URLs)
    path("salles/", public.rooms, name="rooms"),
    path("salles/<int:pk>/", public.room, name="rooms_room"),
    path("salles/<int:pk>/semaine/", public.room_week, name="rooms_week"),
    path("salles/<int:pk>/mois/", public.room_month, name="rooms_month"),
    path("salles/agenda/<int:pk>/<str:token>.ics", public.feed, name="rooms_feed"),
    # Those who book
    path("salles/<int:pk>/reserver/", citizen.book, name="rooms_book"),
    path("salles/<int:pk>/reserver-chaque-semaine/", citizen.book_series, name="rooms_book_series"),
    path("mon-espace/salles/", citizen.my_bookings, name="rooms_my_bookings"),
    path(
        "mon-espace/salles/reservations/<int:pk>/annuler/",
        citizen.booking_cancel,
        name="rooms_booking_cancel",
    ),
    path("mon-espace/salles/series/<int:pk>/", citizen.series, name="rooms_series"),
    path("mon-espace/salles/series/<int:pk>/annuler/", citizen.series_cancel, name="rooms_series_cancel"),
    path(
        "mon-espace/salles/agenda/<int:pk>/renouveler/",
        citizen.association_feed_renew,
        name="rooms_association_feed_renew",
    ),
    # The vie associative service
    path("agent/associations/salles/", agent.home, name="agent_rooms"),
    path("agent/associations/salles/reservations/<int:pk>/", agent.booking, name="rooms_agent_booking"),
    path(
        "agent/associations/salles/reservations/<int:pk>/valider/",
        agent.booking_approve,
        name="rooms_agent_booking_approve",
    ),
    path(
        "agent/associations/salles/reservations/<int:pk>/refuser/",
        agent.booking_refuse,
        name="rooms_agent_booking_refuse",
    ),
    path(
        "agent/associations/salles/reservations/<int:pk>/etat-des-lieux/",
        agent.check,
        name="rooms_agent_check",
    ),
    path("agent/associations/salles/series/<int:pk>/", agent.series, name="rooms_agent_series"),
    path(
        "agent/associations/salles/series/<int:pk>/valider/",
        agent.series_approve,
        name="rooms_agent_series_approve",
    ),
    path(
        "agent/associations/salles/series/<int:pk>/refuser/",
        agent.series_refuse,
        name="rooms_agent_series_refuse",
    ),
    path("agent/associations/salles/<int:pk>/", agent.room, name="rooms_agent_room"),
    path("agent/associations/salles/<int:pk>/semaine/", agent.week, name="rooms_agent_week"),
    path("agent/associations/salles/<int:pk>/mois/", agent.month, name="rooms_agent_month"),
    path(
        "agent/associations/salles/<int:pk>/agenda/renouveler/",
        agent.room_feed_renew,
        name="rooms_agent_feed_renew",
    ),
    # The régie: money to give back on the rooms' invoices
    path("agent/associations/salles/reglements/", agent.settlements, name="rooms_agent_settlements"),
    path("agent/associations/salles/reglements/<int:pk>/regler/", agent.settle, name="rooms_agent_settle"),
]
