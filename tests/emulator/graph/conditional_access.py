"""Conditional Access area: policies and named locations (v1.0 and beta), and the directory role templates policies
name in includeRoles / excludeRoles.

Policies are stored once, in beta shape, in the tenant table ``conditionalAccessPolicies``; v1.0 reads leave out what
only beta has (``sessionControls.globalSecureAccessFilteringProfile`` among them) and v1.0 writes reject it as an
unknown property. A profile id in that session control must name an object of the GSA area's ``filteringProfiles``
table, and ids in the user, group, role and location conditions must exist, else the write is a 400 like Graph's.
"""

import copy
import uuid

from ..tenant import seeder
from .errors import ODATA, bad_request
from .odata import context_url, item_response, list_response, new_id
from .router import route
from .schema import Prop, Schema

READ_POLICIES = ("Policy.Read.All", "Policy.ReadWrite.ConditionalAccess")
WRITE_POLICIES = ("Policy.ReadWrite.ConditionalAccess",)
READ_ROLES = ("RoleManagement.Read.Directory", "RoleManagement.ReadWrite.Directory", "Directory.Read.All",
              "Directory.ReadWrite.All")
POLICIES = "conditionalAccessPolicies"
LOCATIONS = "namedLocations"
ROLE_TEMPLATES = "directoryRoleTemplates"
PROFILES = "filteringProfiles"  # owned by the Global Secure Access area

RISK_LEVELS = ("low", "medium", "high", "hidden", "none", "unknownFutureValue")
CLIENT_APP_TYPES = ("all", "browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "easSupported", "other",
                    "unknownFutureValue")
PLATFORMS = ("android", "iOS", "windows", "windowsPhone", "macOS", "all", "unknownFutureValue", "linux")
BUILT_IN_CONTROLS = ("block", "mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication",
                     "compliantApplication", "passwordChange", "unknownFutureValue")
USER_KEYWORDS = ("All", "None", "GuestsOrExternalUsers")
APPLICATION_KEYWORDS = ("All", "None", "Office365", "MicrosoftAdminPortals")
LOCATION_KEYWORDS = ("All", "AllTrusted")

# Built-in directory roles every tenant has (template ids are the same in every tenant).
ROLE_TEMPLATE_SEED = (
    ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator",
     "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."),
    ("b1be1c3e-b65d-4f19-8427-f6fa0d97feb9", "Conditional Access Administrator",
     "Can manage Conditional Access capabilities."),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator",
     "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365."),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader",
     "Can read everything that a Global Administrator can, but not update anything."),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator",
     "Can manage all aspects of users and groups, including resetting passwords for limited admins."),
)


def _collection(values):
    return Prop(collection=True, enum=values)


def _strings():
    return Prop(collection=True)


ROLE_TEMPLATE = Schema("microsoft.graph.directoryRoleTemplate", {
    "id": Prop(read_only=True), "deletedDateTime": Prop("DateTimeOffset", read_only=True),
    "description": Prop(read_only=True), "displayName": Prop(read_only=True),
}, resource="DirectoryRoleTemplate")

# -- named locations -------------------------------------------------------------------------------------------
CIDR_V4 = Schema("microsoft.graph.iPv4CidrRange", {"cidrAddress": Prop(required=True, nullable=False)}, dialect=ODATA)
CIDR_V6 = Schema("microsoft.graph.iPv6CidrRange", {"cidrAddress": Prop(required=True, nullable=False)}, dialect=ODATA)
IP_RANGE = Schema("microsoft.graph.ipRange", {}, abstract=True, dialect=ODATA,
                  derived={"#microsoft.graph.iPv4CidrRange": CIDR_V4, "#microsoft.graph.iPv6CidrRange": CIDR_V6})
_LOCATION_BASE = {
    "id": Prop(read_only=True), "displayName": Prop(required=True, nullable=False),
    "createdDateTime": Prop("DateTimeOffset", read_only=True), "modifiedDateTime": Prop("DateTimeOffset", read_only=True),
}
IP_LOCATION = Schema("microsoft.graph.ipNamedLocation", dict(_LOCATION_BASE, **{
    "isTrusted": Prop("Boolean"), "ipRanges": Prop("Object", collection=True, schema=IP_RANGE, required=True),
}), dialect=ODATA)
COUNTRY_LOCATION = Schema("microsoft.graph.countryNamedLocation", dict(_LOCATION_BASE, **{
    "countriesAndRegions": Prop(collection=True, required=True),
    "countryLookupMethod": Prop(enum=("clientIpAddress", "authenticatorAppGps", "unknownFutureValue")),
    "includeUnknownCountriesAndRegions": Prop("Boolean"),
}), dialect=ODATA)
NAMED_LOCATION = Schema("microsoft.graph.namedLocation", dict(_LOCATION_BASE), abstract=True, dialect=ODATA, derived={
    "#microsoft.graph.ipNamedLocation": IP_LOCATION, "#microsoft.graph.countryNamedLocation": COUNTRY_LOCATION})


# -- policies ---------------------------------------------------------------------------------------------------
def _policy_schema(beta):
    """The conditionalAccessPolicy type as ``beta`` or v1.0 declares it."""
    users = Schema("microsoft.graph.conditionalAccessUsers", {
        "includeUsers": _strings(), "excludeUsers": _strings(), "includeGroups": _strings(),
        "excludeGroups": _strings(), "includeRoles": _strings(), "excludeRoles": _strings(),
        "includeGuestsOrExternalUsers": Prop("Any"), "excludeGuestsOrExternalUsers": Prop("Any"),
    }, dialect=ODATA)
    applications = Schema("microsoft.graph.conditionalAccessApplications", {
        "includeApplications": _strings(), "excludeApplications": _strings(), "includeUserActions": _strings(),
        "includeAuthenticationContextClassReferences": _strings(), "applicationFilter": Prop("Any"),
    }, dialect=ODATA)
    platforms = Schema("microsoft.graph.conditionalAccessPlatforms", {
        "includePlatforms": _collection(PLATFORMS), "excludePlatforms": _collection(PLATFORMS),
    }, dialect=ODATA)
    locations = Schema("microsoft.graph.conditionalAccessLocations", {
        "includeLocations": _strings(), "excludeLocations": _strings(),
    }, dialect=ODATA)
    condition_props = {
        "applications": Prop("Object", schema=applications), "users": Prop("Object", schema=users),
        "platforms": Prop("Object", schema=platforms), "locations": Prop("Object", schema=locations),
        "signInRiskLevels": _collection(RISK_LEVELS), "userRiskLevels": _collection(RISK_LEVELS),
        "servicePrincipalRiskLevels": _collection(RISK_LEVELS), "clientAppTypes": _collection(CLIENT_APP_TYPES),
        "clientApplications": Prop("Any"), "devices": Prop("Any"), "authenticationFlows": Prop("Any"),
        "insiderRiskLevels": Prop(),
    }
    if beta:
        condition_props.update(times=Prop("Any"), deviceStates=Prop("Any"))
    conditions = Schema("microsoft.graph.conditionalAccessConditionSet", condition_props, dialect=ODATA)
    grant = Schema("microsoft.graph.conditionalAccessGrantControls", {
        "operator": Prop(enum=("AND", "OR")), "builtInControls": _collection(BUILT_IN_CONTROLS),
        "customAuthenticationFactors": _strings(), "termsOfUse": _strings(), "authenticationStrength": Prop("Any"),
    }, dialect=ODATA)
    session_props = {
        "applicationEnforcedRestrictions": Prop("Object", schema=Schema(
            "microsoft.graph.applicationEnforcedRestrictionsSessionControl", {"isEnabled": Prop("Boolean")}, dialect=ODATA)),
        "cloudAppSecurity": Prop("Any"),
        "persistentBrowser": Prop("Object", schema=Schema("microsoft.graph.persistentBrowserSessionControl", {
            "isEnabled": Prop("Boolean"), "mode": Prop(enum=("always", "never", "unknownFutureValue"))}, dialect=ODATA)),
        "signInFrequency": Prop("Object", schema=Schema("microsoft.graph.signInFrequencySessionControl", {
            "isEnabled": Prop("Boolean"), "value": Prop("Int32"), "type": Prop(enum=("days", "hours", "unknownFutureValue")),
            "authenticationType": Prop(enum=("primaryAndSecondaryAuthentication", "secondaryAuthentication",
                                             "unknownFutureValue")),
            "frequencyInterval": Prop(enum=("timeBased", "everyTime", "unknownFutureValue"))}, dialect=ODATA)),
        "disableResilienceDefaults": Prop("Boolean"), "secureSignInSession": Prop("Any"),
    }
    if beta:
        session_props.update(
            continuousAccessEvaluation=Prop("Any"),
            globalSecureAccessFilteringProfile=Prop("Object", schema=Schema(
                "microsoft.graph.globalSecureAccessFilteringProfileSessionControl", {
                    "isEnabled": Prop("Boolean"), "profileId": Prop(required=True, nullable=False)}, dialect=ODATA)))
    sessions = Schema("microsoft.graph.conditionalAccessSessionControls", session_props, dialect=ODATA)
    props = {
        "id": Prop(read_only=True), "displayName": Prop(required=True, nullable=False), "description": Prop(),
        "state": Prop(required=True, nullable=False, enum=("enabled", "disabled", "enabledForReportingButNotEnforced")),
        "createdDateTime": Prop("DateTimeOffset", read_only=True),
        "modifiedDateTime": Prop("DateTimeOffset", read_only=True), "templateId": Prop(read_only=True),
        "conditions": Prop("Object", schema=conditions, required=True, nullable=False),
        "grantControls": Prop("Object", schema=grant), "sessionControls": Prop("Object", schema=sessions),
    }
    if beta:
        props.update(deletedDateTime=Prop("DateTimeOffset", read_only=True), partialEnablementStrategy=Prop(read_only=True))
    return Schema("microsoft.graph.conditionalAccessPolicy", props, dialect=ODATA)


POLICY = {"beta": _policy_schema(True), "v1.0": _policy_schema(False)}

# Server-side defaults: what Graph returns for members a write left out.
_DEFAULTS = {
    "users": {"includeUsers": [], "excludeUsers": [], "includeGroups": [], "excludeGroups": [], "includeRoles": [],
              "excludeRoles": [], "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None},
    "applications": {"includeApplications": [], "excludeApplications": [], "includeUserActions": [],
                     "includeAuthenticationContextClassReferences": [], "applicationFilter": None},
    "platforms": {"includePlatforms": [], "excludePlatforms": []},
    "locations": {"includeLocations": [], "excludeLocations": []},
    "conditions": {"userRiskLevels": [], "signInRiskLevels": [], "servicePrincipalRiskLevels": [], "clientAppTypes": [],
                   "insiderRiskLevels": None, "platforms": None, "locations": None, "times": None, "deviceStates": None,
                   "devices": None, "clientApplications": None, "authenticationFlows": None, "applications": None,
                   "users": None},
    "grantControls": {"operator": None, "builtInControls": [], "customAuthenticationFactors": [], "termsOfUse": [],
                      "authenticationStrength": None},
    "sessionControls": {"disableResilienceDefaults": None, "applicationEnforcedRestrictions": None,
                        "cloudAppSecurity": None, "persistentBrowser": None, "signInFrequency": None,
                        "secureSignInSession": None, "continuousAccessEvaluation": None,
                        "globalSecureAccessFilteringProfile": None},
    "signInFrequency": {"isEnabled": True, "value": None, "type": None,
                        "authenticationType": "primaryAndSecondaryAuthentication", "frequencyInterval": "timeBased"},
    "persistentBrowser": {"isEnabled": True, "mode": None},
    "applicationEnforcedRestrictions": {"isEnabled": True},
    "globalSecureAccessFilteringProfile": {"isEnabled": True},
}
# What only beta has, per level of the object (dropped from v1.0 answers).
_BETA_ONLY = {
    None: ("deletedDateTime", "partialEnablementStrategy"),
    "conditions": ("times", "deviceStates"),
    "sessionControls": ("continuousAccessEvaluation", "globalSecureAccessFilteringProfile"),
}


def _with_defaults(name, value):
    """``value`` (a validated complex value or None) with the members Graph fills in, nested ones included."""
    if value is None:
        return None
    filled = copy.deepcopy(_DEFAULTS.get(name, {}))
    for key, item in value.items():
        if key == "@odata.type":
            continue
        filled[key] = _with_defaults(key, item) if isinstance(item, dict) and key in _DEFAULTS else item
    return filled


# Assumption: conditionalaccesspolicy-update.md says properties left out of a PATCH keep their values, and its example
# sends conditions with one member, so the members of conditions (and grantControls) merge. Nothing documents how a
# sessionControls value merges; the emulator takes the strict reading that it replaces the stored one whole, so a
# client must send back the session controls it does not manage.
REPLACED_WHOLE = ("sessionControls",)


def _merge(current, values):
    """PATCH semantics: top-level properties replace; a complex property keeps the members the body leaves out, except
    the ones in REPLACED_WHOLE."""
    merged = copy.deepcopy(current)
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in REPLACED_WHOLE:
            for member, item in value.items():
                if member != "@odata.type":
                    merged[key][member] = _with_defaults(member, item) if isinstance(item, dict) else item
        else:
            merged[key] = _with_defaults(key, value) if isinstance(value, dict) else value
    return merged


def _version_shape(ctx, policy):
    """The stored (beta-shaped) policy as ``ctx.version`` returns it."""
    if ctx.version == "beta":
        return policy
    out = {key: value for key, value in policy.items() if key not in _BETA_ONLY[None]}
    for level in ("conditions", "sessionControls"):
        if isinstance(out.get(level), dict):
            out[level] = {key: value for key, value in out[level].items() if key not in _BETA_ONLY[level]}
    return out


# -- rules the service applies to the whole policy ---------------------------------------------------------------
def _is_guid(value):
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def _keyword(value, keywords):
    return isinstance(value, str) and value.lower() in (k.lower() for k in keywords)


def _invalid_ids(ids, exists, keywords=()):
    return [value for value in ids or () if not _keyword(value, keywords) and not (_is_guid(value) and exists(value))]


def _check_references(ctx, policy):
    """400 for ids that name nothing in the tenant, as Graph validates them on every write."""
    state = ctx.state
    conditions = policy["conditions"]
    users = conditions.get("users") or {}
    checks = (
        ("includeUsers", lambda v: state.table("users").get(v) is not None, USER_KEYWORDS),
        ("excludeUsers", lambda v: state.table("users").get(v) is not None, USER_KEYWORDS),
        ("includeGroups", lambda v: state.table("groups").get(v) is not None, ()),
        ("excludeGroups", lambda v: state.table("groups").get(v) is not None, ()),
        ("includeRoles", lambda v: state.table(ROLE_TEMPLATES).get(v) is not None, ()),
        ("excludeRoles", lambda v: state.table(ROLE_TEMPLATES).get(v) is not None, ()),
    )
    for member, exists, keywords in checks:
        bad = _invalid_ids(users.get(member), exists, keywords)
        if bad:
            allowed = " or one of " + ", ".join(keywords) if keywords else ""
            raise bad_request(f"The policy contains invalid {member} values in conditions.users: {', '.join(bad)}. Each "
                              f"must be the id of an existing object{allowed}.", ODATA)
    applications = conditions.get("applications") or {}
    for member in ("includeApplications", "excludeApplications"):
        bad = _invalid_ids(applications.get(member), lambda v: True, APPLICATION_KEYWORDS)
        if bad:
            raise bad_request(f"The policy contains invalid {member} values in conditions.applications: {', '.join(bad)}. "
                              "Each must be an application id or one of " + ", ".join(APPLICATION_KEYWORDS) + ".", ODATA)
    locations = conditions.get("locations") or {}
    for member in ("includeLocations", "excludeLocations"):
        bad = _invalid_ids(locations.get(member), lambda v: state.table(LOCATIONS).get(v) is not None,
                           LOCATION_KEYWORDS)
        if bad:
            raise bad_request(f"The policy contains invalid {member} values in conditions.locations: {', '.join(bad)}. "
                              "Each must be the id of a named location or All or AllTrusted.", ODATA)
    profile = ((policy.get("sessionControls") or {}).get("globalSecureAccessFilteringProfile") or {}).get("profileId")
    if profile is not None and state.table(PROFILES).get(profile) is None:
        raise bad_request(f"The filtering profile '{profile}' referenced by "
                          "sessionControls.globalSecureAccessFilteringProfile does not exist.", ODATA)


def _check_policy(ctx, policy):
    conditions = policy["conditions"]
    users = conditions.get("users") or {}
    if not any(users.get(m) for m in ("includeUsers", "includeGroups", "includeRoles", "includeGuestsOrExternalUsers")):
        raise bad_request("The policy must include users: set conditions.users with includeUsers, includeGroups, "
                          "includeRoles or includeGuestsOrExternalUsers.", ODATA)
    applications = conditions.get("applications") or {}
    if not any(applications.get(m) for m in ("includeApplications", "includeUserActions",
                                             "includeAuthenticationContextClassReferences")):
        raise bad_request("The policy must target applications: set conditions.applications with includeApplications, "
                          "includeUserActions or includeAuthenticationContextClassReferences.", ODATA)
    grant = policy.get("grantControls")
    if grant and grant.get("builtInControls") and not grant.get("operator"):
        raise bad_request("grantControls.operator is required when builtInControls are set.", ODATA)
    if grant and "block" in (grant.get("builtInControls") or []) and len(grant["builtInControls"]) > 1:
        raise bad_request("The block control cannot be combined with other grant controls.", ODATA)
    frequency = (policy.get("sessionControls") or {}).get("signInFrequency")
    timed = frequency and frequency.get("frequencyInterval") == "timeBased"
    if timed and (frequency.get("value") is None or frequency.get("type") is None):
        raise bad_request("signInFrequency with frequencyInterval timeBased needs value and type.", ODATA)
    _check_references(ctx, policy)


def _new_policy(ctx, values):
    policy = {"id": new_id(), "templateId": None, "displayName": None, "description": None,
              "createdDateTime": ctx.timestamp(fraction=True), "modifiedDateTime": None, "state": None,
              "deletedDateTime": None, "partialEnablementStrategy": None, "conditions": None, "grantControls": None,
              "sessionControls": None}
    policy.update(_merge({}, values))
    return _server_fill(policy)


def _server_fill(policy):
    """What the service sets on every write: no client app types means all of them."""
    if not policy["conditions"].get("clientAppTypes"):
        policy["conditions"]["clientAppTypes"] = ["all"]
    return policy


def _policy_body(ctx, policy, status=200):
    body = {"@odata.context": context_url(ctx, "identity/conditionalAccess/policies", entity=True)}
    body.update(_version_shape(ctx, policy))
    return status, body


@route("GET", "/identity/conditionalAccess/policies", permissions=READ_POLICIES)
def list_policies(ctx):
    """GET .../policies ($filter on id, displayName and state; $select; $top paging)."""
    schema = POLICY[ctx.version]
    return list_response(ctx, ctx.state.table(POLICIES).values(), "identity/conditionalAccess/policies", schema,
                         filterable=("id", "displayName", "state"),
                         shaper=lambda obj, select: _select(_version_shape(ctx, obj), select))


def _select(obj, select):
    if not select:
        return obj
    return dict({"id": obj["id"]}, **{prop: obj.get(prop) for prop in select})


@route("POST", "/identity/conditionalAccess/policies", permissions=WRITE_POLICIES)
def create_policy(ctx):
    """POST .../policies: strict validation, server defaults (clientAppTypes ["all"], empty lists), 201."""
    _schema, values, _binds = POLICY[ctx.version].validate(ctx.require_body(ODATA), "create")
    policy = _new_policy(ctx, values)
    _check_policy(ctx, policy)
    ctx.state.table(POLICIES).add(policy)
    return _policy_body(ctx, policy, 201)


@route("GET", "/identity/conditionalAccess/policies/{id}", permissions=READ_POLICIES)
def get_policy(ctx):
    """GET .../policies/{id}."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    return item_response(ctx, _version_shape(ctx, policy), "identity/conditionalAccess/policies", POLICY[ctx.version])


@route("PATCH", "/identity/conditionalAccess/policies/{id}", permissions=WRITE_POLICIES)
def update_policy(ctx):
    """PATCH .../policies/{id}: members left out keep their values; 204."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    _schema, values, _binds = POLICY[ctx.version].validate(ctx.require_body(ODATA), "update")
    if "conditions" in values and values["conditions"] is None:
        raise POLICY[ctx.version].invalid("conditions", None, "microsoft.graph.conditionalAccessConditionSet")
    merged = _server_fill(_merge(policy, values))
    if ctx.version != "beta" and isinstance(merged.get("sessionControls"), dict):
        # Assumption: a v1.0 client cannot send the beta-only session controls, so a v1.0 PATCH keeps them.
        for key in _BETA_ONLY["sessionControls"]:
            merged["sessionControls"][key] = (policy.get("sessionControls") or {}).get(key)
    _check_policy(ctx, merged)
    merged["modifiedDateTime"] = ctx.timestamp(fraction=True)
    policy.clear()
    policy.update(merged)
    return 204, None


@route("DELETE", "/identity/conditionalAccess/policies/{id}", permissions=WRITE_POLICIES)
def delete_policy(ctx):
    """DELETE .../policies/{id}: 204."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    ctx.state.table(POLICIES).remove(policy["id"])
    return 204, None


# -- named locations ---------------------------------------------------------------------------------------------
def _location_type(location):
    return "#microsoft.graph.countryNamedLocation" if "countriesAndRegions" in location else "#microsoft.graph.ipNamedLocation"


@route("GET", "/identity/conditionalAccess/namedLocations", permissions=READ_POLICIES)
def list_locations(ctx):
    """GET .../namedLocations ($filter on displayName and id)."""
    return list_response(ctx, ctx.state.table(LOCATIONS).values(), "identity/conditionalAccess/namedLocations",
                         NAMED_LOCATION, filterable=("id", "displayName"),
                         shaper=lambda obj, select: dict({"@odata.type": _location_type(obj)}, **_select(obj, select)))


@route("POST", "/identity/conditionalAccess/namedLocations", permissions=WRITE_POLICIES)
def create_location(ctx):
    """POST .../namedLocations: an ipNamedLocation or countryNamedLocation (@odata.type required)."""
    schema, values, _binds = NAMED_LOCATION.validate(ctx.require_body(ODATA), "create")
    now = ctx.timestamp(fraction=True)
    location = {"id": new_id(), "createdDateTime": now, "modifiedDateTime": now}
    if schema is IP_LOCATION:
        location.update(isTrusted=False)
    else:
        location.update(countryLookupMethod="clientIpAddress", includeUnknownCountriesAndRegions=False)
    location.update(values)
    ctx.state.table(LOCATIONS).add(location)
    body = {"@odata.context": context_url(ctx, "identity/conditionalAccess/namedLocations", entity=True),
            "@odata.type": schema.odata_type()}
    body.update(location)
    return 201, body


@route("GET", "/identity/conditionalAccess/namedLocations/{id}", permissions=READ_POLICIES)
def get_location(ctx):
    """GET .../namedLocations/{id}."""
    location = ctx.require(LOCATIONS, ctx.params["id"], ODATA)
    return item_response(ctx, location, "identity/conditionalAccess/namedLocations", NAMED_LOCATION,
                         odata_type=_location_type(location))


# -- directory role templates --------------------------------------------------------------------------------------
@seeder
def seed_role_templates(state):
    """The built-in directory roles, by their fixed template ids."""
    for template_id, display_name, description in ROLE_TEMPLATE_SEED:
        state.table(ROLE_TEMPLATES).add({"id": template_id, "deletedDateTime": None, "description": description,
                                         "displayName": display_name})


@route("GET", "/directoryRoleTemplates", permissions=READ_ROLES)
def list_role_templates(ctx):
    """GET /directoryRoleTemplates (no $filter, as Graph)."""
    return list_response(ctx, ctx.state.table(ROLE_TEMPLATES).values(), "directoryRoleTemplates", ROLE_TEMPLATE)


@route("GET", "/directoryRoleTemplates/{id}", permissions=READ_ROLES)
def get_role_template(ctx):
    """GET /directoryRoleTemplates/{id}."""
    return item_response(ctx, ctx.require(ROLE_TEMPLATES, ctx.params["id"]), "directoryRoleTemplates", ROLE_TEMPLATE)
