"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from dualflow import create_app

app = create_app()
