"""Directory area: users, groups, group members/owners references and directoryObjects (v1.0 and beta)."""

import hashlib
import re
import uuid

from ..tenant import DIRECTORY_TYPES, seeder, stable_id
from .errors import bad_request, not_found, unsupported_query
from .odata import check_select, context_url, item_response, iso_z, list_response, new_id, shape
from .router import route
from .schema import Prop, Schema

READ_USERS = ("User.Read.All", "User.ReadBasic.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
READ_GROUPS = ("Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "GroupMember.ReadWrite.All",
               "Directory.Read.All", "Directory.ReadWrite.All")
CREATE_GROUPS = ("Group.Create", "Group.ReadWrite.All", "Directory.ReadWrite.All")
WRITE_GROUPS = ("Group.ReadWrite.All", "Directory.ReadWrite.All")
WRITE_MEMBERS = ("GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All")
READ_SERVICE_PRINCIPALS = ("Application.Read.All", "Application.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
# What a caller needs to see more than the id of a directory object of each type in a directoryObject collection.
READ_BY_TYPE = {DIRECTORY_TYPES["users"]: READ_USERS, DIRECTORY_TYPES["groups"]: READ_GROUPS,
                DIRECTORY_TYPES["servicePrincipals"]: READ_SERVICE_PRINCIPALS}

# v1.0 returns only these user properties unless $select asks for more; beta returns everything stored.
USER_DEFAULTS = ("businessPhones", "displayName", "givenName", "jobTitle", "mail", "mobilePhone", "officeLocation",
                 "preferredLanguage", "surname", "userPrincipalName", "id")
_NICKNAME_FORBIDDEN = set('@()\\[]";:<>, ')

# mail nickname, display name, job title, department, manager's nickname: the people every tenant starts with.
SEED_USERS = (
    ("admin", "Tenant Admin", "Global Administrator", "IT", None),
    ("it.approvals", "IT Approvals", "Access approvals mailbox", "IT", None),
    ("emily.clark", "Emily Clark", "Chief Financial Officer", "Finance", None),
    ("michael.brown", "Michael Brown", "Finance Manager", "Finance", "emily.clark"),
    ("sarah.jones", "Sarah Jones", "Financial Analyst", "Finance", "michael.brown"),
    ("david.miller", "David Miller", "Accountant", "Finance", "michael.brown"),
    ("olivia.davis", "Olivia Davis", "Finance Associate", "Finance", "michael.brown"),
    ("james.wilson", "James Wilson", "Software Engineer", "Engineering", None),
)
# mail nickname, directory role template id: the Tenant Admin is a Global Administrator.
SEED_ROLES = (("admin", "62e90394-69f5-4237-9190-012177145e10"),)
DIRECTORY_ROLES = "directoryRoles"
# display name, mail nickname, description, member nicknames, owner nicknames
SEED_GROUPS = (
    ("Finance Team", "financeteam", "Finance department", ("sarah.jones", "david.miller", "olivia.davis"),
     ("michael.brown",)),
)


def valid_mail_nickname(value):
    """1-64 printable ASCII characters without the ones Exchange forbids in an alias."""
    return 1 <= len(value) <= 64 and all(32 < ord(c) < 127 and c not in _NICKNAME_FORBIDDEN for c in value)


def _group_types(value):
    return value in ("Unified", "DynamicMembership")


USER = Schema("microsoft.graph.user", {
    "id": Prop(read_only=True), "displayName": Prop(), "givenName": Prop(), "surname": Prop(),
    "userPrincipalName": Prop(), "mail": Prop(read_only=True), "mailNickname": Prop(), "jobTitle": Prop(),
    "department": Prop(), "officeLocation": Prop(), "mobilePhone": Prop(), "businessPhones": Prop(collection=True),
    "preferredLanguage": Prop(), "accountEnabled": Prop("Boolean"), "userType": Prop(),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
}, resource="User")

GROUP = Schema("microsoft.graph.group", {
    "id": Prop(read_only=True),
    "deletedDateTime": Prop("DateTimeOffset", read_only=True),
    "classification": Prop(),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "creationOptions": Prop(collection=True, read_only=True),
    "description": Prop(max_length=1024),
    "displayName": Prop(required=True, nullable=False, check=lambda v: 0 < len(v) <= 256),
    "expirationDateTime": Prop("DateTimeOffset", read_only=True),
    "groupTypes": Prop(collection=True, check=_group_types),
    "isAssignableToRole": Prop("Boolean"),
    "mail": Prop(read_only=True),
    "mailEnabled": Prop("Boolean", required=True, nullable=False),
    "mailNickname": Prop(required=True, nullable=False, check=valid_mail_nickname),
    "membershipRule": Prop(),
    "membershipRuleProcessingState": Prop(enum=("On", "Paused")),
    "onPremisesDomainName": Prop(read_only=True),
    "onPremisesLastSyncDateTime": Prop("DateTimeOffset", read_only=True),
    "onPremisesNetBiosName": Prop(read_only=True),
    "onPremisesSamAccountName": Prop(read_only=True),
    "onPremisesSecurityIdentifier": Prop(read_only=True),
    "onPremisesSyncEnabled": Prop("Boolean", read_only=True),
    "onPremisesProvisioningErrors": Prop("Any", collection=True, read_only=True),
    "preferredDataLocation": Prop(),
    "preferredLanguage": Prop(),
    "proxyAddresses": Prop(collection=True, read_only=True),
    "renewedDateTime": Prop("DateTimeOffset", read_only=True),
    "resourceBehaviorOptions": Prop(collection=True),
    "resourceProvisioningOptions": Prop(collection=True),
    "securityEnabled": Prop("Boolean", required=True, nullable=False),
    "securityIdentifier": Prop(read_only=True),
    "serviceProvisioningErrors": Prop("Any", collection=True, read_only=True),
    "theme": Prop(),
    "uniqueName": Prop(),
    "visibility": Prop(enum=("Public", "Private", "HiddenMembership")),
}, resource="Group", binds={"members": "collection", "owners": "collection"})

SERVICE_PRINCIPAL = Schema("microsoft.graph.servicePrincipal", {
    "id": Prop(read_only=True), "appId": Prop(), "displayName": Prop(), "servicePrincipalType": Prop(),
    "accountEnabled": Prop("Boolean"),
}, resource="ServicePrincipal")

DIRECTORY_OBJECT = Schema("microsoft.graph.directoryObject", {
    "id": Prop(read_only=True), "deletedDateTime": Prop("DateTimeOffset", read_only=True),
}, resource="DirectoryObject", derived={"microsoft.graph.user": USER, "microsoft.graph.group": GROUP,
                                        "microsoft.graph.servicePrincipal": SERVICE_PRINCIPAL})

USER_FILTERS = ("id", "userPrincipalName", "displayName", "mail", "mailNickname", "givenName", "surname", "jobTitle",
                "accountEnabled", "userType")
GROUP_FILTERS = ("id", "displayName", "mailNickname", "mail", "mailEnabled", "securityEnabled", "isAssignableToRole",
                 "visibility", "classification", "description")


# -- seed -----------------------------------------------------------------------------------------------------
def _password(tenant_id, nickname):
    return "Pw-" + hashlib.sha256(f"{tenant_id}:{nickname}".encode()).hexdigest()[:12] + "!"


def security_identifier(object_id):
    """The SID Entra derives from an object id: S-1-12-1 and the GUID's bytes as four little-endian uint32s."""
    raw = uuid.UUID(object_id).bytes_le
    return "S-1-12-1-" + "-".join(str(int.from_bytes(raw[i:i + 4], "little")) for i in range(0, 16, 4))


def new_group(state, group_id, properties):
    """A group as Graph stores it: the caller's properties over the server-side defaults."""
    now = iso_z(state.now())
    group = {
        "id": group_id, "deletedDateTime": None, "classification": None, "createdDateTime": now,
        "creationOptions": [], "description": None, "displayName": None, "expirationDateTime": None,
        "groupTypes": [], "isAssignableToRole": None, "mail": None, "mailEnabled": False, "mailNickname": None,
        "membershipRule": None, "membershipRuleProcessingState": None, "onPremisesDomainName": None,
        "onPremisesLastSyncDateTime": None, "onPremisesNetBiosName": None, "onPremisesSamAccountName": None,
        "onPremisesSecurityIdentifier": None, "onPremisesSyncEnabled": None, "preferredDataLocation": None,
        "preferredLanguage": None, "proxyAddresses": [], "renewedDateTime": now, "resourceBehaviorOptions": [],
        "resourceProvisioningOptions": [], "securityEnabled": True, "securityIdentifier": security_identifier(group_id),
        "theme": None, "uniqueName": None, "visibility": None, "onPremisesProvisioningErrors": [],
        "serviceProvisioningErrors": [],
    }
    group.update(properties)
    if "Unified" in group["groupTypes"] and group["mailEnabled"]:
        group["mail"] = f"{group['mailNickname']}@{state.domain}"
        group["proxyAddresses"] = [f"SMTP:{group['mail']}"]
    return group


@seeder
def seed_directory(state):  # pylint: disable=too-many-locals
    """Eight people (with managers) and the Finance Team security group."""
    created = iso_z(state.now())
    ids = {}
    for nickname, display_name, job_title, department, _manager in SEED_USERS:
        user_id = ids[nickname] = stable_id(state.tenant_id, "user", nickname)
        given, _space, surname = display_name.partition(" ")
        upn = f"{nickname}@{state.domain}"
        state.table("users").add({
            "id": user_id, "displayName": display_name, "givenName": given, "surname": surname or None,
            "userPrincipalName": upn, "mail": upn, "mailNickname": nickname.replace(".", ""), "jobTitle": job_title,
            "department": department, "officeLocation": None, "mobilePhone": None, "businessPhones": [],
            "preferredLanguage": "en-US", "accountEnabled": True, "userType": "Member", "createdDateTime": created,
        })
        state.passwords[user_id] = _password(state.tenant_id, nickname)
    for nickname, _name, _title, _department, manager in SEED_USERS:
        if manager:
            state.managers[ids[nickname]] = ids[manager]
    # The directory roles each person holds, by role template id (tokens carry them as the wids claim).
    state.extra[DIRECTORY_ROLES] = {ids[nickname]: [template_id] for nickname, template_id in SEED_ROLES}
    for display_name, nickname, description, members, owners in SEED_GROUPS:
        group_id = stable_id(state.tenant_id, "group", nickname)
        state.table("groups").add(new_group(state, group_id, {
            "displayName": display_name, "mailNickname": nickname, "description": description,
            "mailEnabled": False, "securityEnabled": True,
        }))
        for member in members:
            state.link("members", group_id, ids[member])
        for owner in owners:
            state.link("owners", group_id, ids[owner])


# -- helpers --------------------------------------------------------------------------------------------------
def _user_defaults(ctx):
    return USER_DEFAULTS if ctx.version == "v1.0" else None


def _directory_shape(ctx, odata_type, obj, select):
    defaults = _user_defaults(ctx) if odata_type == DIRECTORY_TYPES["users"] else None
    return shape(obj, select, defaults, odata_type)


def _related_shape(ctx, odata_type, obj, select):
    """An object of a directoryObject relationship (members, owners) as the caller may see it.

    api-reference/v1.0/api/group-list-members.md, group-list-owners.md ("Limited information returned for inaccessible
    member objects"): an object of a type the caller has no permission to read comes back with its @odata.type and id
    only, its other properties null (e.g. users' userPrincipalName with only Group.Read.All)."""
    shaped = _directory_shape(ctx, odata_type, obj, select)
    if ctx.identity.grants.intersection(READ_BY_TYPE.get(odata_type, ())):
        return shaped
    return {key: value if key in ("@odata.type", "id") else None for key, value in shaped.items()}


def _require_user(ctx, key):
    user = ctx.state.find_user(key)
    if user is None or not ctx.visible(user["id"]):
        raise not_found(key)
    return user


_REF = re.compile(r"/(?:directoryObjects|users|groups|servicePrincipals)/([^/?#]+)/?$", re.IGNORECASE)


def _reference_id(ctx, url):
    """The object id a ``@odata.id`` / ``@odata.bind`` URL points at (any host; 404 when it does not exist)."""
    match = _REF.search(url) if isinstance(url, str) else None
    if not match:
        raise bad_request(f"Invalid object identifier '{url}'.")
    object_id = match.group(1)
    odata_type, obj = ctx.state.directory_object(object_id)
    if obj is None or not ctx.visible(obj["id"]):
        raise not_found(object_id)
    return odata_type, obj["id"]


def _add_reference(ctx, relation, group_id, url):
    odata_type, target_id = _reference_id(ctx, url)
    if relation == "owners" and odata_type not in (DIRECTORY_TYPES["users"], DIRECTORY_TYPES["servicePrincipals"]):
        raise bad_request("Only users and service principals can be owners of a group.")
    if not ctx.state.link(relation, group_id, target_id):
        raise bad_request("One or more added object references already exist for the following modified properties: "
                          f"'{relation}'.")


def _related(ctx, relation, owner_id):
    out = []
    for target_id in ctx.state.links(relation, owner_id):
        odata_type, obj = ctx.state.directory_object(target_id)
        if obj is not None:
            out.append((odata_type, obj))
    return out


def _expand_relation(relation):
    def expander(ctx, obj, sub_query):
        check_select(sub_query.select, DIRECTORY_OBJECT)
        return [_related_shape(ctx, t, o, sub_query.select) for t, o in _related(ctx, relation, obj["id"])[:20]]
    return expander


def _expand_manager(ctx, obj, sub_query):
    manager = ctx.state.table("users").get(ctx.state.managers.get(obj["id"]))
    check_select(sub_query.select, USER)
    return _directory_shape(ctx, DIRECTORY_TYPES["users"], manager, sub_query.select) if manager else None


GROUP_EXPANDERS = {"members": _expand_relation("members"), "owners": _expand_relation("owners")}
USER_EXPANDERS = {"manager": _expand_manager}


# -- users ----------------------------------------------------------------------------------------------------
@route("GET", "/users", permissions=READ_USERS)
def list_users(ctx):
    """GET /users with $filter on the documented default-filterable properties."""
    return list_response(ctx, ctx.state.table("users").values(), "users", USER, filterable=USER_FILTERS,
                         defaults=_user_defaults(ctx), expanders=USER_EXPANDERS)


@route("GET", "/users/{id}", permissions=READ_USERS)
def get_user(ctx):
    """GET /users/{id | userPrincipalName}."""
    user = _require_user(ctx, ctx.params["id"])
    return item_response(ctx, user, "users", USER, _user_defaults(ctx), USER_EXPANDERS)


@route("GET", "/me", permissions=("User.Read",) + READ_USERS)
def get_me(ctx):
    """GET /me: the signed-in user (delegated tokens only)."""
    if ctx.identity.kind != "user":
        raise bad_request("/me request is only valid with delegated authentication flow.")
    return item_response(ctx, _require_user(ctx, ctx.identity.oid), "users", USER, _user_defaults(ctx), USER_EXPANDERS)


@route("GET", "/users/{id}/manager", permissions=READ_USERS)
def get_manager(ctx):
    """GET /users/{id}/manager; 404 naming 'manager' when the user has none."""
    user = _require_user(ctx, ctx.params["id"])
    manager = ctx.state.table("users").get(ctx.state.managers.get(user["id"]))
    if manager is None:
        raise not_found("manager")
    check_select(ctx.query.select, USER)
    body = {"@odata.context": context_url(ctx, "directoryObjects", ctx.query.select, entity=True)}
    body.update(_directory_shape(ctx, DIRECTORY_TYPES["users"], manager, ctx.query.select))
    return 200, body


@route("GET", "/users/{id}/memberOf", permissions=READ_GROUPS)
def list_member_of(ctx):
    """GET /users/{id}/memberOf: the groups that hold the user directly."""
    user = _require_user(ctx, ctx.params["id"])
    groups = [g for g in ctx.state.table("groups").values() if user["id"] in ctx.state.links("members", g["id"])]
    return list_response(ctx, groups, "directoryObjects", DIRECTORY_OBJECT,
                         shaper=lambda o, select: _directory_shape(ctx, DIRECTORY_TYPES["groups"], o, select))


# -- groups ---------------------------------------------------------------------------------------------------
@route("GET", "/groups", permissions=READ_GROUPS)
def list_groups(ctx):
    """GET /groups (page size 100 unless $top says otherwise)."""
    # concepts/aad-advanced-queries.md: groups sort by displayName; $search covers displayName and description.
    return list_response(ctx, ctx.state.table("groups").values(), "groups", GROUP, filterable=GROUP_FILTERS,
                         expanders=GROUP_EXPANDERS, orderable=("displayName",), searchable=("displayName", "description"))


@route("POST", "/groups", permissions=CREATE_GROUPS)
def create_group(ctx):
    """POST /groups: strict validation, server defaults, optional members@odata.bind / owners@odata.bind."""
    _schema, values, binds = GROUP.validate(ctx.require_body(), "create")
    _check_group_rules(values)
    references = {relation: [_reference_id(ctx, url) for url in urls] for relation, urls in binds.items()}
    if any(odata_type == DIRECTORY_TYPES["groups"] for odata_type, _id in references.get("owners", ())):
        raise bad_request("Only users and service principals can be owners of a group.")
    group_id = new_id()
    group = ctx.state.table("groups").add(new_group(ctx.state, group_id, values))
    for relation, targets in references.items():
        for _odata_type, target_id in targets:
            ctx.state.link(relation, group_id, target_id)
    body = {"@odata.context": context_url(ctx, "groups", entity=True)}
    body.update(group)
    return 201, body


def _check_group_rules(values, current=None):
    merged = dict(current or {}, **values)
    if merged.get("mailEnabled") and "Unified" not in (merged.get("groupTypes") or []):
        raise bad_request("The service does not currently support writes of mail-enabled groups. Please ensure that the "
                          "mail-enablement property is unset or is set to false.")
    if "DynamicMembership" in (merged.get("groupTypes") or []) and not merged.get("membershipRule"):
        raise GROUP.invalid("membershipRule")


@route("GET", "/groups/{id}", permissions=READ_GROUPS)
def get_group(ctx):
    """GET /groups/{id}."""
    group = ctx.require("groups", ctx.params["id"])
    return item_response(ctx, group, "groups", GROUP, expanders=GROUP_EXPANDERS)


@route("PATCH", "/groups/{id}", permissions=WRITE_GROUPS)
def update_group(ctx):
    """PATCH /groups/{id}: 204, no body."""
    group = ctx.require("groups", ctx.params["id"])
    _schema, values, binds = GROUP.validate(ctx.require_body(), "update")
    if binds:
        raise bad_request("Navigation property references can't be updated with PATCH; use the $ref endpoints.")
    if "isAssignableToRole" in values and values["isAssignableToRole"] != group["isAssignableToRole"]:
        raise GROUP.invalid("isAssignableToRole")
    _check_group_rules(values, group)
    group.update(values)
    return 204, None


@route("DELETE", "/groups/{id}", permissions=WRITE_GROUPS)
def delete_group(ctx):
    """DELETE /groups/{id}: 204; memberships from and to the group go with it."""
    group = ctx.require("groups", ctx.params["id"])
    ctx.state.table("groups").remove(group["id"])
    return 204, None


def _relation_routes(relation):
    @route("GET", f"/groups/{{id}}/{relation}", permissions=READ_GROUPS)
    def list_relation(ctx):
        group = ctx.require("groups", ctx.params["id"])
        if ctx.query.filter is not None and ctx.headers.get("ConsistencyLevel", "").lower() != "eventual":
            raise unsupported_query("Filtering group members is an advanced query: it needs the header "
                                    "'ConsistencyLevel: eventual'.")
        pairs = _related(ctx, relation, group["id"])
        types = {obj["id"]: odata_type for odata_type, obj in pairs}
        links = ctx.state.links(relation, group["id"])
        return list_response(ctx, [obj for _t, obj in pairs], "directoryObjects", DIRECTORY_OBJECT,
                             filterable=("id", "displayName", "userPrincipalName", "mail"), key=lambda o: links[o["id"]],
                             shaper=lambda o, select: _related_shape(ctx, types[o["id"]], o, select))

    @route("POST", f"/groups/{{id}}/{relation}/$ref", permissions=WRITE_MEMBERS)
    def add_relation(ctx):
        group = ctx.require("groups", ctx.params["id"])
        body = ctx.require_body()
        if not isinstance(body, dict):
            raise bad_request("Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
                              "is of valid JSON format.")
        for key in body:
            if key != "@odata.id":
                raise bad_request(f"Property '{key}' does not exist as a declared property or extension property.")
        if "@odata.id" not in body:
            raise bad_request("A value is required for property '@odata.id' of resource 'DirectoryObject'.")
        _add_reference(ctx, relation, group["id"], body["@odata.id"])
        return 204, None

    @route("DELETE", f"/groups/{{id}}/{relation}/{{member}}/$ref", permissions=WRITE_MEMBERS)
    def remove_relation(ctx):
        group = ctx.require("groups", ctx.params["id"])
        targets = ctx.state.links(relation, group["id"])
        member = ctx.params["member"].lower()
        if member not in targets:
            raise not_found(ctx.params["member"])
        if relation == "owners" and _last_user_owner(ctx, targets, member):
            # api-reference/v1.0/api/group-delete-owners.md: once owners are assigned, the last owner (a user object)
            # of the group cannot be removed.
            raise bad_request("The group must keep at least one owner: the last user owner of a group cannot be removed.")
        del targets[member]
        return 204, None

    return list_relation, add_relation, remove_relation


def _last_user_owner(ctx, owners, owner_id):
    """True when ``owner_id`` is a user and no other user owns the group."""
    def is_user(object_id):
        return ctx.state.directory_object(object_id)[0] == DIRECTORY_TYPES["users"]
    return is_user(owner_id) and not any(is_user(other) for other in owners if other != owner_id)


members_routes = _relation_routes("members")
owners_routes = _relation_routes("owners")


# -- directoryObjects -------------------------------------------------------------------------------------------
@route("GET", "/directoryObjects/{id}", permissions=READ_USERS + READ_GROUPS)
def get_directory_object(ctx):
    """GET /directoryObjects/{id}: a user, group or service principal with its @odata.type."""
    odata_type, obj = ctx.state.directory_object(ctx.params["id"])
    if obj is None or not ctx.visible(obj["id"]):
        raise not_found(ctx.params["id"])
    check_select(ctx.query.select, DIRECTORY_OBJECT)
    body = {"@odata.context": context_url(ctx, "directoryObjects", ctx.query.select, entity=True)}
    body.update(_directory_shape(ctx, odata_type, obj, ctx.query.select))
    return 200, body
