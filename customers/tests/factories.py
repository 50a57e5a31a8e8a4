import factory

from customers.models import Customer


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    name = factory.Faker("name", locale="en_IN")
    location = factory.Faker("city", locale="en_IN")
    whatsapp_number = factory.Sequence(lambda n: f"+9197400{n:05d}")
