"""swreg's Chalice app: settings checked, then routes, middleware, the upload event and the
schedules wired (`handlers/routing.py`) — each handler imported on its first call, not here."""
from chalice import Chalice

from chalicelib.handlers import routing
from chalicelib.settings import Settings

settings = Settings.from_env()

# Chalice's own log setup would pin the "swreg" logger — Powertools' too — at ERROR
# (or DEBUG): keep it off so POWERTOOLS_LOG_LEVEL decides, and warnings reach the logs.
app = Chalice(app_name="swreg", debug=settings.debug, configure_logs=False)
globals().update(routing.wire(app, settings))  # Lambda calls an event handler as `app.<name>`
