"""A loopback web server for the link-check tests (real HTTP, records what it was asked)."""

from __future__ import annotations

import http.server
import threading


class Site:
    """A loopback web server: /ok 200, /gone 404, /moved -> /ok, /loop -> /loop, /slow stalls,
    /away -> ``away`` (another server); records every request."""

    def __init__(self, host: str = "127.0.0.1", away: str = "") -> None:
        self.requests: list[tuple[str, str]] = []
        self.stop = threading.Event()
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_HEAD(self) -> None:
                site.requests.append((self.command, self.path))
                path = self.path.partition("?")[0]
                if path == "/slow":
                    site.stop.wait(30)
                    return
                target = {"/moved": "/ok", "/loop": "/loop", "/away": away}.get(path)
                self.send_response(302 if target else 200 if path == "/ok" else 404)
                if target:
                    self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_HEAD

            def log_message(self, *args) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
