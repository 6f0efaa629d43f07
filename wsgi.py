"""Entry point for gunicorn and the flask command: ``gunicorn -c gunicorn.conf.py wsgi:app``."""

from queue_server import create_app
from queue_server.extensions import socketio

app = create_app()

if __name__ == "__main__":
    socketio.run(app)
