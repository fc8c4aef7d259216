"""gunicorn settings for production: ``gunicorn -c config/gunicorn.conf.py 'lti_tool:create_app()'``.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import os
import socket

bind = os.environ.get("QUIZTOOL_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("QUIZTOOL_WORKERS", "2"))
#: Threads let a worker keep serving while one request waits on the database or an LMS.
worker_class = "gthread"
threads = int(os.environ.get("QUIZTOOL_THREADS", "4"))
#: Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections
#: over them. On one shared socket the same worker won most accept races: in bench/launch.py it
#: held 87 of 116 keep-alive connections and ran at 92% CPU, bound by its GIL, while the other
#: idled at 40%; with this, 60 and 56. Trade-off: connections still queued on a worker's socket
#: when that worker exits are reset; on Linux 5.14+ ``sysctl net.ipv4.tcp_migrate_req=1`` hands
#: them to the other workers. QUIZTOOL_REUSE_PORT=false goes back to one shared socket.
reuse_port = os.environ.get("QUIZTOOL_REUSE_PORT", "true").strip().lower() not in ("0", "false", "no", "off")


def on_starting(server):  # noqa: ANN001, ANN201 (gunicorn hook)
    """With ``reuse_port`` a second server started on a port in use would bind too and quietly
    take part of the first one's connections: refuse to start instead, as without it."""
    if not server.cfg.reuse_port:
        return
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a unix socket path: no SO_REUSEPORT sharing there
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no conflict
            try:
                probe.bind(address)
            except OSError as error:
                raise SystemExit(f"{address[0]}:{address[1]} is already in use ({error.strerror}): "
                                 "is another quiztool server running?") from error
#: Longer than any load balancer's (and browser's) idle timeout: otherwise the server closes an
#: idle keep-alive connection just as the client reuses it, and that request fails.
keepalive = 75
#: Kill a worker that stays silent this long (a stuck request), then replace it.
timeout = 60
graceful_timeout = 30
accesslog = None
