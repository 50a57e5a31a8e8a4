from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every business record."""

    created_at = models.DateTimeField("created", auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField("last changed", auto_now=True)

    class Meta:
        abstract = True
