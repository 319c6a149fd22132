from django.urls import path

from famille.views import (  # part F1
    agent_family,
    attendance,  # part F4
    billing,  # part F3
    bookings,  # part F2
    family,
)

app_name = "famille"

urlpatterns = [
    # Parents: the family file (part F1)
    path("mon-espace/famille/", family.family_home, name="family_home"),
    path("mon-espace/famille/ouvrir/", family.household_create, name="household_create"),
    path("mon-espace/famille/<int:pk>/", family.household, name="household"),
    path("mon-espace/famille/<int:pk>/coordonnees/", family.household_edit, name="household_edit"),
    path("mon-espace/famille/<int:pk>/inviter/", family.adult_invite, name="adult_invite"),
    path(
        "mon-espace/famille/invitations/<int:pk>/annuler/", family.invitation_revoke, name="invitation_revoke"
    ),
    path("mon-espace/famille/invitation/<str:token>/", family.invitation_accept, name="invitation_accept"),
    path("mon-espace/famille/<int:pk>/enfants/ajouter/", family.child_add, name="child_add"),
    path("mon-espace/famille/enfants/<int:pk>/", family.child, name="child"),
    path("mon-espace/famille/enfants/<int:pk>/modifier/", family.child_edit, name="child_edit"),
    path("mon-espace/famille/enfants/<int:pk>/sante/", family.child_health, name="child_health"),
    path(
        "mon-espace/famille/enfants/<int:pk>/personnes-autorisees/",
        family.child_pickups,
        name="child_pickups",
    ),
    path(
        "mon-espace/famille/personnes-autorisees/<int:pk>/retirer/",
        family.pickup_remove,
        name="pickup_remove",
    ),
    path("mon-espace/famille/enfants/<int:pk>/partager/", family.child_share, name="child_share"),
    path(
        "mon-espace/famille/partages/<int:pk>/annuler/", family.child_share_revoke, name="child_share_revoke"
    ),
    path("mon-espace/famille/partage/<str:token>/", family.child_share_accept, name="child_share_accept"),
    path("mon-espace/famille/<int:pk>/documents/", family.documents, name="documents"),
    path(
        "mon-espace/famille/<int:pk>/documents/<int:requirement_pk>/",
        family.document_give,
        name="document_give",
    ),
    path(
        "mon-espace/famille/<int:pk>/documents/<int:requirement_pk>/enfants/<int:child_pk>/",
        family.child_document_give,
        name="child_document_give",
    ),
    path("mon-espace/famille/<int:pk>/quotient-familial/", family.quotient, name="quotient"),
    path("agent/famille/dossiers/", agent_family.households, name="agent_households"),
    path("agent/famille/dossiers/<int:pk>/", agent_family.household, name="agent_household"),
    path(
        "agent/famille/dossiers/<int:pk>/residence/",
        agent_family.household_residence,
        name="agent_household_residence",
    ),
    path("agent/famille/documents/", agent_family.documents, name="agent_documents"),
    path(
        "agent/famille/documents/<int:pk>/valider/",
        agent_family.document_validate,
        name="agent_document_validate",
    ),
    path(
        "agent/famille/documents/<int:pk>/refuser/",
        agent_family.document_refuse,
        name="agent_document_refuse",
    ),
    path("agent/famille/quotients/", agent_family.quotients, name="agent_quotients"),
    path(
        "agent/famille/quotients/<int:pk>/valider/",
        agent_family.quotient_validate,
        name="agent_quotient_validate",
    ),
    path(
        "agent/famille/quotients/<int:pk>/refuser/",
        agent_family.quotient_refuse,
        name="agent_quotient_refuse",
    ),
    # (end of F1)
    # Parents: enrolments, bookings and the calendar (part F2)
    path("mon-espace/famille/inscriptions/", bookings.enrolments, name="enrolments"),
    path("mon-espace/famille/inscriptions/demander/", bookings.enrolment_request, name="enrolment_request"),
    path("mon-espace/famille/enfants/<int:child_pk>/calendrier/", bookings.calendar, name="calendar"),
    path(
        "mon-espace/famille/enfants/<int:child_pk>/calendrier/<int:year>/<int:month>/",
        bookings.calendar_month,
        name="calendar_month",
    ),
    path(
        "mon-espace/famille/enfants/<int:child_pk>/reservation-reguliere/",
        bookings.recurring_booking,
        name="recurring_booking",
    ),
    path("mon-espace/famille/reservations/resultat/", bookings.booking_result, name="booking_result"),
    path("mon-espace/famille/reservations/<int:pk>/annuler/", bookings.booking_cancel, name="booking_cancel"),
    path("agent/famille/inscriptions/", bookings.agent_enrolments, name="agent_enrolments"),
    path("agent/famille/inscriptions/<int:pk>/", bookings.agent_enrolment, name="agent_enrolment"),
    # (end of F2)
    # Agents: billing runs, tariffs (part F3)
    path("agent/famille/facturation/", billing.agent_runs, name="agent_billing_runs"),
    path("agent/famille/facturation/preparer/", billing.agent_run_prepare, name="agent_billing_prepare"),
    path("agent/famille/facturation/<int:pk>/", billing.agent_run, name="agent_billing_run"),
    path(
        "agent/famille/facturation/<int:pk>/recalculer/",
        billing.agent_run_recompute,
        name="agent_billing_recompute",
    ),
    path("agent/famille/facturation/<int:pk>/emettre/", billing.agent_run_issue, name="agent_billing_issue"),
    path("mon-espace/famille/attestations/", billing.tax_certificates, name="tax_certificates"),
    # (end of F3)
    # Agents: attendance and occupancy (part F4)
    path("agent/famille/presences/", attendance.sheets, name="agent_attendance"),
    path("agent/famille/presences/<int:session_pk>/", attendance.sheet, name="agent_attendance_sheet"),
    path(
        "agent/famille/presences/<int:session_pk>/feuille.pdf",
        attendance.sheet_pdf,
        name="agent_attendance_pdf",
    ),
    path("agent/famille/occupation/", attendance.occupancy, name="agent_occupancy"),
    # (end of F4)
]
