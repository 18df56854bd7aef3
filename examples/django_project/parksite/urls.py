from alerts.knock import receiver
from alerts.views import raise_alert
from django.urls import path

from knockkit.contrib.django.views import webhook_view

urlpatterns = [
    path("alerts/", raise_alert),
    path("webhooks/knock/", webhook_view(receiver)),
]
