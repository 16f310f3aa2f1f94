# The CRM bot as one image: `crm serve`, `crm worker` and `crm db upgrade` (docs/deploy.md).
# Stage 1 builds wheels with the compiler tools; stage 2 carries only Python and the wheels.
ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS build
WORKDIR /src
RUN pip install --no-cache-dir --upgrade pip build
COPY pyproject.toml README.md alembic.ini ./
COPY bot bot
COPY cli cli
COPY console console
COPY core core
COPY integrations integrations
COPY jobs jobs
COPY schemas schemas
COPY wiring wiring
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PORT=3000
RUN useradd --create-home --uid 10001 crm
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER crm
WORKDIR /home/crm
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '3000'), timeout=2)"
ENTRYPOINT ["crm"]
CMD ["serve"]
