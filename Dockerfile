# Theater van Besluit: one process, the embedded SQLite store on a volume. Scaled out (see
# compose.yaml), THEATER_DB=postgresql://… and THEATER_REDIS=redis://… point it at shared ones.
# Behind a domain name, set THEATER_PUBLIC_URL=https://… so links and QR codes point there.
# Every version comes from uv.lock: uv itself (hash-checked), the build backend, and the product's
# dependencies (hash-checked); tests/test_wheel.py installs the same way and serves every page.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 UV_NO_CACHE=1 UV_PYTHON_DOWNLOADS=never
WORKDIR /src
COPY uv.lock pyproject.toml README.md ./
COPY scripts/uv_requirement.py scripts/locked-wheel.sh ./scripts/
RUN python scripts/uv_requirement.py uv.lock > /tmp/uv.txt \
    && pip install --no-deps --require-hashes -r /tmp/uv.txt
COPY game ./game
COPY cards ./cards
COPY app ./app
COPY web ./web
RUN scripts/locked-wheel.sh /dist

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    THEATER_HOST=0.0.0.0 \
    THEATER_PORT=8000 \
    THEATER_DB=sqlite:////data/theater.db
COPY --from=build /dist /tmp/dist
# the pages are package data: the installed `theater` needs nothing from the source folder
RUN pip install --no-deps --require-hashes -r /tmp/dist/requirements.txt \
    && pip install --no-deps /tmp/dist/*.whl \
    && pip check \
    && rm -rf /tmp/dist \
    && useradd --system --uid 10001 --home-dir /data theater \
    && mkdir -p /data && chown theater /data

USER theater
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"THEATER_PORT\"]}/healthz', timeout=2)"]
CMD ["theater", "serve"]
