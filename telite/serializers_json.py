"""JSON serialisation for backups that keeps timestamps to the microsecond.

Django's JSON encoder cuts datetimes to milliseconds; a restored database must equal the
one backed up, so this format writes full ISO timestamps. Registered as ``telitejson``.
"""

import datetime

from django.core.serializers import json as django_json
from django.core.serializers.json import DjangoJSONEncoder


class PreciseJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


class Serializer(django_json.Serializer):
    def _init_options(self):
        self.options.setdefault("cls", PreciseJSONEncoder)
        super()._init_options()


Deserializer = django_json.Deserializer
