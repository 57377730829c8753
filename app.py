"""swreg's Chalice app: blueprints, middleware, event and schedule wiring — nothing else."""
from chalice import Chalice

from chalicelib.domain.object_keys import UPLOADS_PREFIX
from chalicelib.handlers import errors, jobs, uploads
from chalicelib.handlers.applicant import applicant
from chalicelib.handlers.auth import auth
from chalicelib.handlers.public import public
from chalicelib.handlers.edge import edge
from chalicelib.handlers.review import review
from chalicelib.observability import observe
from chalicelib.services.jobs import JOBS
from chalicelib.settings import Settings

settings = Settings.from_env()

# Chalice's own log setup would pin the "swreg" logger — Powertools' too — at ERROR
# (or DEBUG): keep it off so POWERTOOLS_LOG_LEVEL decides, and warnings reach the logs.
app = Chalice(app_name="swreg", debug=settings.debug, configure_logs=False)
app.register_middleware(observe, "all")
app.register_middleware(edge(app), "http")
app.register_blueprint(public)
app.register_blueprint(auth)
app.register_blueprint(applicant)
app.register_blueprint(review)

errors.install(app)


@app.on_s3_event(bucket=settings.bucket, prefix=UPLOADS_PREFIX, events=["s3:ObjectCreated:*"])
def on_upload(event):
    uploads.on_upload(event)


for job in JOBS.values():  # Lambda calls a schedule's handler as `app.<its name>`: bind each here
    handler = jobs.scheduled(job)
    globals()[handler.__name__] = app.schedule(job.schedule, name=job.name)(handler)
