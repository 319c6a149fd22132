"""One URL namespace, "associations", for the associations' space and its sub-apps' pages."""

from associations.equipment.urls import urlpatterns as equipment
from associations.rooms.urls import urlpatterns as rooms
from associations.subsidies.urls import urlpatterns as subsidies

app_name = "associations"

urlpatterns = [*subsidies, *rooms, *equipment]
