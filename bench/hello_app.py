"""The bare Flask "hello" every page of bench/run.py is compared against (served by the
same gunicorn configuration as the app)."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
