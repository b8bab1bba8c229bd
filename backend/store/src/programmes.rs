//! Programmes, their members and cohorts, case sets and assignments; and the membership
//! questions every access check asks ("does this expert review this trainee?").

use readroom_domain::Role;
use serde::Serialize;
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::cases::conflict_if_taken;
use crate::{Result, Store, StoreError, new_id, now_millis};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Programme {
    pub id: String,
    pub name: String,
    /// The programme's settings as stored (JSON); the server reads them with defaults.
    pub settings: serde_json::Value,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cohort {
    pub id: String,
    pub programme_id: String,
    pub name: String,
    /// Trainee user ids.
    pub members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseSet {
    pub id: String,
    pub programme_id: String,
    pub name: String,
    /// Case ids in reading order.
    pub case_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub id: String,
    pub programme_id: String,
    pub case_set_id: String,
    pub case_set_name: String,
    pub cohort_id: String,
    pub cohort_name: String,
    pub opens_at: i64,
    pub due_at: i64,
}

/// An assignment as a trainee sees it: where it stands, and each case with how far they got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TraineeAssignment {
    #[serde(flatten)]
    pub assignment: Assignment,
    pub status: AssignmentStatus,
    pub cases: Vec<AssignedCase>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssignmentStatus {
    /// Not open yet: its cases are not shown.
    Upcoming,
    Open,
    /// Past its due date with cases left to read (they can still be read).
    Overdue,
    /// Every case submitted.
    Done,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignedCase {
    pub case_id: String,
    pub title: String,
    pub synthetic: bool,
    /// The trainee's first read of it, if started.
    pub attempt_id: Option<String>,
    pub submitted: bool,
}

/// The roles a programme has; an administrator administers the installation, not programmes.
fn programme_role(role: Role) -> Result<Role> {
    match role {
        Role::Lead | Role::Expert | Role::Trainee => Ok(role),
        Role::Admin => Err(StoreError::Invalid(
            "role: a programme has leads, experts and trainees".into(),
        )),
    }
}

fn parse_role(text: &str) -> Result<Role> {
    text.parse()
        .map_err(|err| StoreError::Corrupt(format!("{err}")))
}

fn check_name(field: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() || name.chars().count() > 200 {
        return Err(StoreError::Invalid(format!("{field}: 1 to 200 characters")));
    }
    Ok(())
}

impl Store {
    /// Creates a programme led by `lead_id`.
    pub async fn create_programme(
        &self,
        name: &str,
        settings: &serde_json::Value,
        lead_id: &str,
    ) -> Result<Programme> {
        check_name("name", name)?;
        let programme = Programme {
            id: new_id(),
            name: name.trim().to_owned(),
            settings: settings.clone(),
            created_at: now_millis(),
        };
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO programmes (id, name, settings, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&programme.id)
        .bind(&programme.name)
        .bind(settings.to_string())
        .bind(programme.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO programme_members (programme_id, user_id, role) VALUES ($1, $2, $3)",
        )
        .bind(&programme.id)
        .bind(lead_id)
        .bind(Role::Lead.as_str())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(programme)
    }

    pub async fn programme(&self, id: &str) -> Result<Option<Programme>> {
        let row =
            sqlx::query("SELECT id, name, settings, created_at FROM programmes WHERE id = $1")
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
        row.as_ref().map(programme_from_row).transpose()
    }

    /// Every programme, or those `user_id` takes part in.
    pub async fn programmes(&self, member: Option<&str>) -> Result<Vec<Programme>> {
        let rows = match member {
            None => {
                sqlx::query(
                    "SELECT id, name, settings, created_at FROM programmes ORDER BY name, id",
                )
                .fetch_all(&self.pool)
                .await?
            }
            Some(user_id) => {
                sqlx::query(
                    "SELECT DISTINCT p.id, p.name, p.settings, p.created_at FROM programmes p \
                     JOIN programme_members m ON m.programme_id = p.id WHERE m.user_id = $1 \
                     ORDER BY p.name, p.id",
                )
                .bind(user_id)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(programme_from_row).collect()
    }

    pub async fn set_programme_settings(
        &self,
        id: &str,
        settings: &serde_json::Value,
    ) -> Result<()> {
        sqlx::query("UPDATE programmes SET settings = $1 WHERE id = $2")
            .bind(settings.to_string())
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The roles `user_id` holds in a programme.
    pub async fn programme_roles(&self, programme_id: &str, user_id: &str) -> Result<Vec<Role>> {
        let roles: Vec<String> = sqlx::query_scalar(
            "SELECT role FROM programme_members WHERE programme_id = $1 AND user_id = $2 ORDER BY role",
        )
        .bind(programme_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        roles.iter().map(|role| parse_role(role)).collect()
    }

    /// Enrols a user in a programme in a role their account holds.
    pub async fn add_member(&self, programme_id: &str, user_id: &str, role: Role) -> Result<()> {
        let role = programme_role(role)?;
        let user = self
            .user(user_id)
            .await?
            .ok_or_else(|| StoreError::Invalid("user_id: no such user".into()))?;
        if !user.roles.contains(&role) {
            return Err(StoreError::Invalid(format!(
                "role: {} is not a {role} (an administrator can add the role)",
                user.username
            )));
        }
        sqlx::query(
            "INSERT INTO programme_members (programme_id, user_id, role) VALUES ($1, $2, $3)",
        )
        .bind(programme_id)
        .bind(user_id)
        .bind(role.as_str())
        .execute(&self.writer)
        .await
        .map_err(|err| {
            conflict_if_taken(err, || {
                format!("{} is already a {role} of this programme", user.username)
            })
        })?;
        Ok(())
    }

    pub async fn members(&self, programme_id: &str) -> Result<Vec<Member>> {
        let rows = sqlx::query(
            "SELECT m.user_id, u.username, u.display_name, m.role FROM programme_members m \
             JOIN users u ON u.id = m.user_id WHERE m.programme_id = $1 \
             ORDER BY m.role, u.display_name, u.id",
        )
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Member {
                    user_id: row.try_get("user_id")?,
                    username: row.try_get("username")?,
                    display_name: row.try_get("display_name")?,
                    role: parse_role(&row.try_get::<String, _>("role")?)?,
                })
            })
            .collect()
    }

    pub async fn create_cohort(&self, programme_id: &str, name: &str) -> Result<Cohort> {
        check_name("name", name)?;
        let cohort = Cohort {
            id: new_id(),
            programme_id: programme_id.to_owned(),
            name: name.trim().to_owned(),
            members: Vec::new(),
        };
        sqlx::query(
            "INSERT INTO cohorts (id, programme_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&cohort.id)
        .bind(programme_id)
        .bind(&cohort.name)
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        Ok(cohort)
    }

    pub async fn cohort(&self, id: &str) -> Result<Option<Cohort>> {
        let row = sqlx::query("SELECT id, programme_id, name FROM cohorts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some(self.cohort_from_row(&row).await?)),
            None => Ok(None),
        }
    }

    /// A cohort's programme and name, without its member list: (programme id, name).
    pub async fn cohort_heading(&self, id: &str) -> Result<Option<(String, String)>> {
        let row = sqlx::query("SELECT programme_id, name FROM cohorts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| Ok((row.try_get("programme_id")?, row.try_get("name")?)))
            .transpose()
    }

    pub async fn cohorts(&self, programme_id: &str) -> Result<Vec<Cohort>> {
        let rows = sqlx::query(
            "SELECT id, programme_id, name FROM cohorts WHERE programme_id = $1 ORDER BY name, id",
        )
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?;
        let mut cohorts = Vec::with_capacity(rows.len());
        for row in &rows {
            cohorts.push(self.cohort_from_row(row).await?);
        }
        Ok(cohorts)
    }

    async fn cohort_from_row(&self, row: &AnyRow) -> Result<Cohort> {
        let id: String = row.try_get("id")?;
        let members = sqlx::query_scalar(
            "SELECT c.user_id FROM cohort_members c JOIN users u ON u.id = c.user_id \
             WHERE c.cohort_id = $1 ORDER BY u.display_name, u.id",
        )
        .bind(&id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Cohort {
            id,
            programme_id: row.try_get("programme_id")?,
            name: row.try_get("name")?,
            members,
        })
    }

    /// Puts one of the programme's trainees into a cohort.
    pub async fn add_cohort_member(&self, cohort: &Cohort, user_id: &str) -> Result<()> {
        if !self
            .programme_roles(&cohort.programme_id, user_id)
            .await?
            .contains(&Role::Trainee)
        {
            return Err(StoreError::Invalid(
                "user_id: enrol the user as a trainee of the programme first".into(),
            ));
        }
        sqlx::query("INSERT INTO cohort_members (cohort_id, user_id) VALUES ($1, $2)")
            .bind(&cohort.id)
            .bind(user_id)
            .execute(&self.writer)
            .await
            .map_err(|err| conflict_if_taken(err, || "already in this cohort".to_owned()))?;
        Ok(())
    }

    /// An ordered list of cases from the bank; every case must exist and appear once.
    pub async fn create_case_set(
        &self,
        programme_id: &str,
        name: &str,
        case_ids: &[String],
    ) -> Result<CaseSet> {
        check_name("name", name)?;
        if case_ids.is_empty() || case_ids.len() > 1000 {
            return Err(StoreError::Invalid("case_ids: 1 to 1000 cases".into()));
        }
        for (index, case_id) in case_ids.iter().enumerate() {
            if case_ids[..index].contains(case_id) {
                return Err(StoreError::Invalid(format!(
                    "case_ids: case {case_id} is listed twice"
                )));
            }
        }
        let set = CaseSet {
            id: new_id(),
            programme_id: programme_id.to_owned(),
            name: name.trim().to_owned(),
            case_ids: case_ids.to_vec(),
        };
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "INSERT INTO case_sets (id, programme_id, name, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&set.id)
        .bind(programme_id)
        .bind(&set.name)
        .bind(now_millis())
        .execute(&mut *tx)
        .await?;
        for (position, case_id) in case_ids.iter().enumerate() {
            let known: Option<String> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
                .bind(case_id)
                .fetch_optional(&mut *tx)
                .await?;
            if known.is_none() {
                return Err(StoreError::Invalid(format!("case_ids: no case {case_id}")));
            }
            sqlx::query(
                "INSERT INTO case_set_cases (case_set_id, position, case_id) VALUES ($1, $2, $3)",
            )
            .bind(&set.id)
            .bind(position as i64)
            .bind(case_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(set)
    }

    pub async fn case_sets(&self, programme_id: &str) -> Result<Vec<CaseSet>> {
        let rows = sqlx::query(
            "SELECT id, programme_id, name FROM case_sets WHERE programme_id = $1 ORDER BY name, id",
        )
        .bind(programme_id)
        .fetch_all(&self.pool)
        .await?;
        let mut sets = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: String = row.try_get("id")?;
            let case_ids = sqlx::query_scalar(
                "SELECT case_id FROM case_set_cases WHERE case_set_id = $1 ORDER BY position",
            )
            .bind(&id)
            .fetch_all(&self.pool)
            .await?;
            sets.push(CaseSet {
                id,
                programme_id: row.try_get("programme_id")?,
                name: row.try_get("name")?,
                case_ids,
            });
        }
        Ok(sets)
    }

    /// Gives a case set to a cohort of the same programme.
    pub async fn create_assignment(
        &self,
        programme_id: &str,
        case_set_id: &str,
        cohort_id: &str,
        opens_at: i64,
        due_at: i64,
    ) -> Result<Assignment> {
        if due_at <= opens_at {
            return Err(StoreError::Invalid("due_at: must be after opens_at".into()));
        }
        let set_programme: Option<String> =
            sqlx::query_scalar("SELECT programme_id FROM case_sets WHERE id = $1")
                .bind(case_set_id)
                .fetch_optional(&self.pool)
                .await?;
        if set_programme.as_deref() != Some(programme_id) {
            return Err(StoreError::Invalid(
                "case_set_id: no such case set in this programme".into(),
            ));
        }
        let cohort_programme: Option<String> =
            sqlx::query_scalar("SELECT programme_id FROM cohorts WHERE id = $1")
                .bind(cohort_id)
                .fetch_optional(&self.pool)
                .await?;
        if cohort_programme.as_deref() != Some(programme_id) {
            return Err(StoreError::Invalid(
                "cohort_id: no such cohort in this programme".into(),
            ));
        }
        let id = new_id();
        sqlx::query(
            "INSERT INTO assignments (id, case_set_id, cohort_id, opens_at, due_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(case_set_id)
        .bind(cohort_id)
        .bind(opens_at)
        .bind(due_at)
        .bind(now_millis())
        .execute(&self.writer)
        .await?;
        self.assignments_where("a.id = $1", &id)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("the new assignment vanished".into()))
    }

    pub async fn programme_assignments(&self, programme_id: &str) -> Result<Vec<Assignment>> {
        self.assignments_where("c.programme_id = $1", programme_id)
            .await
    }

    async fn assignments_where(&self, condition: &str, value: &str) -> Result<Vec<Assignment>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT a.id, a.case_set_id, s.name AS case_set_name, a.cohort_id, \
             c.name AS cohort_name, c.programme_id, a.opens_at, a.due_at \
             FROM assignments a JOIN case_sets s ON s.id = a.case_set_id \
             JOIN cohorts c ON c.id = a.cohort_id WHERE {condition} ORDER BY a.due_at, a.id"
        )))
        .bind(value)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(assignment_from_row).collect()
    }

    /// What a trainee has been given, with each case's progress. Assignments not yet open are
    /// listed (so the trainee sees what is coming) without their cases.
    pub async fn trainee_assignments(
        &self,
        trainee_id: &str,
        now: i64,
    ) -> Result<Vec<TraineeAssignment>> {
        let assignments = self
            .assignments_where(
                "a.cohort_id IN (SELECT cohort_id FROM cohort_members WHERE user_id = $1)",
                trainee_id,
            )
            .await?;
        let mut given = Vec::with_capacity(assignments.len());
        for assignment in assignments {
            let cases = if assignment.opens_at <= now {
                let rows = sqlx::query(
                    "SELECT k.id, k.title, k.synthetic, t.id AS attempt_id, t.submitted_at \
                     FROM case_set_cases s JOIN cases k ON k.id = s.case_id \
                     LEFT JOIN attempts t ON t.case_id = k.id AND t.trainee_id = $1 \
                     AND t.reread_number = 0 \
                     WHERE s.case_set_id = $2 ORDER BY s.position",
                )
                .bind(trainee_id)
                .bind(&assignment.case_set_id)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok(AssignedCase {
                            case_id: row.try_get("id")?,
                            title: row.try_get("title")?,
                            synthetic: row.try_get::<i64, _>("synthetic")? != 0,
                            attempt_id: row.try_get("attempt_id")?,
                            submitted: row.try_get::<Option<i64>, _>("submitted_at")?.is_some(),
                        })
                    })
                    .collect::<Result<Vec<_>>>()?
            } else {
                Vec::new()
            };
            let status = if assignment.opens_at > now {
                AssignmentStatus::Upcoming
            } else if cases.iter().all(|case| case.submitted) {
                AssignmentStatus::Done
            } else if assignment.due_at < now {
                AssignmentStatus::Overdue
            } else {
                AssignmentStatus::Open
            };
            given.push(TraineeAssignment {
                assignment,
                status,
                cases,
            });
        }
        Ok(given)
    }

    /// The open assignment through which a trainee reads a case (the one due first), if any.
    pub async fn open_assignment_for_case(
        &self,
        trainee_id: &str,
        case_id: &str,
        now: i64,
    ) -> Result<Option<Assignment>> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT a.id FROM assignments a \
             JOIN cohort_members m ON m.cohort_id = a.cohort_id AND m.user_id = $1 \
             JOIN case_set_cases s ON s.case_set_id = a.case_set_id AND s.case_id = $2 \
             WHERE a.opens_at <= $3 ORDER BY a.due_at, a.id LIMIT 1",
        )
        .bind(trainee_id)
        .bind(case_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        match id {
            Some(id) => Ok(self.assignments_where("a.id = $1", &id).await?.pop()),
            None => Ok(None),
        }
    }

    /// Whether a trainee may see a case's images and clinical context: it is in one of their
    /// open assignments, or they have read it already.
    pub async fn trainee_may_see_case(
        &self,
        trainee_id: &str,
        case_id: &str,
        now: i64,
    ) -> Result<bool> {
        // Text, not `SELECT 1`: PostgreSQL's integer literal is 32-bit, SQLite's 64-bit.
        let found: Option<String> = sqlx::query_scalar(
            "SELECT case_id FROM attempts WHERE trainee_id = $1 AND case_id = $2 \
             UNION SELECT s.case_id FROM assignments a \
             JOIN cohort_members m ON m.cohort_id = a.cohort_id AND m.user_id = $1 \
             JOIN case_set_cases s ON s.case_set_id = a.case_set_id AND s.case_id = $2 \
             WHERE a.opens_at <= $3",
        )
        .bind(trainee_id)
        .bind(case_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }

    /// The case a study belongs to, if it is one.
    pub async fn case_of_study(&self, study_uid: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM cases WHERE study_uid = $1")
                .bind(study_uid)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Whether `user_id` holds `role` in a programme where `trainee_id` is a trainee: an expert
    /// reviews, and a lead follows, exactly the trainees of their programmes.
    pub async fn shares_programme_with_trainee(
        &self,
        user_id: &str,
        role: Role,
        trainee_id: &str,
    ) -> Result<bool> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT mine.programme_id FROM programme_members mine \
             JOIN programme_members theirs ON theirs.programme_id = mine.programme_id \
             WHERE mine.user_id = $1 AND mine.role = $2 \
             AND theirs.user_id = $3 AND theirs.role = 'trainee' LIMIT 1",
        )
        .bind(user_id)
        .bind(role.as_str())
        .bind(trainee_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(found.is_some())
    }
}

fn programme_from_row(row: &AnyRow) -> Result<Programme> {
    let settings: String = row.try_get("settings")?;
    Ok(Programme {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        settings: serde_json::from_str(&settings)
            .map_err(|err| StoreError::Corrupt(format!("programme settings: {err}")))?,
        created_at: row.try_get("created_at")?,
    })
}

fn assignment_from_row(row: &AnyRow) -> Result<Assignment> {
    Ok(Assignment {
        id: row.try_get("id")?,
        programme_id: row.try_get("programme_id")?,
        case_set_id: row.try_get("case_set_id")?,
        case_set_name: row.try_get("case_set_name")?,
        cohort_id: row.try_get("cohort_id")?,
        cohort_name: row.try_get("cohort_name")?,
        opens_at: row.try_get("opens_at")?,
        due_at: row.try_get("due_at")?,
    })
}
