"""Runtime settings, read once from the environment at cold start.

Every variable the service needs is named here; a missing one, or one still
holding a placeholder (empty, `CHANGEME`, an `example` host), stops the
container before it takes traffic instead of failing on the first request.
`chalice deploy` imports the app with the stage's variables too, so a
placeholder also stops the deploy.

Settings are named tuples, not dataclasses: `app.py` reads them at every cold start, and
importing `dataclasses` would cost a third of a bare Chalice app's import.

Prod values that exist only once the infra stack does live in SSM parameters
the stack creates; the environment names the parameter and the value is read
on first use (see `Settings.verify_base`). Endpoint overrides for the local
stack are *not* settings: boto3 and PynamoDB read `AWS_ENDPOINT_URL_DYNAMODB`
/ `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL_SQS` themselves.
"""
from __future__ import annotations

import json
import os
import re
from typing import Mapping, NamedTuple

# Host names under the reserved `example` names (RFC 2606: example.com, swreg.example, …).
_PLACEHOLDER = re.compile(r"(?:^|[/.@])example(?:[.:/?#]|$)|changeme", re.IGNORECASE)
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?")
# Seconds a warm container serves an SSM read from Powertools Parameters' cache.
PARAMETER_MAX_AGE = 300


class SettingsError(RuntimeError):
    """The environment lacks, or garbles, a setting the service cannot run without."""


# Tencent's app, signature and template ids: from these variables (tests), or, in prod, from the
# SSM parameter SWREG_SMS_PROVIDER_PARAMETER names (JSON {"app_id", "sign_name", "templates"}).
TENCENT_SMS_VARIABLES = ("SWREG_SMS_APP_ID", "SWREG_SMS_SIGN_NAME", "SWREG_SMS_TEMPLATES")


class TencentSmsSettings(NamedTuple):
    """Tencent Cloud SMS (`SWREG_SMS_SINK=tencent`, China regions): the SMS app, the registered
    signature, the approved template id of every name in `texts.SMS_TEMPLATES`, the SSM
    SecureString holding `{"secret_id": …, "secret_key": …}`, and an endpoint override (tests).
    `source` names where the values came from, for the refusals."""

    app_id: str
    sign_name: str
    templates: tuple[tuple[str, str], ...]
    credentials_parameter: str
    endpoint: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> "TencentSmsSettings":
        try:
            templates = json.loads(env["SWREG_SMS_TEMPLATES"])
        except ValueError:
            templates = None
        return cls.checked(env["SWREG_SMS_APP_ID"], env["SWREG_SMS_SIGN_NAME"], templates, env,
                           source="SWREG_SMS_TEMPLATES")

    @classmethod
    def checked(cls, app_id: object, sign_name: object, templates: object, env: Mapping[str, str], *,
                source: str) -> "TencentSmsSettings":
        """SettingsError, naming `source`, unless every value is there and every SMS the service
        sends (`texts.SMS_TEMPLATES`) has a template id."""
        from chalicelib.domain.texts import SMS_TEMPLATES
        if not isinstance(templates, dict) or not all(isinstance(v, str) and v for v in templates.values()):
            raise SettingsError(f"{source} must be a JSON object of template name to template id")
        lacking = sorted(set(SMS_TEMPLATES) - set(templates))
        if lacking:
            raise SettingsError(f"{source} has no template id for: " + ", ".join(lacking))
        if not (isinstance(app_id, str) and isinstance(sign_name, str)) or any(
                _is_placeholder(value) for value in (app_id, sign_name, *templates.values())):
            raise SettingsError(f"{source}: the SMS app id, signature or a template id is missing or a placeholder")
        return cls(app_id=app_id, sign_name=sign_name, templates=tuple(sorted(templates.items())),
                   credentials_parameter=env["SWREG_SMS_CREDENTIALS_PARAMETER"],
                   endpoint=env.get("SWREG_SMS_ENDPOINT") or None)


class Settings(NamedTuple):
    stage: str
    region: str
    table_prefix: str
    bucket: str
    sms_sink: str
    sms_file: str | None
    jwt_key_file: str | None
    jwt_key_parameter: str | None
    debug: bool
    verify_base_url: str | None
    """The public verification base URL from the environment (local, test); None when read from SSM."""
    continuation: str = "none"
    """How a job that spent its time budget goes on (`SWREG_JOB_CONTINUATION`): "sqs", a message
    on the "jobs" queue that its consumer runs at once; "none", the job's next scheduled run."""
    verify_base_url_parameter: str | None = None
    """SSM parameter holding the verification base URL (prod: the infra stack writes it)."""
    jwt_previous_key_parameter: str | None = None
    """SSM parameter of the signing key before the last rotation, still accepted for verification."""
    tencent_sms: TencentSmsSettings | None = None
    """The SMS provider's settings when `sms_sink` is "tencent" and they come from the environment."""
    sms_provider_parameter: str | None = None
    """SSM parameter holding them otherwise (prod: the infra stack writes it from its parameters)."""
    sms_credentials_parameter: str | None = None
    sms_endpoint: str | None = None
    """Replaces the SMS provider's endpoint (`SWREG_SMS_ENDPOINT`: the tests' loopback fake)."""
    dlq_url: str | None = None
    """The async-failure queue (`SWREG_DLQ_URL`, the infra stack's AsyncFailureQueueUrl) that
    `swreg jobs dlq` reads; the functions themselves never need it."""
    # Abuse limits (issue 12): failed logins per client address per hour, SMS sent
    # by the whole service per hour, presigned upload URLs per material per day.
    login_failures_per_ip_per_hour: int = 30
    sms_per_hour: int = 3000
    upload_urls_per_material_per_day: int = 20
    # Texts a second the SMS provider accepts (its rate limit): the dispatcher sends in parallel up to it.
    sms_rate_per_second: int = 20
    # Days a rejection decided late in (or after) its window leaves for resubmitting (SPEC §2.6 fix period).
    fix_days: int = 7
    cors_origins: frozenset[str] | None = frozenset()
    """Browser origins allowed to read the API (`SWREG_CORS_ORIGINS`, comma-separated); None when
    read from the SSM parameter `cors_origins_parameter` names (prod: the infra stack's AllowedOrigins)."""
    cors_origins_parameter: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        missing = [name for name in ("SWREG_STAGE", "SWREG_TABLE_PREFIX", "SWREG_BUCKET") if not env.get(name)]
        if not env.get("SWREG_VERIFY_BASE_URL") and not env.get("SWREG_VERIFY_BASE_URL_PARAMETER"):
            missing.append("SWREG_VERIFY_BASE_URL or SWREG_VERIFY_BASE_URL_PARAMETER")
        region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION")
        if not region:
            missing.append("AWS_REGION")
        sms_sink = env.get("SWREG_SMS_SINK", "sns")
        if sms_sink == "file" and not env.get("SWREG_SMS_FILE"):
            missing.append("SWREG_SMS_FILE")
        if sms_sink == "tencent":
            if not env.get("SWREG_SMS_CREDENTIALS_PARAMETER"):
                missing.append("SWREG_SMS_CREDENTIALS_PARAMETER")
            if not env.get("SWREG_SMS_PROVIDER_PARAMETER"):
                missing += [name for name in TENCENT_SMS_VARIABLES if not env.get(name)]
        if not env.get("SWREG_JWT_KEY_FILE") and not env.get("SWREG_JWT_KEY_PARAMETER"):
            missing.append("SWREG_JWT_KEY_FILE or SWREG_JWT_KEY_PARAMETER")
        if missing:
            raise SettingsError("missing environment variables: " + ", ".join(missing))
        _refuse_placeholders(env)
        if env.get("SWREG_VERIFY_BASE_URL") and env.get("SWREG_VERIFY_BASE_URL_PARAMETER"):
            raise SettingsError("set SWREG_VERIFY_BASE_URL or SWREG_VERIFY_BASE_URL_PARAMETER, not both")
        if env.get("SWREG_CORS_ORIGINS") and env.get("SWREG_CORS_ORIGINS_PARAMETER"):
            raise SettingsError("set SWREG_CORS_ORIGINS or SWREG_CORS_ORIGINS_PARAMETER, not both")
        if sms_sink not in ("sns", "file", "tencent"):
            raise SettingsError(f"SWREG_SMS_SINK must be 'sns', 'file' or 'tencent', not {sms_sink!r}")
        continuation = env.get("SWREG_JOB_CONTINUATION", "none")
        if continuation not in ("sqs", "none"):
            raise SettingsError(f"SWREG_JOB_CONTINUATION must be 'sqs' or 'none', not {continuation!r}")
        limits = {name: _positive_int(env, "SWREG_" + name.upper(), cls._field_defaults[name])
                  for name in ("login_failures_per_ip_per_hour", "sms_per_hour", "upload_urls_per_material_per_day",
                               "fix_days", "sms_rate_per_second")}
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
            verify_base_url=_with_slash(env["SWREG_VERIFY_BASE_URL"]) if env.get("SWREG_VERIFY_BASE_URL") else None,
            verify_base_url_parameter=env.get("SWREG_VERIFY_BASE_URL_PARAMETER") or None,
            jwt_previous_key_parameter=env.get("SWREG_JWT_PREVIOUS_KEY_PARAMETER") or None,
            tencent_sms=(TencentSmsSettings.from_env(env)
                         if sms_sink == "tencent" and not env.get("SWREG_SMS_PROVIDER_PARAMETER") else None),
            sms_provider_parameter=env.get("SWREG_SMS_PROVIDER_PARAMETER") or None,
            sms_credentials_parameter=env.get("SWREG_SMS_CREDENTIALS_PARAMETER") or None,
            sms_endpoint=env.get("SWREG_SMS_ENDPOINT") or None,
            dlq_url=env.get("SWREG_DLQ_URL") or None,
            continuation=continuation,
            cors_origins=(None if env.get("SWREG_CORS_ORIGINS_PARAMETER")
                          else origins(env.get("SWREG_CORS_ORIGINS", ""), source="SWREG_CORS_ORIGINS")),
            cors_origins_parameter=env.get("SWREG_CORS_ORIGINS_PARAMETER") or None,
            **limits,
        )

    def queue_name(self, kind: str) -> str:
        """The SQS queue of `kind` ("certificates", "jobs"), named like the stage's tables
        (`swreg-prod-certificates`; infra/ creates it, `Stores.migrate` locally); its
        dead-letter queue is `<name>-dlq`."""
        return f"{self.table_prefix}{kind}"

    def verify_base(self) -> str:
        """The public verification base URL, ending in one "/": the environment's, or the SSM
        parameter's, read through Powertools Parameters on first use and cached per warm container
        for PARAMETER_MAX_AGE seconds. Read lazily because only the certificate run needs it: the
        API's cold start pays no SSM call, and `chalice deploy` (which imports the app with the
        stage's variables) needs no stack. SettingsError when the parameter holds a placeholder."""
        if self.verify_base_url is not None:
            return self.verify_base_url
        # Imported here: it pulls in boto3, which local and test stages never need for this.
        from aws_lambda_powertools.utilities import parameters
        value = parameters.get_parameter(self.verify_base_url_parameter, max_age=PARAMETER_MAX_AGE)
        if _is_placeholder(value):
            raise SettingsError(f"the SSM parameter {self.verify_base_url_parameter} "
                                "(SWREG_VERIFY_BASE_URL_PARAMETER) holds a placeholder value")
        return _with_slash(value)

    def allowed_origins(self) -> frozenset[str]:
        """The browser origins CORS allows: the environment's, or the SSM parameter's (read on the
        first request from a browser, cached per warm container like `verify_base`)."""
        if self.cors_origins is not None:
            return self.cors_origins
        from aws_lambda_powertools.utilities import parameters
        value = parameters.get_parameter(self.cors_origins_parameter, max_age=PARAMETER_MAX_AGE)
        return origins(value, source=f"the SSM parameter {self.cors_origins_parameter}")

    def tencent(self) -> TencentSmsSettings:
        """Tencent's settings: the environment's, or the SSM parameter's, read on the first send (the
        API's cold start pays no SSM call) and cached per warm container like `verify_base`."""
        if self.tencent_sms is not None:
            return self.tencent_sms
        from aws_lambda_powertools.utilities import parameters
        value = parameters.get_parameter(self.sms_provider_parameter, transform="json", max_age=PARAMETER_MAX_AGE)
        if not isinstance(value, dict):
            value = {}
        env = {"SWREG_SMS_CREDENTIALS_PARAMETER": self.sms_credentials_parameter,
               "SWREG_SMS_ENDPOINT": self.sms_endpoint or ""}
        return TencentSmsSettings.checked(value.get("app_id"), value.get("sign_name"), value.get("templates"), env,
                                          source=f"the SSM parameter {self.sms_provider_parameter}")


def origins(listed: str, *, source: str) -> frozenset[str]:
    """A comma-separated list of origins (`scheme://host[:port]`, no path). SettingsError for `*`
    (the API would answer any page) or anything that is not an origin."""
    found = frozenset(filter(None, (origin.strip() for origin in listed.split(","))))
    bad = sorted(origin for origin in found if not _ORIGIN.fullmatch(origin) or _is_placeholder(origin))
    if bad:
        raise SettingsError(f"{source}: not an origin (scheme://host[:port], no '*', no path): " + ", ".join(bad))
    return found


def _refuse_placeholders(env: Mapping[str, str]) -> None:
    """SettingsError naming every SWREG_ variable that is set but blank or a placeholder."""
    bad = sorted(name for name, value in env.items() if name.startswith("SWREG_") and _is_placeholder(value))
    if bad:
        raise SettingsError("placeholder values (empty, CHANGEME or an example host) in: " + ", ".join(bad))


def _is_placeholder(value: str) -> bool:
    return not value.strip() or _PLACEHOLDER.search(value) is not None


def _with_slash(url: str) -> str:
    return url.rstrip("/") + "/"


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name} must be a positive whole number, not {raw!r}")
    return int(raw)
