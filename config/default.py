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

#: How long (seconds) a tool session (the pages after a launch) stays valid.
TOOL_SESSION_LIFETIME = 8 * 3600

#: How long (seconds) a platform's JWKS is cached before it is fetched again. An unknown kid
#: always causes one immediate refetch (key rotation).
PLATFORM_JWKS_CACHE_SECONDS = 3600

#: A new deployment id of a registered client is recorded on its first valid launch. Set to
#: false to require an admin to approve it (``quiztool platform deployments approve``).
AUTO_REGISTER_DEPLOYMENTS = True

#: Set the Partitioned attribute (CHIPS) on the state cookie so launches inside an LMS iframe
#: work in browsers that block third-party cookies.
COOKIE_PARTITIONED = True

#: Tool keys: how long (seconds) a rotated-out key stays in the JWKS before it is retired.
KEY_RETIREMENT_SECONDS = 7 * 24 * 3600

#: Run the built-in demo LMS under /demo-lms/ (``quiztool demo`` turns this on).
DEMO_LMS = False

#: Title platforms show for the tool.
TOOL_TITLE = "Therapeutic Relationship Quiz"

#: Timeout (seconds) for HTTP calls to platforms (JWKS, tokens, AGS, NRPS, registration).
HTTP_TIMEOUT_SECONDS = 10

#: Log level for the ``lti_tool`` loggers.
LOG_LEVEL = "INFO"
