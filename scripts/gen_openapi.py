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
  "/": {"get": {"operationId": "selfCheckPage", "summary": "The enterprise self-check page (企业自查)",
     "description": "HTML, in Chinese; its script and style are served from /assets/. The page loads nothing from outside the service (`Content-Security-Policy: default-src 'self'`).",
     "responses": {"200": {"description": "The page.", "content": {"text/html": {"schema": {"type": "string"}}}}}}},
  "/assets/app.js": {"get": {"operationId": "selfCheckScript", "summary": "The self-check page's script",
     "responses": {"200": {"description": "JavaScript.", "content": {"text/javascript": {"schema": {"type": "string"}}}}}}},
  "/assets/style.css": {"get": {"operationId": "selfCheckStyle", "summary": "The self-check page's style sheet",
     "responses": {"200": {"description": "CSS.", "content": {"text/css": {"schema": {"type": "string"}}}}}}},
  "/v1/industries": {"get": {"operationId": "industries", "summary": "The GB/T 4754-2017 industry classification as a tree",
     "description": "Sections (门类) → divisions (大类) → groups (中类) → classes (小类), each with its code and Chinese name; for industry pickers.",
     "responses": {"200": jresp("The tree.", ref("IndustryTree"))}}},
  "/v1/schema": {"get": {"operationId": "schema", "summary": "The facts and pollutants the active rule set asks about",
     "description": "The facts a project may state under `facts` (besides the built-in nature, industry and in_park), with their type, unit, allowed values and description, and the pollutants `emissions` may list.",
     "responses": {"200": jresp("The schema.", ref("RuleSetSchema"))}}},
  "/v1/report.html": {"post": {
     "operationId": "reportHtml", "summary": "Check one project; answer the HTML report",
     "description": "The same body as /v1/check (a `site` upload allowed). The answer is the self-contained HTML report (`zonecheck check --format html`). Errors are JSON, as for /v1/check.",
     "parameters": [{"name": "download", "in": "query", "required": False,
                     "schema": {"type": "integer", "enum": [0, 1]},
                     "description": "1: answer with `Content-Disposition: attachment; filename=\"zonecheck-<id or name>.html\"`."}],
     "requestBody": {"required": True, "content": {"application/json": {"schema": ref("Project")}}},
     "responses": {"200": {"description": "The report page.", "content": {"text/html": {"schema": {"type": "string"}}},
                           "headers": {"Content-Disposition": {"description": "With `download=1` only.", "schema": {"type": "string"}}}},
                   "422": err("The project cannot be checked (`E-PROJECT`, with `problems`: field, message, help)."),
                   **body_errors,
                   "400": err("The body is not valid JSON (`E-JSON`) or could not be read (`E-BODY`), or `download` is not 0 or 1 (`E-QUERY`).")}}},
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
   "Project": {"type": "object", "description": "A project file (docs/project.md). The site is either `location` (GeoJSON geometry or WKT) or `site` (an uploaded site file).",
       "required": ["name", "nature", "industry"], "properties": {
       "name": {"type": "string"}, "id": {"type": "string"},
       "nature": {"type": "string", "enum": ["新建", "改建", "扩建", "技术改造", "技改", "迁建"]},
       "industry": {"type": "array", "items": {"type": "string"}, "minItems": 1},
       "location": ref("Geometry"), "site": ref("SiteUpload"),
       "crs": {"type": "string", "description": "the coordinate system of `location` or the declaration for `site` (docs/crs.md)"},
       "in_park": {"type": "boolean"},
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
   "SiteUpload": {"type": "object", "description": "A site file, base64-encoded; a shapefile as a .zip of its .shp, .shx, .dbf (and .prj). Problems are reported on the field `site` (or `crs`).",
       "required": ["format", "data_base64"], "properties": {
       "format": {"type": "string", "enum": ["geojson", "wkt", "shapefile", "kml", "table", "land_txt"]},
       "filename": {"type": "string"}, "data_base64": {"type": "string", "format": "byte"}}},
   "IndustryNode": {"type": "object", "required": ["code", "name"], "properties": {
       "code": {"type": "string"}, "name": {"type": "string"},
       "divisions": {"type": "array", "items": {"$ref": "#/components/schemas/IndustryNode"}},
       "groups": {"type": "array", "items": {"$ref": "#/components/schemas/IndustryNode"}},
       "classes": {"type": "array", "items": {"$ref": "#/components/schemas/IndustryNode"}}}},
   "IndustryTree": {"type": "object", "required": ["standard", "counts", "sections"], "properties": {
       "standard": {"type": "string"},
       "counts": {"type": "object", "properties": {k: {"type": "integer"} for k in ["sections", "divisions", "groups", "classes"]}},
       "sections": {"type": "array", "items": ref("IndustryNode")}}},
   "RuleSetSchema": {"type": "object", "required": ["rule_set", "natures", "facts", "pollutants", "emission_figures", "emission_unit"], "properties": {
       "rule_set": ident,
       "natures": {"type": "array", "items": {"type": "string"}},
       "facts": {"type": "array", "items": {"type": "object", "required": ["name", "type"], "properties": {
           "name": {"type": "string"}, "description": {"type": "string", "nullable": True},
           "type": {"type": "string", "enum": ["number", "bool", "enum", "set", "industry"]},
           "unit": {"type": "string"}, "values": {"type": "array", "items": {"type": "string"}}}}},
       "pollutants": {"type": "array", "items": {"type": "string"}},
       "emission_figures": {"type": "array", "items": {"type": "string"}},
       "emission_unit": {"type": "string"}}},
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
