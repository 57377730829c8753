"""The composition root: builds adapters on first use and keeps them for a warm container.

Services receive a `Deps` and never construct adapters themselves; tests swap
in their own with `override`.
"""
from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING, Callable

from chalicelib.settings import Settings

if TYPE_CHECKING:
    from chalicelib.domain.errors import ServiceBusyError
    from chalicelib.domain.ports import (
        AccountRepository, ApplicationRepository, AuditLog, CertificateRenderer, CertificateRepository, Clock,
        Continuation, IdGenerator, MessageRepository, ObjectStore, OutboxRepository, PhotoProcessor, RateLimiter,
        RegisterRepository, SmsCodeRepository, SmsSender, TokenSigner, UploadSigner, WindowRepository)


class Deps:
    """Everything a service may need, each built lazily (cold start pays only for what it uses)."""

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
    def register(self) -> RegisterRepository:
        from chalicelib.adapters.dynamo.register import DynamoRegisterRepository
        self.tables
        return DynamoRegisterRepository()

    @cached_property
    def windows(self) -> WindowRepository:
        from chalicelib.adapters.dynamo.windows import DynamoWindowRepository
        self.tables
        return DynamoWindowRepository()

    @cached_property
    def applications(self) -> ApplicationRepository:
        from chalicelib.adapters.dynamo.applications import DynamoApplicationRepository
        self.tables
        return DynamoApplicationRepository(self.settings.region)

    @cached_property
    def accounts(self) -> AccountRepository:
        from chalicelib.adapters.dynamo.accounts import DynamoAccountRepository
        self.tables
        return DynamoAccountRepository(self.settings.region)

    @cached_property
    def sms_codes(self) -> SmsCodeRepository:
        from chalicelib.adapters.dynamo.accounts import DynamoSmsCodeRepository
        self.tables
        return DynamoSmsCodeRepository()

    @cached_property
    def rate_limiter(self) -> RateLimiter:
        from chalicelib.adapters.dynamo.accounts import DynamoRateLimiter
        self.tables
        return DynamoRateLimiter()

    @cached_property
    def messages(self) -> MessageRepository:
        from chalicelib.adapters.dynamo.messages import DynamoMessageRepository
        self.tables
        return DynamoMessageRepository()

    @cached_property
    def outbox(self) -> OutboxRepository:
        from chalicelib.adapters.dynamo.outbox import DynamoOutbox
        self.tables
        return DynamoOutbox()

    @cached_property
    def audit(self) -> AuditLog:
        from chalicelib.adapters.dynamo.audit import DynamoAuditLog
        self.tables
        return DynamoAuditLog()

    @cached_property
    def certificates(self) -> CertificateRepository:
        from chalicelib.adapters.dynamo.certificates import DynamoCertificateRepository
        self.tables
        return DynamoCertificateRepository(self.settings.region)

    @cached_property
    def continuation(self) -> Continuation:
        """How a job that spent its time budget goes on: a new Lambda invocation, or its next run."""
        from chalicelib.adapters import continuation
        if self.settings.continuation == "lambda":
            import boto3
            return continuation.LambdaContinuation(boto3.client("lambda", region_name=self.settings.region))
        return continuation.NextRun()

    @cached_property
    def uploads(self) -> UploadSigner:
        from chalicelib.adapters.uploads import S3Uploads
        return S3Uploads(self.s3, self.settings.bucket)

    @cached_property
    def files(self) -> ObjectStore:
        from chalicelib.adapters.files import S3Files
        return S3Files(self.s3, self.settings.bucket)

    @cached_property
    def sms(self) -> SmsSender:
        """The SMS port: a local file, or Amazon SNS."""
        from chalicelib.adapters import sms
        if self.settings.sms_sink == "file":
            return sms.FileSms(self.settings.sms_file)
        import boto3
        return sms.SnsSms(boto3.client("sns", region_name=self.settings.region))

    @cached_property
    def photos(self) -> PhotoProcessor:
        """Photo normalising on Pillow, imported on first use: the S3 upload handler's path only."""
        from chalicelib.adapters.photos import PillowPhotoProcessor
        return PillowPhotoProcessor()

    @cached_property
    def renderer(self) -> CertificateRenderer:
        """Certificate drawing on ReportLab, Pillow and segno, imported on first use: the
        `issue-certificates` job's and the demo seed's path only."""
        from chalicelib.adapters.certificate_render import ReportLabCertificateRenderer
        return ReportLabCertificateRenderer()

    @cached_property
    def clock(self) -> Clock:
        """Not yet asked by services, which take `now` from their caller."""
        from chalicelib.adapters.clock import SystemClock
        return SystemClock()

    @cached_property
    def ids(self) -> IdGenerator:
        """Not yet asked by services, which mint ids with `uuid4` themselves."""
        from chalicelib.adapters.clock import UuidIds
        return UuidIds()

    @cached_property
    def signing_key(self) -> bytes:
        from chalicelib.adapters.tokens import load_signing_key
        return load_signing_key(key_file=self.settings.jwt_key_file,
                                key_parameter=self.settings.jwt_key_parameter)

    @cached_property
    def tokens(self) -> TokenSigner:
        from chalicelib.adapters.tokens import TokenService
        return TokenService(self.signing_key)

    def _derived_key(self, purpose: bytes) -> bytes:
        """A key for one purpose, derived from the signing key (one secret to manage)."""
        import hashlib
        import hmac
        return hmac.new(self.signing_key, purpose, hashlib.sha256).digest()

    @cached_property
    def pepper(self) -> bytes:
        """Keys the SMS-code hashes."""
        return self._derived_key(b"swreg sms codes")

    @cached_property
    def cursor_key(self) -> bytes:
        """Signs page cursors (tamper-evident, bound to route and caller)."""
        return self._derived_key(b"swreg page cursors")

    @cached_property
    def upload_key(self) -> bytes:
        """Signs the upload keys handed out in presigned POSTs."""
        return self._derived_key(b"swreg upload keys")


    @property
    def health_probes(self) -> dict[str, Callable[[], None]]:
        return {"dynamodb": lambda: self.tables.probe(),
                "s3": lambda: self.s3.head_bucket(Bucket=self.settings.bucket)}


_current: Deps | None = None


def deps() -> Deps:
    global _current
    if _current is None:
        _current = Deps(Settings.from_env())
    return _current


def override(replacement: Deps | None) -> None:
    """Install `replacement` (None: rebuild from the environment on next use)."""
    global _current
    _current = replacement


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
