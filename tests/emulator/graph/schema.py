"""Declared entity/complex-type schemas and strict request-body validation (unknown or mistyped properties are a 400)."""

import datetime
import re
import uuid

from .errors import DIRECTORY, bad_request

_DURATION = re.compile(r"^-?P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
_INT_RANGES = {"Int32": (-2 ** 31, 2 ** 31 - 1), "Int64": (-2 ** 63, 2 ** 63 - 1)}


def _is_datetime(value):
    try:
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _is_guid(value):
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


class Prop:  # pylint: disable=too-few-public-methods,too-many-instance-attributes
    """One declared property.

    ``type`` is an Edm primitive name (String, Boolean, Int32, Int64, Double, DateTimeOffset, Duration, Guid), "Object"
    for a complex type described by ``schema``, or "Any" for free JSON. ``check(value) -> bool`` adds a
    service-side rule on top of the type (e.g. allowed characters).
    """

    def __init__(self, type_="String", *, collection=False,  # pylint: disable=too-many-arguments
                 read_only=False, required=False, nullable=True,
                 enum=None, schema=None, check=None, max_length=None):
        self.type = type_
        self.collection = collection
        self.read_only = read_only
        self.required = required
        self.nullable = nullable
        self.enum = tuple(enum) if enum else None
        self.schema = schema
        self.check = check
        self.max_length = max_length


class Schema:
    """An entity or complex type: ``name`` like ``microsoft.graph.group``; ``resource`` is the short name directory
    errors use ("Group"). ``binds`` lists navigation properties settable with ``name@odata.bind`` (value: "single" or
    "collection"). ``derived`` maps ``@odata.type`` values to schemas of derived types."""

    def __init__(self, name, props, *, resource=None, binds=None, derived=None, abstract=False,  # pylint: disable=too-many-arguments
                 dialect=DIRECTORY):
        self.name = name
        self.props = dict(props)
        self.resource = resource or name.rsplit(".", 1)[-1][:1].upper() + name.rsplit(".", 1)[-1][1:]
        self.binds = dict(binds or {})
        self.derived = {key.lstrip("#"): value for key, value in (derived or {}).items()}
        self.abstract = abstract
        self.dialect = dialect

    def has(self, prop):
        """True when ``prop`` is declared (read-only included), on this type or, for $select, on a derived type."""
        return prop in self.props or any(sub.has(prop) for sub in self.derived.values())

    def find_type(self, name):
        """This schema or a (transitively) derived one whose type name is ``name``, else None."""
        if name.lower() == self.name.lower():
            return self
        for sub in self.derived.values():
            found = sub.find_type(name)
            if found is not None:
                return found
        return None

    def odata_type(self):
        """The ``@odata.type`` value of this type."""
        return "#" + self.name

    # -- messages ---------------------------------------------------------------------------------------------
    def unknown(self, prop):
        """400 for a property the type does not declare. Each type's declared properties follow its resource page
        (api-reference/*/resources/*.md, cited where the schema is built); Assumption: the wording of the refusal."""
        if self.dialect == DIRECTORY:
            return bad_request(f"Property '{prop}' does not exist as a declared property or extension property.")
        return bad_request(f"The property '{prop}' does not exist on type '{self.name}'. Make sure to only use property "
                           "names that are defined by the type or mark the type as open type.", self.dialect)

    def invalid(self, prop, value=None, type_=None):
        """400 for a value of the wrong type or outside what the service accepts."""
        if self.dialect == DIRECTORY:
            return bad_request(f"Invalid value specified for property '{prop}' of resource '{self.resource}'.")
        literal = value if isinstance(value, str) else repr(value)
        return bad_request(f"Invalid value for property '{prop}' of type '{self.name}': cannot convert the literal "
                           f"'{literal}' to the expected type 'Edm.{type_ or 'String'}'.", self.dialect)

    def required(self, prop):
        """400 for a missing required property ("Required" in the create/update page's request body table)."""
        if self.dialect == DIRECTORY:
            return bad_request(f"A value is required for property '{prop}' of resource '{self.resource}'.")
        return bad_request(f"The property '{prop}' is required on type '{self.name}'.", self.dialect)

    def read_only(self, prop):
        """400 for an attempt to set a property its resource page marks read-only (Assumption: refused, not ignored)."""
        if self.dialect == DIRECTORY:
            return bad_request(f"Property '{prop}' is read-only and cannot be set.")
        return bad_request(f"The property '{prop}' on type '{self.name}' is read-only and cannot be set.", self.dialect)

    # -- validation -------------------------------------------------------------------------------------------
    def resolve(self, body):
        """The schema that applies to ``body``: a derived type named by its ``@odata.type``, or this one."""
        odata_type = body.get("@odata.type")
        if odata_type is None:
            if self.abstract:
                raise bad_request(f"An '@odata.type' annotation is required for the abstract type '{self.name}'.",
                                  self.dialect)
            return self
        if not isinstance(odata_type, str):
            raise self.invalid("@odata.type", odata_type)
        found = self.find_type(odata_type.lstrip("#"))
        if found is not None:
            return found
        raise bad_request(f"A type named '{odata_type.lstrip('#')}' could not be resolved by the model. When a model is available, "
                          "each type name must resolve to a valid type.", self.dialect)

    def validate(self, body, mode="create"):
        """Check a request body; ``mode`` is "create" (POST), "update" (PATCH) or "replace" (PUT).

        Returns ``(schema, values, binds)``: the schema the body resolved to, the declared properties it sets and
        its ``@odata.bind`` references (``{nav: [ids or URLs]}``)."""
        if not isinstance(body, dict):
            raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and "
                              "payload is of valid JSON format.", self.dialect)
        schema = self.resolve(body)
        values, binds = {}, {}
        for key, value in body.items():
            if key.startswith("@odata."):
                continue
            if "@odata.bind" in key:
                nav = key.split("@", 1)[0]
                if nav not in schema.binds:
                    raise schema.unknown(nav)
                many = schema.binds[nav] == "collection"
                if (many and not (isinstance(value, list) and all(isinstance(v, str) for v in value))) or \
                        (not many and not isinstance(value, str)):
                    raise schema.invalid(nav, value)
                binds[nav] = value if many else [value]
                continue
            if "@" in key:  # instance annotations such as "prop@odata.type" are accepted and ignored
                continue
            prop = schema.props.get(key)
            if prop is None:
                raise schema.unknown(key)
            if prop.read_only:
                raise schema.read_only(key)
            values[key] = schema.check_value(key, prop, value)
        if mode in ("create", "replace"):
            for key, prop in schema.props.items():
                if prop.required and key not in values:
                    raise schema.required(key)
        return schema, values, binds

    def check_value(self, key, prop, value):
        """Type-check one property value; returns it (nested complex values validated too)."""
        if value is None:
            if not prop.nullable or prop.collection:
                raise self.invalid(key, value, prop.type)
            return None
        if prop.collection:
            if not isinstance(value, list):
                raise self.invalid(key, value, prop.type)
            return [self._check_single(key, prop, item) for item in value]
        return self._check_single(key, prop, value)

    def _check_single(self, key, prop, value):  # pylint: disable=too-many-branches
        kind = prop.type
        if kind == "Any":
            return value
        if kind == "Object":
            if not isinstance(value, dict):
                raise self.invalid(key, value, prop.schema.name)
            return prop.schema.validate_complex(value)
        valid = True
        if kind in ("String", "DateTimeOffset", "Duration", "Guid"):
            valid = isinstance(value, str)
            if valid and kind == "DateTimeOffset":
                valid = _is_datetime(value)
            elif valid and kind == "Duration":
                valid = bool(_DURATION.match(value))
            elif valid and kind == "Guid":
                valid = _is_guid(value)
        elif kind == "Boolean":
            valid = isinstance(value, bool)
        elif kind in _INT_RANGES:
            low, high = _INT_RANGES[kind]
            valid = isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
        elif kind == "Double":
            valid = isinstance(value, (int, float)) and not isinstance(value, bool)
        else:
            raise ValueError(f"schema {self.name}: unknown property type {kind!r}")
        if valid and prop.enum is not None:
            valid = value in prop.enum
        if valid and prop.max_length is not None:
            valid = len(value) <= prop.max_length
        if valid and prop.check is not None:
            valid = prop.check(value)
        if not valid:
            raise self.invalid(key, value, kind)
        return value

    def validate_complex(self, value):
        """Validate a nested complex value (all of it is replaced, so required members apply)."""
        schema, values, _binds = self.validate(value, mode="create")
        if schema is not self or self.derived or "@odata.type" in value:
            values = {"@odata.type": schema.odata_type(), **values}
        return values
