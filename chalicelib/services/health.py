"""Is every backing service reachable? Used by GET /health and the local stack."""
from __future__ import annotations

from chalicelib.observability import logger
from chalicelib.services.deps import Deps


def check(deps: Deps) -> dict[str, str]:
    """`{part: "ok" | "unreachable"}` for each probe; never raises."""
    results = {}
    for part, probe in deps.health_probes.items():
        try:
            probe()
            results[part] = "ok"
        except Exception as exc:  # any failure of a probe means the part is down
            logger.warning("health probe failed", extra={"part": part, "error": type(exc).__name__})
            results[part] = "unreachable"
    return results
