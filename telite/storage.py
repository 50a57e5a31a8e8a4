"""Static files in production: whitenoise's compressed, hashed-name storage."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Hashed names looked up once per file and process.

    Every page links its stylesheets, scripts and icon: ``url()`` parses and quotes the
    name and reads the manifest on each ``{% static %}``. The manifest does not change
    while the process runs (``collectstatic`` is followed by a restart), so neither do
    the answers.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
