"""Entitlement Management area (v1.0 only): catalogs, catalog resources and resource requests, access packages with
resource role scopes, assignment policies, and the read side of assignments.

Tables (``state.table(NAME)``), in Graph's JSON shape. Keys that start with ``_`` are the emulator's own links
between objects; ``public()`` strips them from every answer. The table constants, with their internal keys:

- ``CATALOGS``: accessPackageCatalog; every tenant starts with "General" (``serviceDefault``).
- ``RESOURCE_REQUESTS``: accessPackageResourceRequest (adminAdd / adminRemove); ``_catalogId``.
- ``RESOURCES``: accessPackageResource, a group in a catalog; ``_catalogId``, ``_visibleAt`` (emulated epoch seconds
  from which the catalog lists it: replication lag), ``_roles`` (Member and Owner) and ``_scopes`` (the Root scope).
- ``PACKAGES``: accessPackage; ``_catalogId``, ``_roleScopes`` (the accessPackageResourceRoleScopes, each with
  ``_roleId``, ``_scopeId``, ``_resourceId``).
- ``POLICIES``: accessPackageAssignmentPolicy; ``_accessPackageId``, ``_catalogId``, ``_questions`` (the
  ``questions`` navigation), ``_customExtensionStageSettings``.
- ``ASSIGNMENTS``: accessPackageAssignment; ``_accessPackageId``, ``_assignmentPolicyId``, ``_catalogId``,
  ``_targetId``. This file only lists them; requests, approvals and expiry add and change them.

Helpers for other areas (e.g. the request/approval flow): ``public(obj)``, ``granted_roles(state, package_id)`` (the
``(group id, "Member" | "Owner")`` pairs an assignment of a package delivers), ``add_assignment(state, ...)``,
``ACTIVE_ASSIGNMENT_STATES``, ``set_replication_lag(state, seconds)``, ``timespan(text)`` (Graph's normal form of a
duration) and the schemas (``SUBJECT_SET``, ``EXPIRATION``, ``SCHEDULE`` ...).

Behaviour modelled on Graph: a group added with ``resourceRequests`` (adminAdd) shows up among the catalog's resources
(with Member and Owner roles and a Root scope) only after a short replication lag; navigation properties
(``questions``, ``resourceRoleScopes``, ``assignmentPolicies``, ``catalog``, ``accessPackage``) appear only with
``$expand``; policies are replaced with PUT (PATCH is 405) and keep a question's id when the PUT sends it back;
durations are stored in Graph's normal form (``PT48H`` reads back as ``P2D``); packages with active assignments,
catalogs with packages and catalog resources used by a package cannot be deleted.
"""

import re

from ..tenant import seeder, stable_id
from .errors import ODATA, GraphError, bad_request, forbidden, not_found
from .odata import check_select, context_url, expand, list_response, new_id, shape
from .router import route
from .schema import Prop, Schema

EM = "/identityGovernance/entitlementManagement"
EM_SET = "identityGovernance/entitlementManagement"
V1 = ("v1.0",)
READ = ("EntitlementManagement.Read.All", "EntitlementManagement.ReadWrite.All")
WRITE = ("EntitlementManagement.ReadWrite.All",)

CATALOGS = "accessPackageCatalogs"
RESOURCE_REQUESTS = "accessPackageResourceRequests"
RESOURCES = "accessPackageResources"
PACKAGES = "accessPackages"
POLICIES = "accessPackageAssignmentPolicies"
ASSIGNMENTS = "accessPackageAssignments"

ACTIVE_ASSIGNMENT_STATES = ("delivering", "partiallyDelivered", "delivered")
REPLICATION_SECONDS = 0.5
MAX_APPROVAL_STAGES = 3
GROUP_ROLES = ("Member", "Owner")
_LAG_KEY = "entitlement.replicationSeconds"


# -- durations ----------------------------------------------------------------------------------------------------
_EM_DURATION = re.compile(r"^P(?=\d|T\d)(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def duration_seconds(text):
    """Seconds of an ISO 8601 duration of weeks, days, hours, minutes and seconds; None when it is not one."""
    match = _EM_DURATION.match(text or "")
    if not match:
        return None
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds


def timespan(text):
    """A duration the way Graph stores it (a .NET TimeSpan written back as ISO 8601): ``PT48H`` -> ``P2D``."""
    total = duration_seconds(text)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time_part = "".join(f"{value}{unit}" for value, unit in ((hours, "H"), (minutes, "M"), (seconds, "S")) if value)
    if not days and not time_part:
        return "PT0S"
    return (f"P{days}D" if days else "P") + (f"T{time_part}" if time_part else "")


def _em_duration(value):
    return duration_seconds(value) is not None


# -- schemas --------------------------------------------------------------------------------------------------------
def _ref(name, id_required=True, **props):
    return Schema(name, {"id": Prop(required=id_required), **props}, dialect=ODATA)


CATALOG = Schema("microsoft.graph.accessPackageCatalog", {
    "id": Prop(read_only=True),
    "displayName": Prop(required=True, nullable=False, check=lambda v: 0 < len(v.strip()) and len(v) <= 256),
    "description": Prop(),
    "catalogType": Prop(read_only=True),
    "state": Prop(enum=("unpublished", "published")),
    "isExternallyVisible": Prop("Boolean", nullable=False),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "modifiedDateTime": Prop("DateTimeOffset", read_only=True),
}, dialect=ODATA)

RESOURCE_REF = Schema("microsoft.graph.accessPackageResource", {
    "id": Prop(), "displayName": Prop(), "description": Prop(), "originId": Prop(), "originSystem": Prop(),
    "createdDateTime": Prop("DateTimeOffset"), "modifiedDateTime": Prop("DateTimeOffset"),
}, dialect=ODATA)
# api-reference/v1.0/api/accesspackage-post-resourcerolescopes.md example 1 names role and scope by originId (with
# the role's resource id) and no id; examples 2 and 3 give ids too.
ROLE_REF = _ref("microsoft.graph.accessPackageResourceRole", id_required=False, displayName=Prop(), description=Prop(), originId=Prop(),
                originSystem=Prop(), resource=Prop("Object", schema=RESOURCE_REF))
SCOPE_REF = _ref("microsoft.graph.accessPackageResourceScope", id_required=False, displayName=Prop(), description=Prop(), originId=Prop(),
                 originSystem=Prop(), isRootScope=Prop("Boolean"))
RESOURCE_REQUEST = Schema("microsoft.graph.accessPackageResourceRequest", {
    "id": Prop(read_only=True),
    "requestType": Prop(required=True, nullable=False, enum=("adminAdd", "adminRemove")),
    "state": Prop(read_only=True),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "catalog": Prop("Object", required=True, schema=_ref("microsoft.graph.accessPackageCatalog")),
    "resource": Prop("Object", required=True, schema=RESOURCE_REF),
}, dialect=ODATA)
RESOURCE = Schema("microsoft.graph.accessPackageResource", dict(RESOURCE_REF.props, id=Prop(read_only=True)),
                  dialect=ODATA)
ROLE = Schema("microsoft.graph.accessPackageResourceRole", dict(ROLE_REF.props, id=Prop(read_only=True)), dialect=ODATA)

PACKAGE = Schema("microsoft.graph.accessPackage", {
    "id": Prop(read_only=True),
    "displayName": Prop(required=True, nullable=False, check=lambda v: 0 < len(v.strip()) and len(v) <= 256),
    "description": Prop(),
    "isHidden": Prop("Boolean", nullable=False),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "modifiedDateTime": Prop("DateTimeOffset", read_only=True),
    "catalog": Prop("Object", schema=_ref("microsoft.graph.accessPackageCatalog")),
}, dialect=ODATA)

ROLE_SCOPE = Schema("microsoft.graph.accessPackageResourceRoleScope", {
    "id": Prop(read_only=True),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "role": Prop("Object", required=True, schema=ROLE_REF),
    "scope": Prop("Object", required=True, schema=SCOPE_REF),
}, dialect=ODATA)


def _subject(name, **props):
    return Schema(f"microsoft.graph.{name}", props, dialect=ODATA)


SUBJECT_SET = Schema("microsoft.graph.subjectSet", {}, abstract=True, dialect=ODATA, derived={
    "#microsoft.graph.singleUser": _subject("singleUser", userId=Prop("Guid", required=True), description=Prop()),
    "#microsoft.graph.groupMembers": _subject("groupMembers", groupId=Prop("Guid", required=True), description=Prop()),
    "#microsoft.graph.requestorManager": _subject("requestorManager",
                                                  managerLevel=Prop("Int32", check=lambda v: v in (1, 2))),
    "#microsoft.graph.targetUserSponsors": _subject("targetUserSponsors"),
    "#microsoft.graph.internalSponsors": _subject("internalSponsors"),
    "#microsoft.graph.externalSponsors": _subject("externalSponsors"),
    "#microsoft.graph.connectedOrganizationMembers": _subject("connectedOrganizationMembers",
                                                              connectedOrganizationId=Prop(), description=Prop()),
    "#microsoft.graph.attributeRuleMembers": _subject("attributeRuleMembers", membershipRule=Prop(), description=Prop()),
})
SUBJECTS = {"type_": "Object", "collection": True, "schema": SUBJECT_SET}

EXPIRATION = Schema("microsoft.graph.expirationPattern", {
    "type": Prop(enum=("notSpecified", "noExpiration", "afterDateTime", "afterDuration")),
    "duration": Prop("Duration", check=_em_duration),
    "endDateTime": Prop("DateTimeOffset"),
}, dialect=ODATA)
RECURRENCE = Schema("microsoft.graph.patternedRecurrence", {
    "pattern": Prop("Object", schema=Schema("microsoft.graph.recurrencePattern", {
        "type": Prop(enum=("daily", "weekly", "absoluteMonthly", "relativeMonthly", "absoluteYearly", "relativeYearly")),
        "interval": Prop("Int32", check=lambda v: v >= 1), "month": Prop("Int32"), "dayOfMonth": Prop("Int32"),
        "daysOfWeek": Prop(collection=True), "firstDayOfWeek": Prop(), "index": Prop(),
    }, dialect=ODATA)),
    "range": Prop("Object", schema=Schema("microsoft.graph.recurrenceRange", {
        "type": Prop(enum=("endDate", "noEnd", "numbered")), "startDate": Prop(), "endDate": Prop(),
        "numberOfOccurrences": Prop("Int32"), "recurrenceTimeZone": Prop(),
    }, dialect=ODATA)),
}, dialect=ODATA)
SCHEDULE = Schema("microsoft.graph.entitlementManagementSchedule", {
    "startDateTime": Prop("DateTimeOffset"),
    "expiration": Prop("Object", schema=EXPIRATION),
    "recurrence": Prop("Object", schema=RECURRENCE),
}, dialect=ODATA)
REQUESTOR_SETTINGS = Schema("microsoft.graph.accessPackageAssignmentRequestorSettings", {
    **{name: Prop("Boolean", nullable=False) for name in (
        "enableTargetsToSelfAddAccess", "enableTargetsToSelfUpdateAccess", "enableTargetsToSelfRemoveAccess",
        "allowCustomAssignmentSchedule", "enableOnBehalfRequestorsToAddAccess", "enableOnBehalfRequestorsToUpdateAccess",
        "enableOnBehalfRequestorsToRemoveAccess")},
    "onBehalfRequestors": Prop(**SUBJECTS),
}, dialect=ODATA)
STAGE = Schema("microsoft.graph.accessPackageApprovalStage", {
    "durationBeforeAutomaticDenial": Prop("Duration", check=_em_duration),
    "isApproverJustificationRequired": Prop("Boolean", nullable=False),
    "isEscalationEnabled": Prop("Boolean", nullable=False),
    "durationBeforeEscalation": Prop("Duration", check=_em_duration),
    "primaryApprovers": Prop(**SUBJECTS), "fallbackPrimaryApprovers": Prop(**SUBJECTS),
    "escalationApprovers": Prop(**SUBJECTS), "fallbackEscalationApprovers": Prop(**SUBJECTS),
}, dialect=ODATA)
APPROVAL_SETTINGS = Schema("microsoft.graph.accessPackageAssignmentApprovalSettings", {
    "isApprovalRequiredForAdd": Prop("Boolean", nullable=False),
    "isApprovalRequiredForUpdate": Prop("Boolean", nullable=False),
    "isRequestorJustificationRequired": Prop("Boolean", nullable=False),
    "stages": Prop("Object", collection=True, schema=STAGE),
}, dialect=ODATA)
REVIEW_SETTINGS = Schema("microsoft.graph.accessPackageAssignmentReviewSettings", {
    "isEnabled": Prop("Boolean", nullable=False),
    "expirationBehavior": Prop(enum=("keepAccess", "removeAccess", "acceptAccessRecommendation")),
    "isRecommendationEnabled": Prop("Boolean", nullable=False),
    "isReviewerJustificationRequired": Prop("Boolean", nullable=False),
    "isSelfReview": Prop("Boolean", nullable=False),
    "primaryReviewers": Prop(**SUBJECTS), "fallbackReviewers": Prop(**SUBJECTS),
    "schedule": Prop("Object", schema=SCHEDULE),
}, dialect=ODATA)
LOCALIZED_TEXT = Schema("microsoft.graph.accessPackageLocalizedText", {
    "languageCode": Prop(required=True, nullable=False), "text": Prop(required=True, nullable=False),
}, dialect=ODATA)
LOCALIZATIONS = {"type_": "Object", "collection": True, "schema": LOCALIZED_TEXT}
_QUESTION_PROPS = {
    "id": Prop(), "sequence": Prop("Int32"), "isRequired": Prop("Boolean", nullable=False),
    "isAnswerEditable": Prop("Boolean", nullable=False), "text": Prop(), "localizations": Prop(**LOCALIZATIONS),
}
QUESTION = Schema("microsoft.graph.accessPackageQuestion", {}, abstract=True, dialect=ODATA, derived={
    "#microsoft.graph.accessPackageTextInputQuestion": Schema("microsoft.graph.accessPackageTextInputQuestion", {
        **_QUESTION_PROPS, "isSingleLineQuestion": Prop("Boolean", nullable=False), "regexPattern": Prop(),
    }, dialect=ODATA),
    "#microsoft.graph.accessPackageMultipleChoiceQuestion": Schema("microsoft.graph.accessPackageMultipleChoiceQuestion", {
        **_QUESTION_PROPS, "isMultipleSelectionAllowed": Prop("Boolean", nullable=False),
        "choices": Prop("Object", collection=True, schema=Schema("microsoft.graph.accessPackageAnswerChoice", {
            "actualValue": Prop(required=True, nullable=False), "text": Prop(), "localizations": Prop(**LOCALIZATIONS),
        }, dialect=ODATA)),
    }, dialect=ODATA),
})
POLICY = Schema("microsoft.graph.accessPackageAssignmentPolicy", {
    "id": Prop(read_only=True),
    "displayName": Prop(required=True, nullable=False, check=lambda v: 0 < len(v.strip()) and len(v) <= 256),
    "description": Prop(),
    "allowedTargetScope": Prop(enum=(
        "notSpecified", "specificDirectoryUsers", "specificConnectedOrganizationUsers", "specificDirectoryServicePrincipals",
        "allMemberUsers", "allDirectoryUsers", "allDirectoryServicePrincipals", "allConfiguredConnectedOrganizationUsers",
        "allExternalUsers")),
    "specificAllowedTargets": Prop(**SUBJECTS),
    "automaticRequestSettings": Prop("Object", schema=Schema("microsoft.graph.accessPackageAutomaticRequestSettings", {
        "requestAccessForAllowedTargets": Prop("Boolean"), "removeAccessWhenTargetLeavesAllowedTargets": Prop("Boolean"),
        "gracePeriodBeforeAccessRemoval": Prop("Duration", check=_em_duration),
    }, dialect=ODATA)),
    "expiration": Prop("Object", schema=EXPIRATION),
    "requestorSettings": Prop("Object", schema=REQUESTOR_SETTINGS),
    "requestApprovalSettings": Prop("Object", schema=APPROVAL_SETTINGS),
    "reviewSettings": Prop("Object", schema=REVIEW_SETTINGS),
    "notificationSettings": Prop("Object", schema=Schema("microsoft.graph.accessPackageNotificationSettings", {
        "isAssignmentNotificationDisabled": Prop("Boolean", nullable=False)}, dialect=ODATA)),
    "questions": Prop("Object", collection=True, schema=QUESTION),
    "customExtensionStageSettings": Prop("Any", collection=True),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "modifiedDateTime": Prop("DateTimeOffset", read_only=True),
    "accessPackage": Prop("Object", required=True, nullable=False, schema=_ref("microsoft.graph.accessPackage")),
    "catalog": Prop("Object", read_only=True),
}, dialect=ODATA)

ASSIGNMENT = Schema("microsoft.graph.accessPackageAssignment", {
    "id": Prop(read_only=True), "state": Prop(read_only=True), "status": Prop(read_only=True),
    "expiredDateTime": Prop("DateTimeOffset", read_only=True), "schedule": Prop("Object", schema=SCHEDULE),
    "customExtensionCalloutInstances": Prop("Any", collection=True, read_only=True),
}, dialect=ODATA)


# -- helpers --------------------------------------------------------------------------------------------------------
def public(obj):
    """The object as Graph shows it: without the emulator's ``_`` keys."""
    return {key: value for key, value in obj.items() if not key.startswith("_")}


def set_replication_lag(state, seconds):
    """How long (emulated seconds) a group added to a catalog stays out of the catalog's resource list."""
    state.extra[_LAG_KEY] = float(seconds)


def granted_roles(state, package_id):
    """``[(group id, "Member" | "Owner")]`` that an assignment of the package delivers."""
    package = state.table(PACKAGES).get(package_id)
    out = []
    for role_scope in (package or {}).get("_roleScopes", ()):
        resource = state.table(RESOURCES).get(role_scope["_resourceId"])
        role = _find(resource["_roles"], role_scope["_roleId"]) if resource else None
        if role and role["originSystem"] == "AadGroup":
            out.append((resource["originId"], role["displayName"]))
    return out


def add_assignment(state, package_id, policy_id, target_id,  # pylint: disable=too-many-arguments,too-many-positional-arguments
                   assignment_state="delivered", schedule=None):
    """Store an assignment of ``target_id`` (user id) to a package through a policy; returns it."""
    package = state.table(PACKAGES).get(package_id)
    now = _stamp(state.now())
    return state.table(ASSIGNMENTS).add({
        "id": new_id(), "state": assignment_state,
        "status": {"delivered": "Delivered", "delivering": "Delivering"}.get(assignment_state, assignment_state),
        "expiredDateTime": None,
        "schedule": schedule or {"startDateTime": now, "recurrence": None,
                                 "expiration": {"type": "noExpiration", "duration": None, "endDateTime": None}},
        "customExtensionCalloutInstances": [],
        "_accessPackageId": package_id, "_assignmentPolicyId": policy_id, "_catalogId": package["_catalogId"],
        "_targetId": target_id,
    })


def _active_assignments(state, key, value):
    return [a for a in state.table(ASSIGNMENTS).values() if a[key] == value and a["state"] in ACTIVE_ASSIGNMENT_STATES]


def _stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def _find(items, item_id):
    return next((item for item in items if item["id"].lower() == str(item_id).lower()), None)


def _find_ref(items, ref):
    """The role or scope a request names: by id, else by originId (accesspackage-post-resourcerolescopes.md ex. 1)."""
    if ref.get("id"):
        return _find(items, ref["id"])
    origin = str(ref.get("originId") or "").lower()
    return next((item for item in items if origin and str(item.get("originId") or "").lower() == origin), None)


def _resource_matches(resource, ref):
    """Whether the role's ``resource`` reference (id or originId, or none) names ``resource``."""
    if not ref:
        return True
    if ref.get("id"):
        return resource["id"].lower() == ref["id"].lower()
    return not ref.get("originId") or str(resource.get("originId") or "").lower() == ref["originId"].lower()


def _item(ctx, obj, entity_set, schema, expanders=None):
    """200 with one object honouring $select / $expand (expanders see the stored object)."""
    check_select(ctx.query.select, schema)
    body = {"@odata.context": context_url(ctx, entity_set, ctx.query.select, entity=True)}
    body.update(shape(public(obj), ctx.query.select))
    return 200, expand(ctx, obj, body, ctx.query, expanders, schema)


def _list(ctx, items, entity_set, schema, **options):
    options.setdefault("shaper", lambda obj, select: shape(public(obj), select))
    return list_response(ctx, items, entity_set, schema, **options)


def _resolver(links):
    """$filter path reader: ``links`` maps a navigation path (``catalog/id``) to the internal key holding it."""
    def resolve(obj, path):
        if path in links:
            return obj.get(links[path])
        value = obj
        for step in path.split("/"):
            value = value.get(step) if isinstance(value, dict) else None
        return value
    return resolve


def _navigation(table, key, entity_schema):
    """An expander for a to-one navigation stored as an id under ``key``."""
    def expander(ctx, obj, sub_query):
        check_select(sub_query.select, entity_schema)
        target = ctx.state.table(table).get(obj.get(key))
        return shape(public(target), sub_query.select) if target else None
    return expander


def _bad(message):
    return bad_request(message, ODATA)


def _now(ctx):
    return ctx.timestamp(fraction=True)


# -- who may use the administrators' APIs --------------------------------------------------------------------------
# Assumption: roles are held through grant_role() (roleManagement/entitlementManagement is not emulated); the seeded
# "admin" user is a Global Administrator and no other seeded user holds a role.
ROLE_ASSIGNMENTS = "entitlementRoleAssignments"
# api-reference/v1.0/includes/rbac-for-apis/rbac-entitlement-management-catalog-reader-apis-read.md: a delegated caller
# of the administrators' read APIs also needs a role: an Entitlement Management role on a catalog (least: Catalog
# reader) or one of these Entra roles (Global Administrator holds them all).
DIRECTORY_WIDE_ROLES = ("Global Administrator", "Identity Governance Administrator", "Global Reader", "Security Reader",
                        "Security Administrator", "Compliance Administrator")
CATALOG_ROLES = ("Catalog owner", "Catalog reader", "Access package manager", "Access package assignment manager")


def grant_role(state, user_id, role, catalog_id=None):
    """Give a user an Entra role (``catalog_id`` None) or an Entitlement Management role on one catalog."""
    if role not in (DIRECTORY_WIDE_ROLES if catalog_id is None else CATALOG_ROLES):
        raise ValueError(f"unknown {'directory' if catalog_id is None else 'catalog'} role {role!r}")
    return state.table(ROLE_ASSIGNMENTS).add({"id": new_id(), "principalId": user_id, "role": role, "catalogId": catalog_id})


def reader_catalogs(ctx):
    """None when the caller reads every catalog (an application, or a user with a directory-wide role); else the ids of
    the catalogs the user's catalog roles cover (empty for a user with no role)."""
    if ctx.identity.kind != "user":
        return None
    mine = [r for r in ctx.state.table(ROLE_ASSIGNMENTS).values() if r["principalId"] == ctx.identity.oid]
    if any(r["catalogId"] is None for r in mine):
        return None
    return {r["catalogId"] for r in mine}


def catalog_of(state, obj):
    """The catalog id of a package, policy, assignment or request (through its access package)."""
    if obj.get("_catalogId"):
        return obj["_catalogId"]
    package = state.table(PACKAGES).get(obj.get("_accessPackageId"))
    return package["_catalogId"] if package else None


def readable(ctx, items):
    """An administrators' list API: 403 to a user with no role (the end-user calls are the filterByCurrentUser
    functions, see the rbac include above); a user with catalog roles sees the objects of those catalogs."""
    catalogs = reader_catalogs(ctx)
    if catalogs is None:
        return list(items)
    if not catalogs:
        raise forbidden("The signed-in user has no Entitlement Management role (a catalog role or an Entra role such as "
                        "Identity Governance Administrator) that allows listing these objects.")
    return [item for item in items if catalog_of(ctx.state, item) in catalogs]


# -- seed -----------------------------------------------------------------------------------------------------------
@seeder
def seed_entitlement(state):
    """The built-in "General" catalog every tenant has; the seeded "admin" user is a Global Administrator."""
    admin = next((u for u in state.table("users").values() if u.get("mailNickname") == "admin"), None)
    if admin is not None:
        grant_role(state, admin["id"], "Global Administrator")
    now = _stamp(state.now())
    state.table(CATALOGS).add({
        "id": stable_id(state.tenant_id, "catalog", "general"), "displayName": "General",
        "description": "Built-in catalog.", "catalogType": "serviceDefault", "state": "published",
        "isExternallyVisible": True, "createdDateTime": now, "modifiedDateTime": now,
    })


# -- catalogs -------------------------------------------------------------------------------------------------------
CATALOG_SET = f"{EM_SET}/catalogs"


def _catalog_packages(ctx, obj, sub_query):
    check_select(sub_query.select, PACKAGE)
    return [shape(public(p), sub_query.select) for p in ctx.state.table(PACKAGES).values() if p["_catalogId"] == obj["id"]]


CATALOG_EXPANDERS = {"accessPackages": _catalog_packages}


@route("GET", f"{EM}/catalogs", versions=V1, permissions=READ)
def list_catalogs(ctx):
    """GET catalogs: $filter on displayName / id / state / catalogType."""
    return _list(ctx, ctx.state.table(CATALOGS).values(), CATALOG_SET, CATALOG,
                 filterable=("id", "displayName", "state", "catalogType", "isExternallyVisible"), expanders=CATALOG_EXPANDERS)


@route("POST", f"{EM}/catalogs", versions=V1, permissions=WRITE)
def create_catalog(ctx):
    """POST catalogs: 201 with the catalog; published and externally visible unless the body says otherwise."""
    _schema, values, _binds = CATALOG.validate(ctx.require_body(ODATA), "create")
    now = _now(ctx)
    catalog = ctx.state.table(CATALOGS).add({
        "id": new_id(), "displayName": None, "description": None, "catalogType": "userManaged", "state": "published",
        "isExternallyVisible": True, **values, "createdDateTime": now, "modifiedDateTime": now})
    return 201, {"@odata.context": context_url(ctx, CATALOG_SET, entity=True), **public(catalog)}


@route("GET", f"{EM}/catalogs/{{id}}", versions=V1, permissions=READ)
def get_catalog(ctx):
    """GET catalogs/{id}."""
    return _item(ctx, ctx.require(CATALOGS, ctx.params["id"], ODATA), CATALOG_SET, CATALOG, CATALOG_EXPANDERS)


@route("PATCH", f"{EM}/catalogs/{{id}}", versions=V1, permissions=WRITE)
def update_catalog(ctx):
    """PATCH catalogs/{id}: 204."""
    catalog = ctx.require(CATALOGS, ctx.params["id"], ODATA)
    _schema, values, _binds = CATALOG.validate(ctx.require_body(ODATA), "update")
    if catalog["catalogType"] != "userManaged" and values:
        raise _bad("The built-in catalog cannot be changed.")
    catalog.update(values, modifiedDateTime=_now(ctx))
    return 204, None


@route("DELETE", f"{EM}/catalogs/{{id}}", versions=V1, permissions=WRITE)
def delete_catalog(ctx):
    """DELETE catalogs/{id}: refused while access packages remain in the catalog; its resources go with it."""
    catalog = ctx.require(CATALOGS, ctx.params["id"], ODATA)
    if catalog["catalogType"] != "userManaged":
        raise _bad("The built-in catalog cannot be deleted.")
    packages = [p for p in ctx.state.table(PACKAGES).values() if p["_catalogId"] == catalog["id"]]
    if packages:
        raise _bad(f"The catalog cannot be deleted because it contains {len(packages)} access package(s).")
    for resource in [r for r in ctx.state.table(RESOURCES).values() if r["_catalogId"] == catalog["id"]]:
        ctx.state.table(RESOURCES).remove(resource["id"])
    ctx.state.table(CATALOGS).remove(catalog["id"])
    return 204, None


@route("GET", f"{EM}/catalogs/{{id}}/accessPackages", versions=V1, permissions=READ)
def list_catalog_packages(ctx):
    """GET catalogs/{id}/accessPackages."""
    catalog = ctx.require(CATALOGS, ctx.params["id"], ODATA)
    packages = [p for p in ctx.state.table(PACKAGES).values() if p["_catalogId"] == catalog["id"]]
    return _list(ctx, packages, f"{CATALOG_SET}('{catalog['id']}')/accessPackages", PACKAGE,
                 filterable=("id", "displayName"))


# -- catalog resources ----------------------------------------------------------------------------------------------
def _visible_resources(ctx, catalog_id):
    now = ctx.now().timestamp()
    return [r for r in ctx.state.table(RESOURCES).values() if r["_catalogId"] == catalog_id and r["_visibleAt"] <= now]


def _expand_list(key, schema):
    def expander(_ctx, obj, sub_query):
        check_select(sub_query.select, schema)
        return [shape(public(item), sub_query.select) for item in obj[key]]
    return expander


SCOPE = Schema("microsoft.graph.accessPackageResourceScope", dict(SCOPE_REF.props, id=Prop(read_only=True)), dialect=ODATA)
RESOURCE_EXPANDERS = {"roles": _expand_list("_roles", ROLE), "scopes": _expand_list("_scopes", SCOPE)}


@route("GET", f"{EM}/catalogs/{{id}}/resources", versions=V1, permissions=READ)
def list_resources(ctx):
    """GET catalogs/{id}/resources: $filter on originId / originSystem, $expand=roles,scopes."""
    catalog = ctx.require(CATALOGS, ctx.params["id"], ODATA)
    return _list(ctx, _visible_resources(ctx, catalog["id"]), f"{CATALOG_SET}('{catalog['id']}')/resources", RESOURCE,
                 filterable=("id", "originId", "originSystem", "displayName"), expanders=RESOURCE_EXPANDERS)


@route("GET", f"{EM}/catalogs/{{id}}/resourceRoles", versions=V1, permissions=READ)
def list_resource_roles(ctx):
    """GET catalogs/{id}/resourceRoles: $filter on originSystem / originId / resource/id, $expand=resource."""
    catalog = ctx.require(CATALOGS, ctx.params["id"], ODATA)
    roles, owners = [], {}
    for resource in _visible_resources(ctx, catalog["id"]):
        for role in resource["_roles"]:
            roles.append(role)
            owners[role["id"]] = resource

    def resolve(obj, path):
        return owners[obj["id"]]["id"] if path == "resource/id" else obj.get(path)

    def expand_resource(_ctx, obj, sub_query):
        check_select(sub_query.select, RESOURCE)
        return shape(public(owners[obj["id"]]), sub_query.select)

    return _list(ctx, roles, f"{CATALOG_SET}('{catalog['id']}')/resourceRoles", ROLE, resolve=resolve,
                 filterable=("id", "originSystem", "originId", "displayName", "resource/id"),
                 expanders={"resource": expand_resource}, key=lambda obj: ctx.state.seq(owners[obj["id"]]["id"]))


# -- resource requests ----------------------------------------------------------------------------------------------
REQUEST_SET = f"{EM_SET}/resourceRequests"


def _group_resource(ctx, catalog, group):
    lag = ctx.state.extra.get(_LAG_KEY, REPLICATION_SECONDS)
    now = _now(ctx)
    resource_id = new_id()
    roles = [{"id": new_id(), "displayName": name, "description": None, "originSystem": "AadGroup",
              "originId": f"{name}_{group['id']}"} for name in GROUP_ROLES]
    scopes = [{"id": new_id(), "displayName": "Root", "description": "Root Scope", "originId": group["id"],
               "originSystem": "AadGroup", "isRootScope": True}]
    return {"id": resource_id, "displayName": group["displayName"], "description": group.get("description"),
            "originId": group["id"], "originSystem": "AadGroup", "createdDateTime": now, "modifiedDateTime": now,
            "_catalogId": catalog["id"], "_visibleAt": ctx.now().timestamp() + lag, "_roles": roles, "_scopes": scopes}


@route("POST", f"{EM}/resourceRequests", versions=V1, permissions=WRITE)
def create_resource_request(ctx):
    """POST resourceRequests: adminAdd puts a group into a catalog (visible after the replication lag); adminRemove
    takes a resource out unless an access package uses it."""
    _schema, values, _binds = RESOURCE_REQUEST.validate(ctx.require_body(ODATA), "create")
    catalog = ctx.require(CATALOGS, values["catalog"]["id"], ODATA)
    if ctx.identity.kind == "app" and not ctx.identity.grants.intersection(("Group.ReadWrite.All", "Directory.ReadWrite.All")):
        raise GraphError(403, "Forbidden",
                         "Adding a group to a catalog with application permissions also needs Group.ReadWrite.All.")
    resource = values["resource"]
    in_catalog = [r for r in ctx.state.table(RESOURCES).values() if r["_catalogId"] == catalog["id"]]
    if values["requestType"] == "adminAdd":
        if resource.get("originSystem") != "AadGroup":
            raise _bad(f"originSystem '{resource.get('originSystem')}' is not supported here; only 'AadGroup'.")
        group = ctx.state.table("groups").get(resource.get("originId"))
        if group is None or not ctx.visible(group["id"]):
            raise GraphError(404, "ResourceNotFound", f"Group '{resource.get('originId')}' was not found in the directory.")
        if any(r["originId"].lower() == group["id"].lower() for r in in_catalog):
            raise _bad(f"The resource '{group['id']}' is already part of the catalog '{catalog['id']}'.")
        ctx.state.table(RESOURCES).add(_group_resource(ctx, catalog, group))
    else:
        target = next((r for r in in_catalog if r["id"] == resource.get("id") or r["originId"] == resource.get("originId")), None)
        if target is None:
            raise GraphError(404, "ResourceNotFound", "The resource is not part of the catalog.")
        users = [p["displayName"] for p in ctx.state.table(PACKAGES).values()
                 if any(rs["_resourceId"] == target["id"] for rs in p["_roleScopes"])]
        if users:
            raise _bad(f"The resource cannot be removed because access package(s) {', '.join(users)} use it.")
        ctx.state.table(RESOURCES).remove(target["id"])
    request = ctx.state.table(RESOURCE_REQUESTS).add({
        "id": new_id(), "requestType": values["requestType"], "state": "delivered", "createdDateTime": _now(ctx),
        "_catalogId": catalog["id"], "_resource": {key: resource.get(key) for key in ("originId", "originSystem", "displayName")}})
    return 201, {"@odata.context": context_url(ctx, REQUEST_SET, entity=True), **public(request)}


@route("GET", f"{EM}/resourceRequests", versions=V1, permissions=READ)
def list_resource_requests(ctx):
    """GET resourceRequests: $filter on catalog/id / requestType / state, $expand=catalog,resource."""
    # api-reference/v1.0/api/entitlementmanagement-list-resourcerequests.md: $select, $filter (catalog/id eq) and $expand.
    return _list(ctx, ctx.state.table(RESOURCE_REQUESTS).values(), REQUEST_SET, RESOURCE_REQUEST,
                 filterable=("id", "requestType", "state", "catalog/id"), resolve=_resolver({"catalog/id": "_catalogId"}),
                 expanders={"catalog": _navigation(CATALOGS, "_catalogId", CATALOG),
                            "resource": lambda _ctx, obj, _query: dict(obj["_resource"])})


# -- access packages ------------------------------------------------------------------------------------------------
PACKAGE_SET = f"{EM_SET}/accessPackages"


def _role_scope_view(ctx, role_scope, sub_query):
    """A role scope as Graph returns it, with role / scope expanded when asked (``role($expand=resource)`` too)."""
    out = shape(public(role_scope), sub_query.select)
    resource = ctx.state.table(RESOURCES).get(role_scope["_resourceId"])
    for name, nested in sub_query.expand or ():
        if name == "role":
            role = dict(public(_find(resource["_roles"], role_scope["_roleId"])))
            for inner, _query in nested.expand or ():
                if inner != "resource":
                    raise _bad(f"Could not find a property named '{inner}' on type '{ROLE.name}'.")
                role["resource"] = public(resource)
            out["role"] = role
        elif name == "scope":
            out["scope"] = public(_find(resource["_scopes"], role_scope["_scopeId"]))
        else:
            raise _bad(f"Could not find a property named '{name}' on type '{ROLE_SCOPE.name}'.")
    return out


def _expand_role_scopes(ctx, obj, sub_query):
    return [_role_scope_view(ctx, rs, sub_query) for rs in obj["_roleScopes"]]


def _expand_policies(ctx, obj, sub_query):
    check_select(sub_query.select, POLICY)
    return [shape(public(p), sub_query.select) for p in ctx.state.table(POLICIES).values() if p["_accessPackageId"] == obj["id"]]


PACKAGE_EXPANDERS = {"catalog": _navigation(CATALOGS, "_catalogId", CATALOG), "resourceRoleScopes": _expand_role_scopes,
                     "assignmentPolicies": _expand_policies}


@route("GET", f"{EM}/accessPackages", versions=V1, permissions=READ)
def list_packages(ctx):
    """GET accessPackages: $filter on displayName / id, $expand=catalog,resourceRoleScopes,assignmentPolicies."""
    return _list(ctx, readable(ctx, ctx.state.table(PACKAGES).values()), PACKAGE_SET, PACKAGE, filterable=("id", "displayName"),
                 expanders=PACKAGE_EXPANDERS)


@route("POST", f"{EM}/accessPackages", versions=V1, permissions=WRITE)
def create_package(ctx):
    """POST accessPackages with ``catalog: {id}``: 201."""
    _schema, values, _binds = PACKAGE.validate(ctx.require_body(ODATA), "create")
    if not values.get("catalog"):
        raise _bad("The access package needs a catalog: set 'catalog' to {\"id\": ...}.")
    catalog = ctx.require(CATALOGS, values.pop("catalog")["id"], ODATA)
    now = _now(ctx)
    package = ctx.state.table(PACKAGES).add({
        "id": new_id(), "displayName": None, "description": None, "isHidden": False, **values,
        "createdDateTime": now, "modifiedDateTime": now, "_catalogId": catalog["id"], "_roleScopes": []})
    return 201, {"@odata.context": context_url(ctx, PACKAGE_SET, entity=True), **public(package)}


@route("GET", f"{EM}/accessPackages/{{id}}", versions=V1, permissions=READ)
def get_package(ctx):
    """GET accessPackages/{id}."""
    return _item(ctx, ctx.require(PACKAGES, ctx.params["id"], ODATA), PACKAGE_SET, PACKAGE, PACKAGE_EXPANDERS)


@route("PATCH", f"{EM}/accessPackages/{{id}}", versions=V1, permissions=WRITE)
def update_package(ctx):
    """PATCH accessPackages/{id}: 204; the catalog cannot change here (moveToCatalog is a separate action)."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    _schema, values, _binds = PACKAGE.validate(ctx.require_body(ODATA), "update")
    if "catalog" in values:
        raise _bad("The catalog of an access package cannot be changed with PATCH.")
    package.update(values, modifiedDateTime=_now(ctx))
    return 204, None


@route("DELETE", f"{EM}/accessPackages/{{id}}", versions=V1, permissions=WRITE)
def delete_package(ctx):
    """DELETE accessPackages/{id}: refused while it has active assignments; its policies go with it."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    active = _active_assignments(ctx.state, "_accessPackageId", package["id"])
    if active:
        raise _bad(f"The access package cannot be deleted because it has {len(active)} active assignment(s). "
                   "Remove the assignments first.")
    for policy in [p for p in ctx.state.table(POLICIES).values() if p["_accessPackageId"] == package["id"]]:
        ctx.state.table(POLICIES).remove(policy["id"])
    ctx.state.table(PACKAGES).remove(package["id"])
    return 204, None


@route("GET", f"{EM}/accessPackages/{{id}}/resourceRoleScopes", versions=V1, permissions=READ)
def list_role_scopes(ctx):
    """GET accessPackages/{id}/resourceRoleScopes?$expand=role,scope."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    check_select(ctx.query.select, ROLE_SCOPE)
    ctx.query.reject("$filter", "$orderby", "$search", "$skip", dialect=ODATA)
    values = [_role_scope_view(ctx, rs, ctx.query) for rs in package["_roleScopes"]]
    return 200, {"@odata.context": context_url(ctx, f"{PACKAGE_SET}('{package['id']}')/resourceRoleScopes", ctx.query.select),
                 "value": values}


@route("POST", f"{EM}/accessPackages/{{id}}/resourceRoleScopes", versions=V1, permissions=WRITE)
def create_role_scope(ctx):
    """POST accessPackages/{id}/resourceRoleScopes: the role and scope must belong to one resource of the catalog."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    _schema, values, _binds = ROLE_SCOPE.validate(ctx.require_body(ODATA), "create")
    role_ref, scope_ref = values["role"], values["scope"]
    role_id = role_ref.get("id") or role_ref.get("originId")
    resource = next((r for r in _visible_resources(ctx, package["_catalogId"])
                     if _find_ref(r["_roles"], role_ref) and _resource_matches(r, role_ref.get("resource"))), None)
    if resource is None:
        raise GraphError(404, "ResourceNotFound", f"The role '{role_id}' is not a role of a resource in the access "
                                                  "package's catalog.")
    if _find_ref(resource["_scopes"], scope_ref) is None:
        scope_name = scope_ref.get("id") or scope_ref.get("originId")
        raise _bad(f"The scope '{scope_name}' is not a scope of the resource '{resource['id']}'.")
    role_id, scope_id = _find_ref(resource["_roles"], role_ref)["id"], _find_ref(resource["_scopes"], scope_ref)["id"]
    if any(rs["_roleId"] == role_id and rs["_scopeId"] == scope_id for rs in package["_roleScopes"]):
        raise GraphError(409, "Conflict", "The access package already has this resource role scope.")
    role_scope = {"id": f"{role_id}_{scope_id}", "createdDateTime": _now(ctx), "_roleId": role_id, "_scopeId": scope_id,
                  "_resourceId": resource["id"]}
    package["_roleScopes"].append(role_scope)
    return 201, {"@odata.context": context_url(ctx, f"{PACKAGE_SET}('{package['id']}')/resourceRoleScopes", entity=True),
                 **public(role_scope)}


@route("GET", f"{EM}/accessPackages/{{id}}/resourceRoleScopes/{{scope}}", versions=V1, permissions=READ)
def get_role_scope(ctx):
    """GET one role scope."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    role_scope = _find(package["_roleScopes"], ctx.params["scope"])
    if role_scope is None:
        raise not_found(ctx.params["scope"], ODATA)
    body = {"@odata.context": context_url(ctx, f"{PACKAGE_SET}('{package['id']}')/resourceRoleScopes", entity=True)}
    body.update(_role_scope_view(ctx, role_scope, ctx.query))
    return 200, body


@route("DELETE", f"{EM}/accessPackages/{{id}}/resourceRoleScopes/{{scope}}", versions=V1, permissions=WRITE)
def delete_role_scope(ctx):
    """DELETE one role scope: 204."""
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    role_scope = _find(package["_roleScopes"], ctx.params["scope"])
    if role_scope is None:
        raise not_found(ctx.params["scope"], ODATA)
    package["_roleScopes"].remove(role_scope)
    return 204, None


# -- assignment policies --------------------------------------------------------------------------------------------
POLICY_SET = f"{EM_SET}/assignmentPolicies"
_POLICY_DEFAULTS = {
    "requestorSettings": {"enableTargetsToSelfAddAccess": False, "enableTargetsToSelfUpdateAccess": False,
                          "enableTargetsToSelfRemoveAccess": False, "allowCustomAssignmentSchedule": False,
                          "enableOnBehalfRequestorsToAddAccess": False, "enableOnBehalfRequestorsToUpdateAccess": False,
                          "enableOnBehalfRequestorsToRemoveAccess": False, "onBehalfRequestors": []},
    "requestApprovalSettings": {"isApprovalRequiredForAdd": False, "isApprovalRequiredForUpdate": False,
                                "isRequestorJustificationRequired": False, "stages": []},
    "expiration": {"type": "noExpiration", "duration": None, "endDateTime": None},
    "notificationSettings": {"isAssignmentNotificationDisabled": False},
}
_STAGE_DEFAULTS = {"durationBeforeAutomaticDenial": "P14D", "isApproverJustificationRequired": False,
                   "isEscalationEnabled": False, "durationBeforeEscalation": "PT0S", "primaryApprovers": [],
                   "fallbackPrimaryApprovers": [], "escalationApprovers": [], "fallbackEscalationApprovers": []}
_NEEDS_FALLBACK = ("#microsoft.graph.requestorManager", "#microsoft.graph.targetUserSponsors")
_SPECIFIC_TARGETS = ("#microsoft.graph.singleUser", "#microsoft.graph.groupMembers")


def _check_subjects(ctx, subjects, where):
    for subject in subjects or ():
        kind = subject["@odata.type"]
        if kind == "#microsoft.graph.singleUser" and ctx.state.find_user(subject["userId"]) is None:
            raise _bad(f"{where}: the user '{subject['userId']}' does not exist in the directory.")
        if kind == "#microsoft.graph.groupMembers" and ctx.state.table("groups").get(subject["groupId"]) is None:
            raise _bad(f"{where}: the group '{subject['groupId']}' does not exist in the directory.")


def _check_stage(ctx, number, stage):
    where = f"Approval stage {number}"
    for key in ("primaryApprovers", "fallbackPrimaryApprovers", "escalationApprovers", "fallbackEscalationApprovers"):
        _check_subjects(ctx, stage[key], f"{where} {key}")
    if not stage["primaryApprovers"] and not stage["fallbackPrimaryApprovers"]:
        raise _bad(f"{where} has no approvers.")
    if duration_seconds(stage["durationBeforeAutomaticDenial"]) <= 0:
        raise _bad(f"{where}: durationBeforeAutomaticDenial must be greater than zero.")
    if any(s["@odata.type"] in _NEEDS_FALLBACK for s in stage["primaryApprovers"]) and not stage["fallbackPrimaryApprovers"]:
        raise _bad(f"{where}: a manager or sponsor approver needs at least one fallback approver in "
                   "fallbackPrimaryApprovers, for requestors who have none.")
    if stage["isEscalationEnabled"] and not stage["escalationApprovers"]:
        raise _bad(f"{where}: escalation is enabled but escalationApprovers is empty.")


def _check_questions(questions, existing):
    known = {q["id"] for q in existing}
    for number, question in enumerate(questions, 1):
        if not (question.get("text") or "").strip():
            raise _bad(f"Question {number} has no text.")
        if question.get("id") and question["id"] not in known:
            raise _bad(f"Question {number}: '{question['id']}' is not the id of a question of this policy.")
        if question["@odata.type"].endswith("MultipleChoiceQuestion") and not question.get("choices"):
            raise _bad(f"Question {number}: a multiple-choice question needs at least one choice.")
    ids = [q["id"] for q in questions if q.get("id")]
    if len(ids) != len(set(ids)):
        raise _bad("The same question id appears twice.")


def _stored_question(question, number):
    is_choice = question["@odata.type"].endswith("MultipleChoiceQuestion")
    base = {"@odata.type": question["@odata.type"], "id": question.get("id") or new_id(),
            "sequence": question.get("sequence") if question.get("sequence") is not None else number,
            "isRequired": False, "isAnswerEditable": False, "text": None, "localizations": []}
    base.update({"isMultipleSelectionAllowed": False, "choices": []} if is_choice else
                {"isSingleLineQuestion": True, "regexPattern": None})
    base.update({key: value for key, value in question.items() if key != "id"})
    if is_choice:
        base["choices"] = [{"actualValue": None, "text": None, "localizations": [], **c} for c in base["choices"]]
    return base


def _normalise_durations(values):
    """Store durations in Graph's normal form, as the service does."""
    expiration = values.get("expiration")
    if expiration and expiration.get("duration"):
        expiration["duration"] = timespan(expiration["duration"])
    for stage in values["requestApprovalSettings"]["stages"]:
        for key in ("durationBeforeAutomaticDenial", "durationBeforeEscalation"):
            stage[key] = timespan(stage[key])
    schedule = (values.get("reviewSettings") or {}).get("schedule") or {}
    if (schedule.get("expiration") or {}).get("duration"):
        schedule["expiration"]["duration"] = timespan(schedule["expiration"]["duration"])


def _policy_values(ctx, body, mode, current=None):
    """Validate a POST / PUT body and apply Graph's rules and server-side defaults; returns the stored fields."""
    if mode == "replace" and isinstance(body, dict) and "id" in body:
        if str(body["id"]).lower() != current["id"].lower():
            raise _bad("The id in the body does not match the id in the URL.")
        body = {key: value for key, value in body.items() if key != "id"}
    _schema, values, _binds = POLICY.validate(body, mode)
    package = ctx.state.table(PACKAGES).get(values["accessPackage"]["id"])
    if package is None:
        raise GraphError(404, "ResourceNotFound", f"The access package '{values['accessPackage']['id']}' was not found.")
    if current is not None and package["id"] != current["_accessPackageId"]:
        raise _bad("The access package of a policy cannot be changed.")
    for key, default in _POLICY_DEFAULTS.items():
        values[key] = {**default, **(values.get(key) or {})}
    approval = values["requestApprovalSettings"]
    approval["stages"] = [{**_STAGE_DEFAULTS, **stage} for stage in approval["stages"] or []]
    if len(approval["stages"]) > MAX_APPROVAL_STAGES:
        raise _bad(f"A policy can have at most {MAX_APPROVAL_STAGES} approval stages; the request has "
                   f"{len(approval['stages'])}.")
    if approval["isApprovalRequiredForAdd"] and not approval["stages"]:
        raise _bad("isApprovalRequiredForAdd is true but requestApprovalSettings has no stages.")
    for number, stage in enumerate(approval["stages"], 1):
        _check_stage(ctx, number, stage)
    _check_targets(ctx, values)
    _check_expiration(values["expiration"])
    reviews = values.get("reviewSettings")
    if reviews:
        _check_subjects(ctx, reviews.get("primaryReviewers"), "reviewSettings primaryReviewers")
        _check_subjects(ctx, reviews.get("fallbackReviewers"), "reviewSettings fallbackReviewers")
        if reviews.get("isEnabled") and not reviews.get("isSelfReview") and not reviews.get("primaryReviewers"):
            raise _bad("Access reviews are enabled without reviewers: set isSelfReview or primaryReviewers.")
    # Navigation collections a PUT leaves out stay as they are; an empty collection clears them.
    if "questions" in values or current is None:
        questions = values.pop("questions", None) or []
        _check_questions(questions, (current or {}).get("_questions", []))
        values["_questions"] = [_stored_question(q, n) for n, q in enumerate(questions, 1)]
    else:
        values["_questions"] = current["_questions"]
    extensions = values.pop("customExtensionStageSettings", None)
    values["_customExtensionStageSettings"] = (current or {}).get("_customExtensionStageSettings", []) if extensions is None else extensions
    _normalise_durations(values)
    values.pop("accessPackage")
    values.update(_accessPackageId=package["id"], _catalogId=package["_catalogId"])
    values.setdefault("allowedTargetScope", "notSpecified")
    values.setdefault("specificAllowedTargets", [])
    for key in ("description", "automaticRequestSettings", "reviewSettings"):
        values.setdefault(key, None)
    return values


def _check_targets(ctx, values):
    targets = values.get("specificAllowedTargets") or []
    scope = values.get("allowedTargetScope", "notSpecified")
    if scope == "specificDirectoryUsers":
        if not targets:
            raise _bad("allowedTargetScope 'specificDirectoryUsers' needs at least one specificAllowedTargets entry.")
        if any(t["@odata.type"] not in _SPECIFIC_TARGETS for t in targets):
            raise _bad("specificAllowedTargets for 'specificDirectoryUsers' may hold only singleUser and groupMembers.")
    elif targets and not scope.startswith("specific"):
        raise _bad(f"specificAllowedTargets must be empty when allowedTargetScope is '{scope}'.")
    _check_subjects(ctx, targets, "specificAllowedTargets")


def _check_expiration(expiration):
    kind = expiration.get("type")
    if kind == "afterDuration":
        if not expiration.get("duration") or expiration.get("endDateTime"):
            raise _bad("An expiration of type 'afterDuration' needs a duration and no endDateTime.")
        if duration_seconds(expiration["duration"]) <= 0:
            raise _bad("The expiration duration must be greater than zero.")
    elif kind == "afterDateTime":
        if not expiration.get("endDateTime") or expiration.get("duration"):
            raise _bad("An expiration of type 'afterDateTime' needs an endDateTime and no duration.")
    elif expiration.get("duration") or expiration.get("endDateTime"):
        raise _bad(f"An expiration of type '{kind}' takes neither a duration nor an endDateTime.")


def _expand_questions(_ctx, obj, sub_query):
    del sub_query
    return [dict(q) for q in obj["_questions"]]


POLICY_EXPANDERS = {
    "accessPackage": _navigation(PACKAGES, "_accessPackageId", PACKAGE),
    "catalog": _navigation(CATALOGS, "_catalogId", CATALOG),
    "questions": _expand_questions,
    "customExtensionStageSettings": lambda _ctx, obj, _query: list(obj["_customExtensionStageSettings"]),
}


def _policy_answer(ctx, policy, status):
    body = {"@odata.context": context_url(ctx, POLICY_SET, entity=True), **public(policy)}
    body["questions"] = [dict(q) for q in policy["_questions"]]
    return status, body


@route("GET", f"{EM}/assignmentPolicies", versions=V1, permissions=READ)
def list_policies(ctx):
    """GET assignmentPolicies: $filter on displayName, $expand=accessPackage,catalog,questions."""
    # api-reference/v1.0/api/entitlementmanagement-list-assignmentpolicies.md documents $filter=displayName eq only
    # (a package's policies come from accessPackages/{id}?$expand=assignmentPolicies); accessPackage/id is refused.
    return _list(ctx, readable(ctx, ctx.state.table(POLICIES).values()), POLICY_SET, POLICY, expanders=POLICY_EXPANDERS,
                 filterable=("displayName",))


@route("POST", f"{EM}/assignmentPolicies", versions=V1, permissions=WRITE)
def create_policy(ctx):
    """POST assignmentPolicies: 201 with the policy and its questions (ids generated by the service)."""
    values = _policy_values(ctx, ctx.require_body(ODATA), "create")
    now = _now(ctx)
    policy = ctx.state.table(POLICIES).add({"id": new_id(), **values, "createdDateTime": now, "modifiedDateTime": now})
    return _policy_answer(ctx, policy, 201)


@route("GET", f"{EM}/assignmentPolicies/{{id}}", versions=V1, permissions=READ)
def get_policy(ctx):
    """GET assignmentPolicies/{id}."""
    return _item(ctx, ctx.require(POLICIES, ctx.params["id"], ODATA), POLICY_SET, POLICY, POLICY_EXPANDERS)


@route("PUT", f"{EM}/assignmentPolicies/{{id}}", versions=V1, permissions=WRITE)
def replace_policy(ctx):
    """PUT assignmentPolicies/{id}: the whole policy is replaced; questions sent with their id keep it."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    values = _policy_values(ctx, ctx.require_body(ODATA), "replace", current=policy)
    kept = {key: policy[key] for key in ("id", "createdDateTime")}
    policy.clear()
    policy.update(kept, **values, modifiedDateTime=_now(ctx))
    return _policy_answer(ctx, policy, 200)


@route("DELETE", f"{EM}/assignmentPolicies/{{id}}", versions=V1, permissions=WRITE)
def delete_policy(ctx):
    """DELETE assignmentPolicies/{id}: refused while assignments made through it are active."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    active = _active_assignments(ctx.state, "_assignmentPolicyId", policy["id"])
    if active:
        raise _bad(f"The policy cannot be deleted because it has {len(active)} active assignment(s).")
    ctx.state.table(POLICIES).remove(policy["id"])
    return 204, None


# -- assignments (read side) -----------------------------------------------------------------------------------------
ASSIGNMENT_SET = f"{EM_SET}/assignments"
_PACKAGE_FILTER = re.compile(r"accessPackage/id eq '([^']+)'", re.IGNORECASE)


def _expand_target(ctx, obj, sub_query):
    del sub_query
    user = ctx.state.table("users").get(obj["_targetId"])
    if user is None:
        return None
    return {"id": stable_id(ctx.state.tenant_id, "subject", user["id"]), "objectId": user["id"],
            "displayName": user["displayName"], "email": user.get("mail"), "principalName": user["userPrincipalName"],
            "subjectType": "user"}


ASSIGNMENT_EXPANDERS = {
    "accessPackage": _navigation(PACKAGES, "_accessPackageId", PACKAGE),
    "assignmentPolicy": _navigation(POLICIES, "_assignmentPolicyId", POLICY),
    "target": _expand_target,
}


@route("GET", f"{EM}/assignments", versions=V1, permissions=READ)
def list_assignments(ctx):
    """GET assignments: $filter on state / accessPackage/id / assignmentPolicy/id / target/objectId."""
    assignments = readable(ctx, ctx.state.table(ASSIGNMENTS).values())
    # api-reference/v1.0/api/entitlementmanagement-list-assignments.md: a caller with only catalog-specific roles must
    # filter by one access package (accessPackage/id eq). Assumption: Graph answers 403 otherwise (the page gives no code).
    if reader_catalogs(ctx) is not None:
        package_id = _PACKAGE_FILTER.search(ctx.query.filter or "")
        package = ctx.state.table(PACKAGES).get(package_id.group(1)) if package_id else None
        if package is None or package["_catalogId"] not in reader_catalogs(ctx):
            raise forbidden("A caller with only catalog-specific roles must filter assignments by "
                            "accessPackage/id of an access package in one of its catalogs.")
    return _list(ctx, assignments, ASSIGNMENT_SET, ASSIGNMENT, expanders=ASSIGNMENT_EXPANDERS,
                 filterable=("id", "state", "accessPackage/id", "assignmentPolicy/id", "target/objectId"),
                 resolve=_resolver({"accessPackage/id": "_accessPackageId", "assignmentPolicy/id": "_assignmentPolicyId",
                                    "target/objectId": "_targetId"}))
