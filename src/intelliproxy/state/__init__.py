"""What the proxy remembers: configuration files, statistics, the request log."""
