"""Build-time generation of the chart-img-kit docs site from `openapi.yaml`."""

from ._client_tables import error_classes_table
from ._gallery import CHART_CLOCK, Gallery, GalleryError
from ._market import (
    Endpoint,
    coin_id_endpoints,
    coinalyze_paths,
    cold_cost_table,
    intervals_table,
    limits_table,
    series_table,
    studies_table,
    upstream_endpoints,
    upstreams_table,
)
from ._openapi import Operation, Spec, ref_name
from ._reference import ReferenceWriter, image_extension
from ._samples import API_KEY_ENV, SampleRequest, curl_sample, python_sample
from ._schema_text import Links, SchemaText
from ._settings import HIDDEN_DEFAULT, environment_variable, settings_table
from ._site import SPEC_FILE, SWAGGER_UI_DIR, MarkerError, Site

__all__ = [
    "API_KEY_ENV",
    "CHART_CLOCK",
    "HIDDEN_DEFAULT",
    "SPEC_FILE",
    "SWAGGER_UI_DIR",
    "Endpoint",
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
    "coin_id_endpoints",
    "coinalyze_paths",
    "cold_cost_table",
    "curl_sample",
    "environment_variable",
    "error_classes_table",
    "image_extension",
    "intervals_table",
    "limits_table",
    "python_sample",
    "ref_name",
    "series_table",
    "settings_table",
    "studies_table",
    "upstream_endpoints",
    "upstreams_table",
]
