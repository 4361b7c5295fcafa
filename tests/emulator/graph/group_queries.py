"""Group read queries beyond the basic lists: ``/groups/$count``, ``transitiveMembers`` and ``getMemberGroups``.

Third-party clients (azure.azcollection's ``azure_rm_adgroup``) and Microsoft's typed SDK call these.
"""

from ..tenant import DIRECTORY_TYPES
from .directory import DIRECTORY_OBJECT, READ_GROUPS, _directory_shape
from .errors import bad_request
from .odata import list_response
from .router import route

GROUP_TYPE = DIRECTORY_TYPES["groups"]


def _advanced(ctx):
    return ctx.headers.get("ConsistencyLevel", "").lower() == "eventual"


@route("GET", "/groups/$count", permissions=READ_GROUPS)
def count_groups(ctx):
    """GET /groups/$count: the number as text/plain. concepts/aad-advanced-queries.md: the $count segment needs
    ConsistencyLevel: eventual, else 400 Request_BadRequest "$count is not currently supported."."""
    if not _advanced(ctx):
        raise bad_request("$count is not currently supported.")
    return 200, len(ctx.state.table("groups").values()), {"Content-Type": "text/plain"}


def _transitive(ctx, relation, start_id):
    """``(odata_type, obj)`` reachable from ``start_id`` through ``relation`` links, nested groups followed, each once."""
    seen, out, queue = set(), [], [start_id]
    while queue:
        owner = queue.pop(0)
        for target_id in ctx.state.links(relation, owner):
            if target_id in seen:
                continue
            seen.add(target_id)
            odata_type, obj = ctx.state.directory_object(target_id)
            if obj is None:
                continue
            out.append((odata_type, obj))
            if odata_type == GROUP_TYPE:
                queue.append(target_id)
    return out


@route("GET", "/groups/{id}/transitiveMembers", permissions=READ_GROUPS)
def list_transitive_members(ctx):
    """api-reference/v1.0/api/group-list-transitivemembers.md: direct members and the members of nested groups."""
    group = ctx.require("groups", ctx.params["id"])
    pairs = _transitive(ctx, "members", group["id"])
    types = {obj["id"]: odata_type for odata_type, obj in pairs}
    return list_response(ctx, [obj for _t, obj in pairs], "directoryObjects", DIRECTORY_OBJECT,
                         key=lambda obj: ctx.state.seq(obj["id"]),
                         shaper=lambda obj, select: _directory_shape(ctx, types[obj["id"]], obj, select))


@route("POST", "/groups/{id}/getMemberGroups", permissions=READ_GROUPS)
def get_member_groups(ctx):
    """api-reference/v1.0/api/directoryobject-getmembergroups.md: ids of the groups the group is a member of,
    transitively; ``securityEnabledOnly`` (required) keeps security groups only."""
    group = ctx.require("groups", ctx.params["id"])
    body = ctx.require_body()
    if not isinstance(body, dict) or not isinstance(body.get("securityEnabledOnly"), bool):
        raise bad_request("The parameter 'securityEnabledOnly' in the request payload is not a valid parameter for the "
                          "function import 'getMemberGroups'." if isinstance(body, dict) and set(body) - {
                              "securityEnabledOnly"} else "securityEnabledOnly is required and must be a Boolean.")
    groups, queue, seen = [], [group["id"]], set()
    all_groups = ctx.state.table("groups").values()
    while queue:
        member = queue.pop(0)
        for candidate in all_groups:
            if candidate["id"] not in seen and member in ctx.state.links("members", candidate["id"]):
                seen.add(candidate["id"])
                groups.append(candidate)
                queue.append(candidate["id"])
    if body["securityEnabledOnly"]:
        groups = [g for g in groups if g.get("securityEnabled")]
    return 200, {"@odata.context": f"{ctx.base_url}/{ctx.version}/$metadata#Collection(Edm.String)",
                 "value": [g["id"] for g in groups]}
