# -*- coding: utf-8 -*-
# Copyright: jitaccess.entra contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Spec of an Entitlement Management catalog (v1.0 ``/identityGovernance/entitlementManagement/catalogs``).

Internal use only: this file is not part of the collection's public API and may change without notice.
"""

from __future__ import annotations

from ansible_collections.jitaccess.entra.plugins.module_utils._entitlement import CATALOGS
from ansible_collections.jitaccess.entra.plugins.module_utils._fields import Field
from ansible_collections.jitaccess.entra.plugins.module_utils._lifecycle import InfoSpec
from ansible_collections.jitaccess.entra.plugins.module_utils._references import ResourceError
from ansible_collections.jitaccess.entra.plugins.module_utils._resource_spec import ResourceSpec


class CatalogSpec(ResourceSpec):
    noun = 'catalog'
    path = CATALOGS
    slots = {}
    # The defaults are what Graph sets when the create body leaves them out, so check mode predicts the created catalog.
    fields = (
        Field('display_name', 'displayName', required=True),
        Field('description', 'description'),
        Field('is_externally_visible', 'isExternallyVisible', default=True),
        # The module's own state is present/absent; the catalog's Graph state (published or not) is catalog_state.
        Field('catalog_state', 'state', default='published'),
        Field('catalog_type', 'catalogType', read_only=True),
    )
    argument_spec = dict(
        display_name=dict(type='str'),
        id=dict(type='str'),
        description=dict(type='str'),
        is_externally_visible=dict(type='bool'),
        catalog_state=dict(type='str', choices=['published', 'unpublished']),
    )
    required_one_of = (('display_name', 'id'),)
    name_max_length = 256

    def update(self, ctx, obj, before, after):
        if obj.get('catalogType') not in (None, 'userManaged'):
            raise ResourceError('catalog %r is built in (%s); Entra does not let it be changed' % (obj.get('displayName'), obj.get('catalogType')))
        super().update(ctx, obj, before, after)

    def check_delete(self, ctx, obj):
        if obj.get('catalogType') not in (None, 'userManaged'):
            raise ResourceError('catalog %r is built in (%s) and cannot be deleted' % (obj.get('displayName'), obj.get('catalogType')))
        packages = ctx.client.list('%s/%s/accessPackages' % (CATALOGS, obj['id']), params={'$select': 'id,displayName'},
                                   action='listing the access packages of catalog %r' % obj.get('displayName'))
        if packages:
            raise ResourceError('catalog %r still holds %d access package(s) (%s); delete them first' % (
                obj.get('displayName'), len(packages), ', '.join(sorted(p['displayName'] for p in packages))))


# ---- access_package_catalog_info: the listing ------------------------------------------------------------------------

class CatalogInfoSpec(InfoSpec, CatalogSpec):
    plural = 'catalogs'
