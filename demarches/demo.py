"""Demo data of the démarches: the town's catalogue of 38 procedures, published, and a back-office
with requests in every state.

Called by `manage.py seed_demo`, after the accounts' demo data (the services, one
agent per service, all managers of it; the citizen citoyen@demo.guichet.fr).
Idempotent: the catalogue's entries already there are left alone, and the
back-office is made once (when none of the demo inhabitants has a request yet).

The back-office goes through the real services (submit_request, change_status,
request_information, assign_request, set_labels, add_note, send_agent_message,
start_counter_request), so timelines, audit events and notifications agree.
Those services date everything `now` and take no other date, so every demo
request is submitted today: the statistics' months show this month only, and
their processing times are zero days. The only thing written around them is the
due date of a few requests in progress, moved back into the past ("demo
history only", as the régie's demo does with its overdue invoices), so that the
queues and the statistics show overdue requests; their timelines still say
"today". The sign-ins of the past year are made-up counts (no names), so that
the weekly chart has a shape.

It also gives two procedures a letter template, one a silence rule, and adds a
plain agent (not a manager) to the État civil, instructeur.etat-civil@demo.guichet.fr
(same password; `manage.py demo_otp_code <address>` for its code), to whom some
requests are assigned.
"""

import math
import secrets
from datetime import date, timedelta

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from demarches import services
from demarches.catalogue import load_catalogue
from demarches.enums import RequestStatus, SilenceRule
from demarches.models import Demarche, Label, LetterTemplate, Request
from guichet.accounts import demo as accounts_demo
from guichet.accounts import services as account_services
from guichet.accounts.enums import AgentRole
from guichet.accounts.models import AgentMembership, DailyLogins, LoginAudience, Party, Service, Town, User

DEMO_DOMAIN = "demo.guichet.fr"
S = RequestStatus

# The services and procedures the back-office's requests go to.
SERVICE_SLUGS = ["etat-civil", "police-municipale", "ccas", "urbanisme"]
PROCEDURES = [
    "acte-de-naissance",
    "tranquillite-vacances",
    "signaler-un-probleme",
    "rendez-vous-ccas",
    "certificat-de-numerotage",
]


# Applicants of the back-office's requests: accounts without a password (nobody signs in as them).
INHABITANTS = [
    ("habitant.leroy", "Nadia", "Leroy"),
    ("habitant.moreau", "Julien", "Moreau"),
    ("habitant.petit", "Inès", "Petit"),
    ("habitant.garcia", "Hugo", "Garcia"),
    ("habitant.fontaine", "Léa", "Fontaine"),
    ("habitant.nguyen", "Thomas", "Nguyen"),
    ("habitant.bernard", "Chloé", "Bernard"),
    ("habitant.roux", "Mathis", "Roux"),
]
COLLEAGUE = ("instructeur.etat-civil", "Claire", "Morel")

LETTERS = {
    ("acte-de-naissance", S.ACCEPTED): (
        "Votre demande d'acte de naissance {{ reference }}",
        "Madame, Monsieur {{ applicant }},\n\n"
        "Votre demande « {{ demarche }} » déposée le {{ submitted_on }} est acceptée. "
        "L'acte vous sera remis selon le mode que vous avez choisi.\n\n"
        "{{ motivation }}\n\n"
        "Le service {{ service }}",
    ),
    ("acte-de-naissance", S.REFUSED): (
        "Votre demande d'acte de naissance {{ reference }}",
        "Madame, Monsieur {{ applicant }},\n\n"
        "Nous ne pouvons pas donner suite à votre demande « {{ demarche }} » déposée le {{ submitted_on }}.\n\n"
        "Motif : {{ motivation }}\n\n"
        "Vous pouvez former un recours gracieux auprès du maire dans un délai de deux mois.\n\n"
        "Le service {{ service }}",
    ),
    ("certificat-de-numerotage", S.ACCEPTED): (
        "Certificat de numérotage — {{ reference }}",
        "Madame, Monsieur {{ applicant }},\n\n"
        "Le certificat de numérotage que vous avez demandé le {{ submitted_on }} est joint à ce courrier.\n\n"
        "{{ motivation }}\n\n"
        "Le service {{ service }}",
    ),
}
# Silence vaut acceptation after 30 days for this one (the administrators may change it).
SILENCE = {"certificat-de-numerotage": (SilenceRule.ACCEPT, 30)}


def _address(number: int, street: str) -> dict:
    return {"street": f"{number} {street}", "complement": "", "postal_code": "00000", "town": "Villebelle"}


def _answers(slug: str, user: User, variant: int, today: date) -> dict:
    """Valid answers of a few catalogue procedures, varied a little from one request to the next."""
    streets = ["rue des Tilleuls", "avenue de la Gare", "place du Marché", "chemin des Vignes"]
    address = _address(3 + variant * 7, streets[variant % len(streets)])
    phone = f"+3361234{5670 + variant:04d}"
    match slug:
        case "acte-de-naissance":
            return {
                "type_acte": ["copie_integrale", "extrait_filiation", "extrait_plurilingue"][variant % 3],
                "motif": ["identite", "mariage_pacs", "retraite"][variant % 3],
                "lien": "titulaire",
                "nom_naissance": user.last_name,
                "prenoms": user.first_name,
                "date_naissance": date(1962 + variant * 5, 1 + variant % 12, 3 + variant).isoformat(),
                "nombre_exemplaires": 1 + variant % 2,
                "mode_remise": "mairie",
            }
        case "tranquillite-vacances":
            return {
                "adresse": address,
                "logement": "maison",
                "date_depart": (today + timedelta(days=10 + variant)).isoformat(),
                "date_retour": (today + timedelta(days=24 + variant)).isoformat(),
                "alarme": variant % 2 == 0,
                "vehicule": variant % 3 == 0,
                "passages": False,
                "telephone": phone,
            }
        case "signaler-un-probleme":
            problems = [
                ("eclairage", "Le lampadaire devant le numéro 12 ne s'allume plus depuis une semaine."),
                (
                    "voirie",
                    "Un nid-de-poule profond s'est formé au milieu de la chaussée, près du passage piéton.",
                ),
                (
                    "proprete",
                    "Des sacs de déchets ont été déposés au pied des conteneurs de tri depuis lundi.",
                ),
            ]
            category, description = problems[variant % len(problems)]
            return {
                "categorie": category,
                "danger": category == "voirie",
                "lieu": address,
                "description": description,
                "etre_informe": False,
            }
        case "rendez-vous-ccas":
            return {
                "motif": ["aide", "logement", "energie", "droits"][variant % 4],
                "mode": ["mairie", "telephone"][variant % 2],
                "jours": [["lundi", "jeudi"], ["mardi"], ["mercredi", "vendredi"]][variant % 3],
                "moment": ["matin", "apres_midi", "indifferent"][variant % 3],
                "telephone": phone,
            }
        case "certificat-de-numerotage":
            return {
                "adresse": address,
                "qualite": ["proprietaire", "notaire"][variant % 2],
                "motif": ["vente", "raccordement", "construction"][variant % 3],
                "exemplaires": 1,
            }
    raise ValueError(slug)


def _user(login: str, first_name: str, last_name: str, *, password: str | None = None) -> User:
    email = f"{login}@{DEMO_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, password, first_name=first_name, last_name=last_name, city="Villebelle"
        )
    return user


def _colleague(service: Service) -> User:
    """A plain agent of the État civil (not a manager), who signs in as the demo's agents do."""
    login, first_name, last_name = COLLEAGUE
    user = _user(login, first_name, last_name, password=accounts_demo.DEMO_PASSWORD)
    AgentMembership.objects.get_or_create(user=user, service=service, defaults={"role": AgentRole.AGENT})
    if not user.terms_version:
        account_services.accept_terms(user=user, version=Town.current().terms_version)
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name="Démo", confirmed=True, key=secrets.token_hex(20))
    return user


def _ensure_managers(services_: list[Service]) -> None:
    """Each service of the demo has a manager (the accounts' demo makes its agents managers already)."""
    for service in services_:
        memberships = AgentMembership.objects.filter(service=service)
        if memberships.exists() and not memberships.filter(role=AgentRole.MANAGER).exists():
            first = memberships.order_by("pk").first()
            first.role = AgentRole.MANAGER
            first.save(update_fields=["role"])


def _configure(demarches: dict[str, Demarche]) -> None:
    for (slug, outcome), (subject, body) in LETTERS.items():
        if (
            slug in demarches
            and not LetterTemplate.objects.filter(demarche=demarches[slug], outcome=outcome).exists()
        ):
            template = LetterTemplate(demarche=demarches[slug], outcome=outcome, subject=subject, body=body)
            template.full_clean()
            template.save()
    for slug, (rule, days) in SILENCE.items():
        demarche = demarches.get(slug)
        if demarche is not None and demarche.silence_rule == SilenceRule.NONE:
            demarche.silence_rule, demarche.silence_days = rule, days
            demarche.full_clean(exclude=["required_document_types"])
            demarche.save(update_fields=["silence_rule", "silence_days", "updated_at"])


class _Desk:
    """Files and moves the demo's requests through the services, as applicants and agents would."""

    def __init__(self, *, today: date):
        self.today = today
        self.variant = 0
        self.labels = {label.name: label for label in Label.objects.all()}
        self.overdue: list[tuple[int, int]] = []

    def file(self, demarche: Demarche, user: User, *, counter_agent: User | None = None) -> Request:
        party = Party.objects.get(person=user)
        actor = counter_agent or user
        if counter_agent is not None:
            draft = services.start_counter_request(
                actor=counter_agent,
                demarche=demarche,
                applicant_user=user,
                consent_statement="La personne, présente au guichet avec sa pièce d'identité, a demandé "
                "à l'agent de faire la démarche pour elle.",
            )
        else:
            draft = services.start_request(actor=user, demarche=demarche, applicant=party)
        answers = _answers(demarche.slug, user, self.variant, self.today)
        self.variant += 1
        for page in draft.form.pages:
            keys = {spec.key for spec in page.fields}
            services.save_page_answers(
                actor=actor,
                request=draft,
                page_number=page.number,
                page_answers={key: value for key, value in answers.items() if key in keys},
            )
        return services.submit_request(actor=actor, request=Request.objects.get(pk=draft.pk))

    def move(
        self, request: Request, agent: User, status: str, motivation: str = "", *, letter=False
    ) -> Request:
        return services.change_status(
            actor=agent, request=request, status=status, motivation=motivation, letter=letter
        )

    def label(self, request: Request, agent: User, *names: str) -> None:
        services.set_labels(actor=agent, request=request, labels=[self.labels[name] for name in names])

    def late(self, request: Request, days: int) -> None:
        """Demo history only: the request was due `days` ago (its timeline still says today)."""
        self.overdue.append((request.pk, days))

    def write_overdue(self) -> None:
        for pk, days in self.overdue:
            Request.objects.filter(pk=pk).update(due_date=self.today - timedelta(days=days))


def _already_seeded() -> bool:
    emails = [f"{login}@{DEMO_DOMAIN}" for login, *_names in INHABITANTS]
    return Request.objects.filter(applicant__person__email__in=emails).exists()


@transaction.atomic
def _seed_backoffice() -> None:
    if _already_seeded():
        return
    services_ = {service.slug: service for service in Service.objects.filter(slug__in=SERVICE_SLUGS)}
    agents = {
        slug: User.objects.filter(email=f"agent.{slug}@{DEMO_DOMAIN}").first() for slug in SERVICE_SLUGS
    }
    citizen = User.objects.filter(email=f"citoyen@{DEMO_DOMAIN}").first()
    if len(services_) != len(SERVICE_SLUGS) or None in agents.values() or citizen is None:
        return  # the accounts' demo data is not there
    demarches = {demarche.slug: demarche for demarche in Demarche.objects.filter(slug__in=PROCEDURES)}
    if len(demarches) != len(PROCEDURES):
        return
    _ensure_managers(list(services_.values()))
    _configure(demarches)
    colleague = _colleague(services_["etat-civil"])
    people = [_user(login, first, last) for login, first, last in INHABITANTS]
    desk = _Desk(today=timezone.localdate())
    _etat_civil(desk, demarches["acte-de-naissance"], agents["etat-civil"], colleague, people, citizen)
    _police(desk, demarches, agents["police-municipale"], people, citizen)
    _ccas(desk, demarches["rendez-vous-ccas"], agents["ccas"], people)
    _urbanisme(desk, demarches["certificat-de-numerotage"], agents["urbanisme"], people, citizen)
    desk.write_overdue()


def _etat_civil(desk: _Desk, demarche, manager, colleague, people, citizen) -> None:
    # Waiting in the queue, one to look at first.
    for person in people[:2]:
        desk.file(demarche, person)
    fresh = desk.file(demarche, people[2])
    desk.label(fresh, manager, "À examiner")
    # Being instructed: one by the colleague (complete), one by the manager (late, urgent).
    complete = desk.file(demarche, people[3])
    services.assign_request(actor=manager, request=complete, assignee=colleague)
    desk.move(complete, colleague, S.IN_REVIEW)
    desk.label(complete, colleague, "Complet")
    services.add_note(
        actor=colleague, request=complete, body="Filiation vérifiée dans le registre de 1972, RAS."
    )
    late = desk.file(demarche, people[4])
    services.assign_request(actor=manager, request=late, assignee=manager)
    desk.move(late, manager, S.IN_REVIEW)
    desk.label(late, manager, "Urgent", "Cas particulier")
    desk.late(late, 4)
    # The demo citizen's request waits for them: they answer from "Mes demandes".
    waiting = desk.file(demarche, citizen)
    services.assign_request(actor=manager, request=waiting, assignee=colleague)
    services.request_information(
        actor=colleague,
        request=waiting,
        missing="Merci d'indiquer les noms et prénoms de vos parents : l'acte en a besoin pour être retrouvé.",
    )
    desk.label(waiting, colleague, "Incomplet")
    # Decided: accepted with the letter, refused, withdrawn by the applicant.
    for person in (people[5], citizen):
        accepted = desk.file(demarche, person)
        services.assign_request(actor=manager, request=accepted, assignee=colleague)
        desk.move(
            accepted, colleague, S.ACCEPTED, "L'acte est à retirer à l'accueil de la mairie.", letter=True
        )
    refused = desk.file(demarche, people[6])
    desk.move(
        refused,
        manager,
        S.REFUSED,
        "La naissance n'a pas eu lieu à Villebelle : adressez-vous à la mairie du lieu de naissance.",
        letter=True,
    )
    withdrawn = desk.file(demarche, people[7])
    services.withdraw_request(actor=people[7], request=withdrawn, reason="Acte obtenu par une autre voie.")
    # At the counter: one waiting, one accepted then reopened by the manager.
    desk.file(demarche, people[0], counter_agent=colleague)
    reopened = desk.file(demarche, people[1], counter_agent=manager)
    desk.move(reopened, colleague, S.ACCEPTED, "Acte délivré au guichet.")
    desk.move(reopened, manager, S.IN_REVIEW, "Erreur sur le prénom : l'acte est à refaire.")


def _police(desk: _Desk, demarches, agent, people, citizen) -> None:
    holidays = demarches["tranquillite-vacances"]
    reports = demarches["signaler-un-probleme"]
    for person in (people[2], people[3]):
        desk.file(holidays, person)
    overdue = desk.file(holidays, people[4])
    desk.late(overdue, 2)
    for person in (people[5], people[6]):
        accepted = desk.file(holidays, person)
        desk.move(accepted, agent, S.ACCEPTED, "Votre logement est inscrit : des patrouilles passeront.")
    desk.file(holidays, people[7], counter_agent=agent)
    # Reports on the public highway.
    dangerous = desk.file(reports, people[0])
    services.assign_request(actor=agent, request=dangerous, assignee=agent)
    desk.move(dangerous, agent, S.IN_REVIEW)
    desk.label(dangerous, agent, "Urgent")
    desk.late(dangerous, 1)
    unclear = desk.file(reports, citizen)
    services.request_information(
        actor=agent, request=unclear, missing="Pouvez-vous préciser l'endroit exact (numéro de rue, repère) ?"
    )
    done = desk.file(reports, people[1])
    desk.move(done, agent, S.CLOSED, "Les services techniques sont intervenus : le lampadaire fonctionne.")


def _ccas(desk: _Desk, demarche, agent, people) -> None:
    for person in (people[0], people[1]):
        desk.file(demarche, person)
    overdue = desk.file(demarche, people[2])
    services.assign_request(actor=agent, request=overdue, assignee=agent)
    desk.move(overdue, agent, S.IN_REVIEW)
    services.send_agent_message(
        actor=agent,
        request=overdue,
        body="Bonjour, nous vous appellerons cette semaine pour fixer le rendez-vous.",
    )
    desk.late(overdue, 3)
    for person in (people[3], people[4]):
        accepted = desk.file(demarche, person)
        desk.move(accepted, agent, S.ACCEPTED, "Rendez-vous fixé mardi à 10 h, à l'accueil du CCAS.")


def _urbanisme(desk: _Desk, demarche, agent, people, citizen) -> None:
    for person in (people[5], people[6]):
        desk.file(demarche, person)
    reviewed = desk.file(demarche, people[7])
    services.assign_request(actor=agent, request=reviewed, assignee=agent)
    desk.move(reviewed, agent, S.IN_REVIEW)
    desk.label(reviewed, agent, "À examiner")
    waiting = desk.file(demarche, people[0])
    services.request_information(
        actor=agent, request=waiting, missing="Joignez un plan de situation de la parcelle (cadastre)."
    )
    accepted = desk.file(demarche, citizen)
    desk.move(accepted, agent, S.ACCEPTED, "Numéro attribué : 14 bis.", letter=True)


# Sign-ins ---------------------------------------------------------------------------------------

# Sign-ins a day, a weekday's: about 3,000 family sign-ins a week, as the town reported.
DAILY = {LoginAudience.FAMILY: 460, LoginAudience.CITIZEN: 150, LoginAudience.AGENT: 55}
WEEKEND = {LoginAudience.FAMILY: 0.45, LoginAudience.CITIZEN: 0.6, LoginAudience.AGENT: 0.05}


def _made_up_count(audience: str, day: date) -> int:
    """A plausible count without randomness: weekly rhythm, a dip in summer, a little wobble."""
    base = DAILY[audience] * (WEEKEND[audience] if day.weekday() >= 5 else 1)
    season = 0.75 if day.month in (7, 8) else 1.0
    wobble = 1 + 0.08 * math.sin(day.toordinal() * 1.7) + 0.05 * math.cos(day.toordinal() / 3)
    return max(int(base * season * wobble), 0)


def _seed_sign_ins(today: date) -> None:
    """A year of daily counts before today; a day already counted (a real sign-in) is left alone."""
    rows = [
        DailyLogins(day=day, audience=audience, count=_made_up_count(audience, day))
        for offset in range(1, 366)
        for day in [today - timedelta(days=offset)]
        for audience in DAILY
    ]
    DailyLogins.objects.bulk_create(rows, ignore_conflicts=True)


def seed() -> None:
    load_catalogue(actor=None)
    _seed_backoffice()
    _seed_sign_ins(timezone.localdate())
