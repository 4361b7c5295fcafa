"""Microsoft's typed clients (msgraph-sdk for v1.0, msgraph-beta-sdk for beta) drive the emulator unchanged.

Only the SDKs' fluent request builders and generated models are used (no raw JSON); azure-identity fetches the token
from the emulator's token endpoint. Each call is the documented one; the docs page is named beside it.
"""

import asyncio
import ssl

import httpx
import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import AzureIdentityAuthenticationProvider
from msgraph_core import GraphClientFactory

SCOPES = ["https://graph.microsoft.com/.default"]


def _client(emulator, tenant, beta=False):
    """A GraphServiceClient of the v1.0 (or beta) SDK against the emulator, authenticated by azure-identity."""
    if beta:
        from msgraph_beta import GraphRequestAdapter, GraphServiceClient  # pylint: disable=import-outside-toplevel
    else:
        from msgraph import GraphRequestAdapter, GraphServiceClient  # pylint: disable=import-outside-toplevel
    credential = ClientSecretCredential(tenant.tenant_id, tenant.client_id, tenant.client_secret,
                                        authority=emulator.base_url, disable_instance_discovery=True)
    auth = AzureIdentityAuthenticationProvider(credential, scopes=SCOPES, allowed_hosts=["127.0.0.1"])
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=ssl.create_default_context(cafile=emulator.ca_path), timeout=10))
    adapter = GraphRequestAdapter(auth, client=http)
    adapter.base_url = f"{emulator.base_url}/{'beta' if beta else 'v1.0'}"
    return GraphServiceClient(request_adapter=adapter)


_LOOP = {}


def _run(coroutine):
    """Run on the test's one event loop (the SDK's httpx client keeps connections bound to it)."""
    return _LOOP["loop"].run_until_complete(coroutine)


@pytest.fixture(autouse=True)
def _event_loop():
    loop = _LOOP["loop"] = asyncio.new_event_loop()
    yield
    loop.close()


def _config(query_class, headers=None, **query):
    config = RequestConfiguration(query_parameters=query_class(**query))
    for name, value in (headers or {}).items():
        config.headers.add(name, value)
    return config


@pytest.fixture
def v1(emulator_env, tenant):
    """The v1.0 typed client for the test's tenant."""
    return _client(emulator_env, tenant)


@pytest.fixture
def beta(emulator_env, tenant):
    """The beta typed client for the test's tenant."""
    return _client(emulator_env, tenant, beta=True)


def test_groups_members_owners_and_advanced_queries(v1, emulator, tenant):
    from msgraph.generated.groups.groups_request_builder import GroupsRequestBuilder  # pylint: disable=import-outside-toplevel
    from msgraph.generated.models.group import Group  # pylint: disable=import-outside-toplevel
    from msgraph.generated.models.reference_create import ReferenceCreate  # pylint: disable=import-outside-toplevel
    user_id = tenant.users["adele.vance"]["id"] if isinstance(tenant.users.get("adele.vance"), dict) else None
    users = _run(v1.users.get()).value
    user_id = user_id or users[0].id
    owner_id = users[1].id

    async def scenario():
        # api-reference/v1.0/api/group-post-groups.md
        group = await v1.groups.post(Group(display_name="Typed AI users", mail_enabled=False, mail_nickname="typedai",
                                           security_enabled=True, description="typed client"))
        other = await v1.groups.post(Group(display_name="Typed other", mail_enabled=False, mail_nickname="typedother",
                                           security_enabled=True))
        members = v1.groups.by_group_id(group.id).members
        # api-reference/v1.0/api/group-post-members.md, group-post-owners.md
        await members.ref.post(ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{user_id}"))
        await v1.groups.by_group_id(group.id).owners.ref.post(
            ReferenceCreate(odata_id=f"https://graph.microsoft.com/v1.0/directoryObjects/{owner_id}"))
        listed = await members.get()
        owners = await v1.groups.by_group_id(group.id).owners.get()
        # api-reference/v1.0/api/group-list.md: $filter startswith, $orderby, and $count/$search with ConsistencyLevel
        query = GroupsRequestBuilder.GroupsRequestBuilderGetQueryParameters
        started = await v1.groups.get(_config(query, filter="startswith(displayName,'typed')"))
        ordered = await v1.groups.get(_config(query, orderby=["displayName desc"], top=999))
        counted = await v1.groups.get(_config(query, {"ConsistencyLevel": "eventual"}, count=True, orderby=["displayName desc"],
                                              filter="startswith(displayName,'Typed')"))
        searched = await v1.groups.get(_config(query, {"ConsistencyLevel": "eventual"}, search='"displayName:AI users"'))
        # api-reference/v1.0/api/group-delete.md
        await v1.groups.by_group_id(other.id).delete()
        return group, listed, owners, started, ordered, counted, searched

    group, listed, owners, started, ordered, counted, searched = _run(scenario())
    assert [m.id for m in listed.value] == [user_id] and type(listed.value[0]).__name__ == "User"
    assert [o.id for o in owners.value] == [owner_id]
    assert [g.display_name for g in started.value] == ["Typed AI users", "Typed other"]
    names = [g.display_name for g in ordered.value]
    assert names == sorted(names, key=str.lower, reverse=True) and "Typed AI users" in names
    assert counted.odata_count == 2 and [g.display_name for g in counted.value] == ["Typed other", "Typed AI users"]
    assert [g.id for g in searched.value] == [group.id]


def test_entitlement_management_chain(v1, emulator):
    # pylint: disable=import-outside-toplevel
    from msgraph.generated.models import (
        access_package as ap, access_package_approval_stage as stage_m, access_package_assignment as assignment_m,
        access_package_assignment_approval_settings as approval_m, access_package_assignment_policy as policy_m,
        access_package_assignment_request as request_m, access_package_assignment_requestor_settings as requestor_m,
        access_package_catalog as catalog_m, access_package_resource as res_m,
        access_package_resource_request as rr_m, access_package_resource_role as role_m,
        access_package_resource_role_scope as rrs_m, access_package_resource_scope as scope_m,
        access_package_subject as subject_m, access_package_text_input_question as question_m,
        allowed_target_scope as ats_m, entitlement_management_schedule as schedule_m, expiration_pattern as exp_m,
        expiration_pattern_type as ept_m, single_user as su_m)
    from msgraph.generated.models.access_package_request_type import AccessPackageRequestType
    from msgraph.generated.models.group import Group
    em = v1.identity_governance.entitlement_management
    users = _run(v1.users.get()).value
    requestor, approver = users[0].id, users[1].id

    async def scenario():
        group = await v1.groups.post(Group(display_name="Typed EM group", mail_enabled=False, mail_nickname="typedem",
                                           security_enabled=True))
        # api-reference/v1.0/api/entitlementmanagement-post-catalogs.md
        catalog = await em.catalogs.post(catalog_m.AccessPackageCatalog(display_name="Typed catalog",
                                                                        description="typed", is_externally_visible=False))
        # api-reference/v1.0/api/entitlementmanagement-post-resourcerequests.md (example 1: add a group)
        await em.resource_requests.post(rr_m.AccessPackageResourceRequest(
            request_type=AccessPackageRequestType.AdminAdd, catalog=catalog_m.AccessPackageCatalog(id=catalog.id),
            resource=res_m.AccessPackageResource(origin_id=group.id, origin_system="AadGroup")))
        emulator.advance_clock(120)  # onboarding a resource into a catalog completes in the background
        resources = await em.catalogs.by_access_package_catalog_id(catalog.id).resources.get()
        # api-reference/v1.0/api/entitlementmanagement-post-accesspackages.md
        package = await em.access_packages.post(ap.AccessPackage(
            display_name="Typed package", description="typed", catalog=catalog_m.AccessPackageCatalog(id=catalog.id)))
        # api-reference/v1.0/api/accesspackage-post-resourcerolescopes.md: role and scope named by originId
        scope = await em.access_packages.by_access_package_id(package.id).resource_role_scopes.post(
            rrs_m.AccessPackageResourceRoleScope(
                role=role_m.AccessPackageResourceRole(
                    origin_id=f"Member_{group.id}", display_name="Member", origin_system="AadGroup",
                    resource=res_m.AccessPackageResource(id=resources.value[0].id)),
                scope=scope_m.AccessPackageResourceScope(origin_id=group.id, origin_system="AadGroup", is_root_scope=True)))
        # api-reference/v1.0/api/entitlementmanagement-post-assignmentpolicies.md: approval stage, PT2H, a question
        policy = await em.assignment_policies.post(policy_m.AccessPackageAssignmentPolicy(
            display_name="Typed policy", description="typed", allowed_target_scope=ats_m.AllowedTargetScope.SpecificDirectoryUsers,
            specific_allowed_targets=[su_m.SingleUser(user_id=requestor, description="requestor")],
            expiration=exp_m.ExpirationPattern(type=ept_m.ExpirationPatternType.AfterDuration, duration="PT2H"),
            requestor_settings=requestor_m.AccessPackageAssignmentRequestorSettings(
                enable_targets_to_self_add_access=True, enable_targets_to_self_remove_access=True,
                allow_custom_assignment_schedule=False),
            request_approval_settings=approval_m.AccessPackageAssignmentApprovalSettings(
                is_approval_required_for_add=True, is_approval_required_for_update=False,
                stages=[stage_m.AccessPackageApprovalStage(
                    duration_before_automatic_denial="P2D", is_approver_justification_required=False,
                    is_escalation_enabled=False, primary_approvers=[su_m.SingleUser(user_id=approver)])]),
            questions=[question_m.AccessPackageTextInputQuestion(
                is_required=True, sequence=1, is_single_line_question=True,
                text="Why do you need it?")],
            access_package=ap.AccessPackage(id=package.id)))
        direct = await em.assignment_policies.post(policy_m.AccessPackageAssignmentPolicy(
            display_name="Typed direct", description="admin only", allowed_target_scope=ats_m.AllowedTargetScope.NotSpecified,
            expiration=exp_m.ExpirationPattern(type=ept_m.ExpirationPatternType.AfterDuration, duration="PT2H"),
            access_package=ap.AccessPackage(id=package.id)))
        # api-reference/v1.0/api/entitlementmanagement-post-assignmentrequests.md: adminAdd via typed navigation
        request = await em.assignment_requests.post(request_m.AccessPackageAssignmentRequest(
            request_type=AccessPackageRequestType.AdminAdd,
            assignment=assignment_m.AccessPackageAssignment(
                target=subject_m.AccessPackageSubject(object_id=requestor),
                assignment_policy=policy_m.AccessPackageAssignmentPolicy(id=direct.id),
                access_package=ap.AccessPackage(id=package.id),
                schedule=schedule_m.EntitlementManagementSchedule(start_date_time=None))))
        # api-reference/v1.0/api/entitlementmanagement-list-assignments.md
        from msgraph.generated.identity_governance.entitlement_management.assignments.assignments_request_builder import (
            AssignmentsRequestBuilder)
        assignments = await em.assignments.get(_config(AssignmentsRequestBuilder.AssignmentsRequestBuilderGetQueryParameters,
                                                       expand=["target", "accessPackage"]))
        return package, scope, policy, request, assignments

    package, scope, policy, request, assignments = _run(scenario())
    assert scope.id and "_" in scope.id  # roleId_scopeId, as the page's 201 shows
    assert policy.expiration.duration is not None and policy.request_approval_settings.stages[0].primary_approvers
    assert policy.questions[0].text == "Why do you need it?"
    assert request.request_type == AccessPackageRequestType.AdminAdd and request.id
    assert [a.target.object_id for a in assignments.value if a.access_package.id == package.id] == [requestor]


def test_global_secure_access_policies_profiles_and_baseline(beta):
    # pylint: disable=import-outside-toplevel
    from msgraph_beta.generated.models.networkaccess import (
        filtering_policy as fp, filtering_policy_action as fpa, filtering_policy_link as link_m,
        filtering_profile as prof_m, fqdn as fqdn_m, fqdn_filtering_rule as rule_m, network_destination_type as ndt,
        status as status_m, web_category as wc, web_category_filtering_rule as wcr)
    na = beta.network_access

    async def scenario():
        # api-reference/beta/api/networkaccess-filteringpolicy-post.md, networkaccess-filteringpolicy-post-policyrules.md
        policy = await na.filtering_policies.post(fp.FilteringPolicy(name="Typed allow AI", action=fpa.FilteringPolicyAction.Allow,
                                                                     description="typed"))
        rules = na.filtering_policies.by_filtering_policy_id(policy.id).policy_rules
        fqdn = await rules.post(rule_m.FqdnFilteringRule(name="chat", rule_type=ndt.NetworkDestinationType.Fqdn,
                                                         destinations=[fqdn_m.Fqdn(value="chat.openai.com")]))
        category = await rules.post(wcr.WebCategoryFilteringRule(
            name="ai", rule_type=ndt.NetworkDestinationType.WebCategory,
            destinations=[wc.WebCategory(name="ArtificialIntelligence")]))
        listed_rules = await rules.get()
        # api-reference/beta/api/networkaccess-filteringprofile-post.md, networkaccess-filteringprofile-post-policies.md
        profile = await na.filtering_profiles.post(prof_m.FilteringProfile(name="Typed profile", priority=321,
                                                                           state=status_m.Status.Enabled, description="typed"))
        link = await na.filtering_profiles.by_filtering_profile_id(profile.id).policies.post(link_m.FilteringPolicyLink(
            priority=100, state=status_m.Status.Enabled, logging_state=status_m.Status.Enabled,
            policy=fp.FilteringPolicy(id=policy.id)))
        links = await na.filtering_profiles.by_filtering_profile_id(profile.id).policies.get()
        # api-reference/beta/api/networkaccess-networkaccessroot-list-filteringprofiles.md: the Baseline profile
        profiles = await na.filtering_profiles.get()
        return policy, fqdn, category, listed_rules, link, links, profiles

    policy, fqdn, category, listed_rules, link, links, profiles = _run(scenario())
    assert {type(r).__name__ for r in listed_rules.value} == {"FqdnFilteringRule", "WebCategoryFilteringRule"}
    assert fqdn.destinations[0].value == "chat.openai.com" and category.destinations[0].name == "ArtificialIntelligence"
    assert link.id and [item.policy.id for item in links.value] == [policy.id]
    assert any(p.name == "Baseline Profile" or p.priority == 65000 for p in profiles.value), [p.name for p in profiles.value]


def test_conditional_access_policy_with_the_filtering_profile_session_control(beta, v1):
    # pylint: disable=import-outside-toplevel
    from msgraph_beta.generated.models import (
        conditional_access_applications as apps_m, conditional_access_client_app as cat_m,
        conditional_access_condition_set as cond_m, conditional_access_policy as cap_m,
        conditional_access_policy_state as state_m, conditional_access_session_controls as sess_m,
        conditional_access_users as users_m, global_secure_access_filtering_profile_session_control as gsa_m)
    from msgraph_beta.generated.models.networkaccess import filtering_profile as prof_m, status as status_m
    from msgraph.generated.models.group import Group

    async def scenario():
        group = await v1.groups.post(Group(display_name="Typed CA group", mail_enabled=False, mail_nickname="typedca",
                                           security_enabled=True))
        profile = await beta.network_access.filtering_profiles.post(prof_m.FilteringProfile(name="Typed CA profile",
                                                                                            priority=322, state=status_m.Status.Enabled))
        # api-reference/beta/api/conditionalaccessroot-post-policies.md (with concepts/tutorial-entra-internet-access.md)
        created = await beta.identity.conditional_access.policies.post(cap_m.ConditionalAccessPolicy(
            display_name="Typed GSA policy", state=state_m.ConditionalAccessPolicyState.Disabled,
            conditions=cond_m.ConditionalAccessConditionSet(
                client_app_types=[cat_m.ConditionalAccessClientApp.All],
                applications=apps_m.ConditionalAccessApplications(include_applications=["All"]),
                users=users_m.ConditionalAccessUsers(include_groups=[group.id])),
            session_controls=sess_m.ConditionalAccessSessionControls(
                global_secure_access_filtering_profile=gsa_m.GlobalSecureAccessFilteringProfileSessionControl(
                    is_enabled=True, profile_id=profile.id))))
        read = await beta.identity.conditional_access.policies.by_conditional_access_policy_id(created.id).get()
        return profile, read

    profile, read = _run(scenario())
    assert read.session_controls.global_secure_access_filtering_profile.profile_id == profile.id
    assert read.conditions.users.include_groups and read.state.value == "disabled"
