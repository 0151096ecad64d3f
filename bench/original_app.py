"""The original one-file program the site grew from: messages in a dict, plain-text routes."""

from flask import Flask

app = Flask(__name__)
messages = {"default": "Hello to the World of Flask!"}


@app.route("/")
def index():
    """Answer the default message."""
    return messages["default"]


@app.route("/hello")
def hello():
    """Answer the default message."""
    return messages["default"]


@app.route("/show/<key>")
def show(key):
    """Answer the message stored under the key, or say it is not there."""
    return messages.get(key, f"{key} not found!")


@app.route("/add/<key>/<message>")
def add(key, message):
    """Store the message under the key."""
    messages[key] = message
    return f"{key} Added/Updated"
