"""swreg's Chalice app: blueprints, middleware, event and schedule wiring — nothing else."""
from chalice import Chalice, Cron, Rate

from chalicelib.handlers import errors, jobs, uploads
from chalicelib.handlers.applicant import applicant
from chalicelib.handlers.auth import auth
from chalicelib.handlers.public import public
from chalicelib.handlers.requests import edge
from chalicelib.handlers.review import review
from chalicelib.observability import observe
from chalicelib.settings import UPLOADS_PREFIX, Settings

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


@app.schedule(Rate(1, unit=Rate.MINUTES), name="sms-dispatch")
def sms_dispatch(event):
    return jobs.sms_dispatch(event)


@app.schedule(Rate(5, unit=Rate.MINUTES), name="window-tick")
def window_tick(event):
    return jobs.window_tick(event)


@app.schedule(Cron(0, 18, "*", "*", "?", "*"), name="issue-certificates")  # 02:00 Beijing time
def issue_certificates(event):
    return jobs.issue_certificates(event)
