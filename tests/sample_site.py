"""Serve the sample pages of ../shared/sources as four small sites on 127.0.0.1.

A URL path maps to ``samples/<path>``, a path ending in ``/`` to ``<path>index.html``;
the API's ``/api/v1/offers?page=N`` maps to ``api/v1/offers/page-N.json`` and
``/api/v1/offers/{id}`` to ``api/v1/offers/{id}.json``. Anything else answers 404, like
the 17 pep cards and 6 feed items whose pages are not in the samples. The pages keep
their production URLs: spiders must rebase links onto the configured base URL.
"""

from __future__ import annotations

import mimetypes
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

KINDS = ("pep", "jobposting", "feed", "api")


def _resolve(root: Path, kind: str, path: str, query: str) -> Path | None:
    rel = path.lstrip("/")
    if kind == "api" and rel.rstrip("/") == "api/v1/offers":
        page = parse_qs(query).get("page", ["1"])[0]
        rel = f"api/v1/offers/page-{page}.json"
    elif kind == "api" and rel.startswith("api/v1/offers/") and not rel.endswith(".json"):
        rel = rel.rstrip("/") + ".json"
    elif rel == "" or rel.endswith("/"):
        rel += "index.html"
    target = (root / kind / "samples" / rel).resolve()
    if not str(target).startswith(str((root / kind / "samples").resolve())) or not target.is_file():
        return None
    return target


class SampleSite:
    """Context manager: ``with SampleSite(samples_dir) as site: site.base_urls["pep"]``."""

    def __init__(self, sources_dir: Path) -> None:
        self.sources_dir = Path(sources_dir)
        self.requests: list[str] = []
        root = self.sources_dir
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                parts = urlsplit(self.path)
                requests.append(self.path)
                if parts.path == "/robots.txt":
                    return self._send(200, b"User-agent: *\nAllow: /\n", "text/plain")
                kind, _, rest = parts.path.lstrip("/").partition("/")
                target = _resolve(root, kind, "/" + rest, parts.query) if kind in KINDS else None
                if target is None:
                    return self._send(404, b"not found", "text/plain")
                ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
                if target.suffix == ".xml":
                    ctype = "application/xml"
                self._send(200, target.read_bytes(), ctype)

            def _send(self, code: int, body: bytes, ctype: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", ctype + ("; charset=utf-8" if ctype.startswith(("text", "application/xml", "application/json")) else ""))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_urls(self) -> dict[str, str]:
        port = self._httpd.server_address[1]
        return {kind: f"http://127.0.0.1:{port}/{kind}" for kind in KINDS}

    def sources_toml(self, names: dict[str, str] | None = None) -> str:
        """A sources configuration pointing at the sample sites (no delay)."""
        names = names or {"pep": "pep", "jobposting": "metiers_numerique",
                          "feed": "emploi_territorial_aura", "api": "education_nationale"}
        out = ["[settings]", 'timezone = "Europe/Paris"', ""]
        for kind in KINDS:
            out += [f"[sources.{names[kind]}]", f'kind = "{kind}"', f'base_url = "{self.base_urls[kind]}"',
                    'schedule = "0 2 * * *"', "download_delay = 0", "concurrency = 8",
                    f"digital_only = {'true' if kind == 'pep' else 'false'}", ""]
        return "\n".join(out)

    def __enter__(self) -> "SampleSite":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
