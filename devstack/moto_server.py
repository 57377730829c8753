"""moto's server mode for the deploy rehearsal, with one small fix per gap of moto 5.2.5 the deploy path meets.

`start()` runs `python -m devstack.moto_server PORT` in a child process on a free
loopback port; that process applies `SERVER_FIXES` to moto and serves every
AWS service moto emulates. `stop()` ends it. Each fix is one function named
for the gap it closes: when a moto release closes a gap, delete its function
(the rehearsal tells which ones are still needed: it fails without them).
`template_for_moto` is the one gap on the client side (the stack template).
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote

from devstack import ports, processes


# --- the template ------------------------------------------------------------------------

def drop_kms_key_tags(template: dict[str, Any]) -> dict[str, Any]:
    """moto's `AWS::KMS::Key` with `Tags` fails the stack ("references undefined resource DataKey")."""
    template = copy.deepcopy(template)
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::KMS::Key":
            resource["Properties"].pop("Tags", None)
    return template


def template_for_moto(template: dict[str, Any]) -> dict[str, Any]:
    """The rehearsal's copy of a stack template (real AWS gets the template as it is)."""
    return drop_kms_key_tags(template)


# --- the server ----------------------------------------------------------------------------

def accept_capitalised_s3_filter_rule_names() -> None:
    """PutBucketNotificationConfiguration: AWS takes `Prefix`/`Suffix` in any case; moto only
    lower case, and Chalice sends `Prefix`."""
    from moto.s3.responses import S3Response

    parse = S3Response._notification_config_from_body

    def lower_case_filter_names(self) -> dict[str, Any]:
        body = self.body.decode() if isinstance(self.body, bytes) else self.body
        self.body = body.replace("<Name>Prefix</Name>", "<Name>prefix</Name>") \
                        .replace("<Name>Suffix</Name>", "<Name>suffix</Name>")
        return parse(self)

    S3Response._notification_config_from_body = lower_case_filter_names


def import_swagger_2_rest_apis() -> None:
    """ImportRestApi / PutRestApi: moto takes only OpenAPI 3 and needs `info.description`;
    Chalice sends Swagger 2.0 without a description. moto reads the same fields from both
    (paths, methods, responses, `x-amazon-apigateway-integration`), so relabel the document."""
    from moto.apigateway.models import APIGatewayBackend

    def as_openapi_3(api_doc: dict[str, Any]) -> dict[str, Any]:
        if "swagger" in api_doc:
            api_doc = {**api_doc, "openapi": "3.0.1"}
            del api_doc["swagger"]
        if api_doc:
            api_doc["info"] = {"description": "", **api_doc.get("info", {})}
        return api_doc

    import_rest_api, put_rest_api = APIGatewayBackend.import_rest_api, APIGatewayBackend.put_rest_api
    APIGatewayBackend.import_rest_api = lambda self, api_doc, fail_on_warnings: import_rest_api(
        self, as_openapi_3(api_doc), fail_on_warnings)
    APIGatewayBackend.put_rest_api = lambda self, function_id, api_doc, fail_on_warnings, mode="merge": \
        put_rest_api(self, function_id, as_openapi_3(api_doc), fail_on_warnings, mode)


def import_rest_api_with_endpoint_type() -> None:
    """ImportRestApi: moto ignores the `endpointConfigurationTypes` parameter (Chalice passes
    REGIONAL there) and makes every imported API EDGE."""
    from moto.apigateway.responses import APIGatewayResponse

    import_rest_api = APIGatewayResponse.import_rest_api

    def with_endpoint_type(self):
        status, headers, body = import_rest_api(self)
        types = self.querystring.get("endpointConfigurationTypes")
        if status == 200 and types:
            api = self.backend.get_rest_api(json.loads(body)["id"])
            api.endpoint_configuration = {"types": [types[0]]}
            body = json.dumps(api.to_dict())
        return status, headers, body

    APIGatewayResponse.import_rest_api = with_endpoint_type


def get_layer_version_by_arn() -> None:
    """GetLayerVersionByArn is missing; Chalice calls it on a redeploy with `automatic_layer`."""
    from moto.awslambda.exceptions import UnknownLayerException
    from moto.awslambda.responses import LambdaResponse

    def by_arn(self) -> str:
        arn = unquote(self.querystring["Arn"][0])
        layer_version = self.backend.layers_versions_by_arn(arn)
        if layer_version is None:
            raise UnknownLayerException()
        return json.dumps(layer_version.get_layer_version())

    LambdaResponse.get_layer_version_by_arn = by_arn


SERVER_FIXES: tuple[Callable[[], None], ...] = (
    accept_capitalised_s3_filter_rule_names,
    import_swagger_2_rest_apis,
    import_rest_api_with_endpoint_type,
    get_layer_version_by_arn,
)


@dataclass
class MotoServer:
    process: subprocess.Popen
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def start(log_path: str | None = None) -> MotoServer:
    """moto's server, fixes applied, in a child process on a free loopback port."""
    port = ports.free_port()
    process = processes.spawn([sys.executable, "-m", "devstack.moto_server", str(port)], log_path=log_path)
    try:
        ports.wait_until_listening(port, is_alive=lambda: process.poll() is None)
    except BaseException:
        processes.stop(process)
        raise
    return MotoServer(process, port)


def stop(server: MotoServer) -> None:
    processes.stop(server.process)


def serve(port: int) -> None:
    from moto.server import main
    for fix in SERVER_FIXES:
        fix()
    main(["--host", "127.0.0.1", "--port", str(port)])


if __name__ == "__main__":
    serve(int(sys.argv[1]))
