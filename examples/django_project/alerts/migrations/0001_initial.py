from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    # Django's migration format (class-level lists, as makemigrations writes them)
    dependencies: list[tuple[str, str]] = []  # noqa: RUF012

    operations = [  # noqa: RUF012
        migrations.CreateModel(
            name="ProcessedKnockEvent",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key", models.CharField(max_length=200, unique=True)),
                ("type", models.CharField(max_length=100)),
                ("note", models.TextField(blank=True)),
                ("handled_at", models.DateTimeField(auto_now_add=True)),
            ],
        ),
    ]
