"""Helpers shared by the emulator tests: a small Graph client and seed-data lookups."""

import functools
import ssl

import httpx


@functools.lru_cache(maxsize=None)
def _context(ca_path):
    return ssl.create_default_context(cafile=ca_path)


def tls(emu):
    """An SSL context trusting the emulator's CA (httpx's ``verify=``)."""
    return _context(emu.ca_path)


class Graph:
    """httpx against one tenant's Graph with a bearer token; paths are relative to the version root."""

    def __init__(self, emu, token, version="v1.0"):
        self.emulator = emu
        self.root = f"{emu.base_url}/{version}"
        self.client = httpx.Client(verify=tls(emu), timeout=10, headers={"Authorization": f"Bearer {token}"})

    def request(self, method, path, **kwargs):
        """Send ``method`` to ``path`` (relative, or an absolute nextLink)."""
        url = path if path.startswith("https://") else self.root + path
        return self.client.request(method, url, **kwargs)

    def get(self, path, **kwargs):
        """GET."""
        return self.request("GET", path, **kwargs)

    def post(self, path, body=None, **kwargs):
        """POST JSON."""
        return self.request("POST", path, json=body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        """PATCH JSON."""
        return self.request("PATCH", path, json=body, **kwargs)

    def delete(self, path, **kwargs):
        """DELETE."""
        return self.request("DELETE", path, **kwargs)

    def create_group(self, name, nickname=None, **extra):
        """POST /groups with the required properties; returns the created JSON (asserts 201)."""
        body = {"displayName": name, "mailEnabled": False, "mailNickname": nickname or name.replace(" ", "").lower()[:60],
                "securityEnabled": True, **extra}
        response = self.post("/groups", body)
        assert response.status_code == 201, response.text
        return response.json()

    def close(self):
        """Close the connection pool."""
        self.client.close()


def upn(tenant_info, nickname):
    """The seeded user principal name of ``nickname`` in a tenant."""
    return f"{nickname}@{tenant_info.domain}"
