"""SQLite keeps decimals as floating point: a bill's total is checked rounded to paise, and
amounts received that were summed in SQL (₹500.10 + ₹100.20 stored as 600.3000000000001)
are rewritten rounded, so that "balance due" lists and the balance check see ₹600.30.
PostgreSQL's numeric is exact: the rewrite is skipped there."""

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Round


def round_received(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    Bill = apps.get_model("billing", "Bill")
    Bill.objects.update(amount_received=Round("amount_received", 2))


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_bill_line_holds_the_whole_work_done")]

    operations = [
        migrations.RunPython(round_received, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="bill",
            name="bill_total_is_subtotal_less_discount",
        ),
        migrations.AddConstraint(
            model_name="bill",
            constraint=models.CheckConstraint(
                condition=models.Q(bill_value=Round(F("subtotal") - F("discount"), 2)),
                name="bill_total_is_subtotal_less_discount",
            ),
        ),
    ]
