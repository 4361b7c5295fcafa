"""OData query options ($filter, $select, $top, $expand, $count, $skiptoken), paging and response shaping."""

import base64
import hashlib
import hmac
import json
import re
import uuid
from urllib.parse import parse_qsl, quote

from .errors import DIRECTORY, GraphError, bad_request, unsupported_query

# concepts/paging.md: directory collections take $top from 1 to 999 (the default page is 100).
MAX_TOP = 999
_TOKEN = re.compile(r"""\s*(?:(?P<str>'(?:[^']|'')*')|(?P<punct>[(),])|(?P<num>-?\d+(?:\.\d+)?)(?![\w.])|(?P<word>[A-Za-z_$@][\w./@$-]*))""")


def new_id():
    """A fresh object id (Graph ids are lower-case GUIDs)."""
    return str(uuid.uuid4())


def iso_z(moment, fraction=False):
    """UTC timestamp with a ``Z``: whole seconds as the directory writes them, or 7 fractional digits (``fraction``) as
    the newer workloads do."""
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- query options ------------------------------------------------------------------------------------------------
class Query:  # pylint: disable=too-many-instance-attributes,too-few-public-methods
    """Parsed query string. ``params`` keeps every pair in order (for nextLink); ``custom`` the non-``$`` ones."""

    def __init__(self, raw):
        self.raw = raw or ""
        self.params = parse_qsl(self.raw, keep_blank_values=True)
        self.options = {}
        self.custom = {}
        for key, value in self.params:
            if key.startswith("$"):
                name = key.lower()
                if name in self.options:
                    # Assumption: a repeated $option is a 400 (OData forbids it; no Graph page shows the answer).
                    raise bad_request(f"Query option '{key}' was specified more than once, it must be specified at most once.")
                self.options[name] = value
            else:
                self.custom[key] = value
        self.filter = self.options.get("$filter")
        self.select = _split_list(self.options["$select"]) if "$select" in self.options else None
        self.expand = _split_expand(self.options["$expand"]) if "$expand" in self.options else None
        self.skiptoken = self.options.get("$skiptoken")
        self.count = self._count()
        self.top = self._top()

    def _top(self):
        # Assumption: the wording of Graph's $top errors (no docs page quotes them).
        if "$top" not in self.options:
            return None
        text = self.options["$top"]
        if not re.fullmatch(r"\d+", text.strip()):
            raise bad_request(f"Invalid value '{text}' for $top query option found. The $top query option requires a "
                              "non-negative integer value.")
        value = int(text)
        if not 1 <= value <= MAX_TOP:
            raise bad_request(f"Invalid page size specified: '{value}'. Must be between 1 and {MAX_TOP} inclusive.")
        return value

    def _count(self):
        text = self.options.get("$count")
        if text is None:
            return False
        if text.lower() not in ("true", "false"):
            raise bad_request(f"Invalid value '{text}' for $count query option found. Valid values are 'true' and 'false'.")
        return text.lower() == "true"

    def reject(self, *names, dialect=DIRECTORY):
        """400 for any of the ``$`` options in ``names`` that is present (options the endpoint does not implement).

        concepts/query-parameters.md: "Support for query parameters varies from one API operation to another"; each
        endpoint's page lists the options it supports, and an unsupported one is refused (Assumption: with 400)."""
        for name in names:
            if name in self.options:
                raise unsupported_query(f"The query option '{name}' is not supported by this endpoint.", dialect)


def _split_list(text):
    return [part.strip() for part in text.split(",") if part.strip()]


def _split_expand(text):
    """``members($select=id),owners`` -> ``[("members", Query("$select=id")), ("owners", Query(""))]``."""
    items, depth, current = [], 0, ""
    for char in text + ",":
        if char == "," and depth == 0:
            if current.strip():
                items.append(current.strip())
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    result = []
    for item in items:
        name, _paren, rest = item.partition("(")
        result.append((name.strip(), Query(rest[:-1].replace(";", "&") if rest.endswith(")") else "")))
    return result


# -- $filter ------------------------------------------------------------------------------------------------------
class Filter:
    """A parsed ``$filter`` of the supported subset: ``path eq literal``, ``path in (literal, ...)``,
    ``startswith(path, 'text')``, ``and``, parentheses. Literals: 'strings', true, false, null, numbers."""

    def __init__(self, text, dialect=DIRECTORY):
        self.text = text
        self.dialect = dialect
        self._tokens = self._tokenize(text)
        self._pos = 0
        self.paths = set()
        self.tree = self._expr()
        if self._pos != len(self._tokens):
            raise self._unsupported()

    def _unsupported(self):
        # concepts/aad-advanced-queries.md: an operator or property a page does not support answers 400
        # Request_UnsupportedQuery (directory) / BadRequest (newer workloads).
        return unsupported_query("Unsupported Query.", self.dialect)

    def _tokenize(self, text):
        tokens, pos = [], 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if not match:
                raise bad_request(f"Invalid filter clause: syntax error at position {pos} in '{text}'.", self.dialect)
            kind = match.lastgroup
            value = match.group(kind)
            if kind == "str":
                tokens.append(("lit", value[1:-1].replace("''", "'")))
            elif kind == "num":
                tokens.append(("lit", float(value) if "." in value else int(value)))
            elif kind == "word" and value in ("true", "false", "null"):
                tokens.append(("lit", {"true": True, "false": False, "null": None}[value]))
            else:
                tokens.append((kind, value))
            pos = match.end()
        return tokens

    def _peek(self):
        return self._tokens[self._pos] if self._pos < len(self._tokens) else (None, None)

    def _take(self, kind=None, value=None):
        token = self._peek()
        if token[0] is None or (kind and token[0] != kind) or (value is not None and token[1] != value):
            raise self._unsupported()
        self._pos += 1
        return token

    def _expr(self):
        node = self._primary()
        while self._peek() == ("word", "and"):
            self._pos += 1
            node = ("and", node, self._primary())
        return node

    def _primary(self):
        if self._peek() == ("punct", "("):
            self._pos += 1
            node = self._expr()
            self._take("punct", ")")
            return node
        if self._peek()[0] == "word" and self._peek()[1].lower() == "startswith":
            # concepts/filter-query-parameter.md: startsWith(property, 'value'), case-insensitive on directory strings.
            self._pos += 1
            self._take("punct", "(")
            path = self._take("word")[1]
            self._take("punct", ",")
            prefix = self._take("lit")[1]
            self._take("punct", ")")
            if not isinstance(prefix, str):
                raise self._unsupported()
            self.paths.add(path)
            return ("startswith", path, prefix)
        path = self._take("word")[1]
        operator = self._take("word")[1]
        if operator == "eq":
            node = ("eq", path, self._take("lit")[1])
        elif operator == "in":
            self._take("punct", "(")
            values = [self._take("lit")[1]]
            while self._peek() == ("punct", ","):
                self._pos += 1
                values.append(self._take("lit")[1])
            self._take("punct", ")")
            node = ("in", path, values)
        else:
            raise self._unsupported()
        self.paths.add(path)
        return node

    def check(self, allowed, resource):
        """400 unless every property path used is in ``allowed`` (the properties the endpoint can filter on)."""
        for path in sorted(self.paths):
            if path not in allowed:
                raise unsupported_query(f"Unsupported or invalid query filter clause specified for property '{path}' of "
                                        f"resource '{resource}'.", self.dialect)

    def matches(self, obj, resolve=None):
        """Evaluate against ``obj``; ``resolve(obj, path)`` reads a property path (default: walk nested dicts)."""
        return self._eval(self.tree, obj, resolve or resolve_path)

    def _eval(self, node, obj, resolve):
        if node[0] == "and":
            return self._eval(node[1], obj, resolve) and self._eval(node[2], obj, resolve)
        actual = resolve(obj, node[1])
        if node[0] == "startswith":
            return isinstance(actual, str) and actual.lower().startswith(node[2].lower())
        if node[0] == "eq":
            return _equal(actual, node[2])
        return any(_equal(actual, value) for value in node[2])


def resolve_path(obj, path):
    """``a/b`` -> ``obj["a"]["b"]`` (None when any step is missing)."""
    value = obj
    for step in path.split("/"):
        if not isinstance(value, dict):
            return None
        value = value.get(step)
    return value


def _equal(actual, expected):  # concepts/filter-query-parameter.md: eq on directory strings ignores case
    # Directory string comparisons are case-insensitive (so are GUIDs).
    if isinstance(actual, str) and isinstance(expected, str):
        return actual.lower() == expected.lower()
    if isinstance(actual, bool) or isinstance(expected, bool):
        return actual is expected
    return actual == expected


def _search(ctx, items, searchable, advanced):
    """``$search="property:words"``: concepts/search-query-parameter.md (directory objects: tokenized prefix match on
    displayName and description; several clauses joined by AND / OR). Only with ConsistencyLevel: eventual
    (concepts/aad-advanced-queries.md)."""
    if not advanced:
        raise unsupported_query("Request with $search query parameter only works through MSGraph with a special "
                                "request header: 'ConsistencyLevel: eventual'")
    text = ctx.query.options["$search"].strip()
    clauses = re.findall(r'"([^"]*)"|(\bAND\b|\bOR\b)', text)
    if not clauses or not text.startswith('"'):
        raise bad_request("Syntax error: character '%s' is not valid at position 0 in '%s'." % (text[:1], text))
    result, operator = None, "AND"
    for clause, joiner in clauses:
        if joiner:
            operator = joiner
            continue
        prop, colon, words = clause.partition(":")
        if not colon or prop not in searchable:
            raise bad_request(f"Invalid search property '{prop}'.")
        tokens = [w.lower() for w in re.split(r"\W+", words) if w]
        hits = {obj["id"] for obj in items
                if all(any(part.startswith(t) for part in re.split(r"\W+", str(obj.get(prop) or "").lower())) for t in tokens)}
        result = hits if result is None else (result & hits if operator == "AND" else result | hits)
    return [obj for obj in items if obj["id"] in (result or set())]


def _order(query, items, orderable, advanced, dialect):
    """``$orderby=prop [asc|desc]``. concepts/aad-advanced-queries.md: group/user displayName sorts by default;
    with $filter it needs the advanced query parameters (ConsistencyLevel: eventual and $count=true)."""
    clauses = [part.split() for part in _split_list(query.options["$orderby"])]
    if len(clauses) != 1 or len(clauses[0]) > 2 or clauses[0][0] not in orderable or \
            (len(clauses[0]) == 2 and clauses[0][1].lower() not in ("asc", "desc")):
        raise unsupported_query("Unsupported sort property.", dialect)
    if query.filter is not None and dialect == DIRECTORY and not advanced:
        raise unsupported_query("Sorting not supported for current query.", dialect)
    prop, descending = clauses[0][0], len(clauses[0]) == 2 and clauses[0][1].lower() == "desc"
    return sorted(items, key=lambda obj: (obj.get(prop) is None, str(obj.get(prop) or "").lower()), reverse=descending)


# -- shaping --------------------------------------------------------------------------------------------------------
def check_select(select, schema):
    """400 for a $select naming a property the type does not declare (Assumption: Graph's OData layer refuses
    unknown properties in $select; no page shows the answer)."""
    for prop in select or ():
        if not schema.has(prop):
            raise bad_request(f"Could not find a property named '{prop}' on type '{schema.name}'.", schema.dialect)


def shape(obj, select=None, defaults=None, odata_type=None):
    """The JSON of one object: $select (plus ``id``) or the default property set, with ``@odata.type`` first if given."""
    out = {"@odata.type": odata_type} if odata_type else {}
    if select:
        if "id" in obj:
            out["id"] = obj["id"]
        for prop in select:
            if prop in obj:
                out[prop] = obj[prop]
            else:
                out[prop] = None
    elif defaults:
        out.update({key: obj.get(key) for key in defaults})
    else:
        out.update(obj)
    return out


def context_url(ctx, entity_set, select=None, entity=False):
    """``@odata.context`` for a collection (``groups``) or, with ``entity``, a single item (``groups/$entity``)."""
    suffix = f"({','.join(select)})" if select else ""
    return f"{ctx.base_url}/{ctx.version}/$metadata#{entity_set}{suffix}" + ("/$entity" if entity else "")


def expand(ctx, obj, out, query, expanders, schema):  # pylint: disable=too-many-arguments,too-many-positional-arguments
    """Apply ``$expand``: ``expanders`` maps a navigation property to ``func(ctx, obj, sub_query) -> value``."""
    for name, sub_query in query.expand or ():
        func = (expanders or {}).get(name)
        if func is None:
            raise bad_request(f"Could not find a property named '{name}' on type '{schema.name}'.", schema.dialect)
        out[name] = func(ctx, obj, sub_query)
    return out


def item_response(ctx, obj, entity_set, schema, defaults=None,  # pylint: disable=too-many-arguments,too-many-positional-arguments
                  expanders=None, odata_type=None):
    """200 body for a single object honouring $select / $expand."""
    query = ctx.query
    check_select(query.select, schema)
    body = {"@odata.context": context_url(ctx, entity_set, query.select, entity=True)}
    body.update(shape(obj, query.select, defaults, odata_type))
    return 200, expand(ctx, obj, body, query, expanders, schema)


# -- paging -----------------------------------------------------------------------------------------------------
# concepts/paging.md: @odata.nextLink carries an opaque $skiptoken; use the whole URL, never parse the token.
def _sign(ctx, payload):
    return hmac.new(ctx.paging_key, payload, hashlib.sha256).digest()[:12]


def _skiptoken(ctx, last_key):
    payload = json.dumps({"after": last_key, "path": ctx.path}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + _sign(ctx, payload)).decode().rstrip("=")


def _read_skiptoken(ctx, token, dialect):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload, signature = raw[:-12], raw[-12:]
        if not hmac.compare_digest(signature, _sign(ctx, payload)):
            raise ValueError("bad signature")
        data = json.loads(payload)
        if data["path"] != ctx.path:
            raise ValueError("token from another collection")
        return data["after"]
    except (ValueError, KeyError, TypeError) as exc:
        # Assumption: a forged or foreign token is refused like an expired one (Directory_ExpiredPageToken).
        if dialect == DIRECTORY:
            raise GraphError(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no "
                                  "longer be included in your request.") from exc
        raise bad_request("The $skiptoken value is not valid.", dialect) from exc


def _next_link(ctx, token):
    pairs = [(k, v) for k, v in ctx.query.params if k.lower() != "$skiptoken"] + [("$skiptoken", token)]
    query = "&".join(quote(k, safe="$") + "=" + quote(v, safe="$'(),/:@") for k, v in pairs)
    return f"{ctx.base_url}/{ctx.version}{ctx.path}?{query}"


def list_response(ctx, items, entity_set, schema, **options):  # pylint: disable=too-many-locals
    """200 body for a collection: $filter, stable keyset paging ($top / $skiptoken), $count, $select, $expand.

    ``items`` are in a stable order. Options: ``filterable`` (property paths $filter may use; None = no $filter),
    ``resolve(obj, path)`` for filter paths, ``key(obj)`` (ascending paging key, default the creation sequence),
    ``page_size`` (default 100), ``defaults`` (default property set), ``odata_type(obj)`` (adds ``@odata.type``),
    ``shaper(obj, select) -> dict`` (replaces the default shaping), ``expanders``, ``hide_lagging`` (default True:
    objects inside a replication-lag window drop out of filtered results).
    """
    query = ctx.query
    dialect = schema.dialect
    advanced = dialect == DIRECTORY and ctx.headers.get("ConsistencyLevel", "").lower() == "eventual"
    query.reject("$skip", *(() if options.get("orderable") else ("$orderby",)),
                 *(() if options.get("searchable") else ("$search",)), dialect=dialect)
    check_select(query.select, schema)
    key = options.get("key") or (lambda obj: ctx.state.seq(obj["id"]))
    # concepts/aad-advanced-queries.md ("Error handling for advanced queries"): without ConsistencyLevel: eventual a
    # directory list silently ignores ?$count=true.
    counting = query.count and (advanced or dialect != DIRECTORY)
    items = list(items)
    if "$search" in query.options:
        items = _search(ctx, items, options["searchable"], advanced)
    if query.filter is not None:
        filterable = options.get("filterable")
        if not filterable:
            raise unsupported_query("Unsupported Query.", dialect)
        parsed = Filter(query.filter, dialect)
        parsed.check(filterable, schema.resource)
        resolve = options.get("resolve")
        items = [obj for obj in items if parsed.matches(obj, resolve)]
        if options.get("hide_lagging", True):
            items = [obj for obj in items if ctx.visible(obj.get("id"))]
    if "$orderby" in query.options:
        items = _order(query, items, options["orderable"], advanced and query.count, dialect)
        # Sorted pages are not keyset-ordered by creation: page by position in the sorted list instead.
        positions = {obj["id"]: index for index, obj in enumerate(items)}

        def key(obj):
            return positions[obj["id"]]
    total = len(items)
    if query.skiptoken is not None:
        after = _read_skiptoken(ctx, query.skiptoken, dialect)
        items = [obj for obj in items if key(obj) > after]
    size = query.top or options.get("page_size", 100)
    page, rest = items[:size], items[size:]
    odata_type = options.get("odata_type")
    shaper = options.get("shaper") or (
        lambda obj, select: shape(obj, select, options.get("defaults"), odata_type(obj) if odata_type else None))
    values = []
    for obj in page:
        out = shaper(obj, query.select)
        values.append(expand(ctx, obj, out, query, options.get("expanders"), schema))
    body = {"@odata.context": context_url(ctx, entity_set, query.select)}
    if counting and query.skiptoken is None:
        body["@odata.count"] = total
    if rest:
        body["@odata.nextLink"] = _next_link(ctx, _skiptoken(ctx, key(page[-1])))
    body["value"] = values
    return 200, body
