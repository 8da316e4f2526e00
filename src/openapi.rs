//! The base of the OpenAPI document; paths and schemas are collected from the handlers by
//! utoipa-actix-web (see `startup::openapi_document`).
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ntm-api",
        description = "API of the National Target Programme on New Rural Development \
(Chương trình MTQG xây dựng nông thôn mới): administrative units, criteria, assessments, \
recognitions, sponsorships, reports and sync.\n\n\
Authenticate with `POST /api/v1/auth/token`, then press **Authorize** and paste the \
`access_token`. Errors are RFC 9457 `application/problem+json`. Lists take `page` and \
`per_page` (default 50, at most 500). `q` parameters ignore diacritics.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server: paths start at its root (`/api/v1/…`, `/health`)")),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, FieldError, crate::services::recognitions::CurrentLevel),
        responses(
            responses::BadRequest,
            responses::Unauthorized,
            responses::Forbidden,
            responses::NotFound,
            responses::Conflict,
            responses::PreconditionFailed,
            responses::Unprocessable,
            responses::PayloadTooLarge,
            responses::UnsupportedMediaType,
            responses::RangeNotSatisfiable,
            responses::TooManyRequests,
            responses::Unavailable,
            responses::InternalError,
        )
    ),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Tokens: access (15 minutes) and refresh (30 days, rotated)"),
        (name = "users", description = "Users and their roles"),
        (name = "documents", description = "Dossiers (hồ sơ): the documents behind an assessment, a recognition, a registration and a sponsorship activity"),
        (name = "units", description = "Administrative units (provinces, districts, communes, villages), versioned across the 2025-07-01 reform"),
        (name = "assessments", description = "Assessments of units against criteria versions (\"đạt 12/20 tiêu chí\") and their review → appraisal workflow"),
        (name = "recognitions", description = "Recognition decisions (quyết định công nhận), revocations (thu hồi) and each commune's current level"),
        (name = "registrations", description = "Registrations to reach a level in a target year (đăng ký đạt chuẩn)"),
        (name = "reports", description = "Progress reports for a province, a district or the nation, in JSON or CSV"),
        (name = "sponsorships", description = "Sponsoring agencies (đơn vị đỡ đầu), their sponsorships of communes and activities"),
        (name = "sync", description = "For provincial systems: the change feed, and batch upserts by natural key answered per item (207)"),
        (name = "audit", description = "The audit trail: every write and security event, who made it, when, from where and what changed"),
        (name = "criteria", description = "Criteria sets (bộ tiêu chí) and their versions: legal basis, criteria, indicators, thresholds by region, commune group and year"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("An access token from POST /api/v1/auth/token"))
                    .build(),
            ),
        );
    }
}

/// Reusable problem responses, referenced by the handlers' `#[utoipa::path]`.
#[allow(dead_code)] // the types exist to describe responses
pub mod responses {
    use utoipa::ToResponse;

    use crate::error::Problem;

    /// The request could not be read: malformed JSON, an unreadable header, or a path
    /// parameter of the wrong type (e.g. an id beyond 2147483647).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct BadRequest(Problem);

    /// No token, or an invalid, expired or revoked one.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Unauthorized(Problem);

    /// The caller's role or scope does not allow this.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Forbidden(Problem);

    /// The resource does not exist.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct NotFound(Problem);

    /// The request conflicts with current data (duplicate key, still referenced, wrong state).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Conflict(Problem);

    /// `If-Match` names an ETag that is no longer current.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct PreconditionFailed(Problem);

    /// Invalid fields, listed in `errors` with their paths.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Unprocessable(Problem);

    /// The request body is larger than the limit.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct PayloadTooLarge(Problem);

    /// The request body is not JSON.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct UnsupportedMediaType(Problem);

    /// The `Range` asked for lies outside the content; `Content-Range: bytes */size` gives
    /// its length.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct RangeNotSatisfiable(Problem);

    /// Too many failed logins; the `Retry-After` header says after how many seconds to retry.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct TooManyRequests(Problem);

    /// The database cannot be reached; retry later.
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct Unavailable(Problem);

    /// An unexpected error; it is logged with the request id (`x-request-id`).
    #[derive(ToResponse)]
    #[response(content_type = "application/problem+json")]
    pub struct InternalError(Problem);
}

/// Adds what every operation can answer: 500 and 503 everywhere, 413 and 415 where a body
/// is read, and 400 where a body or query is parsed. Keeps the handlers' annotations to
/// what is particular to each.
pub fn add_common_responses(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::RefOr;
    for (path, item) in doc.paths.paths.iter_mut() {
        if path == "/health" {
            continue;
        }
        for op in operations_mut(item) {
            let has_body = op.request_body.is_some();
            let params = op.parameters.as_deref().unwrap_or_default();
            use utoipa::openapi::path::ParameterIn;
            let has_path = params
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Path)));
            let has_query = params
                .iter()
                .any(|p| matches!(p, RefOr::T(p) if matches!(p.parameter_in, ParameterIn::Query)));
            let takes_if_match = takes_header(op, "If-Match");
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, name: &str| {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| response_ref(name));
            };
            add("500", "InternalError");
            add("503", "Unavailable");
            if takes_if_match {
                add("422", "Unprocessable");
            }
            if has_path {
                add("400", "BadRequest");
            }
            if has_query {
                add("422", "Unprocessable");
            }
            if has_body {
                add("400", "BadRequest");
                add("413", "PayloadTooLarge");
                add("415", "UnsupportedMediaType");
                add("422", "Unprocessable");
            }
        }
    }
}

/// What every operation must carry for validators and client generators, filled in where
/// the handlers' annotations leave it implicit:
/// - a description on each inline response (utoipa leaves a 2xx with a body undescribed);
/// - `security` on every operation: `[{}]` (no token) on the few public ones that declare
///   none (health, tokens);
/// - no schema that nothing refers to (generic bodies inline their items).
pub fn finish(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::security::SecurityRequirement;
    use utoipa::openapi::RefOr;
    for (path, item) in doc.paths.paths.iter_mut() {
        if path.starts_with("/api/") {
            if let Some(get) = item.get.as_mut() {
                document_conditional_read(get);
            }
            if let (Some(post), false) = (item.post.as_mut(), path.starts_with("/api/v1/auth/")) {
                document_idempotency_key(post);
            }
        }
        let public_api = path.starts_with("/api/");
        for op in operations_mut(item) {
            if public_api {
                document_accept_language(op);
            }
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(response) = response {
                    if response.description.trim().is_empty() {
                        response.description = describe_status(status).to_string();
                    }
                }
            }
            if op.security.as_ref().is_none_or(Vec::is_empty) {
                op.security = Some(vec![SecurityRequirement::default()]);
            }
        }
    }
    drop_unreferenced_schemas(doc);
    forbid_nul_in_text(doc);
    link_created_resources(doc);
}

/// OpenAPI links from each `201` to what can be done with the resource it created: the
/// operations on `{collection}/{id}` (or `{code}`) and below it, with the path parameter
/// taken from the body and `If-Match` from the `ETag`. Generated clients and stateful
/// testers (schemathesis) follow them.
fn link_created_resources(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::link::LinkBuilder;
    use utoipa::openapi::RefOr;
    // (path, path parameter, operationId, whether it takes If-Match)
    let mut targets: Vec<(String, String, String, bool)> = Vec::new();
    for (path, item) in &doc.paths.paths {
        let Some(param) = path
            .rsplit('/')
            .find(|s| s.starts_with('{'))
            .map(|s| s.trim_matches(|c| c == '{' || c == '}').to_string())
        else {
            continue;
        };
        for op in operations(item) {
            if let Some(id) = op.operation_id.clone() {
                targets.push((
                    path.clone(),
                    param.clone(),
                    id,
                    takes_header(op, "If-Match"),
                ));
            }
        }
    }
    for (path, item) in doc.paths.paths.iter_mut() {
        let Some(RefOr::T(created)) = item
            .post
            .as_mut()
            .and_then(|post| post.responses.responses.get_mut("201"))
        else {
            continue;
        };
        // Two creations live below another resource: a commune's villages are served at
        // `/villages/{code}`, a version's revisions at `/criteria-versions/{id}`.
        let collection = if path.ends_with("/{code}/villages") {
            "/api/v1/villages".to_string()
        } else if path.ends_with("/{id}/revisions") {
            "/api/v1/criteria-versions".to_string()
        } else {
            path.clone()
        };
        for (target, param, operation_id, takes_if_match) in &targets {
            let Some(rest) = target.strip_prefix(&format!("{collection}/")) else {
                continue;
            };
            if !rest.starts_with(&format!("{{{param}}}")) {
                continue;
            }
            let mut link = LinkBuilder::new()
                .operation_id(operation_id)
                .parameter(param, format!("$response.body#/{param}"));
            if *takes_if_match {
                link = link.parameter("header.If-Match", "$response.header.ETag");
            }
            created
                .links
                .insert(operation_id.clone(), RefOr::T(link.build()));
        }
    }
}

/// The pattern of free text: anything but NUL, which no database stores as text (the server
/// refuses it with a 422 naming the field; see `decode::UNSTORABLE`).
pub const TEXT_PATTERN: &str = "^[^\\u0000]*$";

/// The form of the headers the server reads: an entity tag or `*` (RFC 9110 section 8.8.3),
/// a key of visible ASCII.
fn header_pattern(name: &str) -> Option<&'static str> {
    match name {
        "If-Match" => Some(r#"^(\*|(W/)?"[!#-~]*"(\s*,\s*(W/)?"[!#-~]*")*)$"#),
        "Idempotency-Key" => Some("^[!-~]{1,200}$"),
        _ => None,
    }
}

/// Gives every free-text string (no pattern, format or enum of its own) [`TEXT_PATTERN`], in
/// schemas, parameters and bodies, so that generated data and clients know the rule.
fn forbid_nul_in_text(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    fn walk(schema: &mut RefOr<Schema>) {
        let RefOr::T(schema) = schema else { return };
        match schema {
            Schema::Object(object) => {
                let is_text = match &object.schema_type {
                    SchemaType::Type(Type::String) => true,
                    SchemaType::Array(types) => types.contains(&Type::String),
                    _ => false,
                };
                if is_text
                    && object.pattern.is_none()
                    && object.format.is_none()
                    && object.enum_values.is_none()
                {
                    object.pattern = Some(TEXT_PATTERN.to_string());
                }
                object.properties.values_mut().for_each(walk);
                if let Some(AdditionalProperties::RefOr(inner)) =
                    object.additional_properties.as_deref_mut()
                {
                    walk(inner);
                }
            }
            Schema::Array(array) => {
                if let ArrayItems::RefOrSchema(items) = &mut array.items {
                    walk(items);
                }
            }
            Schema::OneOf(one) => one.items.iter_mut().for_each(walk),
            Schema::AllOf(all) => all.items.iter_mut().for_each(walk),
            Schema::AnyOf(any) => any.items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(components) = doc.components.as_mut() {
        components.schemas.values_mut().for_each(walk);
    }
    for item in doc.paths.paths.values_mut() {
        for op in operations_mut(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                if let RefOr::T(parameter) = parameter {
                    if let Some(pattern) = header_pattern(&parameter.name) {
                        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut() {
                            // An absent header is `required: false`, not a null value.
                            object.schema_type = SchemaType::Type(Type::String);
                            object.pattern = Some(pattern.to_string());
                        }
                    }
                    if let Some(schema) = parameter.schema.as_mut() {
                        walk(schema);
                    }
                }
            }
            if let Some(RefOr::T(body)) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let RefOr::T(content) = content {
                        if let Some(schema) = content.schema.as_mut() {
                            walk(schema);
                        }
                    }
                }
            }
            for response in op.responses.responses.values_mut() {
                if let RefOr::T(response) = response {
                    for content in response.content.values_mut() {
                        if let RefOr::T(content) = content {
                            if let Some(schema) = content.schema.as_mut() {
                                walk(schema);
                            }
                        }
                    }
                }
            }
        }
    }
}

/// What `conditional::middleware` adds to every `GET` under `/api`: `If-None-Match`, the
/// 304 answer, and the `ETag` and `Cache-Control` of the 200.
fn document_conditional_read(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, ResponseBuilder};
    let text = || ObjectBuilder::new().schema_type(Type::String);
    let etag = || {
        HeaderBuilder::new()
            .schema(Some(text()))
            .description(Some(
                "The version of this answer: send it back as `If-None-Match` to get a 304 \
                 when nothing changed (and, for a single resource, as `If-Match` to edit it)",
            ))
            .build()
    };
    let cache_control = HeaderBuilder::new()
        .schema(Some(text()))
        .description(Some(
            "`public, max-age=300` on anonymous reads (reusable for 5 minutes, then \
             revalidated); `private, no-cache` on signed-in reads (revalidate every time)",
        ))
        .build();
    add_optional_header(
        op,
        "If-None-Match",
        "ETags of copies the client holds (`*` for any); a current one answers 304 with no \
         body",
        text(),
    );
    let responses = &mut op.responses.responses;
    if let Some(RefOr::T(ok)) = responses.get_mut("200") {
        ok.headers
            .entry("ETag".into())
            .or_insert_with(|| RefOr::T(etag()));
        ok.headers
            .entry("Cache-Control".into())
            .or_insert_with(|| RefOr::T(cache_control.clone()));
    }
    responses.insert(
        "304".into(),
        RefOr::T(
            ResponseBuilder::new()
                .description(describe_status("304"))
                .header("ETag", etag())
                .header("Cache-Control", cache_control)
                .build(),
        ),
    );
}

/// What `language::middleware` reads on every operation.
fn document_accept_language(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    add_optional_header(
        op,
        "Accept-Language",
        "`vi` for error titles, details and messages in Vietnamese (English is the default); \
         problem types, fields and codes never change with the language",
        ObjectBuilder::new()
            .schema_type(Type::String)
            .examples(["vi", "vi-VN,vi;q=0.9,en;q=0.5"]),
    );
}

/// What `idempotency::middleware` reads on every `POST` but the token endpoints.
fn document_idempotency_key(op: &mut utoipa::openapi::path::Operation) {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    add_optional_header(
        op,
        "Idempotency-Key",
        "A key of the client's choosing (1 to 200 visible ASCII characters) that makes a retry \
         safe: for 24 hours the same key and body answer the first answer again \
         (`Idempotency-Replayed: true`) instead of acting twice; the same key with another \
         body is a 422. Keys are per user.",
        ObjectBuilder::new().schema_type(Type::String),
    );
    // A key reused with another body is a 422; a replay whose answer was too large to
    // keep is a 409 (see `idempotency`).
    let responses = &mut op.responses.responses;
    responses
        .entry("422".into())
        .or_insert_with(|| response_ref("Unprocessable"));
    responses
        .entry("409".into())
        .or_insert_with(|| response_ref("Conflict"));
}

/// The operations of a path, in a fixed order (GET, POST, PUT, PATCH, DELETE).
fn operations(item: &PathItem) -> impl Iterator<Item = &Operation> {
    [
        item.get.as_ref(),
        item.post.as_ref(),
        item.put.as_ref(),
        item.patch.as_ref(),
        item.delete.as_ref(),
    ]
    .into_iter()
    .flatten()
}

/// [`operations`], to change them.
fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

/// Whether `op` declares the header parameter `name`.
fn takes_header(op: &Operation, name: &str) -> bool {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::RefOr;
    op.parameters.iter().flatten().any(|p| {
        matches!(p, RefOr::T(p) if p.name == name && matches!(p.parameter_in, ParameterIn::Header))
    })
}

/// Declares an optional header parameter on `op`.
fn add_optional_header(
    op: &mut Operation,
    name: &str,
    description: &str,
    schema: utoipa::openapi::schema::ObjectBuilder,
) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::Required;
    op.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(description))
            .schema(Some(schema))
            .build()
            .into(),
    );
}

/// A reference to one of the shared responses of [`ApiDoc`] (`#/components/responses/…`).
fn response_ref(name: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    utoipa::openapi::RefOr::Ref(utoipa::openapi::Ref::from_response_name(name))
}

/// The description of a success response whose handler gives none.
fn describe_status(status: &str) -> &'static str {
    match status {
        "200" => "Success: the resource, list or result described by the schema",
        "201" => "Created: `Location` names the new resource and `ETag` its version",
        "204" => "Done; no content",
        "207" => "One result per item, in the order sent (see `results`)",
        "304" => "Not modified: the copy named by `If-None-Match` is current",
        _ => "See the schema",
    }
}

/// Removes component schemas that no `$ref` reaches (repeated, since a removed schema may
/// have been the only one referring to another).
fn drop_unreferenced_schemas(doc: &mut utoipa::openapi::OpenApi) {
    loop {
        let text = serde_json::to_string(&*doc).unwrap_or_default();
        let Some(components) = doc.components.as_mut() else {
            return;
        };
        let unused: Vec<String> = components
            .schemas
            .keys()
            .filter(|name| !text.contains(&format!("\"#/components/schemas/{name}\"")))
            .cloned()
            .collect();
        if unused.is_empty() {
            return;
        }
        for name in unused {
            components.schemas.remove(&name);
        }
    }
}
