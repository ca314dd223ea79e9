"""check_answers: every answer the test suites recorded must be one the API
document promises (docs/openapi.md).

Reads the answers-*.jsonl files that tests/http/harness.py's Recorder (and
the module template's test) wrote into a directory, and validates each
against the OpenAPI document of the server that gave it: the operation
for its method and path, the response for its status (or "default"), and
the body against that response's schema, with Debian's python3-jsonschema.
Answers to paths no operation has (a 404 "no such route", an unknown
method) must be error envelopes; static files of the web UI are counted
and left alone. The request's query is checked too: a success's
parameters must each be declared by the operation (unless it says it may
read more, x-erp-query-open) with a value its schema allows, and a 422
that refuses a parameter as unknown must name one the document does not
declare. Exits 1 naming every answer outside the document.

Usage: check_answers.py DIR [--erpd ERPD] [--require PATH ...]
  --erpd     erpd binary whose `erpd openapi` checks answers recorded
             without a document (a server that never answered its own)
  --require  operation paths that must be in every document (a module's)
"""

import argparse
import base64
import glob
import json
import os
import re
import subprocess
import sys
import urllib.parse

import jsonschema

METHODS = ("get", "put", "post", "delete", "patch")


def load_records(directory):
    records = []
    for name in sorted(glob.glob(os.path.join(directory, "answers-*.jsonl"))):
        with open(name, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                rec = json.loads(line)
                rec["where"] = "%s:%d" % (os.path.basename(name), n)
                records.append(rec)
    return records


class Document:
    """One OpenAPI document, with its paths split for matching."""

    def __init__(self, doc):
        self.doc = doc
        self.paths = []
        for template, item in doc.get("paths", {}).items():
            self.paths.append((template.strip("/").split("/"), template,
                               item))
        self.resolver = jsonschema.RefResolver.from_schema(doc)

    def match(self, path):
        """The (template, path item) for a request path, the most literal
        first, as the server's router picks; (None, None) if none."""
        segs = path.split("?", 1)[0].strip("/").split("/")
        best, best_score = (None, None), -1
        for tsegs, template, item in self.paths:
            if len(tsegs) != len(segs):
                continue
            score = 0
            for t, s in zip(tsegs, segs):
                if t.startswith("{") and t.endswith("}"):
                    if s == "":
                        break
                    score <<= 1
                    continue
                if t != s:
                    break
                score = (score << 1) | 1
            else:
                if score > best_score:
                    best, best_score = (template, item), score
        return best

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def validate(self, schema, value):
        """The first validation error's text, or None."""
        v = jsonschema.Draft202012Validator(schema, resolver=self.resolver)
        err = jsonschema.exceptions.best_match(v.iter_errors(value))
        if err is None:
            return None
        where = "/".join(str(p) for p in err.absolute_path) or "(top)"
        return "%s: %s" % (where, err.message[:300])

    def error_schema(self):
        return {"$ref": "#/components/schemas/Error"}


def body_of(rec):
    if "body_base64" in rec:
        return base64.b64decode(rec["body_base64"]), False
    return rec.get("body", "").encode("utf-8"), True


def check_error(doc, rec, text):
    """An answer no operation covers must be an error envelope."""
    if rec["status"] < 400:
        return "a %d answer to a path or method the document does not " \
               "have" % rec["status"]
    try:
        value = json.loads(text)
    except ValueError:
        return "a %d answer that is not the JSON error envelope" % \
               rec["status"]
    return doc.validate(doc.error_schema(), value)


def query_value(schema, text):
    """A query parameter's text as the JSON value its schema's type
    reads it as (text that is no such value stays text, and fails)."""
    kind = schema.get("type")
    if kind == "integer" and re.fullmatch(r"-?[0-9]+", text):
        return int(text)
    if kind == "boolean" and text in ("true", "false"):
        return text == "true"
    return text


def check_query(doc, op, rec, checked):
    """None if the request's query is one the operation declares, else
    why not; counts the parameters checked into checked[0]."""
    if "?" not in rec["path"]:
        return None
    declared = {}
    for p in op.get("parameters", []):
        p = doc.resolve(p)
        if p.get("in") == "query":
            declared[p["name"]] = p
    pairs = urllib.parse.parse_qsl(rec["path"].split("?", 1)[1],
                                   keep_blank_values=True)
    if rec["status"] == 422:
        try:
            fields = json.loads(body_of(rec)[0])["error"].get("fields", [])
        except (ValueError, KeyError, AttributeError):
            return None
        for f in fields:
            if f.get("code") == "unknown" and f.get("field") in declared \
                    and f["field"] in dict(pairs):
                checked[0] += 1
                return "the server refused query parameter %r as unknown, " \
                       "which the document declares" % f["field"]
        return None
    if rec["status"] >= 400:
        return None
    for name, text in pairs:
        checked[0] += 1
        p = declared.get(name)
        if p is None:
            if op.get("x-erp-query-open"):
                continue
            return "query parameter %r is not declared" % name
        why = doc.validate(p.get("schema", {}),
                           query_value(p.get("schema", {}), text))
        if why is not None:
            return "query parameter %s=%r: %s" % (name, text, why)
    return None


def check_one(doc, rec, checked):
    """None if the answer is in the document, else why not; or "static"
    for a web UI file."""
    method = rec["method"].lower()
    path = rec["path"]
    raw, is_text = body_of(rec)
    text = raw.decode("utf-8") if is_text else None
    template, item = doc.match(path)
    if method == "options":
        # CORS preflight (docs/api.md): 204 or an error envelope
        if rec["status"] == 204 and not raw:
            return None
        return check_error(doc, rec, text or "")
    api = path.startswith("/api/") or path.split("?")[0] in (
        "/healthz", "/readyz", "/metrics")
    if template is None:
        if not api and rec["status"] < 400 or (
                not api and not rec["content_type"].startswith(
                    "application/json")):
            return "static"
        return check_error(doc, rec, text or "")
    head = method == "head"
    op = item.get("get" if head else method)
    if op is None:
        if rec["status"] in (405, 400, 408, 413, 414, 431, 505):
            return check_error(doc, rec, text or "")
        return "%s is not an operation of %s" % (method.upper(), template)
    why = check_query(doc, op, rec, checked)
    if why is not None:
        return why
    responses = op.get("responses", {})
    status = str(rec["status"])
    response = responses.get(status, responses.get(status[0] + "XX"))
    if response is None:
        if rec["status"] < 400:
            return "status %s is not declared for %s %s" % (
                status, method.upper(), template)
        response = responses.get("default")
        if response is None:
            return "status %s is not declared for %s %s (no default)" % (
                status, method.upper(), template)
    response = doc.resolve(response)
    content = response.get("content")
    if head:
        return None if not raw else "HEAD answered with a body"
    if not content or (not raw and "*/*" in content):
        return None if not raw else \
            "a body where %s %s %s declares none (declare the route's " \
            "answer: rt_reply, docs/openapi.md)" % (
                method.upper(), template, status)
    ctype = rec["content_type"].split(";")[0].strip()
    media = content.get(ctype, content.get(ctype.split("/")[0] + "/*",
                                           content.get("*/*")))
    if media is None:
        return "content type %r is not declared for %s %s %s" % (
            ctype, method.upper(), template, status)
    if ctype != "application/json" or not media.get("schema"):
        return None
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return "a body that is not JSON"
    return doc.validate(media.get("schema", {}), value)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("directory")
    ap.add_argument("--erpd")
    ap.add_argument("--require", action="append", default=[])
    args = ap.parse_args()

    records = load_records(args.directory)
    docs = {}

    def document(name):
        if name not in docs:
            if name is None:
                if not args.erpd:
                    return None
                out = subprocess.run([args.erpd, "openapi"], check=True,
                                     capture_output=True, text=True).stdout
                docs[name] = Document(json.loads(out))
            else:
                with open(os.path.join(args.directory, name)) as f:
                    docs[name] = Document(json.load(f))
        return docs[name]

    failures = []
    validated = static = 0
    checked = [0]       # query parameters
    operations = set()
    for rec in records:
        doc = document(rec.get("doc"))
        if doc is None:
            failures.append((rec, "no API document for this server"))
            continue
        why = check_one(doc, rec, checked)
        if why == "static":
            static += 1
        elif why is None:
            validated += 1
            template, _ = doc.match(rec["path"])
            if template is not None:
                operations.add((rec["method"].upper(), template))
        else:
            failures.append((rec, why))
    for name in list(docs):
        for path in args.require:
            if path not in docs[name].doc.get("paths", {}):
                failures.append(({"where": name, "method": "-",
                                  "path": path, "status": "-"},
                                 "the document lacks a required path"))
    for rec, why in failures[:100]:
        print("FAIL %s %s %s -> %s: %s" % (
            rec["where"], rec["method"], rec["path"], rec["status"], why))
    print("%d answers validated against their documents (%d documents, "
          "%d operations answered, %d query parameters), %d static files "
          "left alone, %d outside the document" % (
              validated, len(docs), len(operations), checked[0], static,
              len(failures)))
    if not records:
        print("no answers were recorded in %s" % args.directory)
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
