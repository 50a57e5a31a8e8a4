"""gunicorn settings for TELITE, read from the working directory by ``gunicorn telite.wsgi``.

Command-line options (workers, bind address, timeouts: see the README) override these.
"""

import gc


def post_worker_init(worker):
    """Once a worker has loaded Django, move everything loaded so far (modules, URL
    resolver, compiled templates) out of the garbage collector's view.

    Those objects live as long as the worker; without this every full collection walks all
    of them again, a few milliseconds each time, in the middle of someone's request.
    """
    gc.freeze()
