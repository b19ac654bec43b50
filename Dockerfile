# Muse Bot — the self-hosting image. Build: `docker compose build` (or `docker build -t musebot .`).
# Needs BuildKit (the default builder of Docker 23 and newer; on Docker 20.10 set
# DOCKER_BUILDKIT=1 for `docker build`; Compose v2 always uses it).
#
# Two stages. `build`: the dependencies first, in a layer of their own, from the hash-pinned
# locks generated from pyproject.toml (requirements.lock, requirements-build.lock; see .ci/lock),
# so a code change reinstalls nothing and two builds a day apart get the same libraries; then
# the checkout as a wheel (the knowledge base bundled in it as bot/_knowledge), installed
# without dependencies into the same venv. The final stage is the slim base plus that venv, run
# as an unprivileged user. No compilers, no pip cache, no tests, no build tools.
#
# Behind a TLS-intercepting proxy, pass your CA bundle (PEM, the public CAs included, e.g. the
# system bundle) as the build secret `ca_bundle`: pip in the build stage trusts it, and it is
# never written to a layer:
#   docker build --secret id=ca_bundle,src=/etc/ssl/certs/ca-certificates.crt -t musebot .
# (With Compose: CA_BUNDLE=/path/to/bundle.pem in .env; see docker-compose.yml.)
#
# Configuration comes from the environment (docker compose passes `.env`); nothing secret is
# baked in. State (SQLite) lives in the /data volume. The bundled knowledge base is used unless
# KNOWLEDGE_DIR names another folder: mount yours and set it, e.g.
#   -v ./knowledge:/knowledge:ro -e KNOWLEDGE_DIR=/knowledge
# (KNOWLEDGE_DIR is deliberately not set here: an empty value would mean the working directory.)

# Both stages must use the same base: the venv's interpreter is a symlink into it.
FROM python:3.11-slim-bookworm AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_NO_INPUT=1

WORKDIR /src
# The dependency layer: rebuilt only when a lock changes. The CA bundle, when given, is a
# BuildKit secret mounted for this one command at /run/secrets/ca_bundle.
COPY requirements.lock requirements-build.lock ./
RUN --mount=type=secret,id=ca_bundle \
    if [ -s /run/secrets/ca_bundle ]; then export PIP_CERT=/run/secrets/ca_bundle; fi \
 && python -m venv /opt/venv \
 && /opt/venv/bin/pip install --require-hashes --no-deps --only-binary=:all: -r requirements.lock \
 && python -m venv /opt/build \
 && /opt/build/bin/pip install --require-hashes --no-deps -r requirements-build.lock

# The code layer. Only what the wheel is built from (see .dockerignore); README.md is the
# package's readme. No network from here on.
COPY pyproject.toml README.md ./
COPY bot/ bot/
COPY knowledge/ knowledge/
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --no-index --wheel-dir /wheels . \
 && /opt/venv/bin/pip install --no-deps --no-index /wheels/musebot-*.whl \
 && /opt/venv/bin/pip check


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

# Build matplotlib's font cache now, so the first chart doesn't pay for it (and a read-only
# root filesystem, as in docker-compose.yml, has nothing left to write there).
RUN python -c "import matplotlib.font_manager" \
 && musebot knowledge check

VOLUME ["/data"]
# 8080: /healthz and /metrics (HEALTH_PORT); 8443: the webhook listener (WEBHOOK_PORT), used
# only when WEBHOOK_URL is set. Long polling (the default) needs no inbound port.
EXPOSE 8080 8443

# HEALTH_PORT=0 switches the health server off, and with it this check: it then passes.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
    CMD ["/bin/sh", "-c", "if [ \"${HEALTH_PORT:-8080}\" = 0 ]; then echo \"HEALTH_PORT=0: health server switched off\"; else exec musebot health; fi"]

STOPSIGNAL SIGTERM
ENTRYPOINT ["musebot"]
CMD ["run"]
