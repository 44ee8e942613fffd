"""The web app: pages, a web player and a JSON API over the same journal (docs/api.md)."""
