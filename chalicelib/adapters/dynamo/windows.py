"""Registration windows in DynamoDB, one item per year."""
from __future__ import annotations

from datetime import datetime, timezone

from chalicelib.adapters.dynamo.models import WindowItem
from chalicelib.domain.windows import SHANGHAI, Window


def _window(item: WindowItem) -> Window:
    return Window(year=int(item.year), opens_at=item.opens_at.astimezone(SHANGHAI),
                  closes_at=item.closes_at.astimezone(SHANGHAI))


class DynamoWindowRepository:
    def get(self, year: int) -> Window | None:
        try:
            return _window(WindowItem.get(year))
        except WindowItem.DoesNotExist:
            return None

    def put(self, window: Window) -> bool:
        existed = self.get(window.year) is not None
        WindowItem(window.year, opens_at=window.opens_at, closes_at=window.closes_at,
                   updated_at=datetime.now(timezone.utc)).save()
        return not existed

    def around(self, year: int) -> list[Window]:
        return [_window(item) for item in WindowItem.batch_get([year, year + 1])]
