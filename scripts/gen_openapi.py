# Generates docs/openapi.json (the service's OpenAPI 3 document): python3 scripts/gen_openapi.py > docs/openapi.json
import json
def ref(n): return {"$ref": f"#/components/schemas/{n}"}
def jresp(desc, schema, headers=None):
    r = {"description": desc, "content": {"application/json": {"schema": schema}}}
    if headers: r["headers"] = headers
    return r
def err(desc): return jresp(desc, ref("Error"))
body_errors = {
    "400": err("The body is not valid JSON (`E-JSON`, with `line` and `column`) or could not be read (`E-BODY`)."),
    "413": err("A limit was exceeded: body size (`E-BODY-TOO-LARGE`), vertices (`E-TOO-MANY-VERTICES`) or projects per batch (`E-BATCH-TOO-LARGE`)."),
    "415": err("The content type is not `application/json` (`E-CONTENT-TYPE`)."),
    "503": err("The evaluation did not finish within `--eval-timeout-ms` (`E-EVAL-TIMEOUT`)."),
}
ident = {"type": "object", "required": ["name", "version", "content_hash", "loaded_at"],
         "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                        "content_hash": {"type": "string"}, "loaded_at": {"type": "string", "format": "date-time"}}}
doc = {
 "openapi": "3.0.3",
 "info": {"title": "zonecheck service", "version": "1",
          "description": "Checks construction projects against ecological-environment zoning access lists (生态环境准入清单). Every error is `{\"error\": {\"code\", \"message\", …}}` with a stable code; see docs/service.md."},
 "paths": {
  "/v1/check": {"post": {
     "operationId": "check", "summary": "Check one project",
     "description": "The body is a project file (docs/project.md). The answer is the `zonecheck.report/1` report (docs/report.md), as `zonecheck check --format json` prints it, plus `evaluated_with`.",
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("Project")}}},
     "responses": {"200": jresp("The report.", ref("Report")),
                   "422": err("The project cannot be checked (`E-PROJECT`, with `problems`: field, message, help)."),
                   **body_errors}}},
  "/v1/batch": {"post": {
     "operationId": "batch", "summary": "Check several projects",
     "description": "Results in input order; a project that cannot be checked gives an `{index, error}` entry and does not fail the batch. All projects are evaluated with the same rule set.",
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("BatchRequest")}}},
     "responses": {"200": jresp("One result per project and a summary.", ref("BatchResponse")),
                   "422": err("The body is not an object with a `projects` array (`E-BATCH`)."),
                   **body_errors}}},
  "/v1/units/{code}": {"get": {
     "operationId": "unit", "summary": "A control unit and the clauses that apply to it",
     "parameters": [{"name": "code", "in": "path", "required": True, "schema": {"type": "string"},
                     "example": "ZH32011520001"}],
     "responses": {"200": jresp("The unit, its levels and applicable clauses.", ref("Unit")),
                   "404": err("No unit with this code in the active rule set (`E-UNIT-NOT-FOUND`).")}}},
  "/v1/rulesets": {"get": {
     "operationId": "rulesets", "summary": "The loaded rule set",
     "responses": {"200": jresp("The active rule set.", {"type": "object", "required": ["rule_sets"],
        "properties": {"rule_sets": {"type": "array", "items": ref("RuleSetDescription")}}})}}},
  "/v1/admin/reload": {"post": {
     "operationId": "reload", "summary": "Reload the rule set from the `--rules` path",
     "description": "Atomic swap: requests in flight finish on the rule set they started with. A failed load keeps the previous rule set and answers 422 with the loader's diagnostics. The request body is ignored.",
     "security": [{"adminToken": []}],
     "responses": {"200": jresp("Reloaded.", {"type": "object", "required": ["reloaded", "previous", "active", "warnings"],
                      "properties": {"reloaded": {"type": "boolean"}, "previous": ident,
                                     "active": ref("RuleSetDescription"), "warnings": {"type": "integer"}}}),
                   "400": {"description": "The HTTP request itself is malformed (for example a header with bytes HTTP does not allow); answered by the HTTP layer, without a JSON body."},
                   "401": err("Missing or wrong bearer token (`E-UNAUTHORIZED`)."),
                   "403": err("No admin token configured: the admin endpoints are disabled (`E-ADMIN-DISABLED`)."),
                   "422": err("The rule set could not be loaded (`E-RELOAD-FAILED`, with `loader_code`, `diagnostics` and the still `active` rule set).")}}},
  "/healthz": {"get": {"operationId": "healthz", "summary": "The process is up",
     "responses": {"200": jresp("Up.", {"type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}})}}},
  "/readyz": {"get": {"operationId": "readyz", "summary": "A rule set is loaded",
     "responses": {"200": jresp("Ready.", {"type": "object", "required": ["status", "rule_set"],
        "properties": {"status": {"type": "string", "enum": ["ready"]}, "rule_set": ident}})}}},
  "/openapi.json": {"get": {"operationId": "openapi", "summary": "This document",
     "responses": {"200": jresp("The OpenAPI 3 document.", {"type": "object"})}}},
 },
 "components": {
  "securitySchemes": {"adminToken": {"type": "http", "scheme": "bearer",
       "description": "The token from `--admin-token-file` or `ZONECHECK_ADMIN_TOKEN`."}},
  "schemas": {
   "Error": {"type": "object", "required": ["error"], "properties": {"error": {
       "type": "object", "required": ["code", "message"], "additionalProperties": True,
       "properties": {"code": {"type": "string", "pattern": "^E-[A-Z-]+$"}, "message": {"type": "string"},
                      "help": {"type": "string"},
                      "problems": {"type": "array", "items": ref("FieldProblem")},
                      "line": {"type": "integer"}, "column": {"type": "integer"}, "limit": {"type": "integer"}}}}},
   "FieldProblem": {"type": "object", "required": ["field", "message", "help"], "properties": {
       "field": {"type": "string"}, "message": {"type": "string"}, "help": {"type": "string", "nullable": True}}},
   "Geometry": {"type": "object", "required": ["type", "coordinates"], "properties": {
       "type": {"type": "string", "enum": ["Point", "LineString", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon"]},
       "coordinates": {"type": "array", "items": {}}},
       "example": {"type": "Point", "coordinates": [118.985, 32.185]}},
   "Project": {"type": "object", "description": "A project file (docs/project.md).",
       "required": ["name", "nature", "industry", "location"], "properties": {
       "name": {"type": "string"}, "id": {"type": "string"},
       "nature": {"type": "string", "enum": ["新建", "改建", "扩建", "技术改造", "技改", "迁建"]},
       "industry": {"type": "array", "items": {"type": "string"}, "minItems": 1},
       "location": ref("Geometry"), "in_park": {"type": "boolean"},
       "emissions": {"type": "object", "additionalProperties": {"type": "object", "properties": {
           "total": {"type": "number"}, "increase": {"type": "number"}, "offset": {"type": "number"}}}},
       "facts": {"type": "object", "additionalProperties": True}, "note": {}},
       "example": {"name": "某精细化工项目", "nature": "新建", "industry": ["C2662"],
                   "location": {"type": "Point", "coordinates": [118.985, 32.185]}}},
   "Report": {"type": "object", "description": "The `zonecheck.report/1` report (docs/report.md) plus `evaluated_with`.",
       "required": ["schema", "tool", "rule_set", "project", "verdict", "verdict_label", "units", "notes", "counts", "clauses"],
       "properties": {
         "schema": {"type": "string", "enum": ["zonecheck.report/1"]}, "tool": {"type": "string"},
         "rule_set": {"type": "object", "required": ["name", "version", "content_hash"]},
         "project": {"type": "object"},
         "verdict": {"type": "string", "enum": ["violated", "needs_review", "satisfied"]},
         "verdict_label": {"type": "string"},
         "units": {"type": "array", "items": {"type": "object"}},
         "notes": {"type": "array", "items": {"type": "string"}},
         "counts": {"type": "object", "properties": {"applicable": {"type": "integer"}, "violated": {"type": "integer"},
                                                     "needs_review": {"type": "integer"}, "satisfied": {"type": "integer"}}},
         "clauses": {"type": "array", "items": {"type": "object"}},
         "evaluated_with": ident}},
   "BatchRequest": {"type": "object", "required": ["projects"], "properties": {
       "projects": {"type": "array", "items": ref("Project")}}},
   "BatchError": {"type": "object", "required": ["index", "error"], "properties": {
       "index": {"type": "integer"}, "error": {"type": "object", "required": ["code", "message"]}}},
   "BatchResponse": {"type": "object", "required": ["evaluated_with", "results", "summary"], "properties": {
       "evaluated_with": ident,
       "results": {"type": "array", "items": {"oneOf": [ref("Report"), ref("BatchError")]}},
       "summary": {"type": "object", "required": ["projects", "violated", "needs_review", "satisfied", "errors"],
                   "properties": {k: {"type": "integer"} for k in ["projects", "violated", "needs_review", "satisfied", "errors"]}}}},
   "Unit": {"type": "object", "required": ["code", "name", "type", "type_label", "admin_code", "levels", "clauses", "rule_set"],
       "properties": {
         "code": {"type": "string"}, "name": {"type": "string"},
         "type": {"type": "string", "enum": ["Priority", "Key", "General"]}, "type_label": {"type": "string"},
         "admin_code": {"type": "string"},
         "levels": {"type": "array", "items": {"type": "object", "required": ["name", "scope"],
                    "properties": {"name": {"type": "string"}, "scope": {"type": "string"}}}},
         "clauses": {"type": "array", "items": {"type": "object",
              "required": ["id", "level", "dimension", "dimension_label", "effect", "text", "source"],
              "properties": {"id": {"type": "string"}, "level": {"type": "string"},
                             "dimension": {"type": "string", "enum": ["SpatialLayout", "PollutantEmissions", "EnvironmentalRisk", "ResourceEfficiency"]},
                             "dimension_label": {"type": "string"},
                             "effect": {"type": "string", "enum": ["forbid", "require", "limit", "review"]},
                             "text": {"type": "string"},
                             "source": {"type": "object", "required": ["file", "line", "column"]}}}},
         "rule_set": ident}},
   "RuleSetDescription": {"type": "object",
       "required": ["name", "version", "issuer", "effective", "content_hash", "units", "clauses", "levels", "loaded_at", "generation", "active"],
       "properties": {"name": {"type": "string"}, "version": {"type": "string"}, "issuer": {"type": "string"},
                      "effective": {"type": "string"}, "supersedes": {"type": "string", "nullable": True},
                      "content_hash": {"type": "string"}, "units": {"type": "integer"}, "clauses": {"type": "integer"},
                      "levels": {"type": "integer"}, "loaded_at": {"type": "string", "format": "date-time"},
                      "generation": {"type": "integer"}, "active": {"type": "boolean"}}},
  }},
}
print(json.dumps(doc, ensure_ascii=False, indent=2))
