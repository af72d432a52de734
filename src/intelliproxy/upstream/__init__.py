"""Talking to Ollama backends: connections, inventory, forwarding, error taxonomy."""
