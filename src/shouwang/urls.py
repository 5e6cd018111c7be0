from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from shouwang.childcare.views import public_childcare
from shouwang.core.api import build_api
from shouwang.inspections.views import public_results as public_inspections
from shouwang.pilots.views import public_notice as public_pilots
from shouwang.providers import public_views
from shouwang.web import views as web_views

api = build_api()

urlpatterns = [
    path("", include("shouwang.web.urls")),
    path("accounts/", include("shouwang.accounts.urls")),
    path("regions/", include("shouwang.regions.urls")),
    path("elders/", include("shouwang.elders.urls")),
    path("assessments/", include("shouwang.assessments.urls")),
    path("providers/", include("shouwang.providers.urls")),
    path("public/providers/", public_views.public_providers, name="public_providers"),
    path("public/providers/apply/", public_views.public_apply, name="public_apply"),
    path("public/childcare/", public_childcare, name="public_childcare"),
    path("childcare/", include("shouwang.childcare.urls")),
    path("public/pilots/", public_pilots, name="public_pilots"),
    path("pilots/", include("shouwang.pilots.urls")),
    path("public/inspections/", public_inspections, name="public_inspections"),
    path("inspections/", include("shouwang.inspections.urls")),
    path("catalog/", include("shouwang.catalog.urls")),
    path("orders/", include("shouwang.orders.urls")),
    path("alarms/", include("shouwang.alarms.urls")),
    path("benefits/", include("shouwang.benefits.urls")),
    path("portal/", include("shouwang.portal.urls")),
    path("hotline/", include("shouwang.hotline.urls")),
    path("visits/", include("shouwang.visits.urls")),
    path("facilities/", include("shouwang.facilities.urls")),
    path("routes/", include("shouwang.routes.urls")),
    path("homecare/", include("shouwang.homecare.urls")),
    path("health/", include("shouwang.health.urls")),
    path("fhir/r4/", include("shouwang.health.fhir_urls")),
    path("audit/", include("shouwang.core.urls")),
    path("demo/", include("shouwang.demo.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("healthz", web_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

handler403 = "shouwang.web.views.forbidden"
handler400 = "shouwang.web.views.bad_request"
handler404 = "shouwang.web.views.not_found"
handler500 = "shouwang.web.views.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
