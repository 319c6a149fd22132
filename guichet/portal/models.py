from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NewsTopic(models.TextChoices):
    TOWN = "town", _("Vie municipale")
    SCHOOL = "school", _("Vie scolaire")
    AFTER_SCHOOL = "after_school", _("Périscolaire et loisirs")
    ASSOCIATIONS = "associations", _("Associations")


class NewsQuerySet(models.QuerySet):
    def published(self, now=None) -> "NewsQuerySet":
        return self.filter(is_published=True, published_at__lte=now or timezone.now())


class NewsItem(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    slug = models.SlugField(_("adresse de la page"), max_length=200, unique=True)
    topic = models.CharField(_("rubrique"), max_length=20, choices=NewsTopic.choices, default=NewsTopic.TOWN)
    summary = models.CharField(_("résumé"), max_length=300)
    body = models.TextField(_("texte"), help_text=_("Texte simple ; une ligne vide sépare deux paragraphes."))
    image = models.ImageField(_("image"), upload_to="news/", blank=True)
    image_alt = models.CharField(_("description de l'image"), max_length=200, blank=True)
    is_published = models.BooleanField(_("publiée"), default=False)
    published_at = models.DateTimeField(_("date de publication"), default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["is_published", "-published_at"], name="portal_news_published")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("portal:news_detail", args=[self.slug])
