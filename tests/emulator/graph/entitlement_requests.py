"""Entitlement Management request flow (v1.0 only): assignment requests, approvals, delivery and expiry.

Builds on the tables of ``entitlement.py`` (packages, policies, assignments) and adds one of its own.
``REQUESTS`` holds accessPackageAssignmentRequest objects, with internal keys ``_accessPackageId``,
``_assignmentPolicyId``, ``_targetId`` (user id), ``_requestorId`` (user id, or the service principal id of an app),
``_assignmentId`` (the assignment it created or removes), ``_stages`` (approval stages, see below) and ``_approval``
(the policy's approval stages as they were when the request was made).

A stage record: ``id``, ``number``, ``status`` (``NotStarted``, ``InProgress``, ``Completed``), ``reviewResult``
(``NotReviewed``, ``Approved``, ``Denied``: what a read returns), ``justification``, ``reviewedBy`` (user id), ``reviewedDateTime``,
``deadline`` (emulated epoch seconds).

Behaviour modelled on Graph:
- ``POST assignmentRequests`` answers ``submitted`` / ``Accepted``; the service processes the request before the
  tenant's next call: ``userAdd`` waits in ``pendingApproval`` when the policy asks for approval, else it is
  delivered like ``adminAdd``. ``adminRemove`` / ``userRemove`` end an assignment.
- ``userAdd`` needs the requestor's delegated token, a policy that lets the user request (target scope, self-add),
  the justification when the policy requires one, an answer for every required question (choices and regex checked),
  and no open request of the same user for the package. ``adminAdd`` may set a schedule only within the policy's
  expiration.
- Approval (``accessPackageAssignmentApprovals``, delegated tokens only, as in Graph): the id is the request id;
  stages start one after the other; only the stage's approvers may decide (primary approvers, or the fallback ones
  when the primary ones resolve to nobody; requestors never approve their own request); one decision completes a
  stage; a second one is a 409. A deny, or no decision before ``durationBeforeAutomaticDenial``, ends the request
  as ``denied``.
- Delivery creates the assignment (``schedule.expiration.endDateTime`` from the policy or the admin's schedule) and
  adds the target to the groups of the package's resource roles. When the end time passes, or on removal, the
  assignment becomes ``expired`` and the membership goes, unless another active assignment still grants it.
"""

import datetime
import re

from .entitlement import (ACTIVE_ASSIGNMENT_STATES, ASSIGNMENT, ASSIGNMENT_EXPANDERS, ASSIGNMENTS, EM, EM_SET, PACKAGE,
                          PACKAGES, POLICIES, QUESTION, READ, SCHEDULE, V1, WRITE, _item, add_assignment, duration_seconds,
                          granted_roles, public, readable)
from .errors import ODATA, GraphError, bad_request, forbidden, not_found
from .odata import check_select, context_url, iso_z, list_response, new_id, shape
from .router import route, ticker
from .schema import Prop, Schema

REQUESTS = "accessPackageAssignmentRequests"
REQUEST_SET = f"{EM_SET}/assignmentRequests"
APPROVAL_SET = f"{EM_SET}/accessPackageAssignmentApprovals"
ASSIGNMENT_SET = f"{EM_SET}/assignments"
# The least privileged delegated permission for a user's own requests, beside the admin ones.
SUBJECT_ACCESS = ("EntitlementMgmt-SubjectAccess.ReadWrite",)

REQUEST_TYPES = ("notSpecified", "userAdd", "userUpdate", "userRemove", "adminAdd", "adminUpdate", "adminRemove",
                 "systemAdd", "systemUpdate", "systemRemove", "onBehalfAdd", "unknownFutureValue", "approverRemove")
SUPPORTED_TYPES = ("userAdd", "userRemove", "adminAdd", "adminRemove")
OPEN_STATES = ("submitted", "pendingApproval", "delivering", "scheduled")
# api-reference/v1.0/api/accesspackageassignmentrequest-cancel.md: cancellable are accepted (state submitted),
# pendingApproval and pendingNotBefore (state scheduled, not modelled here); delivering and later are a 400.
CANCELABLE_STATES = ("submitted", "pendingApproval", "scheduled")
FINAL_STATES = ("delivered", "denied", "canceled", "deliveryFailed")
STATUS = {"submitted": "Accepted", "pendingApproval": "PendingApproval", "delivering": "Delivering",
          "delivered": "Delivered", "denied": "Denied", "canceled": "Canceled"}
# api-reference/v1.0/api/approvalstage-update.md: an update takes reviewResult Approve or Deny;
# api-reference/v1.0/resources/approvalstage.md: a read returns NotReviewed, Approved or Denied. The pages disagree on
# the spelling, so the input is stored in the spelling a read shows.
DECISIONS = {"Approve": "Approved", "Deny": "Denied"}
_USER_FILTERS = {"target": "_targetId", "createdBy": "_requestorId"}


# -- schemas --------------------------------------------------------------------------------------------------------
_ANSWERED_QUESTION = Schema("microsoft.graph.accessPackageQuestion", {"id": Prop(required=True, nullable=False)},
                            dialect=ODATA, derived=dict(QUESTION.derived))
_ANSWER_PROPS = {"displayValue": Prop(), "answeredQuestion": Prop("Object", schema=_ANSWERED_QUESTION)}
ANSWER = Schema("microsoft.graph.accessPackageAnswer", _ANSWER_PROPS, dialect=ODATA, derived={
    "#microsoft.graph.accessPackageAnswerString": Schema("microsoft.graph.accessPackageAnswerString",
                                                         {**_ANSWER_PROPS, "value": Prop()}, dialect=ODATA),
})
# The typed navigation properties (what the v1.0 SDK model of accessPackageAssignment has): "target" is documented
# inside the assignment (entitlementmanagement-post-assignmentrequests.md example 5); "assignmentPolicy" and
# "accessPackage" by id are an Assumption: read as assignmentPolicyId / accessPackageId.
_NAV_REF = Schema("microsoft.graph.entity", {"id": Prop("Guid", required=True)}, dialect=ODATA)
_SUBJECT_REF = Schema("microsoft.graph.accessPackageSubject", {"objectId": Prop("Guid", required=True)}, dialect=ODATA)
ASSIGNMENT_REF = Schema("microsoft.graph.accessPackageAssignment", {
    "id": Prop("Guid"), "targetId": Prop("Guid"), "assignmentPolicyId": Prop("Guid"), "accessPackageId": Prop("Guid"),
    "schedule": Prop("Object", schema=SCHEDULE), "target": Prop("Object", schema=_SUBJECT_REF),
    "assignmentPolicy": Prop("Object", schema=_NAV_REF), "accessPackage": Prop("Object", schema=_NAV_REF),
}, dialect=ODATA)
_NAV_IDS = (("target", "objectId", "targetId"), ("assignmentPolicy", "id", "assignmentPolicyId"),
            ("accessPackage", "id", "accessPackageId"))


def _flat_assignment(assignment):
    """The assignment with navigation references read as their ...Id properties (the id form wins when both given)."""
    flat = dict(assignment)
    for nav, key, flat_key in _NAV_IDS:
        reference = flat.pop(nav, None)
        if isinstance(reference, dict) and reference.get(key) and not flat.get(flat_key):
            flat[flat_key] = reference[key]
    return flat


REQUEST = Schema("microsoft.graph.accessPackageAssignmentRequest", {
    "id": Prop(read_only=True),
    "requestType": Prop(required=True, nullable=False, enum=REQUEST_TYPES),
    "state": Prop(read_only=True),
    "status": Prop(read_only=True),
    "justification": Prop(),
    "answers": Prop("Object", collection=True, schema=ANSWER),
    "schedule": Prop("Object", schema=SCHEDULE),
    "createdDateTime": Prop("DateTimeOffset", read_only=True),
    "completedDateTime": Prop("DateTimeOffset", read_only=True),
    "customExtensionCalloutInstances": Prop("Any", collection=True, read_only=True),
    "assignment": Prop("Object", required=True, nullable=False, schema=ASSIGNMENT_REF),
    "accessPackage": Prop("Object", read_only=True),
    "requestor": Prop("Object", read_only=True),
}, dialect=ODATA)
STAGE = Schema("microsoft.graph.approvalStage", {
    "id": Prop(read_only=True), "assignedToMe": Prop("Boolean", read_only=True), "displayName": Prop(read_only=True),
    "justification": Prop(), "reviewResult": Prop(), "reviewedBy": Prop("Object", read_only=True),
    "reviewedDateTime": Prop("DateTimeOffset", read_only=True), "status": Prop(read_only=True),
}, dialect=ODATA)
APPROVAL = Schema("microsoft.graph.approval", {"id": Prop(read_only=True), "stages": Prop("Object", read_only=True)},
                  dialect=ODATA)


def _bad(message):
    return bad_request(message, ODATA)


def _stamp(moment):
    return iso_z(moment, fraction=True)


def _parse(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def _empty_schedule():
    return {"startDateTime": None, "recurrence": None,
            "expiration": {"endDateTime": None, "duration": None, "type": "notSpecified"}}


# -- who may request and who approves -----------------------------------------------------------------------------
def _members(state, group_id):
    group = state.table("groups").get(group_id)
    return list(state.links("members", group["id"])) if group else []


def _in_scope(state, policy, user):
    """Whether the policy's allowedTargetScope / specificAllowedTargets cover ``user``."""
    scope = policy.get("allowedTargetScope") or "notSpecified"
    if scope == "allDirectoryUsers":
        return True
    if scope == "allMemberUsers":
        return user.get("userType", "Member") == "Member"
    if scope == "specificDirectoryUsers":
        return any(_subject_covers(state, subject, user["id"]) for subject in policy.get("specificAllowedTargets") or ())
    return False


def _subject_covers(state, subject, user_id):
    kind = subject.get("@odata.type")
    if kind == "#microsoft.graph.singleUser":
        return str(subject.get("userId")).lower() == user_id.lower()
    if kind == "#microsoft.graph.groupMembers":
        return user_id in _members(state, subject.get("groupId"))
    return False


def _resolve_subjects(state, subjects, target_id):
    """User ids a subject set names for a request of ``target_id`` (managers resolved; sponsors are not modelled)."""
    users = []
    for subject in subjects or ():
        kind = subject.get("@odata.type")
        if kind == "#microsoft.graph.singleUser":
            user = state.table("users").get(subject.get("userId"))
            users.extend([user["id"]] if user else [])
        elif kind == "#microsoft.graph.groupMembers":
            users.extend(member for member in _members(state, subject.get("groupId"))
                         if state.table("users").get(member) is not None)
        elif kind == "#microsoft.graph.requestorManager":
            manager = target_id
            for _level in range(subject.get("managerLevel") or 1):
                manager = state.managers.get(manager) if manager else None
            users.extend([manager] if manager else [])
    return [user for user in dict.fromkeys(users) if user != target_id]


def stage_approvers(state, request, number):
    """Who may decide stage ``number`` of a request: the primary approvers, else the fallback ones."""
    settings = request["_approval"][number - 1]
    target = request["_targetId"]
    return (_resolve_subjects(state, settings.get("primaryApprovers"), target)
            or _resolve_subjects(state, settings.get("fallbackPrimaryApprovers"), target))


# -- answers --------------------------------------------------------------------------------------------------------
def _check_answers(policy, answers):
    """400 for answers to unknown questions, missing required answers, or values the question does not accept."""
    questions = {q["id"].lower(): q for q in policy["_questions"]}
    answered = {}
    for number, answer in enumerate(answers or (), 1):
        question_id = str((answer.get("answeredQuestion") or {}).get("id", "")).lower()
        question = questions.get(question_id)
        if question is None:
            raise _bad(f"Answer {number} is for question '{question_id}', which is not a question of the policy.")
        if question_id in answered:
            raise _bad(f"Question '{question['text']}' is answered twice.")
        value = answer.get("value")
        if question["@odata.type"].endswith("MultipleChoiceQuestion"):
            allowed = [choice["actualValue"] for choice in question.get("choices") or ()]
            if value not in allowed:
                raise _bad(f"'{value}' is not one of the choices of question '{question['text']}' ({', '.join(allowed)}).")
        elif question.get("regexPattern") and not _full_match(question["regexPattern"], value or ""):
            raise _bad(f"The answer to question '{question['text']}' does not match the pattern '{question['regexPattern']}'.")
        answered[question_id] = value
    for question in policy["_questions"]:
        if question.get("isRequired") and not answered.get(question["id"].lower()):
            raise _bad(f"The question '{question['text']}' requires an answer.")


def _full_match(pattern, value):
    try:
        return re.fullmatch(pattern, value) is not None
    except re.error:
        return True


# -- schedules ------------------------------------------------------------------------------------------------------
def _end_of(expiration, start):
    """The end datetime an expirationPattern gives for an assignment starting at ``start`` (None: no end)."""
    kind = (expiration or {}).get("type")
    if kind == "afterDuration" and expiration.get("duration"):
        return start + datetime.timedelta(seconds=duration_seconds(expiration["duration"]))
    if kind == "afterDateTime" and expiration.get("endDateTime"):
        return _parse(expiration["endDateTime"])
    return None


def _check_schedule(policy, schedule, now):
    """400 when an admin's schedule asks for longer access than the policy allows."""
    expiration = schedule.get("expiration") or {}
    kind = expiration.get("type")
    if kind == "afterDuration" and duration_seconds(expiration.get("duration") or "") is None:
        raise _bad("An expiration of type 'afterDuration' needs a duration.")
    if kind == "afterDateTime" and not expiration.get("endDateTime"):
        raise _bad("An expiration of type 'afterDateTime' needs an endDateTime.")
    start = _parse(schedule["startDateTime"]) if schedule.get("startDateTime") else now
    limit = _end_of(policy.get("expiration"), start)
    wanted = _end_of(expiration, start)
    if wanted is not None and wanted <= now:
        raise _bad("The requested expiration is in the past.")
    if limit is not None and (wanted is None or wanted > limit):
        allowed = policy["expiration"].get("duration") or policy["expiration"].get("endDateTime")
        raise _bad(f"The requested schedule ends later than the policy allows ({allowed}).")


# -- delivery and removal -----------------------------------------------------------------------------------------------
def _grant(state, assignment):
    for group_id, role in granted_roles(state, assignment["_accessPackageId"]):
        state.link("members" if role == "Member" else "owners", group_id, assignment["_targetId"])


def _revoke(state, assignment):
    """Take the roles away unless another active assignment of the same user still grants them."""
    kept = set()
    for other in state.table(ASSIGNMENTS).values():
        if other is not assignment and other["_targetId"] == assignment["_targetId"] and other["state"] in ACTIVE_ASSIGNMENT_STATES:
            kept.update(granted_roles(state, other["_accessPackageId"]))
    for group_id, role in granted_roles(state, assignment["_accessPackageId"]):
        if (group_id, role) not in kept:
            state.links("members" if role == "Member" else "owners", group_id).pop(assignment["_targetId"], None)


def end_assignment(state, assignment, when):
    """The assignment is over (expired or removed): state ``expired`` and the group roles go."""
    assignment.update(state="expired", status="Expired", expiredDateTime=_stamp(when))
    _revoke(state, assignment)


def _deliver(state, request, now):
    policy = state.table(POLICIES).get(request["_assignmentPolicyId"]) or {}
    asked = request.get("schedule") or {}
    start = _parse(asked["startDateTime"]) if asked.get("startDateTime") else now
    # The requested schedule (an admin's, or a custom one the policy allows) wins over the policy's default expiry.
    custom = (asked.get("expiration") or {}).get("type") not in (None, "notSpecified")
    end = _end_of(asked["expiration"] if custom else policy.get("expiration"), start)
    expiration = ({"type": "afterDateTime", "duration": None, "endDateTime": _stamp(end)} if end else
                  {"type": "noExpiration", "duration": None, "endDateTime": None})
    assignment = add_assignment(state, request["_accessPackageId"], request["_assignmentPolicyId"], request["_targetId"],
                                schedule={"startDateTime": _stamp(start), "recurrence": None, "expiration": expiration})
    _grant(state, assignment)
    _finish(request, "delivered", now, _assignmentId=assignment["id"])


def _finish(request, final_state, now, **extra):
    request.update(state=final_state, status=STATUS[final_state], completedDateTime=_stamp(now), **extra)


def _start_stage(request, number, now):
    stage = request["_stages"][number - 1]
    seconds = duration_seconds(request["_approval"][number - 1]["durationBeforeAutomaticDenial"])
    stage.update(status="InProgress", deadline=now.timestamp() + seconds)


def _process(state, request, now):
    """What the service does with a submitted request."""
    kind = request["requestType"]
    if kind in ("adminRemove", "userRemove"):
        assignment = state.table(ASSIGNMENTS).get(request["_assignmentId"])
        if assignment is not None and assignment["state"] in ACTIVE_ASSIGNMENT_STATES:
            end_assignment(state, assignment, now)
        _finish(request, "delivered", now)
    elif request["_stages"]:
        request.update(state="pendingApproval", status=STATUS["pendingApproval"])
        _start_stage(request, 1, now)
    else:
        _deliver(state, request, now)


def _current_stage(request):
    return next((stage for stage in request["_stages"] if stage["status"] == "InProgress"), None)


@ticker
def advance_requests(state, now):
    """Process submitted requests, deny requests whose stage deadline passed, and end assignments whose time is up."""
    for request in state.table(REQUESTS).values():
        if request["state"] == "submitted":
            _process(state, request, now)
        stage = _current_stage(request) if request["state"] == "pendingApproval" else None
        if stage is not None and now.timestamp() >= stage["deadline"]:
            moment = datetime.datetime.fromtimestamp(stage["deadline"], datetime.timezone.utc)
            stage.update(status="Completed", reviewResult="NotReviewed")
            _finish(request, "denied", moment)
    for assignment in state.table(ASSIGNMENTS).values():
        if assignment["state"] not in ACTIVE_ASSIGNMENT_STATES:
            continue
        end = (assignment.get("schedule") or {}).get("expiration", {}).get("endDateTime")
        if end and _parse(end) <= now:
            end_assignment(state, assignment, _parse(end))


# -- views ------------------------------------------------------------------------------------------------------------
def _expand_requestor(ctx, request, sub_query):
    return ASSIGNMENT_EXPANDERS["target"](ctx, {"_targetId": request["_requestorId"]}, sub_query)


def _expand_assignment(ctx, request, sub_query):
    check_select(sub_query.select, ASSIGNMENT)
    assignment = ctx.state.table(ASSIGNMENTS).get(request.get("_assignmentId"))
    return shape(public(assignment), sub_query.select) if assignment else None


REQUEST_EXPANDERS = {"accessPackage": ASSIGNMENT_EXPANDERS["accessPackage"], "assignment": _expand_assignment, "requestor": _expand_requestor}
# api-reference/v1.0/resources/accesspackageassignmentrequest.md: state (eq) and createdDateTime support $filter;
# api-reference/v1.0/api/entitlementmanagement-list-assignmentrequests.md: accessPackage/id eq. Any other $filter
# (requestor/objectId, id, requestType, ...) is answered as Graph answers an unsupported query.
REQUEST_FILTERS = ("state", "createdDateTime", "accessPackage/id")
_REQUEST_LINKS = {"accessPackage/id": "_accessPackageId"}


def _resolve_request(obj, path):
    return obj.get(_REQUEST_LINKS[path]) if path in _REQUEST_LINKS else obj.get(path)


def _list_requests(ctx, requests, entity_set, filterable=REQUEST_FILTERS):
    return list_response(ctx, requests, entity_set, REQUEST, filterable=filterable, resolve=_resolve_request,
                         expanders=REQUEST_EXPANDERS, shaper=lambda obj, select: shape(public(obj), select))


def _user_view(state, user_id):
    user = state.table("users").get(user_id)
    return {"id": user_id, "displayName": user["displayName"] if user else None}


def _stage_view(ctx, request, stage):
    approvers = stage_approvers(ctx.state, request, stage["number"])
    return {"id": stage["id"], "displayName": None, "justification": stage["justification"],
            "reviewResult": stage["reviewResult"], "status": stage["status"],
            "assignedToMe": ctx.identity.oid in approvers and stage["status"] == "InProgress",
            "reviewedBy": _user_view(ctx.state, stage["reviewedBy"]) if stage["reviewedBy"] else None,
            "reviewedDateTime": stage["reviewedDateTime"]}


def _started(request):
    return [stage for stage in request["_stages"] if stage["status"] != "NotStarted"]


def _approval_view(ctx, request):
    return {"id": request["id"], "stages": [_stage_view(ctx, request, stage) for stage in _started(request)]}


# -- assignment requests ------------------------------------------------------------------------------------------------
def _policy_for(ctx, package, policy_id, user):
    """The policy a userAdd names, or the only one that lets this user request the package."""
    policies = [p for p in ctx.state.table(POLICIES).values() if p["_accessPackageId"] == package["id"]]
    if policy_id:
        policy = ctx.state.table(POLICIES).get(policy_id)
        if policy is None or policy["_accessPackageId"] != package["id"]:
            raise _bad(f"The assignment policy '{policy_id}' is not a policy of the access package '{package['id']}'.")
        return policy
    usable = [p for p in policies if p["requestorSettings"]["enableTargetsToSelfAddAccess"] and _in_scope(ctx.state, p, user)]
    if len(usable) != 1:
        raise _bad("Set assignment.assignmentPolicyId: the access package has "
                   f"{len(usable)} policies through which this user may request it.")
    return usable[0]


def _open_request(ctx, target_id, package_id):
    return next((r for r in ctx.state.table(REQUESTS).values() if r["_targetId"] == target_id
                 and r["_accessPackageId"] == package_id and r["state"] in OPEN_STATES), None)


def _active_assignment(ctx, target_id, package_id, policy_id=None):
    return next((a for a in ctx.state.table(ASSIGNMENTS).values() if a["_targetId"] == target_id
                 and a["_accessPackageId"] == package_id and a["state"] in ACTIVE_ASSIGNMENT_STATES
                 and (policy_id is None or a["_assignmentPolicyId"] == policy_id)), None)


def _require_package(ctx, package_id):
    if not package_id:
        raise _bad("assignment.accessPackageId is required for this request type.")
    package = ctx.state.table(PACKAGES).get(package_id)
    if package is None:
        raise GraphError(404, "ResourceNotFound", f"The access package '{package_id}' was not found.")
    return package


def _user_add(ctx, values, assignment):
    if ctx.identity.kind != "user":
        raise forbidden("A userAdd request is made by the user who wants access, with a delegated token; an application "
                        "can only make adminAdd and adminRemove requests.", code="Forbidden")
    user = ctx.state.table("users").get(ctx.identity.oid)
    if assignment.get("targetId") and assignment["targetId"].lower() != user["id"].lower():
        raise _bad("In a userAdd request, assignment.targetId must be the signed-in user.")
    package = _require_package(ctx, assignment.get("accessPackageId"))
    policy = _policy_for(ctx, package, assignment.get("assignmentPolicyId"), user)
    if not policy["requestorSettings"]["enableTargetsToSelfAddAccess"]:
        raise _bad(f"The policy '{policy['displayName']}' does not let users request access for themselves.")
    if not _in_scope(ctx.state, policy, user):
        raise forbidden(f"The user is not in the scope of the policy '{policy['displayName']}'.", code="Forbidden")
    approval = policy["requestApprovalSettings"]
    if approval["isRequestorJustificationRequired"] and not (values.get("justification") or "").strip():
        raise _bad(f"The policy '{policy['displayName']}' requires a justification.")
    if values.get("schedule") and not policy["requestorSettings"]["allowCustomAssignmentSchedule"]:
        raise _bad(f"The policy '{policy['displayName']}' does not allow a custom schedule.")
    _check_answers(policy, values.get("answers"))
    if _open_request(ctx, user["id"], package["id"]):
        raise GraphError(400, "ExistingOpenRequest", "There is already an open request of this user for this access package.")
    if _active_assignment(ctx, user["id"], package["id"], policy["id"]):
        raise _bad("The user already has an active assignment of this access package through this policy.")
    stages = [dict(stage) for stage in approval["stages"]] if approval["isApprovalRequiredForAdd"] else []
    return {"_accessPackageId": package["id"], "_assignmentPolicyId": policy["id"], "_targetId": user["id"],
            "_requestorId": user["id"], "_approval": stages}


def _admin_add(ctx, values, assignment):
    for key in ("targetId", "assignmentPolicyId"):
        if not assignment.get(key):
            raise _bad(f"assignment.{key} is required for an adminAdd request.")
    package = _require_package(ctx, assignment.get("accessPackageId"))
    target = ctx.state.table("users").get(assignment["targetId"])
    if target is None:
        raise GraphError(404, "ResourceNotFound", f"The user '{assignment['targetId']}' was not found in the directory.")
    policy = _policy_for(ctx, package, assignment["assignmentPolicyId"], target)
    if values.get("schedule"):
        _check_schedule(policy, values["schedule"], ctx.now())
    if _active_assignment(ctx, target["id"], package["id"], policy["id"]):
        raise _bad("The user already has an active assignment of this access package through this policy.")
    if _open_request(ctx, target["id"], package["id"]):
        raise GraphError(400, "ExistingOpenRequest", "There is already an open request of this user for this access package.")
    return {"_accessPackageId": package["id"], "_assignmentPolicyId": policy["id"], "_targetId": target["id"],
            "_requestorId": ctx.identity.oid, "_approval": []}


def _remove(ctx, kind, assignment):
    if not assignment.get("id"):
        raise _bad(f"assignment.id is required for a {kind} request.")
    current = ctx.state.table(ASSIGNMENTS).get(assignment["id"])
    if current is None:
        raise GraphError(404, "ResourceNotFound", f"The assignment '{assignment['id']}' was not found.")
    if current["state"] not in ACTIVE_ASSIGNMENT_STATES:
        raise _bad(f"The assignment '{current['id']}' is not active (state '{current['state']}').")
    if kind == "userRemove":
        if ctx.identity.kind != "user" or ctx.identity.oid != current["_targetId"]:
            raise forbidden("A userRemove request is made by the user whose assignment it is.", code="Forbidden")
        policy = ctx.state.table(POLICIES).get(current["_assignmentPolicyId"])
        if policy and not policy["requestorSettings"]["enableTargetsToSelfRemoveAccess"]:
            raise _bad(f"The policy '{policy['displayName']}' does not let users remove their own access.")
    return {"_accessPackageId": current["_accessPackageId"], "_assignmentPolicyId": current["_assignmentPolicyId"],
            "_targetId": current["_targetId"], "_requestorId": ctx.identity.oid, "_assignmentId": current["id"],
            "_approval": []}


@route("POST", f"{EM}/assignmentRequests", versions=V1, permissions=WRITE + SUBJECT_ACCESS)
def create_request(ctx):
    """POST assignmentRequests: 201 ``submitted``; the service processes it before the tenant's next call."""
    _schema, values, _binds = REQUEST.validate(ctx.require_body(ODATA), "create")
    kind = values["requestType"]
    if kind not in SUPPORTED_TYPES:
        raise _bad(f"The request type '{kind}' is not supported here; use userAdd, userRemove, adminAdd or adminRemove.")
    if kind.startswith("admin") and ctx.identity.kind == "user" and \
            not ctx.identity.grants.intersection(WRITE):
        raise forbidden()
    assignment = _flat_assignment(values["assignment"])
    if kind == "userAdd":
        links = _user_add(ctx, values, assignment)
    elif kind == "adminAdd":
        links = _admin_add(ctx, values, assignment)
    else:
        links = _remove(ctx, kind, assignment)
    now = ctx.now()
    stages = [{"id": new_id(), "number": number, "status": "NotStarted", "reviewResult": "NotReviewed",
               "justification": None, "reviewedBy": None, "reviewedDateTime": None, "deadline": None}
              for number in range(1, len(links["_approval"]) + 1)]
    request = ctx.state.table(REQUESTS).add({
        "id": new_id(), "requestType": kind, "state": "submitted", "status": STATUS["submitted"],
        "justification": values.get("justification"), "answers": values.get("answers") or [],
        "schedule": values.get("schedule") or _empty_schedule(), "createdDateTime": _stamp(now), "completedDateTime": None,
        "customExtensionCalloutInstances": [], "_stages": stages, "_assignmentId": None, **links})
    return 201, {"@odata.context": context_url(ctx, REQUEST_SET, entity=True), **public(request)}


@route("GET", f"{EM}/assignmentRequests", versions=V1, permissions=READ)
def list_requests(ctx):
    """GET assignmentRequests: $filter on state / createdDateTime / accessPackage/id,
    $expand=accessPackage,assignment,requestor."""
    return _list_requests(ctx, readable(ctx, ctx.state.table(REQUESTS).values()), REQUEST_SET)


def _filter_by_current_user(on):
    @route("GET", f"{EM}/assignmentRequests/filterByCurrentUser(on='{on}')", versions=V1,
           permissions=READ + SUBJECT_ACCESS, delegated_only=True)
    def handler(ctx):
        me = ctx.identity.oid
        if on == "approver":
            # api-reference/v1.0/api/accesspackageassignmentrequest-filterbycurrentuser.md: approver lists the
            # requests in pending state that need a decision from the caller (not the ones already decided).
            requests = [r for r in ctx.state.table(REQUESTS).values() if r["state"] == "pendingApproval"
                        and me in stage_approvers(ctx.state, r, _current_stage(r)["number"])]
        else:
            requests = [r for r in ctx.state.table(REQUESTS).values() if r[_USER_FILTERS[on]] == me]
        # api-reference/v1.0/api/accesspackageassignmentrequest-filterbycurrentuser.md documents no query options:
        # a $filter on the function's result is an unsupported query.
        return _list_requests(ctx, requests, REQUEST_SET, filterable=None)
    handler.__doc__ = f"GET assignmentRequests/filterByCurrentUser(on='{on}') (delegated tokens only)."
    return handler


request_filters = [_filter_by_current_user(on) for on in ("target", "createdBy", "approver")]


@route("GET", f"{EM}/assignmentRequests/{{id}}", versions=V1, permissions=READ + SUBJECT_ACCESS)
def get_request(ctx):
    """GET assignmentRequests/{id} with $select / $expand."""
    return _item(ctx, ctx.require(REQUESTS, ctx.params["id"], ODATA), REQUEST_SET, REQUEST, REQUEST_EXPANDERS)


@route("POST", f"{EM}/assignmentRequests/{{id}}/cancel", versions=V1, permissions=WRITE + SUBJECT_ACCESS,
       delegated_only=True)
def cancel_request(ctx):
    """POST assignmentRequests/{id}/cancel: 200 without a body, for requests still waiting (submitted, pendingApproval)."""
    request = ctx.require(REQUESTS, ctx.params["id"], ODATA)
    if ctx.identity.oid not in (request["_requestorId"], request["_targetId"]) and not ctx.identity.grants.intersection(WRITE):
        raise forbidden()
    if request["state"] not in CANCELABLE_STATES:
        raise _bad(f"The request is in state '{request['state']}' and cannot be canceled.")
    for stage in _started(request):
        if stage["status"] == "InProgress":
            stage["status"] = "Completed"
    _finish(request, "canceled", ctx.now())
    return 200, None


@route("DELETE", f"{EM}/assignmentRequests/{{id}}", versions=V1, permissions=WRITE)
def delete_request(ctx):
    """DELETE assignmentRequests/{id}: only completed requests whose assignment is no longer active."""
    request = ctx.require(REQUESTS, ctx.params["id"], ODATA)
    assignment = ctx.state.table(ASSIGNMENTS).get(request.get("_assignmentId"))
    if request["state"] not in FINAL_STATES or (
            request["requestType"].endswith("Add") and assignment and assignment["state"] in ACTIVE_ASSIGNMENT_STATES):
        raise _bad("Only denied, canceled or completed requests without an active assignment can be deleted.")
    ctx.state.table(REQUESTS).remove(request["id"])
    return 204, None


# -- approvals (delegated only) ---------------------------------------------------------------------------------------
def _require_approval(ctx):
    request = ctx.state.table(REQUESTS).get(ctx.params["id"])
    if request is None or not request["_stages"]:
        raise not_found(ctx.params["id"], ODATA)
    return request


def _require_stage(ctx, request):
    stage = next((s for s in _started(request) if s["id"].lower() == ctx.params["stage"].lower()), None)
    if stage is None:
        raise not_found(ctx.params["stage"], ODATA)
    return stage


@route("GET", f"{EM}/accessPackageAssignmentApprovals/filterByCurrentUser(on='approver')", versions=V1,
       permissions=READ, delegated_only=True)
def my_approvals(ctx):
    """GET accessPackageAssignmentApprovals/filterByCurrentUser(on='approver'): approvals of the caller's scope."""
    # api-reference/v1.0/api/approval-filterbycurrentuser.md: the approvals "which the calling user is in the scope of
    # being an approver" (unlike assignmentRequests/filterByCurrentUser(on='approver'), decided ones too).
    mine = [r for r in ctx.state.table(REQUESTS).values()
            if any(ctx.identity.oid in stage_approvers(ctx.state, r, stage["number"]) for stage in _started(r))]
    views = [_approval_view(ctx, r) for r in mine]
    return 200, {"@odata.context": context_url(ctx, APPROVAL_SET), "value": views}


@route("GET", f"{EM}/accessPackageAssignmentApprovals/{{id}}", versions=V1, permissions=READ, delegated_only=True)
def get_approval(ctx):
    """GET accessPackageAssignmentApprovals/{requestId}: the stages started so far."""
    request = _require_approval(ctx)
    check_select(ctx.query.select, APPROVAL)
    return 200, {"@odata.context": context_url(ctx, APPROVAL_SET, entity=True), **_approval_view(ctx, request)}


@route("GET", f"{EM}/accessPackageAssignmentApprovals/{{id}}/stages", versions=V1, permissions=READ, delegated_only=True)
def list_stages(ctx):
    """GET accessPackageAssignmentApprovals/{requestId}/stages."""
    request = _require_approval(ctx)
    return 200, {"@odata.context": context_url(ctx, f"{APPROVAL_SET}('{request['id']}')/stages"),
                 "value": _approval_view(ctx, request)["stages"]}


@route("GET", f"{EM}/accessPackageAssignmentApprovals/{{id}}/stages/{{stage}}", versions=V1, permissions=READ,
       delegated_only=True)
def get_stage(ctx):
    """GET one approval stage."""
    request = _require_approval(ctx)
    stage = _require_stage(ctx, request)
    return 200, {"@odata.context": context_url(ctx, f"{APPROVAL_SET}('{request['id']}')/stages", entity=True),
                 **_stage_view(ctx, request, stage)}


@route("PATCH", f"{EM}/accessPackageAssignmentApprovals/{{id}}/stages/{{stage}}", versions=V1, permissions=WRITE,
       delegated_only=True)
def decide_stage(ctx):
    """PATCH a stage with reviewResult Approve / Deny (and justification): 204; 409 once the stage is decided."""
    request = _require_approval(ctx)
    stage = _require_stage(ctx, request)
    _schema, values, _binds = STAGE.validate(ctx.require_body(ODATA), "update")
    if values.get("reviewResult") not in DECISIONS:
        raise _bad("reviewResult must be 'Approve' or 'Deny'.")
    if stage["status"] != "InProgress" or request["state"] != "pendingApproval":
        decided = ctx.state.table("users").get(stage["reviewedBy"]) if stage["reviewedBy"] else None
        who = f" by {decided['displayName']}" if decided else ""
        raise GraphError(409, "Conflict", f"The approval stage has already been completed{who} "
                                          f"(reviewResult '{stage['reviewResult']}', request state '{request['state']}').")
    me = ctx.identity.oid
    if me == request["_targetId"]:
        raise forbidden("Approvers cannot approve their own request.", code="Forbidden")
    if me not in stage_approvers(ctx.state, request, stage["number"]):
        raise forbidden("The signed-in user is not an approver of this approval stage.", code="Forbidden")
    settings = request["_approval"][stage["number"] - 1]
    if settings.get("isApproverJustificationRequired") and not (values.get("justification") or "").strip():
        raise _bad("This approval stage requires a justification.")
    now = ctx.now()
    stage.update(status="Completed", reviewResult=DECISIONS[values["reviewResult"]], justification=values.get("justification"),
                 reviewedBy=me, reviewedDateTime=_stamp(now))
    if values["reviewResult"] == "Deny":
        _finish(request, "denied", now)
    elif stage["number"] < len(request["_stages"]):
        _start_stage(request, stage["number"] + 1, now)
    else:
        _deliver(ctx.state, request, now)
    return 204, None


# -- assignments: one by id, and the signed-in user's ----------------------------------------------------------------
def _assignment_answer(ctx, assignments):
    return list_response(ctx, assignments, ASSIGNMENT_SET, ASSIGNMENT, expanders=ASSIGNMENT_EXPANDERS,
                         filterable=("id", "state"), shaper=lambda obj, select: shape(public(obj), select))


@route("GET", f"{EM}/assignments/{{id}}", versions=V1, permissions=READ)
def get_assignment(ctx):
    """GET assignments/{id} with $expand=target,accessPackage,assignmentPolicy."""
    return _item(ctx, ctx.require(ASSIGNMENTS, ctx.params["id"], ODATA), ASSIGNMENT_SET, ASSIGNMENT, ASSIGNMENT_EXPANDERS)


def _my_assignments(on):
    @route("GET", f"{EM}/assignments/filterByCurrentUser(on='{on}')", versions=V1, permissions=READ + SUBJECT_ACCESS,
           delegated_only=True)
    def handler(ctx):
        me = ctx.identity.oid
        if on == "target":
            mine = [a for a in ctx.state.table(ASSIGNMENTS).values() if a["_targetId"] == me]
        else:
            made = {r["_assignmentId"] for r in ctx.state.table(REQUESTS).values() if r["_requestorId"] == me}
            mine = [a for a in ctx.state.table(ASSIGNMENTS).values() if a["id"] in made]
        return _assignment_answer(ctx, mine)
    handler.__doc__ = f"GET assignments/filterByCurrentUser(on='{on}') (delegated tokens only)."
    return handler


assignment_filters = [_my_assignments(on) for on in ("target", "createdBy")]


# -- the end user's view of packages and policies ---------------------------------------------------------------------
def _requestable_policies(ctx, package_id):
    user = ctx.state.table("users").get(ctx.identity.oid)
    return [p for p in ctx.state.table(POLICIES).values() if p["_accessPackageId"] == package_id
            and p["requestorSettings"]["enableTargetsToSelfAddAccess"] and user is not None and _in_scope(ctx.state, p, user)]


@route("GET", f"{EM}/accessPackages/filterByCurrentUser(on='allowedRequestor')", versions=V1,
       permissions=READ + SUBJECT_ACCESS, delegated_only=True)
def requestable_packages(ctx):
    """GET accessPackages/filterByCurrentUser(on='allowedRequestor') (delegated tokens only)."""
    # api-reference/v1.0/api/accesspackage-filterbycurrentuser.md: the packages the signed-in user may request, across
    # all catalogs; the page documents no query options, so a $filter is an unsupported query.
    packages = [p for p in ctx.state.table(PACKAGES).values() if _requestable_policies(ctx, p["id"])]
    return list_response(ctx, packages, f"{EM_SET}/accessPackages", PACKAGE, filterable=None,
                         shaper=lambda obj, select: shape(public(obj), select))


@route("POST", f"{EM}/accessPackages/{{id}}/getApplicablePolicyRequirements", versions=V1,
       permissions=READ + SUBJECT_ACCESS, delegated_only=True)
def policy_requirements(ctx):
    """POST accessPackages/{id}/getApplicablePolicyRequirements: one requirements object per policy the caller may use."""
    # api-reference/v1.0/api/accesspackage-getapplicablepolicyrequirements.md: one object per policy for which the user
    # is an allowed requestor, an empty collection when there is none; properties from
    # api-reference/v1.0/resources/accesspackageassignmentrequestrequirements.md (v1.0 has no
    # isRequestorJustificationRequired). Assumption: schedule carries the policy's expiration.
    package = ctx.require(PACKAGES, ctx.params["id"], ODATA)
    values = []
    for policy in _requestable_policies(ctx, package["id"]):
        approval = policy["requestApprovalSettings"]
        values.append({
            "policyId": policy["id"], "policyDisplayName": policy["displayName"], "policyDescription": policy.get("description"),
            "isApprovalRequiredForAdd": approval["isApprovalRequiredForAdd"],
            "isApprovalRequiredForUpdate": approval["isApprovalRequiredForUpdate"],
            "allowCustomAssignmentSchedule": policy["requestorSettings"]["allowCustomAssignmentSchedule"],
            "questions": [dict(q) for q in policy["_questions"]],
            "schedule": {"startDateTime": None, "recurrence": None, "expiration": dict(policy["expiration"])},
        })
    return 200, {"@odata.context": context_url(ctx, "Collection(microsoft.graph.accessPackageAssignmentRequestRequirements)"),
                 "value": values}
