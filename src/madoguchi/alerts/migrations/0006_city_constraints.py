"""The municipality is required on every alerts table, and every unique constraint includes it
(a sharded layout distributes by municipality; Citus requires the distribution column in each
unique constraint). Subscription.token/link_code and Notice.identifier become unique within
their city; a targeting consent stays one per subscription through its constraint (a foreign
key instead of a one-to-one field, whose own unique index would not include the city)."""

import uuid

import django.db.models.deletion
from django.db import migrations, models

import madoguchi.alerts.models


class Migration(migrations.Migration):
    dependencies = [
        ("alerts", "0005_backfill_municipality"),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        migrations.AlterField(
            model_name="targetingconsent",
            name="municipality",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="core.municipality", verbose_name="自治体"),
        ),
        # Delivery: once per (city, notice, subscription, channel)
        migrations.RemoveConstraint(model_name="delivery", name="alerts_delivery_once"),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(fields=("municipality", "notice", "subscription", "channel"), name="alerts_delivery_once"),
        ),
        # Notice.identifier: unique within the city
        migrations.AlterField(
            model_name="notice",
            name="identifier",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
        migrations.AddConstraint(
            model_name="notice",
            constraint=models.UniqueConstraint(fields=("municipality", "identifier"), name="alerts_notice_unique_identifier"),
        ),
        # Subscription.token / link_code: unique within the city
        migrations.AlterField(
            model_name="subscription",
            name="token",
            field=models.CharField(default=madoguchi.alerts.models._token, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="subscription",
            name="link_code",
            field=models.CharField(blank=True, max_length=12, null=True, verbose_name="LINE連携コード"),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(fields=("municipality", "token"), name="alerts_subscription_unique_token"),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.UniqueConstraint(fields=("municipality", "link_code"), name="alerts_subscription_unique_link_code"),
        ),
        # TargetingConsent: one per subscription, through a constraint that includes the city
        migrations.AlterField(
            model_name="targetingconsent",
            name="subscription",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="targeting_consents", to="alerts.subscription"),
        ),
        migrations.AddConstraint(
            model_name="targetingconsent",
            constraint=models.UniqueConstraint(fields=("municipality", "subscription"), name="alerts_targetingconsent_once"),
        ),
    ]
