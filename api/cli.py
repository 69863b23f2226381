"""`sincere serve` and `sincere keys create|list|revoke`, plugged into `sincere` by entry point."""

from __future__ import annotations

import copy
from typing import Annotated

import typer
from pydantic import ValidationError

keys_app = typer.Typer(help="Manage API keys (only hashes are stored, in the API's SQLite database).", no_args_is_help=True)


def _settings():
    from api.settings import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            typer.echo(f"error: SINCERE_{'.'.join(map(str, error['loc'])).upper()}: {error['msg']}", err=True)
        raise typer.Exit(2) from None


def _store():
    from api.keys import KeyStore

    return KeyStore(_settings().database_path)


@keys_app.command("create")
def create(name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")]) -> None:
    """Create a key and print it once (stdout); only its hash is kept."""
    info, token = _store().create(name)
    typer.echo(f"created key {info.id} ({info.name}); store it now, it is not shown again:", err=True)
    typer.echo(token)


@keys_app.command("list")
def list_keys() -> None:
    """List keys: id, name, created, revoked."""
    for info in _store().list():
        typer.echo(f"{info.id}\t{info.name}\t{info.created_at}\t{'revoked ' + info.revoked_at if info.revoked_at else 'active'}")


@keys_app.command("revoke")
def revoke(key_id: Annotated[str, typer.Argument(help="The key id (the part after 'snc_', as `keys list` shows).")]) -> None:
    """Revoke a key; requests with it get 401 from then on."""
    if not _store().revoke(key_id):
        typer.echo(f"error: no active key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"revoked {key_id}")


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes (use Redis rate-limit storage when > 1).")] = 1,
    log_level: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Serve the scoring API (uvicorn). Settings come from SINCERE_* variables and .env (see the README)."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    settings = _settings()  # refuse bad settings before starting workers
    problems = settings.shared_state_problems(workers)
    for problem in problems:
        typer.echo(f"error: {problem}", err=True)
    if problems:
        raise typer.Exit(2)
    from detector.cli.shared import load_detector

    load_detector(settings.model)  # a broken bundle is one line and exit 2 here, not a traceback per worker
    log_config = copy.deepcopy(LOGGING_CONFIG)
    log_config["loggers"]["sincere"] = {"handlers": ["default"], "level": log_level.upper(), "propagate": False}
    uvicorn.run(
        "api.app:create_app", factory=True, host=host, port=port, workers=workers,
        log_level=log_level, log_config=log_config, access_log=False, server_header=False,
    )


def register(app: typer.Typer) -> None:
    """The `sincere.commands` entry point: adds `sincere keys` and `sincere serve`."""
    app.add_typer(keys_app, name="keys")
    app.command("serve")(serve)
