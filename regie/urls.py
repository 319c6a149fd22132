from django.urls import path

from regie.views import provider as views

app_name = "regie"

urlpatterns = [
    path("webhooks/stripe/", views.stripe_webhook, name="stripe_webhook"),
    path("webhooks/payfip/", views.payfip_webhook, name="payfip_webhook"),
    path("demo-paiement/", views.demo_provider, name="demo_provider_root"),
    path("demo-paiement/<path:path>", views.demo_provider, name="demo_provider"),
]
