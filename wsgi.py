"""Entry point for gunicorn and the flask command: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

import errno
import logging

from queue_server import create_app
from queue_server.extensions import socketio


class QuietWebsocketClose:
    """Drop eventlet's ``socket shutdown error: [Errno 9]`` from the server's error stream.

    When a browser closes a Socket.IO websocket, eventlet closes the socket on the client's close
    frame and engine.io's writer then closes it again: the second ``shutdown`` fails with EBADF, which
    eventlet writes to ``wsgi.errors`` (without a newline) although nothing went wrong. Other writes
    pass through, each ending its line.
    """

    NOISE = f"socket shutdown error: [Errno {errno.EBADF}]"

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if "wsgi.errors" in environ and environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            environ["wsgi.errors"] = _Errors(environ["wsgi.errors"], self.NOISE)
        return self.wsgi_app(environ, start_response)


class _Errors:
    def __init__(self, stream, noise: str) -> None:
        self.stream, self.noise = stream, noise

    def write(self, text: str) -> None:
        if self.noise in text:
            return
        self.stream.write(text if text.endswith("\n") else text + "\n")

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self.stream.flush()


class _LatePoll(logging.Filter):
    """Leave out engine.io's error about a poll that arrives just after its session ended.

    A screen that disconnects over long-polling (a page closed or reloaded) may have a poll on its
    way; engine.io answers it 400 and logs ``'Session is disconnected' <sid>`` as an error, although
    the client had asked to leave. Other engine.io errors (an unknown session: no sticky sessions
    behind a proxy) stay.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("'Session is disconnected'")


logging.getLogger("engineio.server").addFilter(_LatePoll())
app = create_app()
app.wsgi_app = QuietWebsocketClose(app.wsgi_app)

if __name__ == "__main__":
    from queue_server import scheduler

    scheduler.start_in_server(app)  # the development server is one process: it runs the timers itself
    socketio.run(app)
