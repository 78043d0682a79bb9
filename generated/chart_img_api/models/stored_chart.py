from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="StoredChart")


@_attrs_define
class StoredChart:
    """A chart image saved to public storage.

    Attributes:
        url (str): Public URL of the stored image.
        size (int): Size of the image, in bytes.
        cors (str): The `Access-Control-Allow-Origin` value the storage serves the image with.
        etag (str): The image's ETag, the lower-case MD5 hex digest of its bytes.
        expire_at (datetime.datetime): When the image will be deleted, after the storage days of the key's plan
            (`x-plans`) or the server's own retention; after it, the URL answers `404`.
        created_at (datetime.datetime): When the image was stored.
    """

    url: str
    size: int
    cors: str
    etag: str
    expire_at: datetime.datetime
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        size = self.size

        cors = self.cors

        etag = self.etag

        expire_at = self.expire_at.isoformat()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
                "size": size,
                "cors": cors,
                "etag": etag,
                "expireAt": expire_at,
                "createdAt": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url")

        size = d.pop("size")

        cors = d.pop("cors")

        etag = d.pop("etag")

        expire_at = datetime.datetime.fromisoformat(d.pop("expireAt"))

        created_at = datetime.datetime.fromisoformat(d.pop("createdAt"))

        stored_chart = cls(
            url=url,
            size=size,
            cors=cors,
            etag=etag,
            expire_at=expire_at,
            created_at=created_at,
        )

        stored_chart.additional_properties = d
        return stored_chart

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
