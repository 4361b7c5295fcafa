"""Global Secure Access area (beta only): web content filtering policies and their rules, security profiles (the
Baseline profile included) and their policy links, and the tenant's web category list.

State: tables ``filteringPolicies``, ``filteringPolicyRules``, ``filteringProfiles``, ``filteringPolicyLinks``; the
rules of a policy and the links of a profile are ordered link sets (``state.links(RULES, policy_id)``,
``state.links(LINKS, profile_id)``). A profile's read-only ``conditionalAccessPolicies`` is computed from the CA
policies in table ``conditionalAccessPolicies`` whose ``sessionControls.globalSecureAccessFilteringProfile.profileId``
names it.

Where Graph's behaviour is not documented, the emulator takes the strict reading so the modules cannot lean on
leniency: deleting a policy that is still linked is a 409, the Baseline profile cannot be deleted, renamed or
re-prioritised, priority 65000 is the Baseline's alone, and two profiles never share a priority (each marked as an
assumption where it stands).
"""

import re

from ..tenant import seeder, stable_id
from .errors import ODATA, GraphError, bad_request, not_found
from .odata import check_select, context_url, iso_z, item_response, list_response, new_id, shape
from .router import route
from .schema import Prop, Schema

BETA = ("beta",)
# The pages disagree: networkaccess-networkaccessroot-post-filteringprofiles.md and ...-post-filteringpolicies.md list
# NetworkAccess.ReadWrite.All for application and delegated callers, while networkaccess-filteringpolicy-post-policyrules.md,
# networkaccess-networkaccessroot-list-filteringpolicies.md, networkaccess-filteringprofile-get.md and
# networkaccess-filteringrule-update.md list delegated NetworkAccessPolicy.* only ("Application: Not supported").
# The emulator accepts both families, for both kinds of token.
READ = ("NetworkAccess.Read.All", "NetworkAccess.ReadWrite.All", "NetworkAccessPolicy.Read.All",
        "NetworkAccessPolicy.ReadWrite.All")
WRITE = ("NetworkAccess.ReadWrite.All", "NetworkAccessPolicy.ReadWrite.All")
NS = "microsoft.graph.networkaccess."
STATUS = ("enabled", "disabled", "unknownFutureValue")
VERSION = "1.0.0"
BASELINE_PRIORITY = 65000
PROFILE_PRIORITIES = (100, 65000)
LINK_PRIORITIES = (100, 65000)

POLICIES, RULE_TABLE, PROFILES, LINK_TABLE = "filteringPolicies", "filteringPolicyRules", "filteringProfiles", "filteringPolicyLinks"
RULES, LINKS = "filteringPolicies/policyRules", "filteringProfiles/policies"
CA_POLICIES = "conditionalAccessPolicies"

# API name, portal display name, group: the categories every tenant's list starts with.
WEB_CATEGORIES = (
    ("AlcoholAndTobacco", "Alcohol And Tobacco", "Liability"),
    ("ArtificialIntelligence", "Artificial Intelligence", "Liability"),
    ("ChildAbuseImages", "Child Abuse Images", "Liability"),
    ("CriminalActivity", "Criminal Activity", "Liability"),
    ("Gambling", "Gambling", "Liability"),
    ("Hacking", "Hacking", "Liability"),
    ("HateAndIntolerance", "Hate And Intolerance", "Liability"),
    ("IllegalDrug", "Illegal Drug", "Liability"),
    ("Weapons", "Weapons", "Liability"),
    ("Games", "Games", "ProductivityLoss"),
    ("Shopping", "Shopping", "ProductivityLoss"),
    ("SocialNetworking", "Social Networking", "ProductivityLoss"),
    ("Sports", "Sports", "ProductivityLoss"),
    ("PeerToPeer", "Peer To Peer", "HighBandwidth"),
    ("StreamingMediaAndDownloads", "Streaming Media And Downloads", "HighBandwidth"),
    ("WebRepositoryAndStorage", "Web Repository And Storage", "HighBandwidth"),
    ("Business", "Business", "BusinessUse"),
    ("Education", "Education", "BusinessUse"),
    ("Finance", "Finance", "BusinessUse"),
    ("Government", "Government", "BusinessUse"),
    ("HealthAndMedicine", "Health And Medicine", "GeneralSurfing"),
    ("News", "News", "GeneralSurfing"),
    ("SearchEnginesAndPortals", "Search Engines And Portals", "GeneralSurfing"),
    ("Travel", "Travel", "GeneralSurfing"),
)

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def valid_fqdn(value):
    """A host name of two or more labels, optionally behind one leading ``*.`` wildcard."""
    host = value.lower()
    if host.startswith("*."):
        host = host[2:]
    labels = host.split(".")
    return len(host) <= 253 and len(labels) >= 2 and all(_LABEL.match(label) for label in labels) and not labels[-1].isdigit()


def _odata(name, props, **options):
    return Schema(NS + name, props, dialect=ODATA, **options)


def _ro(type_="String"):
    return Prop(type_, read_only=True)


# -- model ------------------------------------------------------------------------------------------------------
DESTINATION_TYPES = {
    "fqdn": _odata("fqdn", {"value": Prop(required=True, nullable=False)}),
    "url": _odata("url", {"value": Prop(required=True, nullable=False)}),
    "webCategory": _odata("webCategory", {"name": Prop(required=True, nullable=False), "displayName": Prop(), "group": Prop()}),
    "ipAddress": _odata("ipAddress", {"value": Prop(required=True, nullable=False)}),
    "ipRange": _odata("ipRange", {"beginAddress": Prop(required=True), "endAddress": Prop(required=True)}),
    "ipSubnet": _odata("ipSubnet", {"value": Prop(required=True, nullable=False)}),
}
DESTINATION = _odata("ruleDestination", {}, abstract=True,
                     derived={schema.odata_type(): schema for schema in DESTINATION_TYPES.values()})


def _rule_props():
    return {"id": _ro(), "name": Prop(required=True, nullable=False),
            "ruleType": Prop(enum=("url", "fqdn", "ipAddress", "ipRange", "ipSubnet", "webCategory", "unknownFutureValue")),
            "destinations": Prop("Object", collection=True, schema=DESTINATION, required=True)}


# rule schema -> (ruleType, the one destination type it takes)
RULE_KINDS = {
    _odata("webCategoryFilteringRule", _rule_props()): ("webCategory", "webCategory"),
    _odata("fqdnFilteringRule", _rule_props()): ("fqdn", "fqdn"),
    _odata("urlDestinationFilteringRule", _rule_props()): ("url", "url"),
}
FILTERING_RULE = _odata("filteringRule", _rule_props(), abstract=True,
                        derived={schema.odata_type(): schema for schema in RULE_KINDS})
POLICY_RULE = _odata("policyRule", {"id": _ro(), "name": Prop(required=True, nullable=False)}, abstract=True,
                     derived={FILTERING_RULE.odata_type(): FILTERING_RULE})

POLICY = _odata("filteringPolicy", {
    "id": _ro(), "name": Prop(required=True, nullable=False), "description": Prop(), "version": _ro(),
    "action": Prop(enum=("block", "allow", "unknownFutureValue", "bypass", "alert"), required=True, nullable=False),
    "createdDateTime": _ro("DateTimeOffset"), "lastModifiedDateTime": _ro("DateTimeOffset"),
    "policyRules": Prop("Object", collection=True, schema=POLICY_RULE),
})

# A link names its policy by reference: only @odata.type and id.
POLICY_REFERENCE = _odata("policy", {"id": Prop(required=True, nullable=False)}, abstract=True, derived={
    "#" + NS + "filteringPolicy": _odata("filteringPolicy", {"id": Prop(required=True, nullable=False)})})
FILTERING_LINK = _odata("filteringPolicyLink", {
    "id": _ro(), "state": Prop(enum=STATUS, nullable=False), "version": _ro(), "priority": Prop("Int64", required=True, nullable=False),
    "loggingState": Prop(enum=STATUS, nullable=False), "createdDateTime": _ro("DateTimeOffset"),
    "lastModifiedDateTime": _ro("DateTimeOffset"), "policy": Prop("Object", schema=POLICY_REFERENCE, required=True),
})
POLICY_LINK = _odata("policyLink", {"id": _ro(), "state": Prop(enum=STATUS), "version": _ro()}, abstract=True,
                     derived={FILTERING_LINK.odata_type(): FILTERING_LINK})

PROFILE = _odata("filteringProfile", {
    "id": _ro(), "name": Prop(required=True, nullable=False), "description": Prop(),
    "state": Prop(enum=STATUS, required=True, nullable=False), "priority": Prop("Int64", required=True, nullable=False),
    "version": _ro(), "createdDateTime": _ro("DateTimeOffset"), "lastModifiedDateTime": _ro("DateTimeOffset"),
    "policies": Prop("Object", collection=True, schema=POLICY_LINK),
    "conditionalAccessPolicies": Prop("Any", collection=True, read_only=True),
})

WEB_CATEGORY = _odata("webCategory", {"name": Prop(), "displayName": Prop(), "group": Prop()})
CONNECTIVITY = _odata("connectivity", {"webCategories": Prop("Object", collection=True, schema=WEB_CATEGORY)})


# -- seed -------------------------------------------------------------------------------------------------------
@seeder
def seed_gsa(state):
    """The web category list and the Baseline profile (priority 65000, no links)."""
    state.extra["webCategories"] = [{"name": name, "displayName": display, "group": group}
                                    for name, display, group in sorted(WEB_CATEGORIES)]
    created = iso_z(state.now())
    state.table(PROFILES).add({
        "id": stable_id(state.tenant_id, "gsa", "baseline-profile"), "name": "Baseline Profile",
        "description": "Default baseline security profile", "state": "enabled", "priority": BASELINE_PRIORITY,
        "version": VERSION, "createdDateTime": created, "lastModifiedDateTime": created,
    })


# -- helpers ----------------------------------------------------------------------------------------------------
def _stamp(ctx, obj, created=True):
    now = ctx.timestamp(fraction=True)
    if created:
        obj["createdDateTime"] = ctx.timestamp()
    obj["lastModifiedDateTime"] = now
    return obj


def _children(ctx, link_set, table, owner_id):
    return [ctx.state.table(table).get(child_id) for child_id in ctx.state.links(link_set, owner_id)]


def _child(ctx, link_set, table, owner_id, child_id):
    child = ctx.state.table(table).get(child_id)
    if child is None or child["id"] not in ctx.state.links(link_set, owner_id):
        raise not_found(child_id, ODATA)
    return child


def _in_range(name, value, bounds):
    if not bounds[0] <= value <= bounds[1]:
        raise bad_request(f"The value {value} of '{name}' is out of range: it must be between {bounds[0]} and {bounds[1]}.", ODATA)


def _no_navigation(values, *names):
    for name in names:
        if name in values:
            raise bad_request(f"The navigation property '{name}' cannot be changed with PATCH; use its own collection.", ODATA)


def _sub_expand(sub_query, allowed, schema):
    for name, _nested in sub_query.expand or ():
        if name not in allowed:
            raise bad_request(f"Could not find a property named '{name}' on type '{schema.name}'.", ODATA)


# -- web categories ---------------------------------------------------------------------------------------------
def _categories(ctx):
    return ctx.state.extra.get("webCategories", [])


@route("GET", "/networkAccess/connectivity", versions=BETA, permissions=READ)
def get_connectivity(ctx):
    """GET /networkAccess/connectivity: webCategories is a structural property of it."""
    check_select(ctx.query.select, CONNECTIVITY)
    body = {"@odata.context": context_url(ctx, "networkAccess/connectivity", ctx.query.select, entity=True)}
    body.update(shape({"webCategories": _categories(ctx)}, ctx.query.select))
    return 200, body


@route("GET", "/networkAccess/connectivity/webCategories", versions=BETA, permissions=READ)
def list_web_categories(ctx):
    """GET /networkAccess/connectivity/webCategories: the category names rules may use."""
    items = _categories(ctx)
    return list_response(ctx, items, "networkAccess/connectivity/webCategories", WEB_CATEGORY, key=lambda c: c["name"],
                         page_size=len(items) or 1)


# -- filtering policies -----------------------------------------------------------------------------------------
def _check_rule(ctx, schema, values, siblings):
    """Service rules on top of the schema: ruleType matches the type, destinations fit it, names are unique."""
    rule_type, destination_type = RULE_KINDS[schema]
    if values.get("ruleType") not in (None, rule_type):
        raise bad_request(f"ruleType '{values['ruleType']}' does not match the rule type '{schema.name}' (expected '{rule_type}').", ODATA)
    values["ruleType"] = rule_type
    destinations = values.get("destinations")
    if destinations is not None and not destinations:
        raise bad_request("A filtering rule needs at least one destination.", ODATA)
    names = {c["name"]: c for c in _categories(ctx)}
    checked = []
    for destination in destinations or ():
        kind = destination["@odata.type"].rsplit(".", 1)[-1]
        if kind != destination_type:
            raise bad_request(f"A destination of type '{NS}{kind}' is not valid in a rule of type '{schema.name}'.", ODATA)
        if kind == "webCategory":
            if destination["name"] not in names:
                raise bad_request(f"Invalid web category '{destination['name']}'.", ODATA)
            destination = {"@odata.type": destination["@odata.type"], **names[destination["name"]]}
        elif kind == "fqdn" and not valid_fqdn(destination["value"]):
            raise bad_request(f"Invalid FQDN '{destination['value']}'.", ODATA)
        checked.append(destination)
    if destinations is not None:
        values["destinations"] = checked
    name = values.get("name")
    if name is not None and any(other["name"].lower() == name.lower() for other in siblings):
        raise bad_request(f"A rule named '{name}' already exists in this policy.", ODATA)
    return values


def _validate_rule(ctx, body, siblings):
    """``(schema, values)`` of a new rule body, or the 400 Graph gives."""
    schema, values, _binds = POLICY_RULE.validate(body, "create")
    if schema not in RULE_KINDS:
        raise bad_request(f"An '@odata.type' annotation naming a concrete rule type is required, not '{schema.name}'.", ODATA)
    return schema, _check_rule(ctx, schema, values, siblings)


def _store_rule(ctx, policy_id, schema, values):
    rule = {"@odata.type": schema.odata_type(), "id": new_id(), "name": values["name"], "ruleType": values["ruleType"],
            "destinations": values["destinations"]}
    ctx.state.table(RULE_TABLE).add(rule)
    ctx.state.link(RULES, policy_id, rule["id"])
    return rule


def _expand_rules(ctx, policy, sub_query):
    _sub_expand(sub_query, (), POLICY_RULE)
    return [shape(rule, sub_query.select) for rule in _children(ctx, RULES, RULE_TABLE, policy["id"])]


POLICY_EXPANDERS = {"policyRules": _expand_rules}


@route("GET", "/networkAccess/filteringPolicies", versions=BETA, permissions=READ)
def list_policies(ctx):
    """GET /networkAccess/filteringPolicies ($expand=policyRules; no $filter, as the docs say)."""
    return list_response(ctx, ctx.state.table(POLICIES).values(), "networkAccess/filteringPolicies", POLICY,
                         expanders=POLICY_EXPANDERS)


@route("POST", "/networkAccess/filteringPolicies", versions=BETA, permissions=WRITE)
def create_policy(ctx):
    """POST /networkAccess/filteringPolicies, rules included (deep insert): 201 with the policy."""
    _schema, values, _binds = POLICY.validate(ctx.require_body(ODATA), "create")
    # Every rule is checked before anything is stored, so a bad rule leaves no half-made policy behind.
    rules = []
    for body in ctx.body.get("policyRules") or ():
        rules.append(_validate_rule(ctx, body, [checked for _schema, checked in rules]))
    policy = _stamp(ctx, {"id": new_id(), "name": values["name"], "description": values.get("description"),
                          "version": VERSION, "action": values["action"]})
    ctx.state.table(POLICIES).add(policy)
    for schema, checked in rules:
        _store_rule(ctx, policy["id"], schema, checked)
    return 201, {"@odata.context": context_url(ctx, "networkAccess/filteringPolicies", entity=True), **policy}


@route("GET", "/networkAccess/filteringPolicies/{id}", versions=BETA, permissions=READ)
def get_policy(ctx):
    """GET /networkAccess/filteringPolicies/{id}."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    return item_response(ctx, policy, "networkAccess/filteringPolicies", POLICY, expanders=POLICY_EXPANDERS)


@route("PATCH", "/networkAccess/filteringPolicies/{id}", versions=BETA, permissions=WRITE)
def update_policy(ctx):
    """PATCH /networkAccess/filteringPolicies/{id}: name, description, action; 204."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    _schema, values, _binds = POLICY.validate(ctx.require_body(ODATA), "update")
    _no_navigation(values, "policyRules")
    policy.update(values)
    _stamp(ctx, policy, created=False)
    return 204, None


def _links_to_policy(ctx, policy_id):
    return [(profile, link) for profile in ctx.state.table(PROFILES).values()
            for link in _children(ctx, LINKS, LINK_TABLE, profile["id"]) if link["policy"]["id"] == policy_id]


@route("DELETE", "/networkAccess/filteringPolicies/{id}", versions=BETA, permissions=WRITE)
def delete_policy(ctx):
    """DELETE /networkAccess/filteringPolicies/{id}: 204 with its rules; 409 while a profile still links it."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    linked = _links_to_policy(ctx, policy["id"])
    if linked:
        names = ", ".join(f"'{profile['name']}'" for profile, _link in linked)
        raise GraphError(409, "Conflict", f"The filtering policy is linked to the security profile(s) {names}; remove the links first.")
    for rule_id in list(ctx.state.links(RULES, policy["id"])):
        ctx.state.table(RULE_TABLE).remove(rule_id)
    ctx.state.table(POLICIES).remove(policy["id"])
    return 204, None


# -- policy rules -----------------------------------------------------------------------------------------------
@route("GET", "/networkAccess/filteringPolicies/{id}/policyRules", versions=BETA, permissions=READ)
def list_rules(ctx):
    """GET .../filteringPolicies/{id}/policyRules."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    return list_response(ctx, _children(ctx, RULES, RULE_TABLE, policy["id"]),
                         f"networkAccess/filteringPolicies('{policy['id']}')/policyRules", POLICY_RULE)


@route("POST", "/networkAccess/filteringPolicies/{id}/policyRules", versions=BETA, permissions=WRITE)
def create_rule(ctx):
    """POST .../policyRules: 201 with the rule (its @odata.type chooses webCategory / fqdn / url)."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    schema, values = _validate_rule(ctx, ctx.require_body(ODATA), _children(ctx, RULES, RULE_TABLE, policy["id"]))
    rule = _store_rule(ctx, policy["id"], schema, values)
    _stamp(ctx, policy, created=False)
    return 201, {"@odata.context": context_url(ctx, f"networkAccess/filteringPolicies('{policy['id']}')/policyRules", entity=True), **rule}


@route("GET", "/networkAccess/filteringPolicies/{id}/policyRules/{rule}", versions=BETA, permissions=READ)
def get_rule(ctx):
    """GET .../policyRules/{ruleId}."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    rule = _child(ctx, RULES, RULE_TABLE, policy["id"], ctx.params["rule"])
    check_select(ctx.query.select, POLICY_RULE)
    body = {"@odata.context": context_url(ctx, f"networkAccess/filteringPolicies('{policy['id']}')/policyRules", entity=True)}
    body.update(shape(rule, ctx.query.select, odata_type=rule["@odata.type"]))
    return 200, body


@route("PATCH", "/networkAccess/filteringPolicies/{id}/policyRules/{rule}", versions=BETA, permissions=WRITE)
def update_rule(ctx):
    """PATCH .../policyRules/{ruleId}: name and ruleType, destinations (sent whole); the rule's type cannot change. 204."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    rule = _child(ctx, RULES, RULE_TABLE, policy["id"], ctx.params["rule"])
    body = dict(ctx.require_body(ODATA))
    # api-reference/beta/api/networkaccess-filteringrule-update.md marks name and ruleType Required (destinations
    # Optional). The page's own example leaves ruleType out and names the rule's type in @odata.type instead; the
    # emulator accepts that form too, since @odata.type fixes the ruleType.
    if "name" not in body:
        raise bad_request("The property 'name' is required when updating a filtering rule.", ODATA)
    if "ruleType" not in body and "@odata.type" not in body:
        raise bad_request("The property 'ruleType' is required when updating a filtering rule.", ODATA)
    body.setdefault("@odata.type", rule["@odata.type"])
    schema, values, _binds = POLICY_RULE.validate(body, "update")
    if schema.odata_type() != rule["@odata.type"]:
        raise bad_request(f"The type of a rule cannot change (from '{rule['@odata.type'].lstrip('#')}' to '{schema.name}').", ODATA)
    siblings = [other for other in _children(ctx, RULES, RULE_TABLE, policy["id"]) if other["id"] != rule["id"]]
    rule.update(_check_rule(ctx, schema, values, siblings))
    _stamp(ctx, policy, created=False)
    return 204, None


@route("DELETE", "/networkAccess/filteringPolicies/{id}/policyRules/{rule}", versions=BETA, permissions=WRITE)
def delete_rule(ctx):
    """DELETE .../policyRules/{ruleId}: 204."""
    policy = ctx.require(POLICIES, ctx.params["id"], ODATA)
    rule = _child(ctx, RULES, RULE_TABLE, policy["id"], ctx.params["rule"])
    ctx.state.table(RULE_TABLE).remove(rule["id"])
    _stamp(ctx, policy, created=False)
    return 204, None


# -- filtering profiles -----------------------------------------------------------------------------------------
def _is_baseline(profile):
    return profile["priority"] == BASELINE_PRIORITY


def _ca_referrers(ctx, profile):
    """The CA policies whose GSA session control names this profile, as the auto-expanded navigation shows them."""
    found = []
    for policy in ctx.state.table(CA_POLICIES).values():
        control = (policy.get("sessionControls") or {}).get("globalSecureAccessFilteringProfile") or {}
        if str(control.get("profileId") or "").lower() == profile["id"].lower():
            found.append({key: policy.get(key) for key in ("id", "displayName", "description", "createdDateTime", "modifiedDateTime")})
    return found


def _linked_policy(ctx, link):
    policy = ctx.state.table(POLICIES).get(link["policy"]["id"])
    return shape(policy, odata_type=POLICY.odata_type()) if policy else None


def _link_view(ctx, link, select=None):
    """A link with its policy expanded (Graph expands it even unasked)."""
    out = shape(link, select, odata_type=FILTERING_LINK.odata_type())
    out["policy"] = _linked_policy(ctx, link)
    return out


def _expand_links(ctx, profile, sub_query):
    _sub_expand(sub_query, ("policy",), POLICY_LINK)
    check_select(sub_query.select, POLICY_LINK)
    return [_link_view(ctx, link, sub_query.select) for link in _children(ctx, LINKS, LINK_TABLE, profile["id"])]


PROFILE_EXPANDERS = {"policies": _expand_links,
                     "conditionalAccessPolicies": lambda ctx, profile, _sub_query: _ca_referrers(ctx, profile)}


def _with_referrers(ctx, profile):
    """The profile with its auto-expanded conditionalAccessPolicies (a $select without it leaves it out)."""
    return dict(profile, conditionalAccessPolicies=_ca_referrers(ctx, profile))


def _check_profile_priority(ctx, priority, profile=None):
    _in_range("priority", priority, PROFILE_PRIORITIES)
    if priority == BASELINE_PRIORITY and (profile is None or not _is_baseline(profile)):
        raise bad_request("Priority 65000 is reserved for the baseline profile.", ODATA)
    # Assumption: no Graph page says whether two security profiles may share a priority (networkaccess-filteringprofile.md
    # only calls it the processing order); Microsoft's migration tooling refuses duplicates, and so does the emulator.
    own_id = profile["id"] if profile else None
    clash = next((other for other in ctx.state.table(PROFILES).values()
                  if other["priority"] == priority and other["id"] != own_id), None)
    if clash is not None:
        raise bad_request(f"A security profile with priority {priority} already exists: '{clash['name']}'.", ODATA)


def _add_link(ctx, profile, body):
    schema, values, _binds = POLICY_LINK.validate(body, "create")
    if schema is not FILTERING_LINK:
        raise bad_request(f"An '@odata.type' annotation naming a concrete link type is required, not '{schema.name}'.", ODATA)
    _in_range("priority", values["priority"], LINK_PRIORITIES)
    policy_id = values["policy"]["id"]
    if ctx.state.table(POLICIES).get(policy_id) is None or not ctx.visible(policy_id):
        raise bad_request(f"The filtering policy '{policy_id}' does not exist.", ODATA)
    policy_id = ctx.state.table(POLICIES).get(policy_id)["id"]
    if any(link["policy"]["id"] == policy_id for link in _children(ctx, LINKS, LINK_TABLE, profile["id"])):
        raise bad_request(f"The filtering policy '{policy_id}' is already linked to this profile.", ODATA)
    link = _stamp(ctx, {"id": new_id(), "state": values.get("state") or "enabled", "version": VERSION,
                        "priority": values["priority"], "loggingState": values.get("loggingState") or "enabled",
                        "policy": {"id": policy_id}})
    ctx.state.table(LINK_TABLE).add(link)
    ctx.state.link(LINKS, profile["id"], link["id"])
    return link


@route("GET", "/networkAccess/filteringProfiles", versions=BETA, permissions=READ)
def list_profiles(ctx):
    """GET /networkAccess/filteringProfiles ($expand=policies($expand=policy); conditionalAccessPolicies always)."""
    return list_response(ctx, [_with_referrers(ctx, p) for p in ctx.state.table(PROFILES).values()],
                         "networkAccess/filteringProfiles", PROFILE, expanders=PROFILE_EXPANDERS)


@route("POST", "/networkAccess/filteringProfiles", versions=BETA, permissions=WRITE)
def create_profile(ctx):
    """POST /networkAccess/filteringProfiles (name, state, priority required; links may come inline): 201."""
    _schema, values, _binds = PROFILE.validate(ctx.require_body(ODATA), "create")
    _check_profile_priority(ctx, values["priority"])
    links = ctx.body.get("policies") or []
    for body in links:
        POLICY_LINK.validate(body, "create")
    profile = _stamp(ctx, {"id": new_id(), "name": values["name"], "description": values.get("description"),
                           "state": values["state"], "priority": values["priority"], "version": VERSION})
    ctx.state.table(PROFILES).add(profile)
    try:
        for body in links:
            _add_link(ctx, profile, body)
    except GraphError:
        _delete_profile(ctx, profile)
        raise
    return 201, {"@odata.context": context_url(ctx, "networkAccess/filteringProfiles", entity=True), **_with_referrers(ctx, profile)}


@route("GET", "/networkAccess/filteringProfiles/{id}", versions=BETA, permissions=READ)
def get_profile(ctx):
    """GET /networkAccess/filteringProfiles/{id}."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    return item_response(ctx, _with_referrers(ctx, profile), "networkAccess/filteringProfiles", PROFILE, expanders=PROFILE_EXPANDERS)


@route("PATCH", "/networkAccess/filteringProfiles/{id}", versions=BETA, permissions=WRITE)
def update_profile(ctx):
    """PATCH /networkAccess/filteringProfiles/{id}: name, description, state, priority; 204."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    _schema, values, _binds = PROFILE.validate(ctx.require_body(ODATA), "update")
    _no_navigation(values, "policies")
    if _is_baseline(profile):
        for key in ("name", "priority"):
            if key in values and values[key] != profile[key]:
                raise bad_request(f"The '{key}' of the baseline profile cannot be changed.", ODATA)
    if "priority" in values:
        _check_profile_priority(ctx, values["priority"], profile)
    profile.update(values)
    _stamp(ctx, profile, created=False)
    return 204, None


def _delete_profile(ctx, profile):
    for link_id in list(ctx.state.links(LINKS, profile["id"])):
        ctx.state.table(LINK_TABLE).remove(link_id)
    ctx.state.table(PROFILES).remove(profile["id"])


@route("DELETE", "/networkAccess/filteringProfiles/{id}", versions=BETA, permissions=WRITE)
def delete_profile(ctx):
    """DELETE /networkAccess/filteringProfiles/{id}: 204, its links go with it; the Baseline profile stays."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    if _is_baseline(profile):
        raise bad_request("The baseline profile cannot be deleted.", ODATA)
    _delete_profile(ctx, profile)
    return 204, None


# -- policy links -----------------------------------------------------------------------------------------------
def _links_context(profile):
    return f"networkAccess/filteringProfiles('{profile['id']}')/policies"


@route("GET", "/networkAccess/filteringProfiles/{id}/policies", versions=BETA, permissions=READ)
def list_links(ctx):
    """GET .../filteringProfiles/{id}/policies: the links, each with its policy."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    return list_response(ctx, _children(ctx, LINKS, LINK_TABLE, profile["id"]), _links_context(profile), POLICY_LINK,
                         expanders={"policy": lambda c, link, _q: _linked_policy(c, link)},
                         shaper=lambda link, select: _link_view(ctx, link, select))


@route("POST", "/networkAccess/filteringProfiles/{id}/policies", versions=BETA, permissions=WRITE)
def create_link(ctx):
    """POST .../filteringProfiles/{id}/policies: link a filtering policy; 201 with the link and its policy."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    link = _add_link(ctx, profile, ctx.require_body(ODATA))
    _stamp(ctx, profile, created=False)
    return 201, {"@odata.context": context_url(ctx, _links_context(profile), entity=True), **_link_view(ctx, link)}


@route("GET", "/networkAccess/filteringProfiles/{id}/policies/{link}", versions=BETA, permissions=READ)
def get_link(ctx):
    """GET .../policies/{policyLinkId}."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    link = _child(ctx, LINKS, LINK_TABLE, profile["id"], ctx.params["link"])
    return 200, {"@odata.context": context_url(ctx, _links_context(profile), entity=True), **_link_view(ctx, link)}


@route("PATCH", "/networkAccess/filteringProfiles/{id}/policies/{link}", versions=BETA, permissions=WRITE)
def update_link(ctx):
    """PATCH .../policies/{policyLinkId}: state, priority, loggingState (the policy it points at cannot change); 204."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    link = _child(ctx, LINKS, LINK_TABLE, profile["id"], ctx.params["link"])
    schema, values, _binds = POLICY_LINK.validate(dict({"@odata.type": FILTERING_LINK.odata_type()}, **ctx.require_body(ODATA)), "update")
    if schema is not FILTERING_LINK:
        raise bad_request(f"The type of a link cannot change (to '{schema.name}').", ODATA)
    if "policy" in values:
        raise bad_request("The policy of a link cannot change; delete the link and link the other policy.", ODATA)
    if "priority" in values:
        _in_range("priority", values["priority"], LINK_PRIORITIES)
    link.update(values)
    _stamp(ctx, link, created=False)
    return 204, None


@route("DELETE", "/networkAccess/filteringProfiles/{id}/policies/{link}", versions=BETA, permissions=WRITE)
def delete_link(ctx):
    """DELETE .../policies/{policyLinkId} (the link id, not the policy id): 204."""
    profile = ctx.require(PROFILES, ctx.params["id"], ODATA)
    link = _child(ctx, LINKS, LINK_TABLE, profile["id"], ctx.params["link"])
    ctx.state.table(LINK_TABLE).remove(link["id"])
    _stamp(ctx, profile, created=False)
    return 204, None


# -- traffic forwarding profiles ---------------------------------------------------------------------------------
# api-reference/beta/resources/networkaccess-forwardingprofile.md. Each profile stands for one Global Secure Access
# traffic app, which Conditional Access targets by its application id (entra-docs
# docs/identity/conditional-access/reference-resources-change.md); the app's service principal carries the user and
# group assignment (entra-docs docs/global-secure-access/how-to-manage-users-groups-assignment.md).
FORWARDING = "forwardingProfiles"
SERVICE_PRINCIPALS = "servicePrincipals"
# trafficForwardingType, priority, name, state a new tenant has, application id of its traffic app. The names and
# priorities follow networkaccess-networkaccessroot-list-forwardingprofiles.md; the Internet Access profile starts
# enabled (that example shows it disabled) so that a new emulated tenant is ready for the collection.
FORWARDING_SEED = (
    ("m365", 0, "Microsoft 365 traffic forwarding profile", "enabled", "c08f52c9-8f03-4558-a0ea-9a4c878cf343"),
    ("private", 1, "Private access traffic forwarding profile", "disabled", "e92b9b37-1b47-4c01-9fbc-91d84450870e"),
    ("internet", 2, "Internet traffic forwarding profile", "enabled", "5dc48733-b5df-475c-a49b-fa307ef00853"),
)
ASSOCIATED_BRANCH = _odata("associatedBranch", {"branchId": Prop(required=True, nullable=False)})
ASSOCIATION = _odata("association", {}, abstract=True, derived={ASSOCIATED_BRANCH.odata_type(): ASSOCIATED_BRANCH})
FORWARDING_PROFILE = _odata("forwardingProfile", {
    "id": _ro(), "name": Prop(nullable=False), "description": Prop(),
    # Assumption: state can be set with PATCH (the resource declares it; the update page lists only name and
    # associations, yet the portal's enable switch is this property).
    "state": Prop(enum=STATUS, nullable=False), "version": _ro(), "lastModifiedDateTime": _ro("DateTimeOffset"),
    "trafficForwardingType": Prop(enum=("m365", "internet", "private", "unknownFutureValue"), read_only=True),
    "priority": Prop("Int32", read_only=True), "associations": Prop("Object", collection=True, schema=ASSOCIATION),
    "policies": Prop("Object", collection=True, schema=POLICY_LINK),
})
TRAFFIC_APP = _odata("servicePrincipal", {
    "id": _ro(), "appId": _ro(), "displayName": _ro(), "servicePrincipalType": _ro(), "accountEnabled": Prop("Boolean"),
    "appRoleAssignmentRequired": Prop("Boolean"),
})


@seeder
def seed_forwarding_profiles(state):
    """The three traffic forwarding profiles every tenant has, each with the service principal of its traffic app,
    assigned to all users (appRoleAssignmentRequired false)."""
    modified = iso_z(state.now())
    for kind, priority, name, status, app_id in FORWARDING_SEED:
        profile_id = stable_id(state.tenant_id, "gsa", "forwarding", kind)
        sp_id = stable_id(state.tenant_id, "sp", app_id)
        state.table(FORWARDING).add({
            "id": profile_id, "name": name, "description": f"Default traffic forwarding profile for {kind} traffic acquisition.",
            "state": status, "version": VERSION, "lastModifiedDateTime": modified, "trafficForwardingType": kind,
            "priority": priority, "associations": [], "servicePrincipalId": sp_id,
        })
        state.table(SERVICE_PRINCIPALS).add({
            "id": sp_id, "appId": app_id, "displayName": name, "servicePrincipalType": "Application", "accountEnabled": True,
            "appRoleAssignmentRequired": False,
        })


def forwarding_profile(state, kind):
    """The stored forwarding profile of ``kind`` (m365, internet or private): tests switch it off through this."""
    return next(profile for profile in state.table(FORWARDING).values() if profile["trafficForwardingType"] == kind)


def _forwarding_view(profile):
    return {key: value for key, value in profile.items() if key != "servicePrincipalId"}


@route("GET", "/networkAccess/forwardingProfiles", versions=BETA, permissions=READ)
def list_forwarding_profiles(ctx):
    """GET /networkAccess/forwardingProfiles (networkaccess-networkaccessroot-list-forwardingprofiles.md)."""
    return list_response(ctx, [_forwarding_view(p) for p in ctx.state.table(FORWARDING).values()],
                         "networkAccess/forwardingProfiles", FORWARDING_PROFILE, hide_lagging=False)


@route("GET", "/networkAccess/forwardingProfiles/{id}", versions=BETA, permissions=READ)
def get_forwarding_profile(ctx):
    """GET /networkAccess/forwardingProfiles/{id} (networkaccess-forwardingprofile-get.md)."""
    profile = ctx.require(FORWARDING, ctx.params["id"], ODATA)
    return item_response(ctx, _forwarding_view(profile), "networkAccess/forwardingProfiles", FORWARDING_PROFILE)


@route("PATCH", "/networkAccess/forwardingProfiles/{id}", versions=BETA, permissions=WRITE)
def update_forwarding_profile(ctx):
    """PATCH /networkAccess/forwardingProfiles/{id}: networkaccess-forwardingprofile-update.md answers 200 with the
    updated profile; associations need their @odata.type."""
    profile = ctx.require(FORWARDING, ctx.params["id"], ODATA)
    _schema, values, _binds = FORWARDING_PROFILE.validate(ctx.require_body(ODATA), "update")
    _no_navigation(values, "policies")
    profile.update(values)
    profile["lastModifiedDateTime"] = ctx.timestamp()
    return 200, {"@odata.context": context_url(ctx, "networkAccess/forwardingProfiles", entity=True), **_forwarding_view(profile)}


@route("GET", "/networkAccess/forwardingProfiles/{id}/servicePrincipal", versions=BETA, permissions=READ)
def get_forwarding_service_principal(ctx):
    """GET .../forwardingProfiles/{id}/servicePrincipal: the traffic app whose assignment scopes the profile."""
    # Assumption: the relationship is readable with the Global Secure Access read permissions and "Assign to all users"
    # is the app's appRoleAssignmentRequired false (the SDK has the request builder; no docs page describes either).
    profile = ctx.require(FORWARDING, ctx.params["id"], ODATA)
    principal = ctx.state.table(SERVICE_PRINCIPALS).get(profile["servicePrincipalId"])
    return item_response(ctx, {key: principal.get(key) for key in TRAFFIC_APP.props}, "servicePrincipals", TRAFFIC_APP)
