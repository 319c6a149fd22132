"""Factories shared by every app's tests."""

import factory
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.enums import AgentRole
from guichet.accounts.models import AgentMembership, Party, Service, Town, User

PASSWORD = "Mot-de-passe-solide-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"habitant{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(self, create, extracted, **kwargs):
        # allauth requires a verified address before login (ACCOUNT_EMAIL_VERIFICATION).
        if create and extracted is not False:
            from allauth.account.models import EmailAddress

            EmailAddress.objects.create(user=self, email=self.email, verified=True, primary=True)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")


def make_agent(
    service: Service | None = None, *, role: str = AgentRole.AGENT, otp: bool = True, **kwargs
) -> User:
    """An agent of `service`, with a confirmed TOTP device unless otp=False."""
    user = UserFactory(**kwargs)
    AgentMembership.objects.create(user=user, service=service or ServiceFactory(), role=role)
    if otp:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def make_admin(*, otp: bool = True, **kwargs) -> User:
    user = UserFactory(is_staff=True, is_superuser=True, **kwargs)
    if otp:
        TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def add_backup_codes(user: User, *codes: str) -> None:
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    for code in codes:
        StaticToken.objects.create(device=device, token=code)


def person_party(user: User) -> Party:
    return Party.objects.get(person=user)


def make_town(**kwargs) -> Town:
    defaults = {"name": "Villeneuve-sur-Test", "terms_version": "2026-01"}
    town = Town(**{**defaults, **kwargs})
    town.save()
    return town
