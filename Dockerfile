# LayerLab in a container. Inside, the server binds all interfaces; publish it on the
# host's loopback only:  docker run -p 127.0.0.1:8000:8000 -v layerlab-data:/data layerlab
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    LAYERLAB_HOST=0.0.0.0 \
    LAYERLAB_PORT=8000 \
    LAYERLAB_DATA_DIR=/data

WORKDIR /app
RUN pip install --no-cache-dir uv==0.13.8
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY app ./app
COPY alembic ./alembic
COPY alembic.ini ./
COPY templates ./templates
COPY static ./static
RUN uv sync --locked --no-dev

RUN useradd --create-home layerlab && mkdir -p /data && chown layerlab /data
USER layerlab
VOLUME /data
EXPOSE 8000
CMD ["/app/.venv/bin/layerlab", "serve"]
