"""The environment the flows' worker processes start in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from prefect.client.orchestration import get_client


@contextmanager
def prefect_api_for_workers() -> Iterator[None]:
    """Point processes started inside the block at this run's Prefect API: without it each
    would start a temporary server of its own (~20 s apiece) when no server is configured."""
    with get_client(sync_client=True) as client:
        api_url = str(client.api_url)
    saved = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = api_url
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("PREFECT_API_URL", None)
        else:
            os.environ["PREFECT_API_URL"] = saved
