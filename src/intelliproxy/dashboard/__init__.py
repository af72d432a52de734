"""The web dashboard served on WEB_PORT."""
