//! The OpenAPI 3 document, assembled from the handlers' own annotations by utoipa, so it
//! cannot drift from the routes.
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ponte API",
        description = "Scheduling and dispatch of cultural-linguistic mediators. Errors are RFC 9457 problem+json with an `errors` map from field to message.",
        license(name = "EUPL-1.2")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(super::error::Problem))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
