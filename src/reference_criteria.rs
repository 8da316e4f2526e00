//! The national criteria sets shipped in `data/criteria/`, one file per legal document,
//! loaded as published versions on an empty database (see `data/criteria/README.md`).
use std::collections::HashMap;

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde::Deserialize;

use crate::domain::criteria::{validate_tree, CriteriaLevel, Criterion};
use crate::services::criteria::{
    self as service, LegalDocument, NewCriteriaSet, VersionInput, VersionStatus,
};

/// The files, in the order they are loaded (a revision after what it revises).
pub const FILES: [(&str, &str); 4] = [
    (
        "qd-1980-2016.json",
        include_str!("../data/criteria/qd-1980-2016.json"),
    ),
    (
        "qd-318-2022.json",
        include_str!("../data/criteria/qd-318-2022.json"),
    ),
    (
        "qd-211-2024.json",
        include_str!("../data/criteria/qd-211-2024.json"),
    ),
    (
        "qd-51-2025.json",
        include_str!("../data/criteria/qd-51-2025.json"),
    ),
];

#[derive(Debug, Deserialize)]
pub struct CriteriaFile {
    pub legal_document: LegalDocument,
    #[serde(default)]
    pub sources: Vec<String>,
    pub versions: Vec<FileVersion>,
}

#[derive(Debug, Deserialize)]
pub struct FileSet {
    pub code: String,
    pub name: String,
    pub level: CriteriaLevel,
    pub scope: String,
}

#[derive(Debug, Deserialize)]
pub struct Revises {
    pub set: String,
    pub label: String,
}

#[derive(Debug, Deserialize)]
pub struct FileVersion {
    pub set: FileSet,
    pub label: String,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
    pub revises: Option<Revises>,
    #[serde(default)]
    pub inherits_tree: bool,
    pub source_note: Option<String>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
}

/// Parses and checks every shipped file (also run by the unit tests).
pub fn parse_all() -> anyhow::Result<Vec<(&'static str, CriteriaFile)>> {
    FILES
        .iter()
        .map(|(name, text)| {
            let file: CriteriaFile = serde_json::from_str(text).map_err(|e| anyhow::anyhow!("data/criteria/{name}: {e}"))?;
            for v in &file.versions {
                let mut errors = Vec::new();
                validate_tree(&v.criteria, &mut errors);
                if let Some(e) = errors.first() {
                    anyhow::bail!("data/criteria/{name}, {} {}: {}: {}", v.set.code, v.label, e.field, e.message);
                }
                if v.inherits_tree != v.criteria.is_empty() {
                    anyhow::bail!("data/criteria/{name}, {} {}: a version either inherits its tree or lists criteria", v.set.code, v.label);
                }
            }
            Ok((*name, file))
        })
        .collect()
}

/// Loads the shipped criteria when no criteria set exists yet.
pub async fn load_if_empty<C: ConnectionTrait>(db: &C) -> anyhow::Result<()> {
    if entity::criteria_set::Entity::find().count(db).await? > 0 {
        return Ok(());
    }
    let mut versions: HashMap<
        (String, String),
        (entity::criteria_set::Model, entity::criteria_version::Model),
    > = HashMap::new();
    let mut loaded = 0;
    for (name, file) in parse_all()? {
        for v in file.versions {
            let set = match entity::criteria_set::Entity::find()
                .filter(entity::criteria_set::Column::Code.eq(v.set.code.as_str()))
                .one(db)
                .await?
            {
                Some(set) => set,
                None => service::create_set(
                    db,
                    &NewCriteriaSet {
                        code: v.set.code.clone(),
                        name: v.set.name.clone(),
                        level: v.set.level,
                        scope: v.set.scope.clone(),
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("data/criteria/{name}: {e}"))?,
            };
            let revised = match &v.revises {
                None => None,
                Some(r) => Some(
                    versions
                        .get(&(r.set.clone(), r.label.clone()))
                        .ok_or_else(|| {
                            anyhow::anyhow!(
                                "data/criteria/{name}: {} {} revises unknown {} {}",
                                v.set.code,
                                v.label,
                                r.set,
                                r.label
                            )
                        })?
                        .clone(),
                ),
            };
            let criteria = match (&revised, v.inherits_tree) {
                (Some((_, r)), true) => service::tree_of(r).map_err(|e| anyhow::anyhow!("{e}"))?,
                _ => v.criteria,
            };
            let input = VersionInput {
                set_id: set.id,
                label: v.label.clone(),
                legal_document: file.legal_document.clone(),
                effective_from: v.effective_from,
                effective_to: v.effective_to,
                revises: revised
                    .as_ref()
                    .filter(|(s, _)| s.id == set.id)
                    .map(|(_, r)| r.id),
                source_note: v.source_note,
                criteria,
            };
            let model = service::insert_version(db, &set, &input, VersionStatus::Published)
                .await
                .map_err(|e| anyhow::anyhow!("data/criteria/{name}: {e}"))?;
            if let Some((revised_set, r)) = &revised {
                if revised_set.id == set.id {
                    service::mark_superseded(db, revised_set, r.id, v.effective_from)
                        .await
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                }
            }
            versions.insert((v.set.code, v.label), (set, model));
            loaded += 1;
        }
    }
    tracing::info!(versions = loaded, "reference criteria loaded");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn shipped_criteria_files_are_valid() {
        let files = super::parse_all().unwrap();
        assert_eq!(files.len(), 4);
    }
}
