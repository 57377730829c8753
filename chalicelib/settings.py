"""Runtime settings, read once from the environment at cold start.

Every variable the service needs is named here; a missing one stops the
container before it takes traffic instead of failing on the first request.
Endpoint overrides for the local stack are *not* settings: boto3 and PynamoDB
read `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_S3` themselves.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping


class SettingsError(RuntimeError):
    """The environment lacks, or garbles, a setting the service cannot run without."""


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str
    table_prefix: str
    bucket: str
    sms_sink: str
    sms_file: str | None
    jwt_key_file: str | None
    jwt_key_parameter: str | None
    debug: bool
    verify_base_url: str
    continuation: str = "none"
    # Abuse limits (issue 12): failed logins per client address per hour, SMS sent
    # by the whole service per hour, presigned upload URLs per material per day.
    login_failures_per_ip_per_hour: int = 30
    sms_per_hour: int = 3000
    upload_urls_per_material_per_day: int = 20

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        missing = [name for name in ("SWREG_STAGE", "SWREG_TABLE_PREFIX", "SWREG_BUCKET", "SWREG_VERIFY_BASE_URL")
                   if not env.get(name)]
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region:
            missing.append("AWS_REGION")
        sms_sink = env.get("SWREG_SMS_SINK", "sns")
        if sms_sink == "file" and not env.get("SWREG_SMS_FILE"):
            missing.append("SWREG_SMS_FILE")
        if not env.get("SWREG_JWT_KEY_FILE") and not env.get("SWREG_JWT_KEY_PARAMETER"):
            missing.append("SWREG_JWT_KEY_FILE or SWREG_JWT_KEY_PARAMETER")
        if missing:
            raise SettingsError("missing environment variables: " + ", ".join(missing))
        if sms_sink not in ("sns", "file"):
            raise SettingsError(f"SWREG_SMS_SINK must be 'sns' or 'file', not {sms_sink!r}")
        continuation = env.get("SWREG_JOB_CONTINUATION", "none")
        if continuation not in ("lambda", "none"):
            raise SettingsError(f"SWREG_JOB_CONTINUATION must be 'lambda' or 'none', not {continuation!r}")
        limits = {name: _positive_int(env, "SWREG_" + name.upper(), getattr(cls, name))
                  for name in ("login_failures_per_ip_per_hour", "sms_per_hour", "upload_urls_per_material_per_day")}
        return cls(
            stage=env["SWREG_STAGE"],
            region=region,
            table_prefix=env["SWREG_TABLE_PREFIX"],
            bucket=env["SWREG_BUCKET"],
            sms_sink=sms_sink,
            sms_file=env.get("SWREG_SMS_FILE"),
            jwt_key_file=env.get("SWREG_JWT_KEY_FILE") or None,
            jwt_key_parameter=env.get("SWREG_JWT_KEY_PARAMETER") or None,
            debug=env.get("SWREG_DEBUG", "false").lower() == "true",
            verify_base_url=env["SWREG_VERIFY_BASE_URL"].rstrip("/") + "/",
            continuation=continuation,
            **limits,
        )


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)
