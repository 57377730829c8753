"""What a service is handed: the settings, one implementation of every port, and the keys.

`chalicelib.bootstrap.build` fills a `Deps` with the real adapters; the service
tests fill one with the in-memory fakes of `tests/fakes.py`. It is frozen: a test
that needs a different port makes a copy with `dataclasses.replace`.
"""
from __future__ import annotations

import hashlib
import hmac
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Callable, Mapping

if TYPE_CHECKING:
    from chalicelib.domain.ports import (
        AccountRepository, ApplicationRepository, AuditLog, CertificateRenderer, CertificateRepository, Clock,
        CorrectionRepository,
        MailingRepository,
        Continuation, DeadLetterQueue, IdGenerator, JobLeases, MessageRepository, ObjectStore, OutboxRepository, PhotoProcessor,
        RateLimiter, RegisterRepository, SmsCodeRepository, SmsSender, TokenSigner, UploadSigner, WindowRepository,
        WorkQueue)
    from chalicelib.settings import Settings


class Keys:
    """The service's secrets: one signing key, read on first use, and a key derived from it per purpose
    (one secret for operators to manage; a leaked cursor key cannot forge a token)."""

    def __init__(self, load_signing_key: Callable[[], bytes]) -> None:
        self._load = load_signing_key
        self._lock = threading.Lock()

    @cached_property
    def signing(self) -> bytes:
        with self._lock:
            return self._load()

    def _derived(self, purpose: bytes) -> bytes:
        return hmac.new(self.signing, purpose, hashlib.sha256).digest()

    @cached_property
    def sms_codes(self) -> bytes:
        """Keys the SMS-code hashes (the pepper)."""
        return self._derived(b"swreg sms codes")

    @cached_property
    def cursors(self) -> bytes:
        """Signs page cursors (tamper-evident, bound to route and caller)."""
        return self._derived(b"swreg page cursors")

    @cached_property
    def uploads(self) -> bytes:
        """Signs the upload keys handed out in presigned POSTs."""
        return self._derived(b"swreg upload keys")

    @cached_property
    def verification(self) -> bytes:
        """Keys the verification codes printed under e-certificates' QR codes (domain/verification.py)."""
        return self._derived(b"swreg verification codes")


@dataclass(frozen=True)
class Deps:
    settings: Settings
    register: RegisterRepository
    corrections: CorrectionRepository
    mailings: MailingRepository
    windows: WindowRepository
    applications: ApplicationRepository
    accounts: AccountRepository
    sms_codes: SmsCodeRepository
    rate_limiter: RateLimiter
    messages: MessageRepository
    outbox: OutboxRepository
    audit: AuditLog
    certificates: CertificateRepository
    continuation: Continuation
    certificate_queue: WorkQueue
    """Work items of the `issue-certificates` run, one per application (services/certificates.py)."""
    job_leases: JobLeases
    """Who runs an exclusive job (the SMS dispatcher) now: `services.jobs.run`."""
    dead_letters: DeadLetterQueue
    uploads: UploadSigner
    files: ObjectStore
    sms: SmsSender
    photos: PhotoProcessor
    renderer: CertificateRenderer
    tokens: TokenSigner
    clock: Clock
    ids: IdGenerator
    keys: Keys
    health_probes: Mapping[str, Callable[[], None]]
    """What GET /health tries, by the part it names ("dynamodb", "s3")."""
