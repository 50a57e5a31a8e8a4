from django.db import models


class TimeStampedModel(models.Model):
    """created_at / updated_at for every business record."""

    created_at = models.DateTimeField("created", auto_now_add=True, db_index=False)
    updated_at = models.DateTimeField("last changed", auto_now=True)

    class Meta:
        abstract = True


class DataVersion(models.Model):
    """One row whose token changes after every committed write (telite/pagecache.py).

    A rendered page is kept under the token it was rendered with, so a page kept from
    before a write is never served after it.
    """

    token = models.CharField(max_length=32)

    class Meta:
        verbose_name = "data version"

    def __str__(self):
        return self.token
