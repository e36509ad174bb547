"""A fault-injecting HTTP proxy process in front of the live Tryton server (SYN-16 tests).

    python tests/sync/fault_proxy.py PORT UPSTREAM_URL

POST /__faults__ with a JSON object sets the plan: ``{"next": [fault, …], "match": [rule, …]}``.
Each request takes the next fault of ``next`` (once), else the first ``match`` rule whose
``contains`` text is in its body (every time), else goes to the upstream unchanged. A fault is
``{"status": 429, "retry_after": "0", "body": "…"}``, ``{"drop": true}`` (close the
connection without answering) or ``{"stall": seconds}`` (answer late). GET /__faults__ returns
how many requests were proxied and faulted.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

PLAN = {"next": [], "match": []}
COUNTS = {"proxied": 0, "faulted": 0}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    upstream = ""

    def log_message(self, *args):
        return

    def _answer(self, status: int, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._answer(200, json.dumps(COUNTS).encode(), {"Content-Type": "application/json"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/__faults__":
            with LOCK:
                PLAN.update(json.loads(body or b"{}"))
            self._answer(204, b"")
            return
        fault = None
        with LOCK:
            if PLAN["next"]:
                fault = PLAN["next"].pop(0)
            else:
                text = body.decode("utf-8", "replace")
                fault = next((r for r in PLAN["match"] if r["contains"] in text), None)
            if fault:
                COUNTS["faulted"] += 1
        if fault and fault.get("drop"):
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault and fault.get("stall"):
            time.sleep(float(fault["stall"]))
        if fault and fault.get("status"):
            headers = {"Content-Type": "text/plain"}
            if fault.get("retry_after") is not None:
                headers["Retry-After"] = str(fault["retry_after"])
            self._answer(int(fault["status"]), (fault.get("body") or "").encode(), headers)
            return
        COUNTS["proxied"] += 1
        headers = {
            k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type")
        }
        response = requests.post(self.upstream + self.path, data=body, headers=headers, timeout=60)
        self._answer(
            response.status_code,
            response.content,
            {"Content-Type": response.headers.get("Content-Type", "")},
        )


def main() -> None:
    port, upstream = int(sys.argv[1]), sys.argv[2].rstrip("/")
    Handler.upstream = upstream
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main()
