"""Material kinds and statuses carry the labels the applicant sees."""
from __future__ import annotations

from chalicelib.domain.materials import BASE_MATERIALS, MaterialKind, MaterialStatus


def test_every_material_kind_and_status_has_a_chinese_label():
    assert all(kind.chinese for kind in MaterialKind)
    assert all(status.chinese for status in MaterialStatus)


def test_every_application_needs_photo_id_card_and_qualification_certificate():
    assert set(BASE_MATERIALS) == {MaterialKind.ID_PHOTO, MaterialKind.ID_CARD_FRONT,
                                   MaterialKind.ID_CARD_BACK, MaterialKind.QUALIFICATION_CERT}
