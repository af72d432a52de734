FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir .

ENV DATA_DIR=/app/data \
    PROXY_HOST=0.0.0.0 PROXY_PORT=9998 \
    WEB_HOST=0.0.0.0 WEB_PORT=9999
VOLUME ["/app/data"]
EXPOSE 9998 9999

CMD ["intelliproxy", "serve"]
