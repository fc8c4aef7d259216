"""Committed defaults for every setting. No secrets here.

Resolution order (see config/README.md): this file, then ``instance/config.py`` if present,
then environment variables ``QUIZTOOL_<NAME>`` (values parsed as JSON when they look like JSON,
so ``QUIZTOOL_JWT_LEEWAY_SECONDS=10`` is an int), then a mapping passed to ``create_app``.
"""

#: "development" accepts plain-http platforms on loopback (a local Moodle, the demo LMS) and
#: generates SECRET_KEY on first run; "production" refuses both.
ENV = "production"

#: SQLAlchemy URL. Empty means a SQLite file ``quiztool.db`` in the instance folder.
#: Production: ``postgresql+psycopg://user:pass@host/dbname``.
DATABASE_URL = ""

#: A pooled PostgreSQL connection idle longer than this (seconds) is pinged before use, in case a
#: proxy or firewall dropped it silently. A connection the server closed (a restart, a failover)
#: is detected without a ping whatever its age.
DATABASE_PING_AFTER_IDLE_SECONDS = 10

#: The public base URL of the tool as platforms reach it (``https://quiz.example.edu``).
#: Empty: taken from each request (fine behind a correctly configured proxy).
BASE_URL = ""

#: Flask's secret for signing. Required in production; generated into the instance folder in
#: development.
SECRET_KEY = ""

#: Trust X-Forwarded-* headers from this many proxies (0 = none). Set to 1 behind one load balancer.
PROXY_COUNT = 0

#: Allowed clock skew, in seconds, between us and a platform for iat/exp/nbf of id_tokens.
JWT_LEEWAY_SECONDS = 60

#: id_tokens whose iat is older than this many seconds are refused even when exp is later.
JWT_MAX_AGE_SECONDS = 600

#: How long (seconds) an OIDC login may take from our redirect to the platform's launch POST.
LOGIN_STATE_LIFETIME = 600

#: A tool session (the pages after a launch, whose token is in the URL) ends after this many
#: seconds without use. Every page and autosave extends it, and an open timed attempt keeps it
#: alive until the attempt's end whatever the setting.
TOOL_SESSION_IDLE_SECONDS = 60 * 60

#: ... and in any case this many seconds after the launch (the absolute cap).
TOOL_SESSION_MAX_SECONDS = 12 * 3600

#: How long (seconds) a platform's JWKS is cached before it is fetched again. An unknown kid
#: always causes one immediate refetch (key rotation).
PLATFORM_JWKS_CACHE_SECONDS = 3600

#: Set the Partitioned attribute (CHIPS) on the state cookie so launches inside an LMS iframe
#: work in browsers that block third-party cookies.
COOKIE_PARTITIONED = True

#: Tool keys: how long (seconds) a rotated-out key stays in the JWKS before it is retired.
KEY_RETIREMENT_SECONDS = 7 * 24 * 3600

#: Run the built-in demo LMS under /demo-lms/ (``quiztool demo`` turns this on).
DEMO_LMS = False

#: Title platforms show for the tool (on Moodle's activity chooser card, Canvas's assignment
#: form). Keep it under 20 characters: Moodle cuts longer names on the card.
TOOL_TITLE = "Relationship Quiz"

#: Timeout (seconds) for HTTP calls to platforms (JWKS, tokens, AGS, NRPS, registration).
HTTP_TIMEOUT_SECONDS = 10

#: In production the tool contacts only public addresses (no loopback, private, link-local or
#: reserved ones: lti/outbound.py). Networks listed here are allowed too, for an LMS on a campus
#: network or an egress proxy: comma-separated (``10.20.0.0/16,192.168.5.0/24``) or a JSON list.
OUTBOUND_ALLOWED_NETWORKS: list[str] = []

#: Dynamic Registration without a one-time link (``/lti/register``): for the demo and local
#: development only. In production every registration goes through
#: ``quiztool platform registration-link``.
REGISTRATION_OPEN = False

#: Largest request body accepted (bytes); larger ones get 413. Answers and launches are a few KB.
MAX_CONTENT_LENGTH = 1024 * 1024

#: Deepest nesting accepted in a JSON request body (an autosave is three levels deep).
MAX_JSON_DEPTH = 32

#: How long (seconds) a process keeps the registered platforms' hosts for the
#: Content-Security-Policy's frame-ancestors before reading them again.
FRAME_ANCESTORS_CACHE_SECONDS = 30

#: Log level for the ``lti_tool`` loggers (other libraries log warnings and errors only).
LOG_LEVEL = "INFO"

#: ``json`` (one JSON object per line, for a log collector) or ``text`` (for a terminal).
#: Empty: ``text`` in development, ``json`` in production. Every line of a request, and every
#: delivery line of the grades it recorded, carries the same ``request_id``.
LOG_FORMAT = ""

#: Log one line per HTTP request (method, route pattern, status, duration; never the URL, which
#: may hold a session token).
LOG_REQUESTS = True

#: Bearer token Prometheus sends to read ``/metrics`` (``Authorization: Bearer <token>``).
#: Empty: ``/metrics`` answers only requests from this host (loopback), after PROXY_COUNT.
METRICS_TOKEN = ""

#: ``host:port`` where ``quiztool worker`` serves its own ``/metrics`` (grade deliveries by
#: outcome and platform). Empty: not served. Each worker on a host needs its own port.
WORKER_METRICS_BIND = ""

# --- The built-in demo LMS (only used when DEMO_LMS is true) ---------------------------------

#: Public base URL of the demo LMS *including* its mount, e.g. ``http://127.0.0.1:5000/demo-lms``.
#: It is the platform's issuer and the base of all its endpoints. Empty: the URL given to
#: ``ensure_demo`` (``quiztool demo``), else the host of the request.
DEMO_LMS_URL = ""

#: Base URL where the demo LMS reaches the tool (``/lti/login``, ``/lti/launch``, ``/lti/jwks``).
#: A different host name than the LMS's (localhost vs 127.0.0.1) makes the iframe cross-site, as
#: it is in a real LMS, so cookie problems show up in the demo too.
DEMO_LMS_TOOL_URL = "http://localhost:5000"

#: Clock leeway (seconds) when the demo LMS checks JWTs the tool signs (client assertions,
#: deep-linking responses).
DEMO_LMS_JWT_LEEWAY_SECONDS = 10

#: How long (seconds) the demo LMS trusts its cached copy of a tool's JWKS; an unknown kid always
#: triggers a refetch.
DEMO_LMS_JWKS_CACHE_SECONDS = 300

#: How long (seconds) a launch's lti_message_hint stays valid between login initiation and auth.
DEMO_LMS_LOGIN_LIFETIME_SECONDS = 600

#: The "unreachable" fault drops the connection; under a WSGI server that does not expose its
#: socket it instead holds the request this many seconds (longer than any client timeout).
DEMO_LMS_UNREACHABLE_SECONDS = 60

# --- Grade delivery (the outbox worker: ``quiztool worker``; inside ``quiztool demo``) -------

#: Seconds the worker sleeps when no score is due.
GRADE_WORKER_INTERVAL_SECONDS = 1.0

#: Rows one delivery pass claims at most.
GRADE_BATCH_SIZE = 50

#: Lease (seconds) of a claimed row. A worker that dies mid-delivery leaves its rows to others
#: after this; it must exceed a delivery's worst case (a few HTTP_TIMEOUT_SECONDS).
GRADE_CLAIM_SECONDS = 120

#: Exponential backoff for 5xx, timeouts and connection errors: the first wait (seconds),
#: doubled per try up to GRADE_RETRY_MAX_SECONDS, with jitter. 429 and Canvas's throttling 403
#: wait their Retry-After instead.
GRADE_RETRY_BASE_SECONDS = 2.0

#: The longest wait (seconds) between two tries of a score.
GRADE_RETRY_MAX_SECONDS = 3600.0

#: A score still undelivered after this many tries is marked failed (``quiztool grades retry --failed``).
GRADE_MAX_TRIES = 15

#: Delivered and superseded scores are kept this many days (the newest per student and link
#: always stays); failed ones stay until retried.
GRADE_KEEP_DAYS = 180

#: How often (seconds) the worker purges expired launch data, tool sessions, old scores and
#: attempts past RETENTION_DAYS.
GRADE_PURGE_INTERVAL_SECONDS = 600

#: Submitted attempts (with their answers) are deleted this many days after submission; each
#: purge is logged. 0 keeps them forever. The LMS gradebook keeps its grade; once a student's
#: attempts are gone the tool no longer counts them, so set this beyond the end of your courses
#: (e.g. 400). ``quiztool user purge`` runs it now; ``quiztool user erase`` removes one person.
RETENTION_DAYS = 0

#: Run the delivery worker as a thread inside ``quiztool demo``.
DEMO_GRADE_WORKER = True

# --- The instructor's pages -------------------------------------------------------------------

#: How long (seconds) the course roster read from the platform (NRPS) is used before the
#: dashboard reads it again; "Refresh the roster" reads it at once.
ROSTER_CACHE_SECONDS = 900

#: After the platform refused the roster, the dashboard waits this long (seconds) before asking
#: again on its own (the instructor can still ask at once).
ROSTER_RETRY_SECONDS = 120
