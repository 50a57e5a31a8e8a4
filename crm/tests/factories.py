import factory

from accounts.tests.factories import UserFactory
from crm.models import Lead, LeadSource, LeadStatus


class LeadFactory(factory.django.DjangoModelFactory):
    """A new lead as the counter records it. Pass ``status``/``follow_up_date`` for fixtures."""

    class Meta:
        model = Lead

    name = factory.Faker("name", locale="en_IN")
    phone = factory.Sequence(lambda n: f"+9196300{n:05d}")
    source = LeadSource.WALK_IN
    requirement = "Laptop screen replacement"
    status = LeadStatus.NEW
    created_by = factory.SubFactory(UserFactory)
