"""A local OpenAI-compatible chat server for tests and the benchmark (stdlib only).

The real ``openai`` / ``langchain-openai`` code runs against it over real HTTP.

    with FakeOpenAI() as srv:                  # 127.0.0.1, a free port, in a thread
        srv.enqueue(Reply(status=429, headers={"Retry-After": "0.1"}), Reply())
        ...  # point the client at srv.url
        srv.requests[-1].body                  # every request, as sent
        srv.max_in_flight                      # the most requests it held at once

Each request takes the next queued ``Reply`` (FIFO), else the default one. A
200 answer comes in the shape the request asked for: ``response_format``
json_schema or json_object → JSON in ``message.content``; ``tools`` → a
``tool_calls`` entry named after the requested function. The answer itself is
``Reply.answer``, else ``FakeOpenAI.answer`` (a dict, or a function of the
request body), else one made from the request (the first two sentences of the
excerpt's section 五). ``reject`` lists modes the server refuses with a 400, as
an endpoint without that feature does. Usage is estimated from the request.

``prefix_cache`` imitates a provider's automatic prompt caching, which bills
the repeated start of a prompt (system prompt, few-shot pairs) at a discount:
``"openai"`` reports ``prompt_tokens_details.cached_tokens`` — the leading
messages identical to an earlier request's, in whole 128-token blocks, for
prompts of 1024 tokens or more; ``"deepseek"`` reports
``prompt_cache_hit_tokens`` / ``prompt_cache_miss_tokens`` in 64-token blocks,
with no minimum. Counted per whole message, with the offline token estimate.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from extract.narrative.prompting import estimate_messages_tokens, estimate_tokens


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float | None = None            # seconds before answering (None: the server's default)
    answer: dict | None = None            # the answer to deliver in the request's mode
    content: str | None = None            # raw message content instead (may be malformed JSON)
    tool_arguments: str | None = None     # raw tool-call arguments instead
    plain: bool = False                   # answer with plain content even when a tool was forced
    error: str = "fake error"


@dataclass(frozen=True)
class Request:
    body: dict
    headers: dict[str, str]               # lower-cased names
    raw: bytes

    @property
    def mode(self) -> str:
        if self.body.get("tools"):
            return "function_calling"
        rf = (self.body.get("response_format") or {}).get("type")
        return {"json_schema": "json_schema", "json_object": "json_mode"}.get(rf, "text")

    @property
    def user_text(self) -> str:
        msgs = [m for m in self.body.get("messages", []) if m.get("role") == "user"]
        c = msgs[-1].get("content") if msgs else ""
        return c if isinstance(c, str) else json.dumps(c, ensure_ascii=False)


def answer_from_request(body: dict) -> dict:
    """A grounded answer: the first two sentences after the section-五 header of the last user message with one."""
    msgs = [m for m in body.get("messages", []) if m.get("role") == "user" and "【五" in str(m.get("content"))]
    text = str(msgs[-1].get("content", "")) if msgs else ""
    part = text.split("【五", 1)[1].split("】", 1)[-1] if "【五" in text else ""
    part = part.split("【", 1)[0]
    sents = [s.strip() for s in re.findall(r"[^。\n]+。", part) if s.strip()]
    return {"problems": sents[:1], "improvements": sents[1:2], "channels": []}


class FakeOpenAI:
    def __init__(self, *, delay: float = 0.0, answer: dict | Callable[[dict], dict] | None = None,
                 reject: tuple[str, ...] = (), prefix_cache: str | None = None):
        if prefix_cache not in (None, "openai", "deepseek"):
            raise ValueError(f"prefix_cache must be None, 'openai' or 'deepseek', not {prefix_cache!r}")
        self.delay = delay
        self.answer = answer
        self.reject = set(reject)
        self.prefix_cache = prefix_cache
        self._seen_prompts: list[list[tuple[str, str, str]]] = []
        self.requests: list[Request] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._queue: list[Reply] = []
        self._gen = 0                     # bumped by reset(): a request still being served from before
        self._lock = threading.Lock()     # a reset (a client that timed out) is not counted after it
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- control --------------------------------------------------------------
    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self.requests.clear()
            self.in_flight = self.max_in_flight = 0
            self._gen += 1
            self.reject.clear()
            self.answer = None
            self.delay = 0.0
            self.prefix_cache = None
            self._seen_prompts.clear()

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> "FakeOpenAI":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                fake._handle(self)

            def log_message(self, *args):  # silent
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeOpenAI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- serving --------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self._lock:
            gen = self._gen
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            reply = self._queue.pop(0) if self._queue else Reply()
            req = None
            if isinstance(body, dict):  # recorded on arrival, so it counts for the test that sent it
                req = Request(body=body, headers={k.lower(): v for k, v in h.headers.items()}, raw=raw)
                self.requests.append(req)
        try:
            time.sleep(self.delay if reply.delay is None else reply.delay)
            status, headers, payload = self._respond(h, req, reply)
        finally:
            with self._lock:
                if gen == self._gen:
                    self.in_flight -= 1
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout test)
            pass

    def _respond(self, h: BaseHTTPRequestHandler, req: Request | None, reply: Reply) -> tuple[int, dict, dict]:
        if h.path.rstrip("/") != "/v1/chat/completions":
            return 404, {}, _error(f"no route {h.path}", "not_found")
        if req is None:
            return 400, {}, _error("request body is not a JSON object", "invalid_request_error")
        body = req.body
        if not body.get("model"):
            return 400, {}, _error("you must provide a model parameter", "invalid_request_error")
        msgs = body.get("messages")
        if not isinstance(msgs, list) or not msgs or not all(isinstance(m, dict) and m.get("role") for m in msgs):
            return 400, {}, _error("'messages' must be a non-empty list of messages with a role",
                                   "invalid_request_error")
        if req.mode in self.reject:
            what = "tools" if req.mode == "function_calling" else f"response_format {req.mode}"
            return 400, {}, _error(f"{what} is not supported by this model", "invalid_request_error")
        if reply.status != 200:
            return reply.status, reply.headers, _error(reply.error, "server_error")

        answer = reply.answer
        if answer is None:
            answer = self.answer(body) if callable(self.answer) else self.answer
        if answer is None:
            answer = answer_from_request(body)
        text = json.dumps(answer, ensure_ascii=False)
        message: dict[str, Any] = {"role": "assistant", "content": None}
        finish = "stop"
        if req.mode == "function_calling" and not reply.plain:
            name = body["tools"][0]["function"]["name"]
            args = reply.tool_arguments if reply.tool_arguments is not None else text
            message["tool_calls"] = [{"id": f"call_{len(self.requests)}", "type": "function",
                                      "function": {"name": name, "arguments": args}}]
            finish = "tool_calls"
            out_text = args
        else:
            message["content"] = reply.content if reply.content is not None else text
            out_text = message["content"]
        prompt_tokens = estimate_messages_tokens(msgs)
        completion_tokens = estimate_tokens(out_text)
        usage: dict[str, Any] = {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                                 "total_tokens": prompt_tokens + completion_tokens}
        if self.prefix_cache is not None:
            hit = self._cached_prefix(body["model"], msgs, prompt_tokens)
            if self.prefix_cache == "openai":
                usage["prompt_tokens_details"] = {"cached_tokens": hit}
            else:
                usage["prompt_cache_hit_tokens"] = hit
                usage["prompt_cache_miss_tokens"] = prompt_tokens - hit
        return 200, reply.headers, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": int(time.time()),
            "model": body["model"],
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": usage,
        }

    def _cached_prefix(self, model: str, msgs: list[dict], prompt_tokens: int) -> int:
        """Tokens of the leading messages an earlier request (same model) also began with, in whole blocks."""
        key = [(model, m.get("role") or "", json.dumps(m.get("content"), ensure_ascii=False)) for m in msgs]
        with self._lock:
            seen = list(self._seen_prompts)
            self._seen_prompts.append(key)
        same = 0
        for old in seen:
            n = 0
            while n < min(len(old), len(key)) and old[n] == key[n]:
                n += 1
            same = max(same, n)
        block, minimum = (128, 1024) if self.prefix_cache == "openai" else (64, 0)
        if prompt_tokens < minimum:
            return 0
        return estimate_messages_tokens(msgs[:same]) // block * block


def _error(message: str, type_: str) -> dict:
    return {"error": {"message": message, "type": type_, "param": None, "code": None}}
