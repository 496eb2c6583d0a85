"""The `layerlab` command: `layerlab serve [--host H] [--port P] [--data-dir D]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from app.config import Settings
from app.main import create_app
from app.services.accounts import bind_refusal


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="layerlab", description="LayerLab: neural networks without code.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="Migrate the database and serve the web app.")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1, or LAYERLAB_HOST)")
    serve.add_argument("--port", type=int, help="port (default 8000, or LAYERLAB_PORT)")
    serve.add_argument("--data-dir", type=Path, help="data directory (default ./data, or LAYERLAB_DATA_DIR)")
    return parser


# An open experiment page holds a live stream that only ends with its run; on Ctrl-C the
# server gives open requests this long, then closes them (browsers reconnect) and stops.
SHUTDOWN_GRACE_SECONDS = 3


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    overrides = {
        key: value
        for key, value in {"host": args.host, "port": args.port, "data_dir": args.data_dir}.items()
        if value is not None
    }
    settings = Settings(**overrides)
    refusal = bind_refusal(settings)
    if refusal:
        sys.exit(refusal)
    print(f"LayerLab at http://{settings.host}:{settings.port} (data in {settings.data_dir})", flush=True)
    uvicorn.run(
        create_app(settings), host=settings.host, port=settings.port, log_level="warning",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
    )


if __name__ == "__main__":
    main()
