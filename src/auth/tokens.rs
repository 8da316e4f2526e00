//! Access tokens (JWT, HS256, 15 minutes) and refresh tokens (random, 30 days, stored as
//! their SHA-256, rotated on every use).
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

pub const ACCESS_TOKEN_SECONDS: i64 = 15 * 60;
/// The shortest signing secret accepted: HS256 keys shorter than its 32-byte output fall to
/// an offline guess.
pub const MIN_SECRET_BYTES: usize = 32;
/// `iss` of every access token: who signed it.
pub const ISSUER: &str = "ntm-api";
/// `aud` of every access token: what it is for (this API, version 1).
pub const AUDIENCE: &str = "ntm-api/v1";

/// Refuses a signing secret shorter than [`MIN_SECRET_BYTES`].
pub fn check_secret(secret: &[u8]) -> Result<(), String> {
    if secret.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "NTM_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (it has {}); make one with \
             `head -c 48 /dev/urandom | base64`",
            secret.len()
        ));
    }
    Ok(())
}

/// Claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    pub role: String,
    pub scope: Option<String>,
    /// [`ISSUER`].
    pub iss: String,
    /// [`AUDIENCE`].
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
}

/// Signs and verifies access tokens with one HMAC secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl TokenKeys {
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        }
    }

    pub fn issue_access(
        &self,
        user_id: i32,
        role: &str,
        scope: Option<&str>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<String> {
        let claims = Claims {
            sub: user_id.to_string(),
            role: role.to_string(),
            scope: scope.map(str::to_string),
            iss: ISSUER.to_string(),
            aud: AUDIENCE.to_string(),
            iat: now.timestamp(),
            exp: (now + Duration::seconds(ACCESS_TOKEN_SECONDS)).timestamp(),
        };
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    /// Verifies signature, algorithm (HS256 only: `alg: none` and others are refused) and
    /// expiry.
    pub fn verify_access(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the access token has expired; refresh it",
                    ErrorKind::InvalidSignature => "the access token's signature is not valid",
                    ErrorKind::InvalidAlgorithm => "the access token's algorithm is not accepted",
                    ErrorKind::InvalidIssuer | ErrorKind::InvalidAudience => {
                        "the access token was not issued for this API"
                    }
                    _ => "the access token is not valid",
                };
                ApiError::Unauthorized(why.to_string())
            })
    }
}

/// A new random refresh token (what the client keeps) and its hash (what is stored).
pub fn new_refresh_token() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

pub fn hash_refresh_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A random secret for signing when none is configured (tokens then die with the process).
pub fn random_secret() -> Vec<u8> {
    let bytes: [u8; 32] = rand::random();
    bytes.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tampering() {
        let keys = TokenKeys::new(b"secret-one");
        let now = Utc::now();
        let token = keys.issue_access(7, "province", Some("42"), now).unwrap();
        let claims = keys.verify_access(&token).unwrap();
        assert_eq!(claims.sub, "7");
        assert_eq!(claims.scope.as_deref(), Some("42"));

        let other = TokenKeys::new(b"secret-two");
        assert!(other.verify_access(&token).is_err());

        // The right secret, but no issuer and audience, or another audience: refused.
        let header = Header::new(Algorithm::HS256);
        let exp = (now + Duration::minutes(5)).timestamp();
        let bare =
            serde_json::json!({"sub": "7", "role": "admin", "scope": null, "iat": 0, "exp": exp});
        let bare = encode(&header, &bare, &EncodingKey::from_secret(b"secret-one")).unwrap();
        assert!(keys.verify_access(&bare).is_err());
        let elsewhere = serde_json::json!({"sub": "7", "role": "admin", "scope": null,
            "iss": ISSUER, "aud": "another-api", "iat": 0, "exp": exp});
        let elsewhere = encode(
            &header,
            &elsewhere,
            &EncodingKey::from_secret(b"secret-one"),
        )
        .unwrap();
        assert!(keys.verify_access(&elsewhere).is_err());

        let expired = keys
            .issue_access(7, "admin", None, now - Duration::hours(1))
            .unwrap();
        assert!(keys.verify_access(&expired).is_err());
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(check_secret(b"x").is_err());
        assert!(check_secret(&[b'k'; 31]).is_err());
        assert!(check_secret(&[b'k'; 32]).is_ok());
        assert!(check_secret(&random_secret()).is_ok());
    }

    #[test]
    fn alg_none_is_refused() {
        let keys = TokenKeys::new(b"secret");
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let exp = Utc::now().timestamp() + 600;
        let body = engine.encode(format!(
            r#"{{"sub":"1","role":"admin","scope":null,"iat":0,"exp":{exp}}}"#
        ));
        assert!(keys.verify_access(&format!("{header}.{body}.")).is_err());
    }
}
