"""A bare Flask hello-world: the framework ceiling the portal's search is compared with in the same run."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"


@app.get("/healthz")
def healthz():
    return {"status": "ok"}
