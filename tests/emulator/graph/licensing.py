"""Licensing area: the tenant's subscriptions (``GET /subscribedSkus``, v1.0 and beta).

State: ``state.extra["subscribedSkus"]``, a list of subscribedSku objects. A tenant starts with what the collection
needs (ready by default): Microsoft Entra ID P2 (its plans include P1) and the Microsoft Entra Suite add-on (Internet
Access and ID Governance). Tests take plans away with :func:`remove_service_plan`.

SKU part numbers, SKU ids and service plans: entra-docs docs/identity/users/licensing-service-plan-reference.md.
"""

from ..tenant import seeder, stable_id
from .odata import list_response
from .router import route
from .schema import Prop, Schema

# api-reference/v1.0/api/subscribedsku-list.md (permissions include): Organization.Read.All, or the higher
# Directory.Read.All, Directory.ReadWrite.All, Organization.ReadWrite.All.
READ_SKUS = ("Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All")
SKUS = "subscribedSkus"

# skuPartNumber, skuId, ((servicePlanName, servicePlanId), ...), from the licensing service plan reference.
SEED_SKUS = (
    ("AAD_PREMIUM_P2", "84a661c4-e949-4bd2-a560-ed7766fcaf2b", (
        ("AAD_PREMIUM", "41781fb2-bc02-4b7c-bd55-b576c07bb09d"),
        ("AAD_PREMIUM_P2", "eec0eb4f-6444-4f95-aba0-50c24d67f998"),
        ("MFA_PREMIUM", "8a256a2b-b617-496d-b51b-e76466e88db0"),
    )),
    ("Microsoft_Entra_Suite_Step_Up_for_Microsoft_Entra_ID_P2", "2ef3064c-c95c-426c-96dd-9ffeaa2f2c37", (
        ("Entra_Premium_Internet_Access", "8d23cb83-ab07-418f-8517-d7aca77307dc"),
        ("Entra_Premium_Private_Access", "f057aab1-b184-49b2-85c0-881b02a405c5"),
        ("Entra_Identity_Governance", "e866a266-3cff-43a3-acca-0c90a7e00c8b"),
    )),
)

# api-reference/v1.0/resources/subscribedsku.md, serviceplaninfo.md, licenseunitsdetail.md
SERVICE_PLAN = Schema("microsoft.graph.servicePlanInfo", {
    "servicePlanId": Prop("Guid"), "servicePlanName": Prop(), "provisioningStatus": Prop(), "appliesTo": Prop()})
SUBSCRIBED_SKU = Schema("microsoft.graph.subscribedSku", {
    "id": Prop(read_only=True), "accountId": Prop(), "accountName": Prop(), "appliesTo": Prop(), "capabilityStatus": Prop(),
    "consumedUnits": Prop("Int32"), "prepaidUnits": Prop("Any"), "servicePlans": Prop("Object", collection=True, schema=SERVICE_PLAN),
    "skuId": Prop("Guid"), "skuPartNumber": Prop(), "subscriptionIds": Prop(collection=True),
}, resource="SubscribedSku")


@seeder
def seed_skus(state):
    """The licences the collection's features need (see the module docstring)."""
    skus = []
    for part_number, sku_id, plans in SEED_SKUS:
        skus.append({
            # The id of a subscribedSku is the tenant id and the SKU id joined by an underscore (subscribedsku-list.md example).
            "id": f"{state.tenant_id}_{sku_id}", "accountId": state.tenant_id, "accountName": state.display_name,
            "appliesTo": "User", "capabilityStatus": "Enabled", "consumedUnits": 8,
            "prepaidUnits": {"enabled": 25, "suspended": 0, "warning": 0, "lockedOut": 0},
            "servicePlans": [{"servicePlanId": plan_id, "servicePlanName": name, "provisioningStatus": "Success",
                              "appliesTo": "User"} for name, plan_id in plans],
            "skuId": sku_id, "skuPartNumber": part_number,
            "subscriptionIds": [stable_id(state.tenant_id, "subscription", part_number)],
        })
    state.extra[SKUS] = skus


def remove_service_plan(state, plan_name):
    """Take a service plan out of every subscription of the tenant (a test's way to make a tenant unlicensed)."""
    for sku in state.extra.get(SKUS, []):
        sku["servicePlans"] = [plan for plan in sku["servicePlans"] if plan["servicePlanName"] != plan_name]


def has_service_plan(state, *plan_names):
    """True when an enabled subscription of the tenant holds one of ``plan_names`` provisioned."""
    return any(plan["servicePlanName"] in plan_names and plan["provisioningStatus"] == "Success"
               for sku in state.extra.get(SKUS, []) if sku["capabilityStatus"] in ("Enabled", "Warning")
               for plan in sku["servicePlans"])


@route("GET", "/subscribedSkus", permissions=READ_SKUS)
def list_skus(ctx):
    """GET /subscribedSkus; subscribedsku.md: query filter expressions are not supported."""
    skus = ctx.state.extra.get(SKUS, [])
    return list_response(ctx, skus, "subscribedSkus", SUBSCRIBED_SKU, key=skus.index, hide_lagging=False)
