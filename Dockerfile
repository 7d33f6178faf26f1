# Theater van Besluit: one process, the embedded SQLite store on a volume. Scaled out (see
# compose.yaml), THEATER_DB=postgresql://… and THEATER_REDIS=redis://… point it at shared ones.
# Behind a domain name, set THEATER_PUBLIC_URL=https://… so links and QR codes point there.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    THEATER_HOST=0.0.0.0 \
    THEATER_PORT=8000 \
    THEATER_DB=sqlite:////data/theater.db

WORKDIR /srv/theater
COPY pyproject.toml README.md ./
COPY game ./game
COPY cards ./cards
COPY app ./app
COPY web ./web
# the pages are package data: the installed `theater` needs nothing from this folder
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data theater \
    && mkdir -p /data && chown theater /data

USER theater
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"THEATER_PORT\"]}/healthz', timeout=2)"]
CMD ["theater", "serve"]
