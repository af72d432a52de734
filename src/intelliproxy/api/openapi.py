"""OpenAPI 3.1 description of the management API, served as /openapi.json and /docs.

The document is a plain dict written next to the handlers it describes (`management.py`,
`admin.py`); `tests/api/test_openapi.py` runs schemathesis against a live proxy with it, so
a handler that drifts from its description fails the suite. Request schemas say what the
handlers accept (unknown fields are ignored unless noted), response schemas list the keys
they always send; additions are allowed so a new field is not a breaking change.

`/docs` is server-rendered HTML (no script, no CDN): every operation with its method, path,
summary, auth, request body and responses, then every schema as JSON.
"""

from __future__ import annotations

import html
import json
from functools import cache
from typing import Any

import orjson

from .. import VIRTUAL_MODEL, __version__
from ..routing.planner import PREFERENCES
from ..routing.types import CATEGORIES
from .http import JSON_TYPE, Request, Send, send_bytes

Schema = dict[str, Any]

PERFORMANCE_MODES = ("direct", "direct_airllm", "llm", "llm_airllm")
# /models/{category} also lists categories that only discovery produces.
LISTED_CATEGORIES = (*CATEGORIES, "embedding")


# ------------------------------------------------------------------ schema helpers


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(props: dict[str, Schema], required: tuple[str, ...] | str = "all", **extra: Any) -> Schema:
    """An object schema; `required="all"` requires every listed property."""
    names = list(props) if required == "all" else list(required)
    return {"type": "object", "properties": props, "required": names, **extra}


def null(kind: str | Schema) -> Schema:
    if isinstance(kind, str):
        return {"type": [kind, "null"]}
    return {"anyOf": [kind, {"type": "null"}]}


def map_of(schema: Schema) -> Schema:
    return {"type": "object", "additionalProperties": schema}


def array(schema: Schema) -> Schema:
    return {"type": "array", "items": schema}


STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
PORT: Schema = {
    "anyOf": [
        {"type": "integer", "minimum": 1, "maximum": 65535},
        {"type": "string", "pattern": "^[0-9]+$", "description": "digits, as HTML inputs send"},
    ]
}
HOST: Schema = {
    "type": "string",
    "minLength": 1,
    "description": "host name or IP address, no scheme, port or path",
    "examples": ["192.168.1.100"],
}
MODEL_NAME: Schema = {"type": "string", "minLength": 1, "examples": ["qwen2.5:7b"]}
LEVEL: Schema = {"type": "integer", "minimum": 1, "maximum": 10}


# ------------------------------------------------------------------ schemas

_LATENCY = obj(
    {
        "p50": null("number"),
        "p95": null("number"),
        "ttft_p50": null("number"),
        "tokens_per_s": null("number"),
        "samples": INT,
    }
)
_HEALTH_BACKEND = obj(
    {
        "url": STR,
        "state": {"type": "string", "examples": ["healthy", "unknown", "unreachable"]},
        "models": INT,
        "loaded": array(STR),
        "in_flight": INT,
        "memory_budget": {**null("integer"), "description": "bytes (router_config.json)"},
        "resident_bytes": {"type": "integer", "description": "sum of /api/ps sizes"},
        "error": null("string"),
    }
)

_SAYS_SOMETHING: Schema = {
    "anyOf": [
        {"required": ["content"], "properties": {"content": {"minLength": 1}}},
        {"required": ["images"], "properties": {"images": {"minItems": 1}}},
    ]
}

SCHEMAS: dict[str, Schema] = {
    "Error": obj({"error": STR}, description="Every error answer of these endpoints."),
    "Health": obj(
        {
            "status": {"enum": ["healthy", "degraded", "unhealthy"]},
            "models_available": INT,
            "categories": map_of(INT),
            "ollama_url": STR,
            "classifier_model": STR,
            "classifier_mode": STR,
            "routing_preference": {"type": "string", "enum": list(PREFERENCES)},
            "virtual_model": {"const": VIRTUAL_MODEL},
            "backends": array(_HEALTH_BACKEND),
        }
    ),
    "ApiHealth": obj(
        {
            "status": {"enum": ["healthy", "degraded", "unhealthy"]},
            "models_available": INT,
            "router_url": STR,
            "api_status": {"const": "running"},
            "ollama_url": STR,
        }
    ),
    "ModelInfo": obj(
        {
            "size": {**null("string"), "examples": ["4.7GB"]},
            "speed": LEVEL,
            "complexity": LEVEL,
            "preferred_for": array(STR),
            "capabilities": array(STR),
            "parameter_size_b": null("number"),
            "context_length": null("integer"),
            "family": null("string"),
            "source": {
                "type": "string",
                "examples": ["operator", "llm", "ollama", "measured", "guess"],
            },
            "backends": array(STR),
            "loaded": BOOL,
            "chat": BOOL,
        }
    ),
    "Models": obj(
        {"total": INT, "categories": map_of(array(STR)), "models": map_of(ref("ModelInfo"))}
    ),
    "CategoryModels": obj({"category": STR, "total": INT, "models": map_of(ref("ModelInfo"))}),
    "Refreshed": obj(
        {
            "status": {"const": "refreshed"},
            "total": INT,
            "categories": map_of(array(STR)),
            "backends": map_of(STR),
        }
    ),
    "Message": obj(
        {"role": STR, "content": STR, "images": array(STR)},
        required=(),
        description="An /api/chat message.",
    ),
    "ClassifyRequest": {
        **obj(
            {
                "prompt": STR,
                "messages": array(ref("Message")),
                "system": STR,
                "images": array(STR),
                "tools": array({"type": "object"}),
                "think": {"type": ["boolean", "string"]},
                "task_type": {"enum": list(CATEGORIES)},
            },
            required=(),
        ),
        "description": "A prompt, or a whole /api/generate or /api/chat body. Either a "
        "non-blank `prompt` or a message with content or images is required.",
        "anyOf": [
            {"required": ["prompt"], "properties": {"prompt": {"pattern": "\\S"}}},
            {"required": ["messages"], "properties": {"messages": {"contains": _SAYS_SOMETHING}}},
        ],
        "examples": [{"prompt": "Write a function"}],
    },
    "Attempt": obj({"model": STR, "backend": STR, "reason": STR}),
    "Classification": obj(
        {
            "category": null("string"),
            "complexity": null("integer"),
            "confidence": null("number"),
            "reasons": array(STR),
            "model": null("string"),
            "backend": null("string"),
            "reason": STR,
            "attempts": array(ref("Attempt")),
            "error": null("string"),
        },
        description="The decision the proxy would make for this prompt; `model`/`backend` "
        "are the first attempt, `error` says why nothing could be planned.",
    ),
    "TaskRequest": {
        **obj(
            {
                "prompt": {"type": "string", "pattern": "\\S"},
                "task_type": {"enum": list(CATEGORIES)},
            },
            required=("prompt",),
        ),
        "examples": [{"prompt": "Explain quantum computing", "task_type": "reasoning"}],
    },
    "TaskResult": obj(
        {
            "result": STR,
            "model_used": STR,
            "task_classification": null("string"),
            "complexity": null("integer"),
            "backend": null("string"),
            "timestamp": {"type": "string", "examples": ["2026-02-15T14:12:45.857189"]},
        }
    ),
    "Stats": obj(
        {
            "total_requests": INT,
            "models": map_of(obj({"count": INT, "total_time": NUM})),
            "model_avg_times": map_of(NUM),
            "categories": map_of(INT),
            "last_update": null("string"),
            "since": STR,
            "latency": obj({"models": map_of(_LATENCY), "backends": map_of(_LATENCY)}),
            "backends": map_of(obj({"count": INT, "total_time": NUM, "errors": INT})),
            "errors": map_of(INT),
            "error_total": INT,
            "fallbacks": INT,
            "classifier": map_of(obj({"count": INT, "avg_complexity": NUM})),
            "statuses": map_of(INT),
            "requests_per_minute": array(obj({"minute": STR, "requests": INT, "errors": INT})),
        },
        description="The seed's counters (`total_requests` … `last_update`) first, then "
        "latency percentiles, errors by kind and a 60-minute timeline.",
    ),
    "RequestEntry": obj(
        {
            "time": STR,
            "client": STR,
            "method": STR,
            "endpoint": STR,
            "requested_model": null("string"),
            "model": null("string"),
            "backend": null("string"),
            "category": null("string"),
            "complexity": null("integer"),
            "reason": STR,
            "attempts": {**array(STR), "description": "model@backend:result, in order"},
            "status": INT,
            "ok": BOOL,
            "duration": null("number"),
            "ttft": null("number"),
            "tokens": null("integer"),
            "tokens_per_s": null("number"),
            "streamed": BOOL,
            "fallback": BOOL,
            "error_kind": null("string"),
            "error": null("string"),
            "prompt": null("string"),
        }
    ),
    "RequestLog": obj(
        {"requests": array(ref("RequestEntry")), "count": INT, "size": INT},
        description="The last `size` requests (REQUEST_LOG_SIZE), newest first.",
    ),
    "Cleared": obj({"status": {"const": "cleared"}, "requests": {"type": "array", "maxItems": 0}}),
    "AirLLMConfig": obj(
        {
            "ollama_host": STR,
            "ollama_port": INT,
            "airllm_enabled": BOOL,
            "airllm_host": STR,
            "airllm_port": INT,
            "model_airllm_settings": map_of(BOOL),
        }
    ),
    "OllamaTarget": {
        **obj({"host": HOST, "port": PORT}, required=()),
        "anyOf": [{"required": ["host"]}, {"required": ["port"]}],
        "description": "The primary backend (backends[0]); at least one field.",
        "examples": [{"host": "192.168.1.100", "port": 11434}],
    },
    "AirLLMService": {
        **obj({"enabled": BOOL, "host": HOST, "port": PORT}, required=()),
        "anyOf": [{"required": [k]} for k in ("enabled", "host", "port")],
        "examples": [{"enabled": True, "host": "airllm", "port": 9996}],
    },
    "ModelAirLLM": {
        **obj({"model_name": MODEL_NAME, "enabled": BOOL}),
        "examples": [{"model_name": "qwen2.5:7b", "enabled": True}],
    },
    "Routing": obj(
        {
            "preference": {"type": "string", "enum": list(PREFERENCES)},
            "choices": array(STR),
        }
    ),
    "RoutingUpdate": obj(
        {
            "preference": {
                "type": "string",
                "enum": list(PREFERENCES),
                "description": "the trade between fit and latency (docs/routing.md)",
            }
        },
        required=("preference",),
    ),
    "Fallbacks": obj(
        {
            "fallbacks": {**map_of(STR), "description": "model -> the model to try next"},
            "timeout": {**NUM, "description": "seconds to wait for a backend's first byte"},
        }
    ),
    "FallbacksUpdate": {
        **obj(
            {
                "fallbacks": {
                    **map_of({"type": "string", "pattern": "\\S"}),
                    "propertyNames": {"pattern": "\\S"},
                    "description": "replaces the whole table; a chain that loops is a 400 "
                    "naming the loop",
                },
                "timeout": {"type": "number", "exclusiveMinimum": 0},
            },
            required=(),
        ),
        "anyOf": [{"required": ["fallbacks"]}, {"required": ["timeout"]}],
        "examples": [{"fallbacks": {"deepseek-r1:latest": "qwen2.5:7b"}, "timeout": 300}],
    },
    "Backend": obj(
        {
            "url": {"type": "string", "examples": ["http://127.0.0.1:11434"]},
            "max_concurrent": null("integer"),
            "weight": NUM,
            "memory_budget": {**null("integer"), "description": "bytes"},
        }
    ),
    "BackendInput": {
        "anyOf": [
            {"type": "string", "description": "a base URL"},
            {
                **obj(
                    {
                        "url": STR,
                        "max_concurrent": null({"type": "integer", "minimum": 1}),
                        "weight": {"type": "number", "exclusiveMinimum": 0},
                        "memory_budget": null({"type": "integer", "minimum": 0}),
                    },
                    required=("url",),
                ),
                "additionalProperties": False,
            },
        ]
    },
    "Backends": obj({"backends": array(ref("Backend"))}),
    "BackendsUpdate": {
        "description": 'The whole backend list, primary first: a list or {"backends": [...]}.',
        "anyOf": [
            {**array(ref("BackendInput")), "minItems": 1},
            obj({"backends": {**array(ref("BackendInput")), "minItems": 1}}),
        ],
        "examples": [{"backends": ["http://127.0.0.1:11434"]}],
    },
    "ModelAttributes": obj(
        {"speed": LEVEL, "complexity": LEVEL, "preferred_for": array(STR)}, required=()
    ),
    "ModelsConfig": obj({"models": map_of(ref("ModelAttributes"))}),
    "ModelUpdate": {
        **obj(
            {
                "model_name": MODEL_NAME,
                "speed": null(LEVEL),
                "complexity": null(LEVEL),
                "preferred_for": null(array({"enum": list(CATEGORIES)})),
            },
            required=("model_name",),
        ),
        "additionalProperties": False,
        "anyOf": [{"required": [k]} for k in ("speed", "complexity", "preferred_for")],
        "description": "Merged into the model's attributes; null removes an attribute.",
        "examples": [{"model_name": "qwen2.5:7b", "speed": 9}],
    },
    "ModelUpdated": obj(
        {
            "model_name": STR,
            "attributes": ref("ModelAttributes"),
            "models": map_of(ref("ModelAttributes")),
        }
    ),
    "PerformanceTest": {
        **obj(
            {
                "prompt": {"type": "string", "pattern": "\\S"},
                "mode": {"enum": list(PERFORMANCE_MODES)},
            },
            required=("prompt",),
        ),
        "examples": [{"prompt": "What is a transparent proxy?", "mode": "direct"}],
    },
    "PerformanceResult": {
        "type": "object",
        "description": "Timings of the requested mode, or of all four when `mode` is absent.",
    },
}

# ------------------------------------------------------------------ operations

_ERRORS = {
    400: "Bad request: invalid JSON, a missing field or a value out of range",
    401: "ADMIN_TOKEN is set and the request lacks `Authorization: Bearer <ADMIN_TOKEN>`",
    403: "ADMIN_TOKEN is not set and the client is not on this machine (loopback)",
    404: "Not found",
    500: "The change could not be saved to DATA_DIR; nothing was applied",
    502: "The chosen backend did not answer",
    503: "No backend is reachable",
}
_SECURED_NOTE = (
    " Needs `Authorization: Bearer <ADMIN_TOKEN>` when ADMIN_TOKEN is set; without it, "
    "only loopback clients may call it."
)


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def op(
    summary: str,
    ok: Schema | None,
    *,
    tag: str,
    body: Schema | None = None,
    errors: tuple[int, ...] = (),
    secured: bool = False,
    description: str = "",
    ok_status: int = 200,
    ok_content: dict[str, Any] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        str(ok_status): {"description": "OK", **(ok_content or _json(ok or {}))}
    }
    codes = (*((400,) if body is not None else ()), *((401, 403) if secured else ()), *errors)
    for code in sorted(set(codes)):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    operation: dict[str, Any] = {
        "tags": [tag],
        "summary": summary,
        "description": description + (_SECURED_NOTE if secured else ""),
        "responses": responses,
    }
    if body is not None:
        operation["requestBody"] = {"required": True, **_json(body)}
    if secured:
        operation["security"] = [{"adminToken": []}]
    return operation


def config_change(summary: str, answer: str, body: str) -> dict[str, Any]:
    """A POST that changes router_config.json / models.json: admin-only, 500 if unsaved."""
    return op(
        summary, ref(answer), tag="configuration", body=ref(body), secured=True, errors=(500,)
    )


def config_read(summary: str, answer: str) -> dict[str, Any]:
    return op(summary, ref(answer), tag="configuration")


_CATEGORY_PARAM = {
    "name": "category",
    "in": "path",
    "required": True,
    "description": "a task category (404 for an unknown one)",
    "schema": {"type": "string", "pattern": "^[a-z]+$", "examples": list(LISTED_CATEGORIES)},
}

PATHS: dict[str, dict[str, Any]] = {
    "/health": {
        "get": op(
            "Proxy status, categories and every backend",
            ref("Health"),
            tag="status",
            errors=(503,),
            description="503 (same body, status `unhealthy`) when no backend is reachable.",
        )
    },
    "/api/health": {
        "get": op(
            "Status in the seed dashboard's shape",
            ref("ApiHealth"),
            tag="status",
            errors=(503,),
        )
    },
    "/models": {
        "get": op("Every model with its attributes, by category", ref("Models"), tag="models")
    },
    "/models/{category}": {
        "parameters": [_CATEGORY_PARAM],
        "get": op("The models of one category", ref("CategoryModels"), tag="models", errors=(404,)),
    },
    "/models/refresh": {
        "post": op(
            "Re-read every backend's inventory and model facts now",
            ref("Refreshed"),
            tag="models",
            secured=True,
        )
    },
    "/classify": {
        "post": op(
            "How a prompt would be routed (classification only, nothing is generated)",
            ref("Classification"),
            tag="routing",
            body=ref("ClassifyRequest"),
        )
    },
    "/task": {
        "post": op(
            "Route a prompt and answer it (non-streaming)",
            ref("TaskResult"),
            tag="routing",
            body=ref("TaskRequest"),
            errors=(502, 503),
        )
    },
    "/stats": {"get": op("Usage statistics", ref("Stats"), tag="statistics")},
    "/stats/reset": {
        "post": op(
            "Set every counter to zero", ref("Stats"), tag="statistics", secured=True, errors=(500,)
        )
    },
    "/requests": {"get": op("The request log, newest first", ref("RequestLog"), tag="statistics")},
    "/requests/clear": {
        "post": op("Empty the request log", ref("Cleared"), tag="statistics", secured=True)
    },
    "/metrics": {
        "get": op(
            "Prometheus metrics",
            None,
            tag="statistics",
            ok_content={"content": {"text/plain": {"schema": STR}}},
            description="Prometheus text exposition format 0.0.4.",
        )
    },
    "/config/airllm": {"get": config_read("Target Ollama and AirLLM settings", "AirLLMConfig")},
    "/config/ollama": {
        "post": config_change(
            "Change the target (primary) Ollama host and port", "AirLLMConfig", "OllamaTarget"
        )
    },
    "/config/airllm/service": {
        "post": config_change(
            "Enable/disable the AirLLM service and set its address", "AirLLMConfig", "AirLLMService"
        )
    },
    "/config/model/airllm": {
        "post": config_change(
            "Route one model through AirLLM, or not", "AirLLMConfig", "ModelAirLLM"
        )
    },
    "/config/fallbacks": {
        "get": config_read("The fallback chains and request timeout", "Fallbacks"),
        "post": config_change(
            "Replace the fallback chains and/or the timeout", "Fallbacks", "FallbacksUpdate"
        ),
    },
    "/config/routing": {
        "get": config_read("The routing preference", "Routing"),
        "post": config_change(
            "Change the routing preference: quality, balanced or speed", "Routing", "RoutingUpdate"
        ),
    },
    "/config/backends": {
        "get": config_read("The Ollama backends, primary first", "Backends"),
        "post": config_change("Replace the backend list", "Backends", "BackendsUpdate"),
    },
    "/config/models": {
        "get": config_read("The operator's model attributes (models.json)", "ModelsConfig"),
        "post": config_change("Change one model's attributes", "ModelUpdated", "ModelUpdate"),
    },
    "/performance-test": {
        "post": op(
            "Time a prompt direct vs routed, with and without AirLLM",
            ref("PerformanceResult"),
            tag="routing",
            body=ref("PerformanceTest"),
            description=f"Modes: {', '.join(PERFORMANCE_MODES)}; all four when `mode` is absent.",
        )
    },
    "/openapi.json": {
        "get": op("This document", None, tag="docs", ok_content=_json({"type": "object"}))
    },
    "/docs": {
        "get": op(
            "This document as a page",
            None,
            tag="docs",
            ok_content={"content": {"text/html": {"schema": STR}}},
        )
    },
}


def build_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IntelliProxy management API",
            "version": __version__,
            "description": (
                "The router's own endpoints on the API port (9998). The Ollama API "
                "(`/api/*`) and the OpenAI-compatible API (`/v1/*`) are served as their "
                f"upstreams document them; use the model `{VIRTUAL_MODEL}` for routing."
            ),
        },
        "tags": [
            {"name": name}
            for name in ("status", "models", "routing", "statistics", "configuration", "docs")
        ],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": {"description": text, **_json(ref("Error"))}
                for code, text in _ERRORS.items()
            },
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "The value of ADMIN_TOKEN.",
                }
            },
        },
    }


# ------------------------------------------------------------------ the page

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;margin-top:2.5rem}
section{border:1px solid #ddd;border-radius:6px;padding:.2rem 1rem;margin:1rem 0}
.m{display:inline-block;min-width:3.5rem;font:bold 13px monospace;color:#fff;border-radius:4px;
padding:2px 6px;text-align:center}.get{background:#2b7bb9}.post{background:#3a8f3a}
pre{background:#f6f6f6;padding:.6rem;overflow:auto;font-size:13px}
table{border-collapse:collapse}td,th{padding:.2rem .8rem .2rem 0;text-align:left;vertical-align:top}
.lock{color:#a60}
"""


def _schema_html(schema: Schema) -> str:
    text = html.escape(json.dumps(schema, indent=2, ensure_ascii=False))
    # Make every {"$ref": ".../Name"} a link to that schema below.
    prefix = html.escape('"#/components/schemas/')
    parts = text.split(prefix)
    out = [parts[0]]
    for part in parts[1:]:
        name, _, rest = part.partition(html.escape('"'))
        out.append(f'<a href="#schema-{name}">"{name}"</a>{rest}')
    return "<pre>" + "".join(out) + "</pre>"


def _operation_html(
    method: str, path: str, operation: dict[str, Any], shared: dict[str, Any]
) -> str:
    anchor = f"{method}-{path}".replace("/", "_").replace("{", "").replace("}", "")
    rows = []
    for status, response in operation["responses"].items():
        if "$ref" in response:
            response = shared[response["$ref"].rsplit("/", 1)[-1]]
        content = response.get("content", {})
        shapes = "".join(
            f"<div><code>{html.escape(kind)}</code>{_schema_html(c['schema'])}</div>"
            for kind, c in content.items()
        )
        rows.append(
            f"<tr><td><b>{status}</b></td><td>{html.escape(response['description'])}"
            f"{shapes}</td></tr>"
        )
    body = operation.get("requestBody")
    request = (
        f"<h4>Request body (application/json)</h4>"
        f"{_schema_html(body['content']['application/json']['schema'])}"
        if body
        else ""
    )
    lock = (
        '<p class="lock">Needs the admin token (Bearer ADMIN_TOKEN) when it is set.</p>'
        if operation.get("security")
        else ""
    )
    description = operation.get("description", "")
    return (
        f'<section id="{html.escape(anchor)}"><h3><span class="m {method}">{method.upper()}</span>'
        f" <code>{html.escape(path)}</code> — {html.escape(operation['summary'])}</h3>"
        f"{f'<p>{html.escape(description)}</p>' if description else ''}{lock}{request}"
        f"<h4>Responses</h4><table>{''.join(rows)}</table></section>"
    )


def render_docs(document: dict[str, Any]) -> str:
    info = document["info"]
    operations = [
        _operation_html(method, path, operation, document["components"]["responses"])
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "delete", "head")
    ]
    schemas = [
        f'<h3 id="schema-{html.escape(name)}">{html.escape(name)}</h3>{_schema_html(schema)}'
        for name, schema in document["components"]["schemas"].items()
    ]
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(info['title'])}</title><style>{_STYLE}</style></head><body>"
        f"<h1>{html.escape(info['title'])}</h1><p>Version {html.escape(info['version'])} · "
        '<a href="/openapi.json">openapi.json</a> (OpenAPI 3.1)</p>'
        f"<p>{html.escape(info['description'])}</p>"
        f"<h2>Operations</h2>{''.join(operations)}<h2>Schemas</h2>{''.join(schemas)}"
        "</body></html>"
    )


# ------------------------------------------------------------------ handlers


@cache
def _document_bytes() -> bytes:
    return orjson.dumps(build_document())


@cache
def _docs_bytes() -> bytes:
    return render_docs(build_document()).encode("utf-8")


_DOCS_HEADERS = [
    (b"content-security-policy", b"default-src 'none'; style-src 'unsafe-inline'"),
    (b"x-content-type-options", b"nosniff"),
]


async def openapi_json(runtime: Any, request: Request, send: Send) -> None:
    await send_bytes(send, 200, _document_bytes(), JSON_TYPE)


async def docs(runtime: Any, request: Request, send: Send) -> None:
    await send_bytes(send, 200, _docs_bytes(), b"text/html; charset=utf-8", _DOCS_HEADERS)


# path -> {method: handler}, merged into app.py's OWN_ROUTES.
OPENAPI_ROUTES: dict[str, dict[str, Any]] = {
    "/openapi.json": {"GET": openapi_json},
    "/docs": {"GET": docs},
}
