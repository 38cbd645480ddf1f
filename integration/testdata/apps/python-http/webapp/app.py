# The package form of python-http; breakpoints go on the BREAKPOINT line.
import os
from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        greeting = "hello from webapp"  # BREAKPOINT webapp
        body = f"{greeting} path={self.path}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve():
    port = int(os.environ.get("PORT", "8080"))
    server = HTTPServer(("0.0.0.0", port), Handler)
    print(f"webapp listening on :{port}", flush=True)
    server.serve_forever()
