"""One URL namespace, "associations", for the associations' space and its sub-apps' pages."""

from django.urls import path

from associations.equipment.urls import urlpatterns as equipment
from associations.rooms.urls import urlpatterns as rooms
from associations.subsidies.urls import urlpatterns as subsidies
from associations.views import account, agent

app_name = "associations"

urlpatterns = [
    # Members: Mon espace › Mes associations
    path("mon-espace/associations/", account.home, name="home"),
    path("mon-espace/associations/inscrire/", account.create, name="create"),
    path("mon-espace/associations/<int:pk>/", account.association, name="association"),
    path("mon-espace/associations/<int:pk>/choisir/", account.switch, name="switch"),
    path("mon-espace/associations/<int:pk>/modifier/", account.edit, name="edit"),
    path("mon-espace/associations/<int:pk>/logo/", account.logo, name="logo"),
    path("mon-espace/associations/<int:pk>/banque/", account.bank, name="bank"),
    path("mon-espace/associations/<int:pk>/regle-subventions/", account.subsidy_rule, name="subsidy_rule"),
    path("mon-espace/associations/<int:pk>/inviter/", account.invite, name="invite"),
    path("mon-espace/associations/<int:pk>/membres/<int:user_pk>/", account.member, name="member"),
    path("mon-espace/associations/<int:pk>/quitter/", account.leave, name="leave"),
    path(
        "mon-espace/associations/invitations/<int:pk>/annuler/",
        account.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "mon-espace/associations/invitation/<str:token>/", account.invitation_accept, name="invitation_accept"
    ),
    # The vie associative service
    path("agent/associations/", agent.associations, name="agent_associations"),
    path("agent/associations/<int:pk>/", agent.association, name="agent_association"),
    path("agent/associations/<int:pk>/verifier/", agent.verify, name="agent_verify"),
    path("agent/associations/<int:pk>/suspendre/", agent.suspend, name="agent_suspend"),
    *subsidies,
    *rooms,
    *equipment,
]
