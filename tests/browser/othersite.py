"""Another site for the cross-site tests: one HTML page served from another port of this host.

``other_site(html)`` serves ``html`` at ``/`` on ``http://127.0.0.1:<free port>`` from a thread
(the standard library's ``http.server``: a page that never changes needs nothing more). Another
port is another origin but the same site, so the browser still sends the app's ``SameSite=Lax``
session cookie with a form posted from there: only the app's origin check can refuse it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["other_site"]


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """Serve ``html`` at ``/`` until the block ends; yields the page's URL."""
    body = html.encode()

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows output
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
