"""The JSON-over-HTTP helper of the bench scripts: one keep-alive connection per thread,
a bearer token, and an exit with the answer's status and start on any error status.
Standard library only."""
import http.client
import json
import threading
import urllib.parse


class Api:
    def __init__(self, base, token, timeout=30):
        self.host = urllib.parse.urlparse(base)
        self.token = token
        self.timeout = timeout
        self.local = threading.local()

    def call(self, method, path, body=None):
        if not hasattr(self.local, "conn"):
            self.local.conn = http.client.HTTPConnection(
                self.host.hostname, self.host.port, timeout=self.timeout)
        headers = {"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"}
        self.local.conn.request(method, path, body=json.dumps(body) if body is not None else None,
                                headers=headers)
        response = self.local.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise SystemExit(f"{method} {path}: {response.status} {data[:300]!r}")
        return json.loads(data) if data else None
