//! Authentication and authorization.
//!
//! * [`tokens`]: JWT access tokens (HS256) and opaque refresh tokens stored hashed.
//! * [`Caller`] / [`MaybeCaller`]: extractors; `Caller` answers 401 without a valid token.
//!   What a caller may do is decided in [`crate::access`], not here.

pub mod tokens;

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};

use crate::access::{Caller, Grant};
use crate::error::ApiError;
use crate::state::AppState;

type CallerFuture<T> = Pin<Box<dyn Future<Output = Result<T, ApiError>>>>;

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = CallerFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            match token? {
                None => Err(ApiError::Unauthorized(
                    "send an access token as `Authorization: Bearer <token>`".into(),
                )),
                Some(token) => authenticate(&state, &token).await,
            }
        })
    }
}

/// The caller when a token was sent, `None` for anonymous requests. A token that is sent
/// but invalid is still a 401: a client must learn its token has expired.
pub struct MaybeCaller(pub Option<Caller>);

impl FromRequest for MaybeCaller {
    type Error = ApiError;
    type Future = CallerFuture<Self>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let token = bearer_token(req);
        let state = req.app_data::<web::Data<AppState>>().cloned();
        Box::pin(async move {
            let state = state.ok_or_else(|| anyhow::anyhow!("application state missing"))?;
            match token? {
                None => Ok(MaybeCaller(None)),
                Some(token) => Ok(MaybeCaller(Some(authenticate(&state, &token).await?))),
            }
        })
    }
}

/// The bearer token of a request, if one was sent; a malformed `Authorization` header is
/// a 401.
pub fn bearer_token(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not readable".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(ApiError::Unauthorized(
            "the Authorization header must be `Bearer <token>`".into(),
        )),
    }
}

/// The user id of the request's access token when it is valid, without reading the user:
/// the idempotency layer keys stored answers by it (the handler still authenticates).
pub fn token_user(state: &AppState, req: &HttpRequest) -> Option<i32> {
    let token = bearer_token(req).ok()??;
    state.tokens.verify_access(&token).ok()?.sub.parse().ok()
}

async fn authenticate(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    let claims = state.tokens.verify_access(token)?;
    let user_id: i32 = claims
        .sub
        .parse()
        .map_err(|_| ApiError::Unauthorized("the token's subject is not a user".into()))?;
    let user = state
        .signed_in
        .get(&state.db, user_id)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("the token's user no longer exists".into()))?;
    // Tokens from before a password change or a logout stop at once. `iat` has whole
    // seconds, and the instant is stored truncated to its second, so a token issued in
    // that same second, just before, still passes (documented in README, Security).
    if user
        .tokens_valid_after
        .is_some_and(|after| claims.iat < after.timestamp())
    {
        return Err(ApiError::Unauthorized(
            "this access token was issued before a logout or a password change; log in again"
                .into(),
        ));
    }
    let grant = Grant::new(user.role, user.scope.as_deref())
        .map_err(|e| anyhow::anyhow!("user {} has an inconsistent grant: {e}", user.id))?;
    let caller = Caller {
        user_id: user.id,
        username: user.username.clone(),
        grant,
        granted_in: user.scope_province.clone(),
    };
    crate::services::audit::set_actor(&caller);
    Ok(caller)
}
