"""The API the browser tests call: Chalice's local server (what `chalice local` runs) over the app,
in a process of its own, with exactly the environment it was started with.

`chalice local --stage test` would lay .chalice/config.json's stage variables over that
environment: the CORS origins would be the stage's (port 8080, where `make run` may be serving)
instead of the browser tests' own free port, and the SMS file and signing key the stage's instead
of the pytest session's, which the tests read codes from and the in-process event runner checks
upload keys with. So the app is imported here as the session's environment configures it, and
handed to the same server `chalice local` builds.

`chalice local` reports every caller as 127.0.0.1, and the API caps SMS codes per address per day:
this server gives its callers an address of its own, so the browser tests' allowance is not what
the API tests of the same session left of 127.0.0.1's.

    python -m tests.browser.api_server PORT
"""
from __future__ import annotations

import sys
import uuid

from chalice.cli.factory import CLIFactory
from chalice.local import LambdaEventConverter, create_local_server

from chalicelib.cli.environment import ROOT


def main(port: int) -> None:
    from app import app  # settings read from this process's environment, as the parent set it
    LambdaEventConverter.LOCAL_SOURCE_IP = f"2001:db8::b:{uuid.uuid4().hex[:4]}"  # the documentation range
    config = CLIFactory(str(ROOT)).create_config_obj(chalice_stage_name="test")
    create_local_server(app, config, "127.0.0.1", port).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]))
