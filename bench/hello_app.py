"""The bare Flask "hello" route the watch-page benchmark compares against."""

from flask import Flask

app = Flask(__name__)


@app.get("/hello")
def hello() -> str:
    return "hello"
