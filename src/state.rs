//! The state every request shares. It lives apart from [`crate::startup`] so that handlers,
//! extractors and middleware depend on it without depending on how the server is built.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::tokens::TokenKeys;
use crate::services::assessments::rendered::Views;
use crate::services::criteria::rendered::RenderedVersions;
use crate::services::criteria::trees::Trees;
use crate::services::documents::DocumentStore;
use crate::services::logins::LoginLimits;
use crate::services::signed_in::SignedInUsers;
use crate::services::unit_cache::UnitCache;

/// Shared state of every request.
pub struct AppState {
    pub db: DatabaseConnection,
    pub tokens: TokenKeys,
    /// Read model of the administrative units for public reads.
    pub units: Arc<UnitCache>,
    /// Failed-login limits of `POST /auth/token`.
    pub logins: LoginLimits,
    /// The users of valid tokens, read at most a few seconds ago.
    pub signed_in: SignedInUsers,
    /// Published criteria versions as rendered JSON, for a few seconds.
    pub criteria_versions: RenderedVersions,
    /// Parsed criteria trees of published versions (they never change).
    pub trees: Trees,
    /// Assessment views as rendered, each beside the row it was rendered from.
    pub assessment_views: Views,
    /// Where documents' bytes are kept, and what an upload may be.
    pub documents: DocumentStore,
}
