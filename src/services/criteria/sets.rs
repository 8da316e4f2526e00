//! Criteria sets: where a set sits (national or a province), who sees its drafts,
//! creating and reading sets.
use super::*;
use crate::error::ErrorCode;

/// Where a set sits, for scope checks: national sets belong to admins only.
pub fn set_scope(set: &criteria_set::Model) -> Scope {
    scope_named(&set.scope)
}

/// Where a set whose `scope` field is `scope` (`national` or a province code) sits.
pub fn scope_named(scope: &str) -> Scope {
    if scope == NATIONAL {
        Scope::default()
    } else {
        Scope::province(scope)
    }
}

/// One criteria set, if it exists.
pub async fn find_set<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<criteria_set::Model>> {
    Ok(criteria_set::Entity::find_by_id(id).one(db).await?)
}

/// Criteria sets, filtered by level and scope, in id order.
pub async fn list_sets<C: ConnectionTrait>(
    db: &C,
    level: Option<CriteriaLevel>,
    scope: Option<String>,
    request: PageRequest,
) -> Result<Page<criteria_set::Model>> {
    let mut select = criteria_set::Entity::find();
    if let Some(level) = level {
        select = select.filter(criteria_set::Column::Level.eq(level));
    }
    if let Some(scope) = scope {
        select = select.filter(criteria_set::Column::Scope.eq(scope));
    }
    let select = select.order_by_asc(criteria_set::Column::Id);
    Ok(crate::services::fetch_page(db, select, request).await?)
}

/// Whether a caller may see drafts of a set: its editors and viewers
/// ([`Caller::sees_criteria_drafts`]).
pub fn sees_drafts(caller: Option<&Caller>, set: &criteria_set::Model) -> bool {
    caller.is_some_and(|c| c.sees_criteria_drafts(&set_scope(set)))
}

pub async fn validate_new_set<C: ConnectionTrait>(db: &C, input: &NewCriteriaSet) -> Result<()> {
    let mut errors = Vec::new();
    let code_ok = (2..=64).contains(&input.code.len())
        && input
            .code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if !code_ok {
        errors.push(FieldError::new(
            ErrorCode::InvalidFormat,
            "code",
            "2 to 64 upper-case letters, digits or '-'",
        ));
    }
    check_text(&input.name, "name", 300, &mut errors);
    if input.scope != NATIONAL
        && units::find_current(db, Level::Province, &input.scope)
            .await?
            .is_none()
    {
        errors.push(FieldError::new(
            ErrorCode::UnknownValue,
            "scope",
            "`national` or the code of a current province",
        ));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub async fn create_set<C: ConnectionTrait>(
    db: &C,
    input: &NewCriteriaSet,
) -> Result<criteria_set::Model> {
    let now = Utc::now();
    let model = criteria_set::ActiveModel {
        code: Set(input.code.clone()),
        name: Set(input.name.clone()),
        level: Set(input.level),
        scope: Set(input.scope.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .on_unique("code", "a criteria set with this code exists")?;
    changes::record(
        db,
        "criteria_set",
        &model.id.to_string(),
        province_of_set(&model),
        changes::Op::Create,
        Some(&CriteriaSetView::from(&model)),
    )
    .await?;
    Ok(model)
}

pub async fn get_set<C: ConnectionTrait>(db: &C, id: i32) -> Result<criteria_set::Model> {
    Sets::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("criteria set {id}")))
}
