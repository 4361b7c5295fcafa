"""Per-tenant state (object tables, links, apps, credentials) and the seed a new tenant starts with."""

import itertools
import os
import time
import uuid
from dataclasses import dataclass, field

from .tls import ClientCertificate

_ID_NAMESPACE = uuid.UUID("7b0c9a52-3f4e-4f55-9d2e-2a6f1d1c8e01")

# What the emulator's app registrations are granted: application permissions (roles) for app-only tokens and
# delegated permissions (scp) for user tokens asked for with `/.default`.
APP_ROLES = (
    "Directory.Read.All", "User.Read.All", "Group.ReadWrite.All", "GroupMember.ReadWrite.All",
    "EntitlementManagement.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess",
    "NetworkAccess.ReadWrite.All", "NetworkAccessPolicy.ReadWrite.All",
)
DELEGATED_SCOPES = (
    "User.Read", "User.ReadBasic.All", "Directory.Read.All", "Group.ReadWrite.All",
    "EntitlementManagement.ReadWrite.All", "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess",
    "NetworkAccess.ReadWrite.All", "NetworkAccessPolicy.ReadWrite.All",
)

# Directory object tables and the @odata.type their objects carry in directoryObjects responses.
DIRECTORY_TYPES = {
    "users": "#microsoft.graph.user",
    "groups": "#microsoft.graph.group",
    "servicePrincipals": "#microsoft.graph.servicePrincipal",
}

_SEEDERS = []


def seeder(func):
    """Register ``func(state)``: called for every new tenant, in registration order, to add an area's seed objects."""
    _SEEDERS.append(func)
    return func


def stable_id(tenant_id, *parts):
    """A GUID that depends only on the tenant id and ``parts`` (seed objects look the same on every run)."""
    return str(uuid.uuid5(_ID_NAMESPACE, "/".join((tenant_id,) + parts)))


class Table:
    """The objects of one entity set of one tenant, in creation order."""

    def __init__(self, tenant, name):
        self.tenant = tenant
        self.name = name
        self._items = {}

    def add(self, obj):
        """Store ``obj`` (which must carry ``id``), recording its creation for paging order and replication lag."""
        self._items[obj["id"]] = obj
        self.tenant.register(obj["id"])
        return obj

    def get(self, object_id):
        """The object or None; ids compare case-insensitively like GUIDs do in Graph."""
        found = self._items.get(object_id)
        if found is None and isinstance(object_id, str):
            found = self._items.get(object_id.lower())
        return found

    def remove(self, object_id):
        """Delete the object and every link that points at it or hangs off it."""
        obj = self._items.pop(object_id, None)
        if obj is not None:
            self.tenant.forget(object_id)
        return obj

    def values(self):
        """Objects in creation order."""
        return list(self._items.values())

    def __contains__(self, object_id):
        return self.get(object_id) is not None

    def __len__(self):
        return len(self._items)


class TenantState:  # pylint: disable=too-many-instance-attributes
    """Everything one tenant holds. Callers hold the emulator lock while they read or change it."""

    def __init__(self, tenant_id, now):
        self.tenant_id = tenant_id
        self.now = now
        self.domain = f"contoso-{tenant_id[:8]}.onmicrosoft.com"
        self.display_name = f"Contoso {tenant_id[:8]}"
        self.apps = {}
        self.passwords = {}
        self.managers = {}
        self.writes = 0
        self.extra = {}
        self._tables = {}
        self._links = {}
        self._meta = {}
        self._seq = itertools.count(1)

    def table(self, name):
        """The :class:`Table` for entity set ``name``, created on first use."""
        if name not in self._tables:
            self._tables[name] = Table(self, name)
        return self._tables[name]

    def links(self, relation, owner_id):
        """Ordered ``{target id: sequence}`` of a many-valued reference (e.g. ``links("members", group_id)``)."""
        return self._links.setdefault((relation, owner_id), {})

    def link(self, relation, owner_id, target_id):
        """Add ``target_id`` to a reference collection; returns False when it was already there."""
        targets = self.links(relation, owner_id)
        if target_id in targets:
            return False
        targets[target_id] = next(self._seq)
        return True

    def register(self, object_id):
        """Record creation order and wall-clock creation time (replication lag is measured on the wall clock)."""
        self._meta[object_id] = (next(self._seq), time.time())

    def seq(self, object_id):
        """Creation sequence number, the stable key pages are cut on."""
        return self._meta.get(object_id, (0, 0.0))[0]

    def created_wall(self, object_id):
        """Wall-clock epoch at which the object was stored, or None for unknown ids."""
        meta = self._meta.get(object_id)
        return meta[1] if meta else None

    def forget(self, object_id):
        """Drop the links from and to a deleted object."""
        for key in list(self._links):
            if key[1] == object_id:
                del self._links[key]
            else:
                self._links[key].pop(object_id, None)
        self.managers.pop(object_id, None)
        for user_id, manager_id in list(self.managers.items()):
            if manager_id == object_id:
                del self.managers[user_id]
        self.passwords.pop(object_id, None)
        self._meta.pop(object_id, None)

    def directory_object(self, object_id):
        """``(odata_type, object)`` for a user, group or service principal id, else ``(None, None)``."""
        for name, odata_type in DIRECTORY_TYPES.items():
            obj = self.table(name).get(object_id)
            if obj is not None:
                return odata_type, obj
        return None, None

    def find_user(self, key):
        """A user by object id or (case-insensitive) user principal name."""
        user = self.table("users").get(key)
        if user is None and isinstance(key, str) and "@" in key:
            wanted = key.lower()
            user = next((u for u in self.table("users").values() if u["userPrincipalName"].lower() == wanted), None)
        return user

    def app_by_sp(self, sp_id):
        """The app registration whose service principal has object id ``sp_id``."""
        return next((app for app in self.apps.values() if app["sp_id"] == sp_id), None)


@dataclass
class TenantInfo:
    """What a test (or the demo inventory) needs to talk to one emulated tenant."""

    tenant_id: str
    client_id: str
    client_secret: str
    cert_client_id: str
    cert_path: str
    users: dict = field(default_factory=dict)
    domain: str = ""

    def to_dict(self):
        """The JSON shape written to emulator.json."""
        return {
            "tenant_id": self.tenant_id, "client_id": self.client_id, "client_secret": self.client_secret,
            "cert_client_id": self.cert_client_id, "cert_path": self.cert_path, "users": self.users,
            "domain": self.domain,
        }


def _add_app(state, client_id, display_name, secret=None, cert=None):
    sp_id = stable_id(state.tenant_id, "sp", client_id)
    state.apps[client_id] = {
        "client_id": client_id, "display_name": display_name, "secret": secret, "cert": cert,
        "roles": list(APP_ROLES), "scopes": list(DELEGATED_SCOPES), "public_client": True, "sp_id": sp_id,
    }
    state.table("servicePrincipals").add({
        "id": sp_id, "appId": client_id, "displayName": display_name, "servicePrincipalType": "Application",
        "accountEnabled": True,
    })


def create_tenant(tenant_id, now, cert_dir):
    """Build and seed a tenant; returns ``(state, info)``."""
    state = TenantState(tenant_id, now)
    client_id = stable_id(tenant_id, "app", "automation")
    secret = "emu~" + os.urandom(24).hex()
    _add_app(state, client_id, "jitaccess automation (secret)", secret=secret)
    cert_client_id = stable_id(tenant_id, "app", "automation-cert")
    cert = ClientCertificate(f"jitaccess automation {tenant_id[:8]}")
    cert_path = cert.write(os.path.join(cert_dir, f"{tenant_id}-app.pem"))
    _add_app(state, cert_client_id, "jitaccess automation (certificate)", cert=cert)
    for func in _SEEDERS:
        func(state)
    users = {}
    for user in state.table("users").values():
        manager_id = state.managers.get(user["id"])
        manager = state.table("users").get(manager_id) if manager_id else None
        users[user["userPrincipalName"]] = {
            "id": user["id"], "password": state.passwords.get(user["id"]),
            "manager_upn": manager["userPrincipalName"] if manager else None,
        }
    info = TenantInfo(tenant_id=tenant_id, client_id=client_id, client_secret=secret, cert_client_id=cert_client_id,
                      cert_path=cert_path, users=users, domain=state.domain)
    return state, info
