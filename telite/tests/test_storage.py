"""Production static files: hashed names, each looked up once per process."""

import pytest
from whitenoise.storage import CompressedManifestStaticFilesStorage

from telite.storage import StaticFilesStorage

MANIFEST = {"css/telite.css": "css/telite.0123abcd.css", "img/favicon.svg": "img/favicon.9f9f.svg"}


def _storage(cls, tmp_path):
    storage = cls(location=str(tmp_path), base_url="/static/")
    storage.hashed_files = dict(MANIFEST)
    return storage


@pytest.mark.parametrize("name", [*MANIFEST, "css/telite.css?v=1#top"])
def test_hashed_urls_are_whitenoises(tmp_path, name):
    ours = _storage(StaticFilesStorage, tmp_path)
    theirs = _storage(CompressedManifestStaticFilesStorage, tmp_path)
    assert ours.url(name) == theirs.url(name)
    assert ours.url(name) == theirs.url(name)  # and again, from the process's memory


def test_a_file_missing_from_the_manifest_is_still_an_error_every_time(tmp_path):
    storage = _storage(StaticFilesStorage, tmp_path)
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("css/missing.css")
