# One image for every service-desk process. Compose picks the role with `command:`:
#   servicedesk api --host 0.0.0.0 --port 8000   (default below)
#   servicedesk worker
#   servicedesk migrate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Only what `pip install .` needs: the project metadata and the five packages it lists
# (tests, bench, docs and the local .venv stay out of the image).
COPY pyproject.toml ./
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY models ./models
COPY servicedesk ./servicedesk

# A regular (non-editable) install: the packages and the Alembic migrations (package-data)
# land in site-packages, and the `servicedesk` console script on PATH.
RUN pip install --no-cache-dir .

# Run as an unprivileged user. /app/.data is the default SERVICEDESK_DATA_DIR, so it has
# to be writable even though deployments point DATABASE_URL at PostgreSQL.
RUN useradd --create-home --uid 10001 --user-group servicedesk \
    && mkdir -p /app/.data \
    && chown servicedesk:servicedesk /app/.data
USER servicedesk

EXPOSE 8000

# No ENTRYPOINT, so `command:` (or `docker run IMAGE servicedesk worker`) replaces this whole.
CMD ["servicedesk", "api", "--host", "0.0.0.0", "--port", "8000"]
