"""`/healthz` and `/metrics` on a small HTTP server beside the bot.

A thread with the standard library's HTTP server, not another async web framework: it has two
read-only pages and must keep answering even if the bot's event loop is busy, which is exactly
when an orchestrator asks whether the process is alive.

Healthy means: the knowledge base is loaded and updates are arriving (the last `getUpdates`
succeeded recently, or the webhook server is up). The LLM backend's state is reported but does
not make the bot unhealthy: restarting the container would not fix a provider's outage, and
knowledge answers keep working without it.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the server's modules load with the server: `musebot ask` has none
    from http.server import BaseHTTPRequestHandler

    from bot.ops.metrics import Metrics

_LOG = logging.getLogger(__name__)
POLL_STALE_AFTER = 90.0


@dataclass
class Health:
    """Facts the bot records as it runs; `report()` turns them into the `/healthz` answer."""

    knowledge_counts: dict[str, int] = field(default_factory=dict)
    webhook: bool = False
    llm_configured: bool = False
    last_poll_ok: float | None = None
    last_llm_ok: float | None = None
    last_llm_error: str = ""
    started_at: float = field(default_factory=time.monotonic)

    def polled(self) -> None:
        self.last_poll_ok = time.monotonic()

    def llm_result(self, error: str | None) -> None:
        if error:
            self.last_llm_error = error
        else:
            self.last_llm_ok, self.last_llm_error = time.monotonic(), ""

    def report(self) -> tuple[bool, dict[str, Any]]:
        now = time.monotonic()
        poll_age = None if self.last_poll_ok is None else round(now - self.last_poll_ok, 1)
        receiving = self.webhook or (poll_age is not None and poll_age < POLL_STALE_AFTER)
        ok = bool(self.knowledge_counts) and receiving
        body: dict[str, Any] = {
            "status": "ok" if ok else "unhealthy",
            "knowledge": self.knowledge_counts,
            "updates": {"mode": "webhook" if self.webhook else "polling", "last_poll_age_s": poll_age},
            "llm": {
                "configured": self.llm_configured,
                "last_ok_age_s": None if self.last_llm_ok is None else round(now - self.last_llm_ok, 1),
                "last_error": self.last_llm_error,
            },
            "uptime_s": round(now - self.started_at, 1),
        }
        return ok, body


class HealthServer:
    """Serves `/healthz` (200 or 503, JSON) and `/metrics` (Prometheus text) from a thread."""

    def __init__(self, health: Health, metrics: Metrics, host: str, port: int) -> None:
        from http.server import ThreadingHTTPServer

        handler = _handler_for(health, metrics)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()
        _LOG.info("Health and metrics on port %s (/healthz, /metrics)", self.port)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler_for(health: Health, metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    from http import HTTPStatus
    from http.server import BaseHTTPRequestHandler

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?")[0] == "/healthz":
                ok, body = health.report()
                self._send(
                    HTTPStatus.OK if ok else HTTPStatus.SERVICE_UNAVAILABLE,
                    json.dumps(body).encode(),
                    "application/json",
                )
            elif self.path.split("?")[0] == "/metrics":
                self._send(HTTPStatus.OK, metrics.render(), "text/plain; version=0.0.4; charset=utf-8")
            else:
                self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain")

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # probes every few seconds: not news
            return

    return _Handler
