"""swreg's Chalice app: blueprints, middleware, event and schedule wiring — nothing else."""
from chalice import Chalice

from chalicelib.handlers import errors
from chalicelib.handlers.applicant import applicant
from chalicelib.handlers.auth import auth
from chalicelib.handlers.guard import guard
from chalicelib.handlers.public import public
from chalicelib.observability import observe
from chalicelib.settings import Settings

settings = Settings.from_env()

app = Chalice(app_name="swreg")
app.debug = settings.debug
app.register_middleware(observe, "all")
app.register_blueprint(guard)
app.register_blueprint(public)
app.register_blueprint(auth)
app.register_blueprint(applicant)

errors.install(app)
