# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connection and authentication options of every jitaccess.entra module (pairs with module_utils/_auth.py)."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """Options shared by every module; set them once with module_defaults for group/jitaccess.entra.graph."""

    DOCUMENTATION = r'''
options:
  auth_source:
    description:
      - How to authenticate to Microsoft Graph.
      - V(auto) uses O(access_token) if set, else O(client_secret), else O(client_certificate_path), else
        O(federated_token_file). It never falls back to a managed identity, the Azure CLI or a sign-in on its own.
      - V(device_code) signs a person in with the device code flow, for the modules that act for a user
        (M(jitaccess.entra.access_package_assignment_request), M(jitaccess.entra.access_package_approval)). The
        task shows a URL and a code in the play's output at once (on the terminal, or in the AWX job's output); the
        person opens the URL on any device, enters the code and signs in, and the task goes on. It needs O(tenant_id),
        O(client_id) of the tenant's own public client app registration, O(username) and the token cache; the
        sign-in happens on the controller, which hands the token to the module through the cache. Run these tasks
        on the controller (C(localhost)), as the collection's playbooks do.
      - V(interactive_browser) opens a browser on the machine running the task for the same sign-in; only where a
        browser and a desktop exist (not in AWX or CI).
      - The token of a sign-in names the user; the task fails when another person than O(username) signed in.
      - V(access_token) sends a token you obtained yourself.
      - V(azure_cli) uses the account of C(az login). It suits the admin modules; the Azure CLI's own app cannot
        obtain the Entitlement Management delegated permissions that requests and approvals need, so use
        V(device_code) for those.
      - azure.azcollection's values are accepted with the same meaning, V(cli) for V(azure_cli), V(msi) for
        V(managed_identity) and V(env) for V(auto).
      - Falls back to E(ENTRA_AUTH_SOURCE), then E(ANSIBLE_AZURE_AUTH_SOURCE).
    type: str
    default: auto
    choices: [auto, client_secret, certificate, managed_identity, workload_identity, azure_cli, access_token, device_code,
              interactive_browser, cli, msi, env]
  tenant_id:
    description:
      - Directory (tenant) id of the Entra tenant, a GUID. Falls back to E(AZURE_TENANT_ID), then E(AZURE_TENANT).
      - Every token, whatever its source, is checked against it before the first request to Graph; a token issued for
        another tenant fails the task naming both tenant ids.
    type: str
    aliases: [tenant]
  client_id:
    description:
      - Application (client) id of the app registration, or of a user-assigned managed identity. For
        O(auth_source=device_code) and O(auth_source=interactive_browser), the public client app the person signs
        in to.
      - Falls back to E(AZURE_CLIENT_ID).
    type: str
  client_secret:
    description:
      - Client secret of the app registration. Falls back to E(AZURE_CLIENT_SECRET), then E(AZURE_SECRET). Never
        logged or returned.
    type: str
    aliases: [secret]
  client_secret_env:
    description:
      - Name of an environment variable of the task that holds the client secret, for example
        C(CONTOSO_CLIENT_SECRET); used when O(client_secret) is not set.
      - This gives each tenant of an inventory its own secret without the secret becoming a module argument. Module
        arguments are written to a file under C(~/.ansible/tmp) for as long as the task runs, and stay there when the
        run is interrupted; the environment is not written anywhere.
    type: str
  client_certificate_path:
    description:
      - PEM (or PKCS12) file holding the app's certificate and private key. Falls back to E(AZURE_CLIENT_CERTIFICATE_PATH).
    type: path
  client_certificate_password:
    description:
      - Password of the certificate's private key, if it has one. Falls back to E(AZURE_CLIENT_CERTIFICATE_PASSWORD).
    type: str
  client_certificate_password_env:
    description:
      - Name of an environment variable of the task that holds the certificate's password, for example
        C(CONTOSO_CERTIFICATE_PASSWORD); used when O(client_certificate_password) is not set. See O(client_secret_env)
        for why.
    type: str
  username:
    description:
      - The user (user principal name) who signs in with O(auth_source=device_code) or
        O(auth_source=interactive_browser). The token must name this user, and is cached for this user only, so a
        requester's sign-in is never used for an approver's task.
    type: str
  sign_in_timeout:
    description:
      - Seconds the person has to complete a sign-in of O(auth_source=device_code) or
        O(auth_source=interactive_browser) before the task fails. The token service's own limit (15 minutes for a
        device code) prevails when shorter.
    type: float
    default: 300
  federated_token_file:
    description:
      - File with a federated (workload identity) token, as Kubernetes projects it. Falls back to E(AZURE_FEDERATED_TOKEN_FILE).
    type: path
  access_token:
    description:
      - A bearer token for Microsoft Graph, used as is. Falls back to E(ENTRA_ACCESS_TOKEN). Never logged or returned.
    type: str
  cloud:
    description:
      - National cloud whose token service and Graph host are used, unless O(authority_host) or O(graph_endpoint) are set.
      - azure.azcollection's names are accepted with the same meaning, V(AzureCloud) for V(public),
        V(AzureUSGovernment) for V(usgov) and V(AzureChinaCloud) for V(china).
      - Falls back to E(ENTRA_CLOUD), then E(AZURE_CLOUD_ENVIRONMENT).
    type: str
    default: public
    choices: [public, usgov, china, AzureCloud, AzureUSGovernment, AzureChinaCloud]
    aliases: [cloud_environment]
  authority_host:
    description:
      - Token service base URL, for example C(https://login.microsoftonline.com). Overrides O(cloud).
      - Falls back to E(AZURE_AUTHORITY_HOST).
    type: str
  graph_endpoint:
    description:
      - Microsoft Graph base URL without the version, for example C(https://graph.microsoft.com). Overrides O(cloud).
      - Falls back to E(ENTRA_GRAPH_ENDPOINT).
    type: str
  ca_bundle:
    description:
      - PEM file of certificate authorities to trust for Graph and the token service instead of the system store.
      - Falls back to E(ENTRA_CA_BUNDLE), E(REQUESTS_CA_BUNDLE), then E(SSL_CERT_FILE).
    type: path
  validate_certs:
    description:
      - Whether to validate TLS certificates. Only turn this off against a throwaway test endpoint.
    type: bool
    default: true
  allow_insecure_http:
    description:
      - Allow C(http://) endpoints in O(authority_host) and O(graph_endpoint). Tokens then travel unencrypted.
    type: bool
    default: false
  request_timeout:
    description:
      - Seconds one HTTP request to Graph may take as a whole, connecting, sending and reading the complete answer
        included. A request that takes longer counts as lost and is retried or recovered like a dropped connection.
    type: float
    default: 30
  max_retry_wait:
    description:
      - Upper bound, in seconds, on the total time one call waits while Graph throttles (429) or is unavailable
        (503, 504). The wait honours Graph's C(Retry-After) header. Past the bound the task fails.
    type: float
    default: 120
  consistency_timeout:
    description:
      - Seconds to keep retrying a C(404) on an object this task just created or found, while Entra replicates it.
        A C(400) or C(404) saying that such an object, named in the request, does not exist is retried the same way.
      - An object that an earlier task of this user created less than 15 seconds ago (or O(consistency_timeout), if
        shorter) is waited for too, when a listing or a lookup by name does not show it yet. For that the modules keep
        the ids and names of the objects they create for 15 seconds, in O(token_cache_dir) when it is set, else in
        C(jitaccess.entra/created) under E(XDG_CACHE_HOME) or C(~/.cache).
    type: float
    default: 60
  token_cache:
    description:
      - Reuse a Graph access token across the tasks of a run instead of asking the token service in every task.
      - Tokens are kept until five minutes before they expire in files only their owner can read, under
        O(token_cache_dir), one per credential. The key is a hash of the credential, its secret included, so a
        changed secret never reuses an old token.
      - Each entry records the tenant, object id, app id and user the token was issued to, and is used only when the
        token says the same and its tenant and app are O(tenant_id) and O(client_id).
      - Tokens of O(auth_source=azure_cli) and of a system-assigned managed identity (no O(client_id)) are never
        cached, since the account behind them can change between two tasks; nor are tokens from O(access_token).
      - Turn it off where no access token may be written to disk; every task then loads azure-identity and requests
        a token of its own, which costs time. Tokens from O(access_token) are never cached.
      - Falls back to E(ENTRA_TOKEN_CACHE).
    type: bool
    default: true
  token_cache_dir:
    description:
      - Directory of the token cache, and of the recently created objects (see O(consistency_timeout)). Defaults to
        C(jitaccess.entra/tokens) under E(XDG_CACHE_HOME) or C(~/.cache).
      - It must belong to the user running the task, must not be a symbolic link and must not be writable by group or
        others; the task fails otherwise, since anyone who can write to it could plant a token for another tenant.
      - Falls back to E(ENTRA_TOKEN_CACHE_DIR).
    type: path
requirements:
  - python >= 3.11
  - azure-identity
notes:
  - Every option above can be set once for all modules with C(module_defaults) and the action group
    C(group/jitaccess.entra.graph).
  - "Precedence of each option: the task's argument (or its alias, such as O(tenant) or O(secret)), then the
    environment variables in the order listed, azure-identity's names (E(AZURE_TENANT_ID), E(AZURE_CLIENT_SECRET))
    before azure.azcollection's (E(AZURE_TENANT), E(AZURE_SECRET)), which AWX's built-in Microsoft Azure Resource
    Manager credential injects. O(client_secret_env) and O(client_certificate_password_env) are read only when the
    secret itself is not set."
'''
