"""A local HTTP server that receives webhooks in tests: it keeps every request and answers
with the codes it is told to, one after another (then 200)."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    headers: dict
    body: str


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)
    delay: float = 0.0  # seconds before answering: a slow receiver
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_code(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200


def start_receiver() -> tuple[Receiver, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hook")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            with receiver.lock:
                receiver.requests.append(Received(dict(self.headers.items()), body))
            code = receiver.next_code()
            if receiver.delay:
                time.sleep(receiver.delay)
            self.send_response(code)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server.RequestHandlerClass = Handler
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
