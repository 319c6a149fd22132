from django.urls import path  # noqa: F401 (the parts add their pages below)

app_name = "famille"

urlpatterns = [
    # Parents: the family file (part F1)
    # (end of F1)
    # Parents: enrolments, bookings and the calendar (part F2)
    # (end of F2)
    # Agents: billing runs, tariffs (part F3)
    # (end of F3)
    # Agents: attendance and occupancy (part F4)
    # (end of F4)
]
