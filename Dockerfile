# followup-bot over HTTP (`followup-bot serve`), as a non-root user.
#   docker build -t followup-bot .
#   docker run --env-file .env -v "$PWD/teams.yml:/data/teams.yml:ro" -p 3000:3000 followup-bot
# Socket Mode instead: append `followup-bot socket` to `docker run` (no port needed; add
# --no-healthcheck, as Socket Mode serves no /healthz).
# With PostgreSQL: compose.yaml; docs/postgresql.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY app ./app
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
RUN pip install '.[postgres]' && rm -rf /src

RUN useradd --create-home --uid 10001 followup && mkdir /data && chown followup /data
USER followup
# The working folder: the default SQLite file (followup.db) and teams file (teams.yml) live here.
WORKDIR /data
VOLUME ["/data"]

EXPOSE 3000
# GET /healthz answers 200 while the database answers (503 otherwise); no curl in a slim image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:3000/healthz', timeout=4)"]

CMD ["followup-bot", "serve", "--port", "3000"]
