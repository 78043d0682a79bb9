"""Build-time generation of the chart-img-kit docs site from `openapi.yaml`."""

from ._client_tables import error_classes_table
from ._gallery import CHART_CLOCK, Gallery, GalleryError
from ._openapi import Operation, Spec, ref_name
from ._reference import ReferenceWriter, image_extension
from ._samples import API_KEY_ENV, SampleRequest, curl_sample, python_sample
from ._schema_text import Links, SchemaText
from ._site import SPEC_FILE, SWAGGER_UI_DIR, MarkerError, Site

__all__ = [
    "API_KEY_ENV",
    "CHART_CLOCK",
    "SPEC_FILE",
    "SWAGGER_UI_DIR",
    "Gallery",
    "GalleryError",
    "Links",
    "MarkerError",
    "Operation",
    "ReferenceWriter",
    "SampleRequest",
    "SchemaText",
    "Site",
    "Spec",
    "curl_sample",
    "error_classes_table",
    "image_extension",
    "python_sample",
    "ref_name",
]
