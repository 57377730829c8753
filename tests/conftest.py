"""Test-wide set-up: the `test` stage's environment before anything imports `app`,
and the real local AWS stack for the tests that ask for it.

chalice.test.Client applies .chalice/config.json's environment only while a
request runs (chalice #1893), so the stage variables are exported here, once,
before `app` is imported anywhere.
"""
from __future__ import annotations

import os

import pytest

from chalicelib.cli.environment import ROOT, stage_variables

os.environ.update(stage_variables("test"))
os.environ.update({"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
                   "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"})
# Nothing in the suite may reach real AWS: endpoints are set by `stack` before any client exists.
for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(name, None)
PROCESS_ENVIRONMENT = os.environ


@pytest.fixture(autouse=True)
def _environ_stays_the_process_environment():
    """chalice.test's client swaps `os.environ` for a dict during each request and puts back what
    it found; requests in parallel threads (the rate-limit tests) can leave a dict in place. A child
    process then would not see what a later test sets, so each test ends with the real one."""
    yield
    if os.environ is not PROCESS_ENVIRONMENT:
        os.environ = PROCESS_ENVIRONMENT


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    """DynamoDB Local (in memory) and the S3 emulator on free loopback ports, with the
    stage's tables, queues and bucket created; stopped at the end of the session, whatever happens."""
    from devstack import s3_emulator
    from devstack.stack import LocalStack

    local = LocalStack(log_dir=tmp_path_factory.mktemp("stack")).start()
    try:
        local.export()
        secrets_dir = tmp_path_factory.mktemp("secrets")
        os.environ["SWREG_SMS_FILE"] = str(secrets_dir / "sms.jsonl")
        os.environ["SWREG_JWT_KEY_FILE"] = str(secrets_dir / "jwt-signing.key")
        from chalicelib import bootstrap
        from chalicelib.settings import Settings

        settings = Settings.from_env()
        bootstrap.override(bootstrap.build(settings))
        stores = bootstrap.stores(settings)
        stores.tables.create_missing()
        list(stores.migrate_queues())
        s3_emulator.ensure_bucket(stores.s3, settings.bucket, settings.allowed_origins())
        yield local
    finally:
        local.stop()


@pytest.fixture
def deps(stack):
    from chalicelib import bootstrap
    return bootstrap.deps()


@pytest.fixture
def swap(deps):
    """`swap(**fields)`: the app runs on a copy of its `Deps` with those fields changed (a port, the
    clock, the settings; swaps add up) until the test ends."""
    import dataclasses

    from chalicelib import bootstrap

    def apply(**fields):
        replaced = dataclasses.replace(bootstrap.deps(), **fields)
        bootstrap.override(replaced)
        return replaced
    yield apply
    bootstrap.override(deps)


@pytest.fixture
def s3(deps):
    """The raw S3 client of the stage's bucket, the one the adapters use."""
    from chalicelib import bootstrap
    return bootstrap.stores(deps.settings).s3


@pytest.fixture
def client(stack):
    """chalice.test.Client over the whole app, on the `test` stage."""
    from chalice.test import Client

    from app import app
    with Client(app, stage_name="test", project_dir=str(ROOT)) as test_client:
        yield test_client
