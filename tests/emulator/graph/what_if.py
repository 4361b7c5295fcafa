"""Conditional Access What If: ``POST /identity/conditionalAccess/evaluate`` (v1.0 and beta).

Sources: api-reference/{v1.0,beta}/api/conditionalaccessroot-evaluate.md (request and response),
api-reference/v1.0/resources/whatifanalysisresult.md (``policyApplies``; ``analysisReasons`` is ``notSet`` when the
policy applies, else one value of whatIfAnalysisReasons), signinconditions.md (the defaults of omitted conditions),
signinidentity.md / usersignin.md and signincontext.md / applicationcontext.md.

Every policy of the tenant is evaluated against the sign-in the body describes; each condition a policy sets must
match for it to apply. The first condition that does not match, in the order of the checks below, names the reason.
"""

import ipaddress

from .conditional_access import LOCATIONS, POLICIES, RISK_LEVELS, CLIENT_APP_TYPES, PLATFORMS, _version_shape
from .directory import DIRECTORY_ROLES
from .errors import ODATA, GraphError, bad_request
from .licensing import has_service_plan
from .odata import context_url
from .router import route
from .schema import Prop, Schema

# api-reference/v1.0/includes/permissions/conditionalaccessroot-evaluate-permissions.md
EVALUATE_PERMISSIONS = ("Policy.Read.ConditionalAccess", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess")

# usersignin.md, serviceprincipalsignin.md
USER_SIGN_IN = Schema("microsoft.graph.userSignIn", {
    "userId": Prop(required=True, nullable=False), "externalTenantId": Prop(), "externalUserType": Prop()}, dialect=ODATA)
SERVICE_PRINCIPAL_SIGN_IN = Schema("microsoft.graph.servicePrincipalSignIn", {
    "servicePrincipalId": Prop(required=True, nullable=False)}, dialect=ODATA)
SIGN_IN_IDENTITY = Schema("microsoft.graph.signInIdentity", {}, abstract=True, dialect=ODATA, derived={
    "#microsoft.graph.userSignIn": USER_SIGN_IN, "#microsoft.graph.servicePrincipalSignIn": SERVICE_PRINCIPAL_SIGN_IN})
# applicationcontext.md, useractioncontext.md, authcontext.md
APPLICATION_CONTEXT = Schema("microsoft.graph.applicationContext", {"includeApplications": Prop(collection=True)}, dialect=ODATA)
USER_ACTION_CONTEXT = Schema("microsoft.graph.userActionContext", {
    "userAction": Prop(enum=("registerSecurityInformation", "registerOrJoinDevices", "unknownFutureValue"))}, dialect=ODATA)
AUTH_CONTEXT = Schema("microsoft.graph.authContext", {"authenticationContextValue": Prop()}, dialect=ODATA)
SIGN_IN_CONTEXT = Schema("microsoft.graph.signInContext", {}, abstract=True, dialect=ODATA, derived={
    "#microsoft.graph.applicationContext": APPLICATION_CONTEXT, "#microsoft.graph.userActionContext": USER_ACTION_CONTEXT,
    "#microsoft.graph.authContext": AUTH_CONTEXT})
SIGN_IN_CONDITIONS = Schema("microsoft.graph.signInConditions", {
    "authenticationFlow": Prop("Any"), "clientAppType": Prop(enum=CLIENT_APP_TYPES), "country": Prop(),
    "deviceInfo": Prop("Any"), "devicePlatform": Prop(enum=PLATFORMS),
    "insiderRiskLevel": Prop(enum=("none", "minor", "moderate", "elevated", "unknownFutureValue")), "ipAddress": Prop(),
    "servicePrincipalRiskLevel": Prop(enum=RISK_LEVELS), "signInRiskLevel": Prop(enum=RISK_LEVELS),
    "userRiskLevel": Prop(enum=RISK_LEVELS),
}, dialect=ODATA)
EVALUATE = Schema("microsoft.graph.evaluateParameters", {
    "signInIdentity": Prop("Object", schema=SIGN_IN_IDENTITY, required=True, nullable=False),
    "signInContext": Prop("Object", schema=SIGN_IN_CONTEXT, required=True, nullable=False),
    "signInConditions": Prop("Object", schema=SIGN_IN_CONDITIONS, required=True, nullable=False),
    "appliedPoliciesOnly": Prop("Boolean"),
}, dialect=ODATA)

# signinconditions.md: what an omitted condition defaults to.
CONDITION_DEFAULTS = {"signInRiskLevel": "low", "userRiskLevel": "low", "clientAppType": "all", "devicePlatform": "android"}
# The keys includeUserActions holds for each userActionContext value (conditionalaccessapplications.md).
USER_ACTIONS = {"registerSecurityInformation": "urn:user:registersecurityinfo", "registerOrJoinDevices": "urn:user:registerdevice"}


class SignIn:  # pylint: disable=too-few-public-methods
    """The sign-in a request describes, with what the tenant knows of the user (groups, directory roles)."""

    def __init__(self, state, user, context, conditions):
        self.state = state
        self.user = user
        self.context = context
        self.conditions = dict(CONDITION_DEFAULTS, **{k: v for k, v in conditions.items() if v is not None})
        self.groups = _groups_of(state, user["id"])
        self.roles = {role.lower() for role in state.extra.get(DIRECTORY_ROLES, {}).get(user["id"], [])}


def _groups_of(state, user_id):
    """Ids (lower case) of the groups that hold the user, directly or through nested groups."""
    found, frontier = set(), {user_id}
    while frontier:
        parents = {group["id"] for group in state.table("groups").values()
                   if frontier & set(state.links("members", group["id"])) and group["id"] not in found}
        found |= parents
        frontier = parents
    return {group_id.lower() for group_id in found}


def _lower(values):
    return {str(value).lower() for value in values or ()}


def _users_match(sign_in, users):
    user_id = sign_in.user["id"].lower()
    include = _lower(users.get("includeUsers"))
    included = ("all" in include or user_id in include or sign_in.groups & _lower(users.get("includeGroups"))
                or sign_in.roles & _lower(users.get("includeRoles")))
    excluded = (user_id in _lower(users.get("excludeUsers")) or sign_in.groups & _lower(users.get("excludeGroups"))
                or sign_in.roles & _lower(users.get("excludeRoles")))
    return bool(included) and not excluded


def _target_miss(sign_in, applications):
    """The reason the sign-in's target (application, user action or authentication context) misses, or None."""
    kind = sign_in.context.get("@odata.type", "").rsplit(".", 1)[-1]
    if kind == "applicationContext":
        wanted = _lower(sign_in.context.get("includeApplications"))
        include = _lower(applications.get("includeApplications"))
        hit = "all" in include or wanted & include
        return None if hit and not wanted & _lower(applications.get("excludeApplications")) else "application"
    if kind == "userActionContext":
        action = USER_ACTIONS.get(sign_in.context.get("userAction"))
        return None if action and action in _lower(applications.get("includeUserActions")) else "userActions"
    value = str(sign_in.context.get("authenticationContextValue", "")).lower()
    return None if value in _lower(applications.get("includeAuthenticationContextClassReferences")) else "authenticationContext"


def _levels_match(levels, level):
    return not levels or level in levels


def _platform_match(sign_in, platforms):
    platform = sign_in.conditions["devicePlatform"].lower()
    include, exclude = _lower(platforms.get("includePlatforms")), _lower(platforms.get("excludePlatforms"))
    return ("all" in include or platform in include) and platform not in exclude


def _client_app_match(sign_in, types):
    # Assumption: a sign-in described with clientAppType "all" (the default) matches any client app condition, as the
    # portal's What If tool evaluates "Any client app".
    wanted = sign_in.conditions["clientAppType"]
    return not types or "all" in types or wanted == "all" or wanted in types


def _in_location(sign_in, location_id):
    """Whether the sign-in is inside a named location (or the All / AllTrusted keywords); None when it cannot tell."""
    address, country = sign_in.conditions.get("ipAddress"), sign_in.conditions.get("country")
    if location_id.lower() == "all":
        return True
    locations = sign_in.state.table(LOCATIONS).values()
    if location_id.lower() == "alltrusted":
        candidates = [loc for loc in locations if loc.get("isTrusted")]
    else:
        candidates = [loc for loc in locations if loc["id"].lower() == location_id.lower()]
    verdicts = []
    for location in candidates:
        if "countriesAndRegions" in location:
            verdicts.append(None if country is None else country.upper() in location["countriesAndRegions"])
        else:
            verdicts.append(None if address is None else any(
                ipaddress.ip_address(address) in ipaddress.ip_network(r["cidrAddress"], strict=False)
                for r in location.get("ipRanges", [])))
    if any(verdicts):
        return True
    return None if None in verdicts else False


def _location_miss(sign_in, locations):
    include = [_in_location(sign_in, loc) for loc in locations.get("includeLocations") or ()]
    exclude = [_in_location(sign_in, loc) for loc in locations.get("excludeLocations") or ()]
    if None in include + exclude:
        # conditionalaccessroot-evaluate.md: a condition the request gives no details for cannot be evaluated.
        return "notEnoughInformation"
    return None if any(include) and not any(exclude) else "location"


def analysis_reason(sign_in, policy):
    """None when ``policy`` applies to ``sign_in``, else the whatIfAnalysisReasons value of the first miss."""
    if policy["state"] == "disabled":
        return "policyNotEnabled"
    conditions = policy["conditions"]
    if not _users_match(sign_in, conditions.get("users") or {}):
        return "users"
    miss = _target_miss(sign_in, conditions.get("applications") or {})
    if miss:
        return miss
    if not _levels_match(conditions.get("signInRiskLevels"), sign_in.conditions["signInRiskLevel"]):
        return "signInRisk"
    if not _levels_match(conditions.get("userRiskLevels"), sign_in.conditions["userRiskLevel"]):
        return "userRisk"
    if conditions.get("platforms") and not _platform_match(sign_in, conditions["platforms"]):
        return "devicePlatform"
    if not _client_app_match(sign_in, conditions.get("clientAppTypes")):
        return "clientApps"
    if conditions.get("locations"):
        return _location_miss(sign_in, conditions["locations"])
    return None


@route("POST", "/identity/conditionalAccess/evaluate", permissions=EVALUATE_PERMISSIONS)
def evaluate(ctx):
    """POST .../evaluate: a whatIfAnalysisResult per policy (only those that apply with appliedPoliciesOnly)."""
    _schema, values, _binds = EVALUATE.validate(ctx.require_body(ODATA), "create")
    # Assumption: What If is part of Conditional Access, which needs Microsoft Entra ID P1 (licensing service plan
    # AAD_PREMIUM, also in P2); a tenant without it gets a 403.
    if not has_service_plan(ctx.state, "AAD_PREMIUM", "AAD_PREMIUM_P2"):
        raise GraphError(403, "Forbidden", "The tenant does not have a Microsoft Entra ID P1 or P2 license, which Conditional "
                                           "Access What If evaluation requires.")
    identity = values["signInIdentity"]
    if identity["@odata.type"] != USER_SIGN_IN.odata_type():
        raise bad_request("This emulator evaluates user sign-ins only (signInIdentity of type microsoft.graph.userSignIn).", ODATA)
    user = ctx.state.find_user(identity["userId"])
    if user is None:
        # Assumption: an unknown user is a 400 naming the id (the docs show no error example).
        raise bad_request(f"The user '{identity['userId']}' in signInIdentity does not exist in the tenant.", ODATA)
    sign_in = SignIn(ctx.state, user, values["signInContext"], values["signInConditions"])
    results = []
    for policy in ctx.state.table(POLICIES).values():
        reason = analysis_reason(sign_in, policy)
        if values.get("appliedPoliciesOnly") and reason is not None:
            continue
        results.append(dict(_version_shape(ctx, policy), policyApplies=reason is None, analysisReasons=reason or "notSet"))
    return 200, {"@odata.context": context_url(ctx, "Collection(microsoft.graph.whatIfAnalysisResult)"), "value": results}
