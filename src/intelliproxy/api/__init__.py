"""HTTP handlers: Ollama routes, OpenAI routes, the seed's management routes."""
