"""gunicorn settings for production: ``quiztool serve`` runs
``gunicorn -c config/gunicorn.conf.py 'lti_tool:create_app()'`` with them.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import glob
import logging
import os
import shutil
import socket
import tempfile

#: ``host:port`` the server listens on (``127.0.0.1:8000`` behind a reverse proxy on the same host).
bind = os.environ.get("QUIZTOOL_BIND", "0.0.0.0:8000")
#: Worker processes. Each has its own database pools (see the deployment guide) and its own
#: listening socket; about one per CPU core.
workers = int(os.environ.get("QUIZTOOL_WORKERS", "2"))
worker_class = "gthread"
#: Threads per worker process: a worker keeps serving while one request waits on the database or
#: an LMS.
threads = int(os.environ.get("QUIZTOOL_THREADS", "4"))
#: Each worker listens on its own socket (SO_REUSEPORT) and the kernel spreads new connections
#: over them. On one shared socket the same worker won most accept races: in bench/launch.py it
#: held 87 of 116 keep-alive connections and ran at 92% CPU, bound by its GIL, while the other
#: idled at 40%; with this, 60 and 56. Trade-off: connections still queued on a worker's socket
#: when that worker exits are reset; on Linux 5.14+ ``sysctl net.ipv4.tcp_migrate_req=1`` hands
#: them to the other workers. QUIZTOOL_REUSE_PORT=false goes back to one shared socket.
reuse_port = os.environ.get("QUIZTOOL_REUSE_PORT", "true").strip().lower() not in ("0", "false", "no", "off")


#: No control socket (gunicorn 25.1+ opens one at $HOME/.gunicorn/gunicorn.ctl by default, shared
#: by every gunicorn of that user on the host). QUIZTOOL_CONTROL_SOCKET=/run/quiztool/ctl gives
#: this server one of its own, for ``gunicornc``.
control_socket_disable = not os.environ.get("QUIZTOOL_CONTROL_SOCKET")
if os.environ.get("QUIZTOOL_CONTROL_SOCKET"):
    control_socket = os.environ["QUIZTOOL_CONTROL_SOCKET"]

#: Prometheus multi-process mode: every worker writes its counters to files in this directory and
#: /metrics adds them up. It must be set before a worker imports prometheus_client, and be empty
#: when the server starts: a fresh private directory per server, removed when it stops, unless
#: the operator names one (PROMETHEUS_MULTIPROC_DIR), which is emptied at start.
_own_metrics_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
if _own_metrics_dir:
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="quiztool-metrics-")


def _addresses(server) -> str:  # noqa: ANN001
    return ", ".join(f"http://{a[0]}:{a[1]}" if isinstance(a, tuple) else f"unix:{a}" for a in server.cfg.address)


class _ListeningAddress(logging.Filter):
    """With ``reuse_port`` the workers open their sockets, so gunicorn's master logs an empty
    "Listening at:  (pid)": name the configured addresses instead."""

    def __init__(self, addresses: str) -> None:
        super().__init__()
        self.addresses = addresses

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg == "Listening at: %s (%s)" and isinstance(record.args, tuple) and not record.args[0]:
            record.args = (self.addresses, *record.args[1:])
        return True


def _log_like_the_app(server) -> None:  # noqa: ANN001
    """gunicorn's own lines in the app's format (JSON in production), so one collector reads all."""
    from lti_tool.logs import default_format
    from lti_tool.logs import formatter_for

    log_format = os.environ.get("QUIZTOOL_LOG_FORMAT") or default_format(os.environ.get("QUIZTOOL_ENV", "production"))
    for handler in server.log.error_log.handlers:
        handler.setFormatter(formatter_for(log_format))
    server.log.error_log.addFilter(_ListeningAddress(_addresses(server)))


def on_starting(server):  # noqa: ANN001, ANN201 (gunicorn hook)
    """Logs in the app's format; the metrics directory emptied; and with ``reuse_port`` a second
    server started on a port in use (which would bind too and quietly take part of the first
    one's connections) refuses to start instead, as without it."""
    _log_like_the_app(server)
    if not _own_metrics_dir:
        for stale in glob.glob(os.path.join(os.environ["PROMETHEUS_MULTIPROC_DIR"], "*.db")):
            os.remove(stale)
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


def when_ready(server):  # noqa: ANN001, ANN201 (gunicorn hook)
    server.log.info("quiztool serving on %s (%s workers x %s threads): /healthz, /readyz, /metrics",
                    _addresses(server), server.cfg.workers, server.cfg.threads)


def child_exit(server, worker):  # noqa: ANN001, ANN201 (gunicorn hook)
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):  # noqa: ANN001, ANN201 (gunicorn hook)
    if _own_metrics_dir:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
