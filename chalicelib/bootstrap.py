"""The composition root: the one place that builds adapters and fills a `Deps` with them.

`build(settings)` fills every port at once; what costs a cold start (boto3
clients, the SSM read of the signing key, Pillow, ReportLab) goes in as a
`lazy` proxy built on first use. `deps()` is the warm container's `Deps`;
tests swap in their own with `override`. `stores(settings)` hands the raw
tables, S3 and SQS clients to whoever provisions them (the CLI, the local stack,
tests) and to the health probes.
"""
from __future__ import annotations

import json
from functools import cache, cached_property
from typing import TYPE_CHECKING, Iterator

from chalicelib.lazy import lazy
from chalicelib.services.deps import Deps, Keys
from chalicelib.settings import PARAMETER_MAX_AGE, Settings

if TYPE_CHECKING:
    from chalicelib.domain.errors import ServiceBusyError
    from chalicelib.domain.ports import Continuation, DeadLetterQueue, SmsSender


# Each work queue's visibility timeout, as infra/stateful.yaml sets it: 6× its consumer's timeout
# (certificates: 60 s), or the job function's 900 s and a margin (jobs). A message received this
# many seconds ago and not deleted is delivered again; the third receive is the last before its DLQ.
QUEUE_VISIBILITY_SECONDS = {"certificates": 360, "jobs": 960}
MAX_RECEIVES = 3


class Stores:
    """The stage's DynamoDB tables, S3 and SQS clients, each made ready on first use."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def tables(self):
        """The PynamoDB table module, bound to this stage's tables."""
        from chalicelib.adapters.dynamo import tables
        tables.bind(self.settings)
        return tables

    @cached_property
    def s3(self):
        from chalicelib.adapters import s3
        return s3.client(self.settings)

    @cached_property
    def sqs(self):
        return _aws_client("sqs", self.settings)

    def migrate(self) -> Iterator[str]:
        """Bring the stage's tables up to the models (missing tables and indexes) and create the
        bucket and the work queues if missing, for stacks we own (local, tests; in AWS the infra
        stack owns them). Yields a line per change, as it is made; nothing when all is current."""
        yield from self.tables.migrate()
        if self.settings.bucket not in {b["Name"] for b in self.s3.list_buckets().get("Buckets", [])}:
            self.s3.create_bucket(Bucket=self.settings.bucket)
            yield f"bucket {self.settings.bucket} created"
        yield from self.migrate_queues()

    def migrate_queues(self) -> Iterator[str]:
        """Each work queue and its `-dlq` where missing, the queue redriving to it after MAX_RECEIVES
        receives; a line per queue created."""
        prefix = self.settings.queue_name("")
        urls = self.sqs.list_queues(QueueNamePrefix=prefix).get("QueueUrls", [])
        existing = {url.rpartition("/")[2] for url in urls}
        for kind, visibility in QUEUE_VISIBILITY_SECONDS.items():
            name = self.settings.queue_name(kind)
            dead = f"{name}-dlq"
            if dead not in existing:
                self.sqs.create_queue(QueueName=dead, Attributes={"MessageRetentionPeriod": "1209600"})
                yield f"queue {dead} created"
            if name not in existing:
                dead_url = self.sqs.get_queue_url(QueueName=dead)["QueueUrl"]
                arn = self.sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])
                redrive = {"deadLetterTargetArn": arn["Attributes"]["QueueArn"], "maxReceiveCount": MAX_RECEIVES}
                self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility),
                                                                  "RedrivePolicy": json.dumps(redrive)})
                yield f"queue {name} created (visibility {visibility} s, to {dead} after {MAX_RECEIVES} receives)"

    def upgrade_items(self) -> Iterator[str]:
        """Items an older version wrote, brought up to the models (any stage, AWS included)."""
        yield from self.tables.upgrade_items()


@cache
def stores(settings: Settings) -> Stores:
    return Stores(settings)


def build(settings: Settings) -> Deps:
    """A `Deps` of the real adapters for `settings`."""
    from chalicelib.adapters.clock import SystemClock, UuidIds
    from chalicelib.adapters.dynamo.accounts import DynamoAccountRepository, DynamoRateLimiter, DynamoSmsCodeRepository
    from chalicelib.adapters.dynamo.applications import DynamoApplicationRepository
    from chalicelib.adapters.dynamo.audit import DynamoAuditLog
    from chalicelib.adapters.dynamo.certificates import DynamoCertificateRepository
    from chalicelib.adapters.dynamo.corrections import DynamoCorrectionRepository
    from chalicelib.adapters.dynamo.leases import DynamoJobLeases
    from chalicelib.adapters.dynamo.mailings import DynamoMailingRepository
    from chalicelib.adapters.dynamo.messages import DynamoMessageRepository
    from chalicelib.adapters.dynamo.outbox import DynamoOutbox
    from chalicelib.adapters.dynamo.register import DynamoRegisterRepository
    from chalicelib.adapters.dynamo.windows import DynamoWindowRepository
    from chalicelib.adapters.files import S3Files
    from chalicelib.adapters.queues import SqsWorkQueue
    from chalicelib.adapters.uploads import S3Uploads

    raw = stores(settings)
    raw.tables.bind(settings)  # the models are global: the `Deps` built last owns them
    s3 = lazy(lambda: raw.s3)
    keys = Keys(lambda: _signing_key(settings))
    return Deps(
        settings=settings,
        register=DynamoRegisterRepository(),
        corrections=DynamoCorrectionRepository(settings.region),
        mailings=DynamoMailingRepository(settings.region),
        windows=DynamoWindowRepository(),
        applications=DynamoApplicationRepository(settings.region),
        accounts=DynamoAccountRepository(settings.region),
        sms_codes=DynamoSmsCodeRepository(),
        rate_limiter=DynamoRateLimiter(),
        messages=DynamoMessageRepository(),
        outbox=DynamoOutbox(),
        audit=DynamoAuditLog(),
        certificates=DynamoCertificateRepository(settings.region),
        continuation=_continuation(settings, lazy(lambda: raw.sqs)),
        certificate_queue=SqsWorkQueue(lazy(lambda: raw.sqs), settings.queue_name("certificates")),
        job_leases=DynamoJobLeases(),
        dead_letters=_dead_letters(settings),
        uploads=S3Uploads(s3, settings.bucket),
        files=S3Files(s3, settings.bucket),
        sms=_sms(settings),
        photos=lazy(_photo_processor),
        renderer=lazy(_certificate_renderer),
        tokens=lazy(lambda: _token_service(keys, settings)),
        clock=SystemClock(),
        ids=UuidIds(),
        keys=keys,
        health_probes={"dynamodb": lambda: raw.tables.probe(),
                       "s3": lambda: raw.s3.head_bucket(Bucket=settings.bucket)},
    )


def _signing_key(settings: Settings) -> bytes:
    from chalicelib.adapters.tokens import load_signing_key
    return load_signing_key(key_file=settings.jwt_key_file, key_parameter=settings.jwt_key_parameter)


def _token_service(keys: Keys, settings: Settings):
    """Signs with the current key; also verifies with the previous one while a rotation settles.
    The keys derived in `Keys` (SMS codes, cursors, uploads) follow the current key only."""
    from chalicelib.adapters.tokens import TokenService, load_previous_signing_key
    previous = (load_previous_signing_key(settings.jwt_previous_key_parameter)
                if settings.jwt_previous_key_parameter else None)
    return TokenService(keys.signing, previous_key=previous)


def _dead_letters(settings: Settings) -> DeadLetterQueue:
    """The async-failure queue and Lambda, for `swreg jobs dlq` on an operator's machine."""
    from chalicelib.adapters.dead_letters import SqsDeadLetterQueue
    return SqsDeadLetterQueue(lazy(lambda: _aws_client("sqs", settings)),
                              lazy(lambda: _aws_client("lambda", settings)), settings.dlq_url)


def _continuation(settings: Settings, sqs) -> Continuation:
    """How a job that spent its time budget goes on: a message on the "jobs" queue, or its next run."""
    from chalicelib.adapters import continuation
    if settings.continuation == "sqs":
        from chalicelib.adapters.queues import SqsWorkQueue
        return continuation.SqsContinuation(SqsWorkQueue(sqs, settings.queue_name("jobs")))
    return continuation.NextRun()


def _sms(settings: Settings) -> SmsSender:
    """A local file, Tencent Cloud SMS (China regions: SNS sends no SMS there), or Amazon SNS."""
    from chalicelib.adapters import sms
    if settings.sms_sink == "file":
        return sms.FileSms(settings.sms_file)
    if settings.sms_sink == "tencent":
        return lazy(lambda: _tencent_sms(settings))
    return sms.SnsSms(lazy(lambda: _aws_client("sns", settings)))


def _tencent_sms(settings: Settings) -> SmsSender:
    """Tencent Cloud SMS, its settings read on the first send (prod: from SSM)."""
    from chalicelib.adapters.sms_tencent import TencentSms
    provider = settings.tencent()
    return TencentSms(app_id=provider.app_id, sign_name=provider.sign_name, templates=dict(provider.templates),
                      credentials=lambda: _sms_credentials(provider.credentials_parameter), endpoint=provider.endpoint)


def _sms_credentials(parameter: str) -> tuple[str, str]:
    """Tencent's (SecretId, SecretKey) from the SSM SecureString `parameter` (JSON with `secret_id`
    and `secret_key`), read on first send and cached per warm container like every parameter."""
    from aws_lambda_powertools.utilities import parameters
    value = parameters.get_parameter(parameter, decrypt=True, transform="json", max_age=PARAMETER_MAX_AGE)
    return value["secret_id"], value["secret_key"]


def _aws_client(service: str, settings: Settings):
    import boto3
    return boto3.client(service, region_name=settings.region)


def _photo_processor():
    """Photo normalising on Pillow: the S3 upload handler's path only."""
    from chalicelib.adapters.photos import PillowPhotoProcessor
    return PillowPhotoProcessor()


def _certificate_renderer():
    """Certificate drawing on ReportLab, Pillow and segno: the `issue-certificates` job's and the
    demo seed's path only."""
    from chalicelib.adapters.certificate_render import ReportLabCertificateRenderer
    return ReportLabCertificateRenderer()


_current: Deps | None = None


def deps() -> Deps:
    global _current
    if _current is None:
        _current = build(Settings.from_env())
    return _current


def override(replacement: Deps | None) -> None:
    """Install `replacement` (None: rebuild from the environment on next use), its tables bound."""
    global _current
    _current = replacement
    if replacement is not None:
        stores(replacement.settings).tables.bind(replacement.settings)


def service_busy(exc: BaseException) -> ServiceBusyError | None:
    """`exc` as the 503 SERVICE_BUSY it stands for when it is a transient AWS fault (throttling,
    an AWS 5xx), else None; the original stays its `__cause__`. Here so the error mapping in
    `handlers` needs no adapter: the classifier reads exceptions by duck typing and imports
    neither botocore nor PynamoDB."""
    from chalicelib.adapters import aws_faults
    return aws_faults.service_busy(exc)


def aws_error_code(exc: BaseException) -> str | None:
    """The first AWS error code along `exc`'s causes ("SlowDown"), for logs."""
    from chalicelib.adapters import aws_faults
    return aws_faults.error_code(exc)
