# syntax=docker/dockerfile:1
# Multi-stage image: front-end libraries from npm, Python deps in a venv, a slim non-root runtime.

FROM node:20-bookworm-slim AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY pyproject.toml README.md ./
COPY app ./app
RUN /opt/venv/bin/pip install .

FROM python:3.11-slim-bookworm AS runtime
RUN useradd --system --uid 10001 --create-home --home-dir /srv/zorgpad zorgpad
WORKDIR /srv/zorgpad
COPY --from=build /opt/venv /opt/venv
COPY --from=assets /src/node_modules ./node_modules
COPY migrations ./migrations
COPY processes ./processes
COPY forms ./forms
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    ZORGPAD_INSTANCE_PATH=/srv/zorgpad/instance \
    ZORGPAD_MIGRATIONS_DIR=/srv/zorgpad/migrations \
    ZORGPAD_PROCESSES_DIR=/srv/zorgpad/processes \
    ZORGPAD_FORMS_DIR=/srv/zorgpad/forms \
    ZORGPAD_NODE_MODULES=/srv/zorgpad/node_modules
RUN mkdir -p instance && chown zorgpad:zorgpad instance
USER zorgpad
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
# Production: set ZORGPAD_DATABASE_URL (PostgreSQL) and ZORGPAD_SECRET_KEY; run `zorgpad db upgrade`
# once per release and `zorgpad worker` as separate containers.
CMD ["zorgpad", "serve", "--host", "0.0.0.0", "--workers", "2"]
