"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py 'lti_tool:create_app()'``.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os

bind = os.environ.get("QUIZTOOL_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("QUIZTOOL_WORKERS", "2"))
#: Threads let a worker keep serving while one request waits on the database or an LMS.
worker_class = "gthread"
threads = int(os.environ.get("QUIZTOOL_THREADS", "4"))
#: Longer than any load balancer's (and browser's) idle timeout: otherwise the server closes an
#: idle keep-alive connection just as the client reuses it, and that request fails.
keepalive = 75
#: Kill a worker that stays silent this long (a stuck request), then replace it.
timeout = 60
graceful_timeout = 30
accesslog = None
