//! Creating an assessment: the criteria version in force, the unit on the date, a
//! provincial set in its own province, then one insert with its first values.
use super::*;
use crate::error::ErrorCode;

/// The unit level a criteria level assesses.
pub fn unit_level_for(level: CriteriaLevel) -> Level {
    match level {
        CriteriaLevel::Commune | CriteriaLevel::CommuneAdvanced | CriteriaLevel::CommuneModel => {
            Level::Commune
        }
        CriteriaLevel::VillageModel | CriteriaLevel::ModelGarden => Level::Village,
        CriteriaLevel::District | CriteriaLevel::DistrictAdvanced => Level::District,
        CriteriaLevel::Province => Level::Province,
    }
}

/// A new assessment, validated: the version is in force on the date, the unit existed
/// then, a provincial set is used in its own province.
pub struct PreparedAssessment {
    pub unit: entity::unit::Model,
    pub unit_level: Level,
    /// The published criteria version assessed against, with its set and tree.
    pub catalog: Arc<Catalog>,
    pub input: NewAssessment,
    /// The commune's designation in force on the date (special regional rule), if any.
    pub designation: Option<entity::unit_designation::Model>,
}

impl PreparedAssessment {
    /// The region whose thresholds apply: the designation's when the commune carries one
    /// on the date, otherwise the unit's own.
    pub fn threshold_region(&self) -> Option<Region> {
        crate::services::designations::threshold_region(&self.unit, self.designation.as_ref())
    }

    pub fn scope(&self) -> Scope {
        let mut scope = units::scope_of(&self.unit);
        if self.unit_level == Level::Commune {
            scope.commune = Some(self.unit.code.clone());
        }
        scope
    }
}

/// A published criteria version with its set and parsed tree: what an assessment is
/// checked and evaluated against. Batches look each up once.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub version: entity::criteria_version::Model,
    pub set: entity::criteria_set::Model,
    pub tree: Vec<crate::domain::criteria::Criterion>,
}

/// The criteria version `id` with its set and parsed tree, or `None` when there is no such
/// version. Shared (`Arc`): a batch reads each version once for all its items.
pub async fn catalog<C: ConnectionTrait>(db: &C, id: i32) -> Result<Option<Arc<Catalog>>> {
    let Some(version) = entity::criteria_version::Entity::find_by_id(id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let set = criteria_service::get_set(db, version.set_id).await?;
    let tree = criteria_service::tree_of(&version)?;
    Ok(Some(Arc::new(Catalog { version, set, tree })))
}

pub async fn prepare<C: ConnectionTrait>(
    db: &C,
    input: NewAssessment,
) -> Result<PreparedAssessment> {
    let found = catalog(db, input.criteria_version_id).await?;
    prepare_with(db, input, found).await
}

/// Validates a new assessment against its criteria version (looked up by the caller),
/// reading the unit's versions and designations.
pub async fn prepare_with<C: ConnectionTrait>(
    db: &C,
    input: NewAssessment,
    found: Option<Arc<Catalog>>,
) -> Result<PreparedAssessment> {
    let Some(level) = found.as_ref().map(|c| unit_level_for(c.set.level)) else {
        return prepare_from(input, found, Vec::new(), Vec::new());
    };
    let code = input.unit_code.as_str();
    let versions = units::find_versions(db, level, code).await?;
    let designations = if level == Level::Commune && !versions.is_empty() {
        crate::services::designations::of_commune(db, code).await?
    } else {
        Vec::new()
    };
    prepare_from(input, found, versions, designations)
}

/// [`prepare_with`] on what was read for it: every version of the unit's code at the
/// set's level (oldest first) and, for a commune, its designations (a batch reads these
/// for all its items at once).
pub fn prepare_from(
    input: NewAssessment,
    found: Option<Arc<Catalog>>,
    versions: Vec<entity::unit::Model>,
    designations: Vec<entity::unit_designation::Model>,
) -> Result<PreparedAssessment> {
    let catalog = match found {
        Some(c) if c.version.status != VersionStatus::Draft => c,
        Some(_) => {
            return Err(ApiError::invalid(
                ErrorCode::NotAllowed,
                "criteria_version_id",
                "this criteria version is a draft; assess against a published one",
            ));
        }
        None => {
            return Err(ApiError::invalid(
                ErrorCode::NotFound,
                "criteria_version_id",
                format!(
                    "no criteria version has the id {}",
                    input.criteria_version_id
                ),
            ));
        }
    };
    let (v, s) = (&catalog.version, &catalog.set);
    let mut errors = Vec::new();
    if input.assessed_on < v.effective_from
        || v.effective_to.is_some_and(|to| input.assessed_on > to)
    {
        errors.push(FieldError::new(
            ErrorCode::OutOfRange,
            "assessed_on",
            format!(
                "criteria version {} is in force from {} to {}",
                v.id,
                v.effective_from,
                v.effective_to
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "now".into())
            ),
        ));
    }
    let unit_level = unit_level_for(s.level);
    let unit = units::version_on(versions, Some(input.assessed_on));
    match &unit {
        None => errors.push(FieldError::new(
            ErrorCode::NotFound,
            "unit_code",
            format!(
                "no {} {} existed on {}",
                unit_level.noun(),
                input.unit_code,
                input.assessed_on
            ),
        )),
        Some(u) => {
            let province = units::scope_of(u).province;
            if s.scope != criteria_service::NATIONAL
                && province.as_deref() != Some(s.scope.as_str())
            {
                errors.push(FieldError::new(
                    ErrorCode::NotAllowed,
                    "criteria_version_id",
                    format!("this criteria set belongs to province {}", s.scope),
                ));
            }
        }
    }
    match unit {
        Some(unit) if errors.is_empty() => Ok(PreparedAssessment {
            designation: match unit_level {
                Level::Commune => crate::services::designations::in_force_among(
                    designations,
                    &unit,
                    input.assessed_on,
                ),
                _ => None,
            },
            unit,
            unit_level,
            catalog,
            input,
        }),
        _ => Err(ApiError::Validation(errors)),
    }
}

/// The natural key of an assessment: unit, criteria version, date, kind.
pub type AssessmentKey = (String, i32, NaiveDate, Kind);

/// The natural key of the stored assessment `m`.
pub fn natural_key(m: &assessment::Model) -> AssessmentKey {
    (
        m.unit_code.clone(),
        m.criteria_version_id,
        m.assessed_on,
        m.kind,
    )
}

/// A new draft checked and evaluated: its row, its results and the inputs to store.
pub struct NewDraft<'a> {
    key: AssessmentKey,
    row: assessment::ActiveModel,
    outcomes: Vec<CriterionOutcome>,
    inputs: &'a ValuesInput,
}

/// Checks `inputs` against the prepared assessment's tree and evaluates them, writing
/// nothing: what [`insert`] and [`insert_drafts`] store.
pub fn draft_of<'a>(
    prepared: &PreparedAssessment,
    inputs: &'a ValuesInput,
    by: &str,
) -> Result<NewDraft<'a>> {
    let errors = check_inputs(&prepared.catalog.tree, inputs);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let now = Utc::now();
    let scope = prepared.scope();
    let year = prepared.input.assessed_on.year();
    let values: HashMap<String, Value> = inputs
        .values
        .iter()
        .filter_map(|v| v.value.map(|x| (v.indicator_code.clone(), x)))
        .collect();
    let decided: HashMap<String, CriterionResult> = inputs
        .criteria_decisions
        .iter()
        .filter_map(|d| decision_result(d).map(|r| (d.criterion_code.clone(), r)))
        .collect();
    let ctx = Context {
        region: prepared.threshold_region(),
        commune_group: prepared.unit.commune_group,
        year,
    };
    let (outcomes, summary) = evaluate(&prepared.catalog.tree, &values, &decided, ctx);
    let input = &prepared.input;
    let row = assessment::ActiveModel {
        unit_level: Set(prepared.unit_level),
        unit_code: Set(input.unit_code.clone()),
        province_code: Set(scope.province),
        district_code: Set(scope.district),
        commune_code: Set(scope.commune),
        region: Set(prepared.threshold_region()),
        designation_id: Set(prepared.designation.as_ref().map(|d| d.id)),
        commune_group: Set(prepared.unit.commune_group),
        criteria_version_id: Set(prepared.catalog.version.id),
        assessed_on: Set(input.assessed_on),
        year: Set(year),
        kind: Set(input.kind),
        status: Set(Status::Draft),
        met_count: Set(summary.met),
        total_count: Set(summary.total),
        met_mask: Set(mask_of(&outcomes)),
        unknown_count: Set(Some(summary.unknown)),
        unknown_mask: Set(unknown_mask_of(&outcomes)),
        created_by: Set(by.to_string()),
        row_version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let key = (
        input.unit_code.clone(),
        prepared.catalog.version.id,
        input.assessed_on,
        input.kind,
    );
    Ok(NewDraft {
        key,
        row,
        outcomes,
        inputs,
    })
}

const DUPLICATE: &str =
    "this unit already has an assessment of this kind against this version on this date";

/// Inserts a new draft with its first values and decisions (none from `POST /assessments`,
/// the item's from sync), evaluated before the insert so the row is written once.
pub async fn insert<C: ConnectionTrait>(
    db: &C,
    prepared: &PreparedAssessment,
    inputs: &ValuesInput,
    by: &str,
) -> Result<assessment::Model> {
    let draft = draft_of(prepared, inputs, by)?;
    let model = draft
        .row
        .insert(db)
        .await
        .on_unique("assessed_on", DUPLICATE)?;
    record_transition(db, model.id, None, Status::Draft, by, None).await?;
    store_inputs(db, model.id, inputs, by, false).await?;
    store_results(db, model.id, &draft.outcomes, None).await?;
    record_change(db, None, &model, Default::default()).await?;
    Ok(model)
}

/// Inserts the drafts of a batch's items (`(item, draft)`) as [`insert`] would one by one,
/// with one statement per table (a few where the parameters of one would exceed the
/// databases' limits): the rows, their first transitions, values, decisions and results,
/// and their creations in the feed and the audit trail, in the items' order. Returns the
/// rows in the drafts' order. Any failure (a unit assessed meanwhile by another writer)
/// fails the whole call: the caller's savepoint undoes it and writes the items one by one.
pub async fn insert_drafts<C: ConnectionTrait>(
    db: &C,
    drafts: Vec<(usize, NewDraft<'_>)>,
    by: &str,
) -> Result<Vec<assessment::Model>> {
    if drafts.is_empty() {
        return Ok(Vec::new());
    }
    let inserted = Assessments::insert_many(drafts.iter().map(|(_, d)| d.row.clone()))
        .exec_with_returning(db)
        .await
        .on_unique("assessed_on", DUPLICATE)?;
    // `RETURNING` promises no order: each row is matched to its draft by its natural key.
    let mut by_key: HashMap<AssessmentKey, assessment::Model> =
        inserted.into_iter().map(|m| (natural_key(&m), m)).collect();
    let now = Utc::now();
    let (mut transitions, mut values, mut decisions, mut results, mut created) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut models = Vec::with_capacity(drafts.len());
    for (item, draft) in drafts {
        let m = by_key
            .remove(&draft.key)
            .ok_or_else(|| anyhow::anyhow!("an inserted assessment was not returned"))?;
        transitions.push(transition_row(m.id, None, Status::Draft, by, None, now));
        values.extend(value_rows(m.id, draft.inputs, by, now));
        decisions.extend(decision_rows(m.id, draft.inputs, by, now));
        results.extend(result_rows(m.id, &draft.outcomes, now));
        created.push(changes::Created {
            item,
            key: m.id.to_string(),
            province: m.province_code.clone(),
            data: summary_of(&m),
        });
        models.push(m);
    }
    crate::services::insert_rows(db, transitions).await?;
    crate::services::insert_rows(db, values).await?;
    crate::services::insert_rows(db, decisions).await?;
    crate::services::insert_rows(db, results).await?;
    changes::record_created(db, "assessment", created).await?;
    Ok(models)
}
