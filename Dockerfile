# Muse Bot — the self-hosting image. Build: `docker compose build` (or `docker build -t musebot .`).
#
# Two stages: `build` turns the checkout into a wheel (the knowledge base is bundled in it as
# bot/_knowledge) and installs it with its dependencies into /opt/venv; the final stage is the
# slim base plus that venv, run as an unprivileged user. No compilers, no pip cache, no tests.
#
# Configuration comes from the environment (docker compose passes `.env`); nothing secret is
# baked in. State (SQLite) lives in the /data volume. The bundled knowledge base is used unless
# KNOWLEDGE_DIR names another folder: mount yours and set it, e.g.
#   -v ./knowledge:/knowledge:ro -e KNOWLEDGE_DIR=/knowledge
# (KNOWLEDGE_DIR is deliberately not set here: an empty value would mean the working directory.)

# Both stages must use the same base: the venv's interpreter is a symlink into it.
FROM python:3.11-slim-bookworm AS build

WORKDIR /src
# Only what the wheel is built from (see .dockerignore); README.md is the package's readme.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY knowledge/ knowledge/

RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps --wheel-dir /wheels . \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check /wheels/musebot-*.whl


FROM python:3.11-slim-bookworm

LABEL org.opencontainers.image.title="Muse Bot" \
      org.opencontainers.image.description="A self-hosted Telegram bot that answers questions about Meta's Muse Spark." \
      org.opencontainers.image.licenses="MIT"

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MPLBACKEND=Agg \
    MPLCONFIGDIR=/home/musebot/.config/matplotlib \
    DATA_DIR=/data

# The user owns /data before VOLUME, so a fresh named volume starts out writable by it.
RUN groupadd --system --gid 10001 musebot \
 && useradd --system --uid 10001 --gid musebot --create-home --home-dir /home/musebot \
      --shell /usr/sbin/nologin musebot \
 && mkdir -p /data \
 && chown musebot:musebot /data

COPY --from=build /opt/venv /opt/venv

USER 10001:10001
WORKDIR /home/musebot

# Build matplotlib's font cache now, so the first chart doesn't pay for it.
RUN python -c "import matplotlib.font_manager" \
 && musebot knowledge check

VOLUME ["/data"]
# 8080: /healthz and /metrics (HEALTH_PORT); 8443: the webhook listener (WEBHOOK_PORT), used
# only when WEBHOOK_URL is set. Long polling (the default) needs no inbound port.
EXPOSE 8080 8443

HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["musebot", "health"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["musebot"]
CMD ["run"]
