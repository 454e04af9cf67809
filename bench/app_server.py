"""`python -m bench.app_server SPEC.json`: one app process of the servers benchmark (bench/servers.py).

It opens the knowledge base through the facade, as `kb serve` does, keeps its indexes caught up with
the other processes' changes (KnowledgeBase.follow_changes), and answers JSON over HTTP on 127.0.0.1
from a fixed pool of worker threads, as a web server's workers would. It stands in for the Streamlit
UI, whose websocket protocol a load generator cannot drive: what it measures is the knowledge base
under concurrent users, not the page rendering.

    POST /search {"q": "…", "k": 10}                  → {"hits": 10}
    POST /list/add {"list": "…", "doc": "…", "note": "…"}  → {"position": 7, "items": 7}
    POST /list/remove_first {"list": "…"}             → {"removed": 1}
    GET  /state                                       → generation, indexes' generation, catch-up times
    POST /import {"paths": ["…"]}                      → {"job": 1}  (handed to the import worker)
    GET  /import/1                                    → the job's state and progress, documents, passages
                                                         still without vectors

It prints "READY <port>" when it serves, and stops when its stdin closes.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

from kb.errors import KBError
from kb.library import KnowledgeBase


@dataclass(frozen=True)
class AppSpec:
    location: str  # a data folder or a postgresql://… URL
    model: str
    local_dir: str | None = None  # the folder of this machine for a server knowledge base's indexes
    follow: str = "notices"  # "notices", "poll" or "none": how the indexes catch up with other processes
    poll_interval: float | None = None
    workers: int = 8  # request threads


class PooledHTTPServer(HTTPServer):
    """An HTTP server whose requests run on a fixed pool of threads (the standard library's threading
    server starts a thread per request, which a SQLite connection per thread would not survive)."""

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], workers: int):
        super().__init__(address, handler)
        self.pool = ThreadPoolExecutor(workers, thread_name_prefix="kb-app")

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - socketserver's signature
        self.pool.submit(self._work, request, client_address)

    def _work(self, request, client_address) -> None:  # noqa: ANN001
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - one bad request must not stop the server
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


class CatchUpWatch:
    """Notes when the indexes first hold each generation (for the change-propagation measurement)."""

    def __init__(self, kb: KnowledgeBase):
        self.kb = kb
        self.seen: dict[int, float] = {}
        threading.Thread(target=self._run, daemon=True, name="kb-catch-up-watch").start()

    def _run(self) -> None:
        last = None
        while True:
            generation = self.kb.indexes.generation
            if generation != last:
                self.seen.setdefault(generation, time.time())
                last = generation
            time.sleep(0.001)


def make_handler(kb: KnowledgeBase, watch: CatchUpWatch) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet: thousands of requests
            return None

        def _reply(self, status: int, body: dict) -> None:
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            if self.path.startswith("/import/"):
                job = kb.import_job(int(self.path.rsplit("/", 1)[1]))
                progress = job.progress
                return self._reply(200, {
                    "state": job.state, "stage": progress.stage if progress else None,
                    "done": progress.done if progress else 0, "total": progress.total if progress else 0,
                    "documents": kb.count_documents(), "chunks": kb.count_chunks(),
                    "without_vectors": kb.vectors_pending(), "error": job.error})
            if self.path != "/state":
                return self._reply(404, {"error": "not found"})
            self._reply(200, {"generation": kb.generation(), "indexes": kb.indexes.generation,
                              "chunks": len(kb.indexes), "seen": {str(g): t for g, t in watch.seen.items()}})

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            try:
                if self.path == "/search":
                    hits = kb.search(body["q"], k=int(body.get("k", 10)))
                    return self._reply(200, {"hits": len(hits)})
                if self.path == "/import":
                    return self._reply(200, {"job": kb.submit_ingest(body["paths"]).id})
                if self.path == "/list/add":
                    item = kb.lists.add_document(body["list"], body["doc"], note=body.get("note"))
                    return self._reply(200, {"position": item.position})
                if self.path == "/list/remove_first":
                    items = kb.lists.get(body["list"]).items
                    if items:
                        kb.lists.remove(body["list"], items[0].id)
                    return self._reply(200, {"removed": 1 if items else 0})
                return self._reply(404, {"error": "not found"})
            except KBError as e:  # a conflict or a busy database: the user would see this line
                return self._reply(409, {"error": str(e)})

    return Handler


def serve(spec: AppSpec) -> None:
    kb = KnowledgeBase(spec.location, model=spec.model, local_dir=spec.local_dir)
    if spec.follow == "none":
        kb.refresh_indexes()
    else:
        kb.follow_changes(notices=spec.follow == "notices", interval=spec.poll_interval)
    kb.refresh_indexes()  # loaded (or caught up) before the first request
    kb.search("学习", k=1)  # the model is loaded and warm
    watch = CatchUpWatch(kb)
    server = PooledHTTPServer(("127.0.0.1", 0), make_handler(kb, watch), spec.workers)
    threading.Thread(target=server.serve_forever, daemon=True, name="kb-app-accept").start()
    print(f"READY {server.server_address[1]}", flush=True)
    sys.stdin.read()  # until the benchmark closes our stdin
    server.shutdown()
    server.pool.shutdown(wait=True)
    kb.close()


def main(argv: list[str]) -> int:
    spec = AppSpec(**json.loads(Path(argv[0]).read_text(encoding="utf-8")))
    serve(spec)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
