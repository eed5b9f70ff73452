# syntax=docker/dockerfile:1
# SecureMeet's image: one `securemeet serve` process per container, as a non-root user,
# with every Python package installed from requirements/base.txt and checked against its
# hash. Scale with more containers (compose.yaml runs two), not more workers in one.
#   docker build -t securemeet .
#   docker run --env-file .env securemeet            # serve (the default command)
#   docker run --env-file .env securemeet migrate    # or any other `securemeet` command
# docs/DEPLOY.md: sizes, health checks, migrations, what survives what.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtual environment from the lock ------------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_NO_INPUT=1
RUN python -m venv /opt/securemeet
ENV PATH=/opt/securemeet/bin:$PATH
COPY requirements/pip.txt requirements/base.txt /tmp/requirements/
RUN pip install --require-hashes --no-deps -r /tmp/requirements/pip.txt \
 && pip install --require-hashes -r /tmp/requirements/base.txt
# Only what the package needs: no tests, no .env, no database from a developer's tree.
COPY pyproject.toml README.md /src/
COPY bot /src/bot
COPY commands /src/commands
COPY storage /src/storage
# Built with the lock's setuptools (no build isolation: nothing fetched unhashed).
RUN pip install --no-deps --no-build-isolation /src

# --- run ---------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 securemeet \
 && useradd --system --uid 10001 --gid securemeet --no-create-home \
      --home-dir /var/lib/securemeet --shell /usr/sbin/nologin securemeet \
 && install -d -o securemeet -g securemeet -m 0700 /var/lib/securemeet
COPY --from=build /opt/securemeet /opt/securemeet
ENV PATH=/opt/securemeet/bin:$PATH PYTHONUNBUFFERED=1 PORT=3000
# An empty directory of its own: nothing stray (a .env the Teams SDK would read) beside
# the process, and room for a SQLite file when run without PostgreSQL.
WORKDIR /var/lib/securemeet
USER securemeet:securemeet
EXPOSE 3000
# Liveness only (200 while the process runs): a database outage must not get every
# replica restarted. Readiness (/readyz: database answers, schema current) is for the
# proxy, which stops sending requests to a replica that is not ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/livez', timeout=2)"]
ENTRYPOINT ["securemeet"]
CMD ["serve", "--host", "0.0.0.0"]
