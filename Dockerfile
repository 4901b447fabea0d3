# The service's image for compose.yaml (docs/deployment.md): the package and its
# dependencies, run as an unprivileged user. The embedded PostgreSQL is never used in it:
# DATABASE_URL is always set.
FROM python:3.11-slim
WORKDIR /srv/shouhu
COPY pyproject.toml README.md ./
COPY app app
COPY schema schema
COPY authz authz
COPY migrations migrations
COPY mobile_contract mobile_contract
RUN pip install --no-cache-dir . && useradd --system shouhu
USER shouhu
EXPOSE 8000
CMD ["shouhu", "serve", "--host", "0.0.0.0", "--port", "8000"]
