//! Helpers for PATCH bodies: telling "absent" from "null".
use serde::{Deserialize, Deserializer};

/// `Some(None)` for an explicit `null`, `Some(Some(v))` for a value; use with
/// `#[serde(default)]` so an absent field is `None`.
pub fn double_option<'de, T, D>(de: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(de).map(Some)
}
