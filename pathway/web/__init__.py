"""Server-rendered pages for people (Jinja2); built in the web UI issue."""
